"""Reading the CA's answers, in both text styles, into typed results.

Style 0 is newline text: line 1 a status, then a message (status < 0) or positional values.
Style 1 is URL-encoded `errorCode=0&key=value...`, where a repeated key (caCertificate) becomes a
list. Anything else is not the protocol and raises TransientError: a proxy page, a truncated body.
"""
import datetime
import logging
import re
from collections import namedtuple
from urllib.parse import parse_qsl

from . import certs
from .errors import ComodoError, TransientError, error_for_code
from .results import (COLLECT_STATUS_BY_CODE, CollectResult, PlacedOrder, ReportCertificate,
                      ReportEntry)

_logger = logging.getLogger(__name__)

# WebHostReport's status key is spelt both ways in the CA's documents (errorCode, error_code): accept both.
ERROR_CODE_KEYS = ('errorCode', 'error_code')

_INTEGER = re.compile(r'^-?\d+$')
_ORDER_KEY = re.compile(r'^(\d+)_([A-Za-z].*)$')
_CERTIFICATE_KEY = re.compile(r'^(\d+)_(\d+)_([A-Za-z].*)$')
_DCV_EMAIL_KEY = re.compile(r'^(whois_email|level\d+_email)$')
_TIME_FORMATS = ('%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%d')


class Response(namedtuple('Response', 'code message fields lines')):
    """One parsed answer: `fields` (dict) for style 1, `lines` (list) for style 0, the other None.

    `message` is the CA's error text ('' when none), with the offending field appended when the CA
    names it.
    """


def parse_response(body):
    """A Response from a body in either style; TransientError if the body is neither."""
    text = (body or '').lstrip('\ufeff').strip()
    if not text:
        raise TransientError('The CA sent an empty answer.')
    lines = [line.rstrip('\r') for line in text.split('\n')]
    if _INTEGER.match(lines[0].strip()):
        code = int(lines[0])
        message = lines[1].strip() if code < 0 and len(lines) > 1 else ''
        return Response(code, message, None, lines)
    fields = parse_urlencoded(text)
    for key in ERROR_CODE_KEYS:
        value = fields.get(key)
        if isinstance(value, str) and _INTEGER.match(value.strip()):
            message = _first(fields.get('errorMessage')) or ''
            item = _first(fields.get('errorItem'))
            if item:
                message = '%s [%s]' % (message, item) if message else item
            return Response(int(value), message, fields, None)
    raise TransientError('The CA answered something that is not the protocol: %r'
                         % _excerpt(text))


def parse_urlencoded(text):
    """Style-1 fields: a key sent once maps to a str, a key sent several times to a list."""
    fields = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key not in fields:
            fields[key] = value
        elif isinstance(fields[key], list):
            fields[key].append(value)
        else:
            fields[key] = [fields[key], value]
    return fields


def raise_for_code(response, accepted_codes=()):
    """Raise the family's exception for a negative code, unless that code is an answer here."""
    if response.code < 0 and response.code not in accepted_codes:
        raise error_for_code(response.code, response.message)


def read_placed_order(response, sent_unique_value=None):
    """PlacedOrder from AutoApplySSL (sent with showCertificateID=Y).

    Style 0 lines: status, orderNumber, totalCost, expectedDeliveryTime (ignored), certificateID,
    then an optional "certificate state" line, then uniqueValue if one was sent.
    """
    raise_for_code(response)
    if response.fields is not None:
        return _placed_from_fields(response, None, sent_unique_value)
    values = response.lines[1:] + [''] * 4
    unique_value = response.lines[-1] if sent_unique_value and len(response.lines) > 5 else None
    return _placed(response, values[0], values[3], values[1], unique_value, sent_unique_value)


def read_replaced_order(response, order_number, sent_unique_value=None):
    """PlacedOrder from AutoReplaceSSL, which keeps the order's number and states no cost.

    Style 0 lines, in the order the CA documents them: status, certificateID, expectedDeliveryTime
    (ignored), then uniqueValue if one was sent.
    """
    raise_for_code(response)
    if response.fields is not None:
        return _placed_from_fields(response, order_number, sent_unique_value)
    values = response.lines[1:] + [''] * 3
    unique_value = values[2] if sent_unique_value else None
    return _placed(response, order_number, values[0], None, unique_value, sent_unique_value)


def read_collect(response, csr_pem=None):
    """CollectResult from CollectSSL, asked with queryType=1, responseType=3, showValidityPeriod=Y
    and showFQDN=Y. `csr_pem`, the order's CSR, names the leaf among the certificates of a text
    answer.

    Rejected, revoked and awaiting payment are statuses; other negative codes raise.
    """
    raise_for_code(response, accepted_codes=COLLECT_STATUS_BY_CODE)
    status = COLLECT_STATUS_BY_CODE.get(response.code)
    if status is None:
        # A positive code the CA does not document: nobody knows what it means yet.
        raise ComodoError('CollectSSL answered the unknown status %s.' % response.code,
                          code=response.code)
    not_before = not_after = fqdn = serial = None
    leaf_text, ca_texts = None, []
    message = response.message
    if response.fields is not None:
        fields = response.fields
        not_before = parse_time(_first(fields.get('notBefore')))
        not_after = parse_time(_first(fields.get('notAfter')))
        fqdn = _first(fields.get('fqdn'))
        serial = _first(fields.get('serialNumber'))
        leaf_text = _first(fields.get('certificate'))
        ca_texts = _as_list(fields.get('caCertificate'))
        message = message or _first(fields.get('certificateStatus')) or ''
    elif response.code > 0:
        # Style 0: status, notBefore, notAfter, FQDN, then the certificates: the real CA lists
        # the CA certificates first and the leaf last, so the leaf is found by what it is.
        values = response.lines[1:] + [''] * 3
        not_before, not_after = parse_time(values[0]), parse_time(values[1])
        fqdn = values[2].strip()
        leaf_text, ca_texts = _leaf_and_ca_texts(_certificate_blobs(response.lines[4:]), csr_pem)
    leaf = certs.load_certificate(leaf_text)
    if leaf is None and (leaf_text or response.code == 2):
        # 2 means "certificate attached": a missing or broken one is a damaged answer.
        raise TransientError('CollectSSL answered %s without a certificate that decodes.'
                             % response.code)
    ca_certificates = [c for c in (certs.load_certificate(t) for t in ca_texts) if c is not None]
    if len(ca_certificates) != len([t for t in ca_texts if t.strip()]):
        raise TransientError('CollectSSL sent a CA certificate that cannot be decoded.')
    if leaf is not None:
        cert_not_before, cert_not_after = certs.validity(leaf)
        not_before, not_after = not_before or cert_not_before, not_after or cert_not_after
        serial = _checked_serial(serial, leaf)
        fqdn = fqdn or certs.common_name(leaf)
    else:
        serial = certs.normalise_serial(serial)
    return CollectResult(
        status=status,
        ca_code=response.code,
        message=message,
        certificate_pem=certs.to_pem(leaf) if leaf is not None else None,
        chain_pem=[certs.to_pem(c) for c in certs.chain_in_order(leaf, ca_certificates)],
        not_before=not_before,
        not_after=not_after,
        serial_number=serial,
        fqdn=fqdn or None,
    )


def read_dcv_emails(response):
    """The addresses GetDCVEmailAddressList offers, WHOIS first, without 'none' or repeats.

    Its text style is "0" then one `key<TAB>value` per line; a URL-encoded answer would use the
    same keys.
    """
    raise_for_code(response)
    if response.fields is not None:
        pairs = [(key, value) for key, values in response.fields.items()
                 for value in _as_list(values)]
    else:
        pairs = [line.split('\t', 1) for line in response.lines[1:] if '\t' in line]
    emails = []
    for key, value in pairs:
        value = value.strip()
        if _DCV_EMAIL_KEY.match(key.strip()) and value and value.lower() != 'none' \
                and value not in emails:
            emails.append(value)
    return emails


def read_report(response):
    """ReportEntry list from WebHostReport's `N_field` (order) and `N_M_field` (certificate)
    keys."""
    raise_for_code(response)
    orders = {}
    certificates = {}
    for key, value in (response.fields or {}).items():
        match = _CERTIFICATE_KEY.match(key)
        if match:
            order_fields = certificates.setdefault(int(match.group(1)), {})
            order_fields.setdefault(int(match.group(2)), {})[match.group(3)] = _first(value)
            continue
        match = _ORDER_KEY.match(key)
        if match:
            orders.setdefault(int(match.group(1)), {})[match.group(2)] = _first(value)
    entries = []
    for index in sorted(set(orders) | set(certificates)):
        fields = orders.get(index, {})
        entries.append(ReportEntry(
            order_number=fields.get('orderNumber'),
            order_status=fields.get('orderStatus'),
            date_time=parse_time(fields.get('dateTime')),
            foreign_order_number=fields.get('foreignOrderNumber'),
            certificates=[_report_certificate(cert_fields) for _, cert_fields
                          in sorted(certificates.get(index, {}).items())],
            fields=fields,
        ))
    return entries


def read_report_page(response):
    """read_report for one page of a paged report: TransientError when the page does not say how
    many rows it holds (noOfResults), as a cut or foreign answer would not."""
    raise_for_code(response)
    count = (response.fields or {}).get('noOfResults')
    if not isinstance(count, str) or not _INTEGER.match(count.strip()) or int(count) < 0:
        raise TransientError('WebHostReport answered without a readable noOfResults: %r' % (count,))
    return read_report(response)


def parse_time(value):
    """Naive UTC datetime from Unix time (the documented form) or a plain ISO date; else None."""
    value = (value or '').strip()
    if not value:
        return None
    if _INTEGER.match(value):
        try:
            return datetime.datetime.utcfromtimestamp(int(value))
        except (ValueError, OverflowError, OSError):
            _logger.warning('Unix time %s from the CA is out of range: left out', value)
            return None
    for time_format in _TIME_FORMATS:
        try:
            return datetime.datetime.strptime(value, time_format)
        except ValueError:
            continue
    _logger.warning('Unreadable time %r from the CA: left out', value)
    return None


def _placed_from_fields(response, order_number, sent_unique_value):
    fields = response.fields
    return _placed(response, _first(fields.get('orderNumber')) or order_number,
                   _first(fields.get('certificateID')), _first(fields.get('totalCost')),
                   _first(fields.get('uniqueValue')), sent_unique_value)


def _placed(response, order_number, certificate_id, total_cost, unique_value, sent_unique_value):
    return PlacedOrder(
        order_number=(str(order_number or '')).strip() or None,
        certificate_id=(certificate_id or '').strip() or None,
        total_cost=(total_cost or '').strip() or None,
        paid=response.code == 0,
        ca_code=response.code,
        unique_value=(unique_value or '').strip() or sent_unique_value,
    )


def _report_certificate(fields):
    return ReportCertificate(
        certificate_id=fields.get('certificateID'),
        domain=fields.get('domain'),
        status=fields.get('status'),
        not_before=parse_time(fields.get('notBefore')),
        not_after=parse_time(fields.get('notAfter')),
        serial_number=certs.normalise_serial(fields.get('serialNumber')),
        fields=fields,
    )


def _certificate_blobs(lines):
    """Style-0 certificate data: PEM blocks, or one Base64 DER certificate per line."""
    text = '\n'.join(lines)
    if '-----BEGIN' in text:
        return certs.split_pem_certificates(text)
    return [line.strip() for line in lines if certs.load_certificate(line) is not None]


def _leaf_and_ca_texts(blobs, csr_pem):
    """(leaf text, CA certificate texts) of a text answer's certificate blocks, in any order."""
    loaded = [(blob, certs.load_certificate(blob)) for blob in blobs]
    decoded = [certificate for _blob, certificate in loaded if certificate is not None]
    if not decoded:
        return (blobs[0], blobs[1:]) if blobs else (None, [])
    leaf = certs.find_leaf(decoded, certs.csr_public_key_der(csr_pem))
    return (next(blob for blob, certificate in loaded if certificate is leaf),
            [blob for blob, certificate in loaded if certificate is not leaf])


def _checked_serial(sent_serial, leaf):
    serial = certs.serial_hex(leaf)
    if sent_serial and certs.normalise_serial(sent_serial) != serial:
        _logger.warning('CollectSSL serialNumber %s differs from the certificate\'s %s: using the '
                        'certificate\'s', sent_serial, serial)
    return serial


def _first(value):
    return value[0] if isinstance(value, list) else value


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _excerpt(text, limit=120):
    return text[:limit] + ('...' if len(text) > limit else '')

"""The SOAP Certificate Manager API, `EPKIManagerSSL` (comodo-api.md §6), at /ws/EPKIManagerSSL.

GET ...?wsdl serves EPKIManagerSSL.wsdl (document/literal, unqualified argument elements) with the
soap:address taken from the request's Host header. POST takes SOAP 1.1 envelopes for
getCustomerCertTypes, enroll, getCollectStatus, collect and revoke. Results (also bad logins, -100)
come back in HTTP 200 `<ns2:<op>Response><return>` answers; only a request that is not a SOAP call of
one of these operations (malformed XML, a DOCTYPE, an unknown operation) gets a SOAP Fault (HTTP 500).

The certificate ID of this API is the sandbox's order number (it fits the WSDL's xs:int, which the
form API's certificateID, order number + 7000000000, does not), so /admin/ approve/reject and
calls.json work with it directly. SOAP orders live in the same store as form-API orders.
"""
import base64
import hashlib
import hmac
import logging
import os
import re
import time
import traceback
import xml.etree.ElementTree as ElementTree
from xml.sax.saxutils import escape

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from comodo_sandbox import csr_checks, dcv, domains, products, scenarios
from comodo_sandbox.api import Call
from comodo_sandbox.ordering import SERVER_SOFTWARE_CODES
from comodo_sandbox.protocol import ApiError, Form, parse_integer
from comodo_sandbox.store import ISSUED, PENDING, REJECTED, REVOKED, UNPAID, Order

log = logging.getLogger('comodo_sandbox')

PATH = '/ws/EPKIManagerSSL'
NAMESPACE = 'http://ssl.ws.epki.comodo.com/'
SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/'
XML_TYPE = 'text/xml; charset=utf-8'
_WSDL_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'EPKIManagerSSL.wsdl')
_HOST = re.compile(r'^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$')

# Return codes (comodo-api.md §6).
ATTACHED = 2
READY = 1
OK = 0
UNKNOWN_ERROR = -14
BAD_CSR = -10
UNSUPPORTED_ALGORITHM = -11
BAD_SIGNATURE = -12
BAD_KEY_SIZE = -13
REJECTED_CODE = -20
REVOKED_CODE = -21
AWAITING_PAYMENT = -22
PHRASES_DIFFER = -32
BAD_CERT_TYPE = -33
BAD_SERVER_TYPE = -35
BAD_TERM = -36
INVALID_ID = -40
BAD_FORMAT = -4
BAD_AUTH = -100
DOMAIN_NOT_ALLOWED = -110
NOT_ALLOWED = -120

# Cert types offered: every product of the sandbox but the trial (which has no term in years).
CERT_TYPES = [product for code, product in sorted(products.PRODUCTS.items()) if not product.trial_days]
TERMS = sorted(products.PRICED_TERMS)  # [1, 2] years

# formatType values (comodo-api.md §6).
PEM_BUNDLE, LEAF_ONLY, CHAIN_ONLY, PKCS7_PEM, PKCS7_DER = 0, 1, 2, 3, 4


class SoapFault(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code        # 'Client' or 'Server'
        self.message = message


class Result(Exception):
    """A code ending the operation early: answered as `return` (int operations) or `statusCode`."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def wsdl(host, over_tls):
    """The WSDL text, with the service address for this Host header."""
    if not host or not _HOST.match(host):
        host = '127.0.0.1'
    address = '%s://%s%s' % ('https' if over_tls else 'http', host, PATH)
    with open(_WSDL_PATH, encoding='utf-8') as source:
        return source.read().replace('${ADDRESS}', escape(address, {'"': '&quot;'}))


def handle(app, method, query, body, headers, over_tls):
    """(HTTP status, content type, body bytes) for one request to /ws/EPKIManagerSSL."""
    if method == 'GET':
        if query.lower() == 'wsdl':
            return 200, XML_TYPE, wsdl(headers.get('Host'), over_tls).encode('utf-8')
        return 404, 'text/plain; charset=utf-8', b'Use ?wsdl for the service description.\n'
    if method != 'POST':
        return 405, 'text/plain; charset=utf-8', b'SOAP calls use POST.\n'
    started = time.time()
    operation = None
    try:
        operation, arguments = _read_envelope(body)
        handler = OPERATIONS.get(operation)
        if handler is None:
            raise SoapFault('Client', "Unknown operation '%s'." % operation[:64])
        call = SoapCall(app, arguments, over_tls)
        try:
            answer, code = handler(call)
        except Result as result:
            answer, code = _error_answer(operation, result.code), result.code
    except SoapFault as fault:
        _record(app, 'soap.' + (operation[:64] if operation else 'fault'), None, None, started)
        return 500, XML_TYPE, _fault(fault.code, fault.message)
    except Exception as error:  # never a traceback to the client
        log.error('internal error answering soap.%s: %s\n%s', operation, type(error).__name__,
                  ''.join(traceback.format_tb(error.__traceback__)))
        _record(app, 'soap.' + (operation or 'fault'), None, None, started)
        return 500, XML_TYPE, _fault('Server', 'Internal error.')
    _record(app, 'soap.' + operation, call.order_number, code, started)
    return 200, XML_TYPE, _envelope('<ns2:%sResponse xmlns:ns2="%s">%s</ns2:%sResponse>'
                                    % (operation, NAMESPACE, answer, operation))


def _record(app, action, order_number, code, started):
    # Never the password, the CSR or a key: only the action, the certificate ID and the result.
    app.store.record_call(action, order_number, code, started)
    log.info('%s order=%s result=%s %dms', action, order_number or '-', code, (time.time() - started) * 1000)


# --- the envelope --------------------------------------------------------------------------------

def _read_envelope(body):
    """(operation name, {argument name: element}) of a SOAP 1.1 request; SoapFault if it is not one."""
    if body is None:
        raise SoapFault('Client', 'The request is too large.')
    if not body.strip():
        raise SoapFault('Client', 'The request has no body.')
    upper = body.upper()
    if b'<!DOCTYPE' in upper or b'<!ENTITY' in upper:
        raise SoapFault('Client', 'DOCTYPE and entity declarations are not accepted.')
    try:
        envelope = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise SoapFault('Client', 'Malformed XML: %s' % error)
    if envelope.tag != '{%s}Envelope' % SOAP_ENV:
        raise SoapFault('VersionMismatch' if envelope.tag.endswith('}Envelope') else 'Client',
                        'A SOAP 1.1 Envelope is expected.')
    soap_body = envelope.find('{%s}Body' % SOAP_ENV)
    if soap_body is None or len(soap_body) == 0:
        raise SoapFault('Client', 'The Envelope has no Body element, or an empty one.')
    request = soap_body[0]
    namespace, _, name = request.tag[1:].partition('}') if request.tag.startswith('{') else ('', '', request.tag)
    if namespace != NAMESPACE:
        raise SoapFault('Client', "Unknown operation '{%s}%s'." % (namespace[:100], name[:64]))
    return name, {_local(child.tag): child for child in request}


def _local(tag):
    return tag.rpartition('}')[2]


def _envelope(content):
    return ('<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="%s"><S:Body>%s</S:Body></S:Envelope>'
            % (SOAP_ENV, content)).encode('utf-8')


def _fault(code, message):
    return _envelope('<S:Fault><faultcode>S:%s</faultcode><faultstring>%s</faultstring></S:Fault>'
                     % (code, escape(message)))


def _element(name, value):
    return '<%s>%s</%s>' % (name, escape(str(value)), name)


def _error_answer(operation, code):
    if operation in ('getCustomerCertTypes', 'collect'):
        return '<return>%s</return>' % _element('statusCode', code)
    return _element('return', code)


# --- one call ----------------------------------------------------------------------------------

class SoapCall(object):

    def __init__(self, app, arguments, over_tls):
        self.app = app
        self.arguments = arguments
        self.over_tls = over_tls
        self.order_number = None

    def text(self, name):
        """The stripped text of an argument; '' if absent."""
        element = self.arguments.get(name)
        return (element.text or '').strip() if element is not None else ''

    def check(self):
        """The checks every operation makes first: latency, HTTPS, login, --fail-rate."""
        settings = self.app.settings
        time.sleep(settings.latency / 1000.0)
        if settings.require_https and not self.over_tls:
            raise Result(-16)
        auth = self.arguments.get('authData')
        login = _child_text(auth, 'login')
        password = _child_text(auth, 'password')
        uri = _child_text(auth, 'customerLoginUri')
        if not (hmac.compare_digest(login.encode(), settings.login.encode()) and
                hmac.compare_digest(password.encode(), settings.password.encode()) and uri):
            raise Result(BAD_AUTH)
        if self.app.fails_randomly():
            raise Result(UNKNOWN_ERROR)

    def enter_order(self):
        """The order named by `id`, counted as a call for it (slow and flaky scenarios apply)."""
        number = parse_integer(self.text('id'))
        if number is None or number <= 0:
            raise Result(INVALID_ID)
        self.order_number = number
        try:
            order = Call(self.app, Form([('orderNumber', str(number))])).enter_order()
        except ApiError as error:
            raise Result(UNKNOWN_ERROR if error.code == -14 else INVALID_ID)
        self.order_number = order.order_number
        return order


def _child(element, name):
    if element is None:
        return None
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _child_text(element, name):
    child = _child(element, name)
    return (child.text or '').strip() if child is not None else ''


# --- operations ----------------------------------------------------------------------------------

def get_customer_cert_types(call):
    call.check()
    types = ''.join(
        '<types>%s%s%s</types>' % (_element('id', product.code), _element('name', product.name),
                                   ''.join(_element('terms', term) for term in TERMS))
        for product in CERT_TYPES)
    return '<return>%s%s</return>' % (_element('statusCode', OK), types), OK


def enroll(call):
    call.check()
    cert_type = call.arguments.get('certType')
    product = products.PRODUCTS.get(parse_integer(_child_text(cert_type, 'id')))
    if product is None or product.trial_days:
        raise Result(BAD_CERT_TYPE)
    years = parse_integer(call.text('term'))
    if years not in products.PRICED_TERMS:
        raise Result(BAD_TERM)
    server_type = parse_integer(call.text('serverType'))
    if server_type is None:
        server_type = -1
    if server_type not in SERVER_SOFTWARE_CODES:
        raise Result(BAD_SERVER_TYPE)
    if not call.text('phrase'):
        raise Result(PHRASES_DIFFER)
    csr, common_name = _checked_csr(call.text('csr'), product)
    names = [common_name]
    if product.multi_domain:
        for name in dcv.split_list(call.text('subjAltNames').replace(',', ' ')) + csr.dns_names:
            name = domains.normalise(name)
            _check_domain(name, wildcard_allowed=False)
            if name not in names:
                names.append(name)
    scenario = scenarios.scenario_for(common_name)
    if scenario == scenarios.SLOW:
        time.sleep(call.app.settings.slow_latency / 1000.0)
    if scenario == scenarios.NOCREDIT:
        raise Result(NOT_ALLOWED)
    days = products.PRICED_TERMS[years][0]
    order = call.app.lifecycle.place(Order(
        product=product.code, days=days, validity_days=min(days, products.MAX_VALIDITY_DAYS),
        total_cost='%d.%02d' % divmod(product.cents_per_year * years, 100),
        common_name=common_name, domains=names, csr_pem=csr.pem, server_software=server_type,
        dcv=[dcv.dcv_entry(name, 'CNAME_CSR_HASH') for name in names], scenario=scenario,
        foreign_order_number=call.text('comments')[:1024]))
    call.order_number = order.order_number
    return _element('return', order.order_number), OK


def _checked_csr(csr_text, product):
    """The parsed CSR and its CN, or the §6 code: -10 undecodable (also not Base64 / no CN), -11, -12,
    -13; -110 for a CN that is an IP, one label or bad characters; -33 for a wildcard CN on a
    non-wildcard type or the reverse."""
    if not csr_text:
        raise Result(BAD_CSR)
    try:
        csr = csr_checks.parse(csr_text)
    except ApiError as error:
        raise Result(error.code if error.code in (BAD_CSR, UNSUPPORTED_ALGORITHM, BAD_SIGNATURE, BAD_KEY_SIZE)
                     else BAD_CSR)
    try:
        common_name = csr_checks.check_common_name(csr.common_name, product)
    except ApiError as error:
        raise Result(BAD_CERT_TYPE if error.code in (-5, -6) else DOMAIN_NOT_ALLOWED)
    return csr, common_name


def _check_domain(name, wildcard_allowed):
    if domains.is_ip_address(name) or ('*' in name and not wildcard_allowed):
        raise Result(DOMAIN_NOT_ALLOWED)
    if not domains.has_valid_characters(name) or domains.is_internal_name(name):
        raise Result(DOMAIN_NOT_ALLOWED)


def get_collect_status(call):
    call.check()
    order = call.enter_order()
    code = _state_code(order)
    return _element('return', code), code


def _state_code(order):
    return {PENDING: OK, ISSUED: READY, REJECTED: REJECTED_CODE, REVOKED: REVOKED_CODE,
            UNPAID: AWAITING_PAYMENT}[order.status]


def collect(call):
    call.check()
    format_text = call.text('formatType')
    format_type = parse_integer(format_text) if format_text else PEM_BUNDLE
    if format_type not in (PEM_BUNDLE, LEAF_ONLY, CHAIN_ONLY, PKCS7_PEM, PKCS7_DER):
        raise Result(BAD_FORMAT)
    order = call.enter_order()
    code = _state_code(order)
    if code != READY:
        return '<return>%s</return>' % _element('statusCode', code), code
    certificate = _formatted(order.certificate_pem, call.app.authority.chain_pems, format_type)
    ssl = '<SSL>%s%s</SSL>' % (_element('certificate', certificate), _element('renewID', _renew_id(order)))
    return '<return>%s%s</return>' % (_element('statusCode', ATTACHED), ssl), ATTACHED


def _formatted(leaf_pem, chain_pems, format_type):
    if format_type == LEAF_ONLY:
        return leaf_pem
    if format_type == CHAIN_ONLY:
        return ''.join(chain_pems)
    if format_type == PEM_BUNDLE:
        # The real CA's bundle: the root, the intermediates, then the leaf last.
        return ''.join(reversed(chain_pems)) + leaf_pem
    certificates = [x509.load_pem_x509_certificate(pem.encode('ascii')) for pem in [leaf_pem] + chain_pems]
    if format_type == PKCS7_PEM:
        return pkcs7.serialize_certificates(certificates, serialization.Encoding.PEM).decode('ascii')
    return base64.b64encode(pkcs7.serialize_certificates(certificates, serialization.Encoding.DER)).decode('ascii')


def _renew_id(order):
    """A stable opaque token per order (renew/collectRenewed are not simulated)."""
    return hashlib.sha256(('renew:%s:%s' % (order.order_number, order.placed_at)).encode()).hexdigest()[:20]


def revoke(call):
    call.check()
    order = call.enter_order()
    try:
        call.app.lifecycle.revoke(order.order_number, call.text('reason')[:1024], 0)
    except ApiError as error:
        raise Result(error.code if error.code in (REJECTED_CODE, REVOKED_CODE) else NOT_ALLOWED)
    return _element('return', OK), OK


OPERATIONS = {
    'getCustomerCertTypes': get_customer_cert_types,
    'enroll': enroll,
    'getCollectStatus': get_collect_status,
    'collect': collect,
    'revoke': revoke,
}

"""The SOAP Certificate Manager backend (`EPKIManagerSSL`), through zeep.

It offers the narrow interface of the form backend (client.ComodoClient) that the Odoo side uses,
with the same result types (results.py) and the same error families (errors.py, with the SOAP code
table there):

- place_order -> enroll (the PlacedOrder's order_number is the certificate ID);
- collect -> collect(formatType=0), the PEM bundle split into leaf and chain;
- revoke -> revoke;
- find_order -> always None: the calls implemented here cannot look an order up by our reference;
- dcv_emails, resend_dcv, update_dcv, replace, report -> ConfigurationError (not in this API).

Transport failures (timeouts, refused connections, HTTP 5xx, 408, 429), SOAP faults from the
server's side and answers that are not SOAP raise TransientError. A SOAP fault blaming the client
(faultcode Client / Sender: our message does not fit the server, e.g. an argument it cannot read),
a WSDL without the expected operations or arguments that do not fit it, a bad URL and other HTTP
statuses (404, 401...) raise ConfigurationError: repeating the same call would not help. Real
bad credentials come back as code -100 inside a normal answer (ConfigurationError, too).

Nothing here logs the password, the secret key, the CSR or the revocation phrase: zeep's own
transport logs whole envelopes at DEBUG, so this module uses a transport that does not.
"""
import base64
import logging
import secrets
import time

import requests
import zeep
import zeep.exceptions
import zeep.helpers
from lxml import etree
from zeep.transports import Transport

from . import certs
from .backend import CaBackend
from .errors import ComodoError, ConfigurationError, RequestError, TransientError, error_for_code
from .results import COLLECT_STATUS_BY_CODE, CollectResult, OrderStatus, PlacedOrder

_logger = logging.getLogger(__name__)

# collect's formatType: 0 is the PEM bundle (leaf and CA certificates).
FORMAT_PEM_BUNDLE = 0
# enroll's serverType: -1 is "other", as the form backend's serverSoftware default.
SERVER_TYPE_OTHER = -1

# The codes' documented meanings, used as the message since the SOAP answers carry none.
SOAP_CODE_MESSAGES = {
    -10: 'CSR cannot be decoded',
    -11: 'unsupported key algorithm',
    -12: 'invalid CSR signature',
    -13: 'unsupported key size',
    -14: 'unknown error (service down?)',
    -16: 'permission denied',
    -20: 'certificate request rejected',
    -21: 'certificate revoked',
    -22: 'awaiting payment',
    -31: 'invalid e-mail address',
    -32: 'revocation phrases differ',
    -33: 'invalid certificate type',
    -34: 'invalid secret key',
    -35: 'invalid server type',
    -36: 'invalid term',
    -40: 'invalid certificate ID',
    -100: 'invalid customer authentication (login, password or customer URI)',
    -101: 'invalid organisation authentication (organisation ID or secret key)',
    -110: 'domain not allowed for the customer',
    -111: 'domain not allowed for the organisation',
    -120: 'action not allowed by the account configuration',
}

# HTTP statuses worth retrying besides 5xx; any other non-200 means the URL or set-up is wrong.
_RETRYABLE_HTTP = frozenset([408, 429])
_NOT_IN_API = '%s is not available through the Certificate Manager (SOAP) API'


class _QuietTransport(Transport):
    """zeep's Transport, without its DEBUG dump of every envelope (password, CSR, phrase)."""

    def post(self, address, message, headers):
        _logger.debug('SOAP POST to %s', address)
        return self.session.post(address, data=message, headers=headers,
                                 timeout=self.operation_timeout)


class ComodoSoapClient(CaBackend):
    """Talks to the Certificate Manager SOAP service (EPKIManagerSSL) for one customer account.

    wsdl_url: e.g. `https://cert-manager.com/ws/EPKIManagerSSL?wsdl`; the calls go to the same URL
    without its query string (the service's documented endpoint), whatever address the WSDL
    states. customer_login_uri is the slug of `/customer/<slug>`; org_id and secret_key are
    enroll's organisation ID and secret. `timeout` (seconds) applies to loading the WSDL and to
    each call. The WSDL is loaded on the first call, not here, so building a client never touches
    the network. Not thread-safe.
    """

    # See find_order: an order placed by an attempt whose answer was lost cannot be found again.
    finds_lost_orders = False
    reports_in_bulk = False

    def __init__(self, wsdl_url, login, password, customer_login_uri, org_id=0, secret_key='',
                 timeout=30.0, verify=True):
        self.wsdl_url = wsdl_url
        self.endpoint = wsdl_url.split('?', 1)[0]
        self.login = login
        self._password = password
        self.customer_login_uri = customer_login_uri
        self.org_id = int(org_id or 0)
        self._secret_key = secret_key or ''
        self.timeout = timeout
        self.session = requests.Session()
        self.session.verify = verify
        self._transport = _QuietTransport(session=self.session, timeout=timeout,
                                          operation_timeout=timeout)
        self._service = None
        self._cert_types = None

    def __repr__(self):
        return 'ComodoSoapClient(%r, login=%r, customer_login_uri=%r)' % (
            self.wsdl_url, self.login, self.customer_login_uri)

    # --- orders ---------------------------------------------------------------------------------

    def place_order(self, product_code, days, csr_pem, domains, dcv_method='EMAIL',
                    dcv_emails=None, unique_value=None, foreign_order_number=None,
                    server_software=-1):
        """Request a certificate (enroll) and return a PlacedOrder.

        product_code is the certificate type ID (its name and terms come from
        getCustomerCertTypes, asked once per client). domains: primary first (it must be the
        CSR's CN); the others go to subjAltNames. days becomes a term in whole years (at least 1).
        foreign_order_number is sent as `comments`.

        Not part of this API, so ignored: dcv_method, dcv_emails and unique_value (domain
        control is handled by the Certificate Manager account itself), and server_software
        (serverType is always -1). The revocation phrase is random per order and not kept:
        revoke() needs only the login.

        The PlacedOrder has order_number = certificate_id = the certificate ID (str),
        total_cost None, paid True, ca_code 0 and unique_value None.

        A TransientError does NOT prove nothing was ordered, and find_order() cannot tell.
        """
        domains = list(domains)
        if not domains:
            raise ValueError('place_order needs at least one domain')
        if dcv_method not in (None, 'EMAIL') or dcv_emails or unique_value:
            _logger.debug('SOAP enroll ignores dcv_method, dcv_emails and unique_value')
        cert_type = self._cert_type(product_code)
        term = max(1, int(days or 0) // 365)
        code = self._call(
            'enroll',
            orgId=self.org_id,
            secretKey=self._secret_key,
            csr=csr_pem.strip(),
            phrase=secrets.token_urlsafe(18),
            subjAltNames=','.join(domains[1:]),
            certType=cert_type,
            numberServers=1,
            serverType=SERVER_TYPE_OTHER,
            term=term,
            comments=foreign_order_number or '',
        )
        code = _as_int('enroll', code)
        if code < 0:
            raise self._failed('enroll', None, _code_error(code))
        if code == 0:
            raise TransientError('enroll answered 0 without a certificate ID.', code=0)
        _logger.info('Comodo SOAP certificate %s requested (foreign %s)', code,
                     foreign_order_number)
        return PlacedOrder(order_number=str(code), certificate_id=str(code), total_cost=None,
                           paid=True, ca_code=0, unique_value=None)

    def collect(self, order_number, csr_pem=None):
        """Status of a certificate, with the certificate and its chain once issued (collect).

        2 -> ISSUED with certificate_pem and chain_pem (intermediates first, root last), the
        leaf told apart by csr_pem's key (the real bundle is root, intermediates, then the leaf);
        0 -> PENDING; -20 REJECTED, -21 REVOKED, -22 AWAITING_PAYMENT; other negatives raise.
        """
        certificate_id = _certificate_id(order_number)
        reply = self._call('collect', id=certificate_id, formatType=FORMAT_PEM_BUNDLE)
        code = _as_int('collect', _field(reply, 'statusCode'))
        if code < 0 and code not in COLLECT_STATUS_BY_CODE:
            raise self._failed('collect', certificate_id, _code_error(code))
        status = COLLECT_STATUS_BY_CODE.get(code)
        if status is None:
            raise ComodoError('collect answered the unknown status %s.' % code, code=code)
        bundle = _field(_field(reply, 'SSL'), 'certificate')
        leaf, chain = None, []
        if code == 2 or (status == OrderStatus.ISSUED and bundle):
            try:
                leaf, chain = certs.split_bundle(_bundle_text(bundle),
                                                 certs.csr_public_key_der(csr_pem))
            except ValueError as exc:
                raise self._failed('collect', certificate_id, TransientError(
                    'collect answered %s without a bundle that decodes (%s).' % (code, exc),
                    code=code))
        if status == OrderStatus.ISSUED and leaf is None:
            _logger.info('Comodo SOAP certificate %s is issued but was not attached (%s)',
                         certificate_id, code)
        not_before = not_after = serial = fqdn = None
        if leaf is not None:
            not_before, not_after = certs.validity(leaf)
            serial = certs.serial_hex(leaf)
            fqdn = certs.common_name(leaf)
        return CollectResult(
            status=status,
            ca_code=code,
            message=SOAP_CODE_MESSAGES.get(code, '') if code < 0 else '',
            certificate_pem=certs.to_pem(leaf) if leaf is not None else None,
            chain_pem=[certs.to_pem(c) for c in chain],
            not_before=not_before,
            not_after=not_after,
            serial_number=serial,
            fqdn=fqdn or None,
        )

    def revoke(self, order_number, reason='', code_reason=0):
        """Revoke a certificate (revoke). code_reason is not part of this API and is ignored.

        A certificate already revoked (-21) or rejected (-20) counts as done, as in the form
        backend, so that repeating a revocation whose answer was lost is harmless.
        """
        certificate_id = _certificate_id(order_number)
        code = _as_int('revoke', self._call('revoke', id=certificate_id,
                                            reason=reason or 'Unspecified'))
        if code in (-20, -21):
            _logger.info('Comodo SOAP certificate %s was already %s', certificate_id,
                         COLLECT_STATUS_BY_CODE[code])
        elif code < 0:
            raise self._failed('revoke', certificate_id, _code_error(code))

    def check_login(self):
        """Raise unless the service accepts the login: it lists the account's certificate types."""
        self.cert_types()

    def find_order(self, foreign_order_number):
        """Always None: the SOAP calls implemented here offer no look-up by our reference.

        enroll stores foreign_order_number only in `comments`, which none of getCustomerCertTypes,
        enroll, getCollectStatus, collect or revoke can search. So after a crash between enroll
        and the database commit (or a TransientError from place_order) the caller CANNOT find out
        whether the certificate was requested: a caller that retries orders automatically should
        refuse to do so with this backend (or leave the order to a human).
        """
        return None

    # --- not in this API ------------------------------------------------------------------------

    def dcv_emails(self, *args, **kwargs):
        raise ConfigurationError(_NOT_IN_API % 'dcv_emails')

    def resend_dcv(self, *args, **kwargs):
        raise ConfigurationError(_NOT_IN_API % 'resend_dcv')

    def update_dcv(self, *args, **kwargs):
        raise ConfigurationError(_NOT_IN_API % 'update_dcv')

    def auto_update_dcv(self, *args, **kwargs):
        raise ConfigurationError(_NOT_IN_API % 'auto_update_dcv')

    def replace(self, *args, **kwargs):
        raise ConfigurationError(_NOT_IN_API % 'replace')

    def report(self, *args, **kwargs):
        raise ConfigurationError(_NOT_IN_API % 'report')

    def report_all(self, *args, **kwargs):
        raise ConfigurationError(_NOT_IN_API % 'report_all')

    def report_statuses(self, *args, **kwargs):
        raise ConfigurationError(_NOT_IN_API % 'report_statuses')

    def refund(self, *args, **kwargs):
        raise ConfigurationError(_NOT_IN_API % 'refund')

    # --- certificate types ----------------------------------------------------------------------

    def cert_types(self):
        """{id: {'id', 'name', 'terms'}} of the account's certificate types, asked once."""
        if self._cert_types is None:
            reply = self._call('getCustomerCertTypes')
            code = _as_int('getCustomerCertTypes', _field(reply, 'statusCode'))
            if code < 0:
                raise self._failed('getCustomerCertTypes', None, _code_error(code))
            types = {}
            for item in _field(reply, 'types') or []:
                type_id = _as_int('getCustomerCertTypes', _field(item, 'id'))
                terms = _field(item, 'terms') or []
                types[type_id] = {
                    'id': type_id,
                    # Sent back exactly as given: the CA's names may carry trailing spaces.
                    'name': _field(item, 'name') or '',
                    'terms': list(terms) if isinstance(terms, (list, tuple)) else [terms],
                }
            self._cert_types = types
        return self._cert_types

    def _cert_type(self, product_code):
        try:
            type_id = int(product_code)
        except (TypeError, ValueError):
            raise ConfigurationError('%r is not a certificate type ID.' % (product_code,))
        cert_type = self.cert_types().get(type_id)
        if cert_type is None:
            raise ConfigurationError('Certificate type %s is not available to this account '
                                     '(it has %s).' % (type_id, sorted(self.cert_types()) or
                                                       'none'))
        return dict(cert_type)

    # --- transport ------------------------------------------------------------------------------

    def _get_service(self):
        if self._service is None:
            client = zeep.Client(self.wsdl_url, transport=self._transport)
            bindings = [name for name, binding in client.wsdl.bindings.items()
                        if 'enroll' in getattr(binding, '_operations', {})]
            if not bindings:
                raise ConfigurationError('The WSDL at %s has no enroll operation.' % self.wsdl_url)
            self._service = client.create_service(bindings[0], self.endpoint)
        return self._service

    def _auth(self):
        return {'login': self.login, 'password': self._password,
                'customerLoginUri': self.customer_login_uri}

    def _call(self, name, **arguments):
        """One SOAP call, its answer as plain Python (dicts, lists, ints, str).

        Raises the families described in the module docstring for everything but the CA's codes,
        which the callers read.
        """
        certificate_id = arguments.get('id')
        started = time.time()
        try:
            service = self._get_service()
            reply = getattr(service, name)(authData=self._auth(), **arguments)
        except ComodoError as exc:
            raise self._failed(name, certificate_id, exc)
        except Exception as exc:  # sorted into families below, nothing escapes unsorted
            raise self._failed(name, certificate_id, self._transport_error(name, exc))
        _logger.debug('Comodo SOAP %s (certificate %s) answered in %.2f s', name,
                      certificate_id or '-', time.time() - started)
        return zeep.helpers.serialize_object(reply, dict)

    def _transport_error(self, name, exc):
        if isinstance(exc, requests.Timeout):
            return TransientError('%s: no answer from the Certificate Manager within %s s.'
                                  % (name, self.timeout))
        if isinstance(exc, (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
                            requests.exceptions.InvalidURL)):
            return ConfigurationError('%s: bad Certificate Manager URL %s (%s).'
                                      % (name, self.wsdl_url, exc))
        if isinstance(exc, requests.HTTPError):  # loading the WSDL
            status = exc.response.status_code if exc.response is not None else 0
            return _http_error(name, self.wsdl_url, status)
        if isinstance(exc, requests.RequestException):
            return TransientError('%s: could not reach the Certificate Manager: %s' % (name, exc))
        if isinstance(exc, zeep.exceptions.Fault):
            return _fault_error(name, exc)
        if isinstance(exc, zeep.exceptions.TransportError):
            return _http_error(name, self.endpoint, exc.status_code or 0)
        if isinstance(exc, (zeep.exceptions.ValidationError, zeep.exceptions.LookupError,
                            zeep.exceptions.WsdlSyntaxError, AttributeError, TypeError)):
            # Our arguments do not fit the WSDL, or it lacks the operation: wrong service/version.
            return ConfigurationError('%s: the WSDL at %s does not fit this client: %s'
                                      % (name, self.wsdl_url, exc))
        if isinstance(exc, (zeep.exceptions.Error, etree.LxmlError, ValueError)):
            # XML that does not parse, an unexpected element: not the protocol (a proxy page...).
            return TransientError('%s: the Certificate Manager answered something that is not '
                                  'the protocol: %s' % (name, exc))
        return ComodoError('%s: unexpected failure: %r' % (name, exc))

    @staticmethod
    def _failed(name, certificate_id, error):
        """Log a failed call once, here, and hand the error back for raising."""
        _logger.warning('Comodo SOAP %s (certificate %s) failed: %s', name,
                        certificate_id or '-', error)
        return error


def _code_error(code):
    return error_for_code(code, SOAP_CODE_MESSAGES.get(code), api='soap')


def _http_error(name, url, status):
    family = (TransientError if status >= 500 or status in _RETRYABLE_HTTP
              else ConfigurationError)
    return family('%s: %s answered HTTP %d.' % (name, url, status))


def _fault_error(name, fault):
    """A SOAP fault: the client's fault (Client/Sender) is a configuration problem, the rest is
    the server's and may pass."""
    code = str(fault.code or '')
    local = code.rsplit('}', 1)[-1].rsplit(':', 1)[-1].lower()
    family = ConfigurationError if local in ('client', 'sender') else TransientError
    return family('%s: SOAP fault %s: %s' % (name, code or '-', fault.message))


def _certificate_id(order_number):
    try:
        return int(str(order_number).strip())
    except (TypeError, ValueError):
        raise RequestError('%r is not a Certificate Manager certificate ID.' % (order_number,))


def _as_int(name, value):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TransientError('%s answered %r where a status code was expected.' % (name, value))


def _field(value, name):
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def _bundle_text(bundle):
    """The bundle as text: base64Binary arrives as bytes, which may be PEM text or DER."""
    if isinstance(bundle, bytes):
        try:
            text = bundle.decode('ascii')
        except UnicodeDecodeError:
            return base64.b64encode(bundle).decode('ascii')
        return text  # PEM, or Base64 text that certs.load_certificate reads
    return bundle or ''

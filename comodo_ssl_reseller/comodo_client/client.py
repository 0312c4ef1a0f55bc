"""The form-API backend: one method per CA call, all through one requests.Session.

Each call POSTs application/x-www-form-urlencoded fields to `<base_url>!Name` (or
`<base_url>download/CollectSSL`) with the login on every call, and reads the answer with `wire`.
Transport trouble, HTTP 5xx and bodies that are not the protocol raise TransientError; CA codes
raise the family `errors` gives them.

A TransientError from place_order or replace does NOT prove the CA did nothing: the order may
exist. Look it up with find_order(foreign_order_number) before placing it again.
"""
import calendar
import collections
import datetime
import logging
import time

import requests

from . import bulk_report, wire
from .backend import CaBackend
from .dcv import check_dcv_method, check_unique_value
from .errors import ComodoError, ConfigurationError, TransientError
from .results import COLLECT_STATUS_BY_CODE, OrderStatus

_logger = logging.getLogger(__name__)

COLLECT_PATH = 'download/CollectSSL'

# AutoApplySSL: Sectigo's reference says N, but the published clients all send Y; we follow the clients.
IS_CUSTOMER_VALIDATED = 'Y'

# Calls documented (or seen in published clients) to take test=Y; sending it to others
# risks -2 "unrecognised argument".
TEST_FLAG_CALLS = frozenset(['AutoApplySSL', 'AutoRevokeSSL'])

# !AutoRefund's refundReasonCode is 1-11 with no documented meanings: we send one code for
# every refund and say why in our own books.
REFUND_REASON_CODE = 1
# -18 is SiteLock's "already refunded": a repeated refund whose answer was lost is done.
ALREADY_REFUNDED = -18
# WebHostReport pages: the CA documents no maximum (a published client asks for 10 at a time).
REPORT_PAGE_SIZE = 100

# WebHostReport's documented request fields, so that a misspelt filter fails here, not as a CA -2.
REPORT_FILTERS = frozenset([
    'notBefore', 'notAfter', 'firstResultNo', 'lastResultNo', 'organizationName', 'fqdn',
    'orderNumber', 'foreignOrderNumber', 'certificateID', 'certificateStatusCode',
    'certificateStatusDesc', 'expireNotBefore', 'expireNotAfter', 'showStatusDetails',
    'showAdditionalDomains', 'showSignatureAlgorithm', 'showOldItems', 'showCertificateID',
    'showExtStatus', 'showCost', 'showAssociatedOrders',
])

# HTTP statuses worth retrying; any other non-200 means the URL or the account set-up is wrong.
_RETRYABLE_HTTP = frozenset([408, 429])


class ComodoClient(CaBackend):
    """Talks to the Comodo/Sectigo reseller form API for one reseller account.

    base_url ends with `/products/` (the trailing slash is optional). In test_mode, orders and
    revocations carry test=Y, which the CA must have enabled for the account. `timeout` (seconds)
    applies to connecting and to each wait for data. Not thread-safe: give each worker its own
    client (and never collect concurrently, as the CA asks).
    """

    def __init__(self, base_url, login, password, timeout=30.0, test_mode=False, verify=True):
        self.base_url = base_url.rstrip('/') + '/'
        self.login = login
        self._password = password
        self.timeout = timeout
        self.test_mode = test_mode
        self.session = requests.Session()
        self.session.verify = verify

    def __repr__(self):
        return 'ComodoClient(%r, login=%r, test_mode=%r)' % (self.base_url, self.login,
                                                              self.test_mode)

    # --- orders ---------------------------------------------------------------------------------

    def place_order(self, product_code, days, csr_pem, domains, dcv_method='EMAIL',
                    dcv_emails=None, unique_value=None, foreign_order_number=None,
                    server_software=-1):
        """Order a certificate (AutoApplySSL) and return a PlacedOrder.

        domains: primary first; more than one makes a multi-domain order (domainNames). dcv_emails:
        for EMAIL validation, one address per domain in the same order, each taken from
        dcv_emails() within the last 24 hours. A multi-domain order validated otherwise names the
        method once per domain in dcvEmailAddresses, as Sectigo's reference documents.
        days=None omits the term (trial products).
        """
        domains = list(domains)
        check_dcv_method(dcv_method)
        check_unique_value(unique_value)
        emails = list(dcv_emails or [])
        if emails and len(emails) != len(domains):
            raise ValueError('dcv_emails needs one address per domain (%d domains, %d addresses)'
                             % (len(domains), len(emails)))
        fields = {
            'product': product_code,
            'days': days,
            'csr': csr_pem.strip(),
            'serverSoftware': server_software,
            'isCustomerValidated': IS_CUSTOMER_VALIDATED,
            'showCertificateID': 'Y',
            'responseFormat': 1,
            'dcvMethod': dcv_method,
            'uniqueValue': unique_value,
            'foreignOrderNumber': foreign_order_number,
        }
        if len(domains) > 1:
            fields['domainNames'] = ','.join(domains)
            fields['primaryDomainName'] = domains[0]
            fields['dcvEmailAddresses'] = _per_domain_dcv(dcv_method, emails, len(domains))
        elif dcv_method == 'EMAIL' and emails:
            fields['dcvEmailAddress'] = emails[0]
        response = self._call('AutoApplySSL', fields)
        placed = wire.read_placed_order(response, unique_value)
        if not placed.order_number:
            raise TransientError('AutoApplySSL reported success (%s) without an order number.'
                                 % response.code)
        _logger.info('Comodo order %s placed (foreign %s, paid=%s)', placed.order_number,
                     foreign_order_number, placed.paid)
        return placed

    def collect(self, order_number, csr_pem=None):
        """Status of an order, with the certificate and its chain once issued (CollectSSL).

        csr_pem, the order's CSR, tells its certificate from the CA's wherever the CA lists it.
        """
        response = self._call('CollectSSL', {
            'orderNumber': order_number,
            'queryType': 1,
            'responseType': 3,
            'showValidityPeriod': 'Y',
            'showFQDN': 'Y',
            'responseFormat': 1,
        }, path=COLLECT_PATH, accepted_codes=COLLECT_STATUS_BY_CODE)
        result = wire.read_collect(response, csr_pem)
        if result.status == OrderStatus.ISSUED and result.certificate_pem is None:
            _logger.info('Comodo order %s is issued but the certificate was not attached (%s)',
                         order_number, result.ca_code)
        return result

    def replace(self, order_number, csr_pem, dcv_method='EMAIL', dcv_email=None,
                unique_value=None):
        """Reissue an order's certificate with a new CSR (AutoReplaceSSL); returns a PlacedOrder.

        The order number stays the same. The old certificate is not revoked by this.
        """
        check_dcv_method(dcv_method)
        check_unique_value(unique_value)
        response = self._call('AutoReplaceSSL', {
            'orderNumber': order_number,
            'csr': csr_pem.strip(),
            'isCustomerValidated': IS_CUSTOMER_VALIDATED,
            'showCertificateID': 'Y',
            'responseFormat': 1,
            'dcvMethod': dcv_method,
            'dcvEmailAddress': dcv_email if dcv_method == 'EMAIL' else None,
            'uniqueValue': unique_value,
        })
        return wire.read_replaced_order(response, order_number, unique_value)

    def revoke(self, order_number, reason='', code_reason=0):
        """Revoke an order's certificate (AutoRevokeSSL); one not issued yet becomes rejected.

        An order already revoked (-21) or rejected (-20) counts as done, so that repeating a
        revocation whose answer was lost is harmless.
        """
        response = self._call('AutoRevokeSSL', {
            'orderNumber': order_number,
            # Sent only when given: without it the CA answers -23 rather than -26 while issuing.
            'revocationReason': reason or None,
            'codeReason': code_reason,
        }, accepted_codes=(-20, -21))
        if response.code < 0:
            _logger.info('Comodo order %s was already %s', order_number,
                         COLLECT_STATUS_BY_CODE[response.code])

    def refund(self, order_number):
        """Ask for the order's charge back (!AutoRefund); an order already refunded counts as done.

        The CA refuses once its refund window has passed: that refusal is raised like any error.
        """
        response = self._call('AutoRefund', {
            'orderNumber': order_number,
            'refundReasonCode': REFUND_REASON_CODE,
        }, accepted_codes=(ALREADY_REFUNDED,))
        if response.code == ALREADY_REFUNDED:
            _logger.info('Comodo order %s was already refunded', order_number)

    # --- domain control validation --------------------------------------------------------------

    def dcv_emails(self, domain):
        """The addresses the CA accepts for validating `domain` (GetDCVEmailAddressList)."""
        # No responseFormat: for this call 1 is already the default text style (key<TAB>value).
        response = self._call('GetDCVEmailAddressList', {'domainName': domain})
        return wire.read_dcv_emails(response)

    def resend_dcv(self, order_number, email=None):
        """Send the validation e-mail again, to `email` or else to the last address used."""
        self._call('ResendDCVEmail', {
            'orderNumber': order_number,
            'dcvEmailAddress': email,
        })

    def update_dcv(self, order_number, method, email=None, domain=None):
        """Change an order's validation method or address (AutoUpdateDCV).

        domain is needed only for multi-domain orders. Calling it again with the same method makes
        the CA check again.
        """
        check_dcv_method(method)
        self._call('AutoUpdateDCV', {
            'orderNumber': order_number,
            'domainName': domain,
            'newMethod': method,
            'newDCVEmailAddress': email,
        })

    def auto_update_dcv(self, order_number, methods, multi_domain=False):
        """Ask the CA to check the names again by the methods given (AutoUpdateDCV): `methods` is
        [(domain, method)] without EMAIL (no approver address is sent). The same method as before
        is the documented "check again"; another one changes how the name is validated. A
        multi-domain order takes the per-domain form (domainNames, newMethods, in the same order),
        also for one name."""
        methods = list(methods)
        if not methods:
            raise ValueError('auto_update_dcv needs at least one domain')
        for _domain, method in methods:
            check_dcv_method(method)
            if method == 'EMAIL':
                raise ValueError('auto_update_dcv sends no approver address: use update_dcv for EMAIL')
        if multi_domain:
            fields = {'domainNames': ' '.join(domain for domain, _method in methods),
                      'newMethods': ','.join(method for _domain, method in methods)}
        elif len(methods) == 1:
            fields = {'newMethod': methods[0][1]}
        else:
            raise ValueError('a single-domain order has one domain to check again')
        self._call('AutoUpdateDCV', dict(fields, orderNumber=order_number))

    # --- reports --------------------------------------------------------------------------------

    def report(self, **filters):
        """Orders matching WebHostReport filters, named as the protocol names them.

        Datetimes (naive = UTC) become Unix times, lists comma lists, booleans Y/N.
        """
        unknown = sorted(set(filters) - REPORT_FILTERS)
        if unknown:
            raise ValueError('Unknown WebHostReport filter(s): %s' % ', '.join(unknown))
        fields = {name: _report_value(value) for name, value in filters.items()}
        response = self._call('WebHostReport', fields)
        return wire.read_report(response)

    def report_all(self, page_size=REPORT_PAGE_SIZE, **filters):
        """Every order matching the filters, asking WebHostReport one page at a time.

        A page shorter than page_size is the last one.
        """
        if 'firstResultNo' in filters or 'lastResultNo' in filters:
            raise ValueError('report_all pages by itself: give no firstResultNo/lastResultNo')
        entries = []
        while True:
            first = len(entries) + 1
            page = self.report(firstResultNo=first, lastResultNo=first + page_size - 1, **filters)
            entries.extend(page)
            if len(page) < page_size:
                return entries

    def report_statuses(self, order_numbers, page_size=REPORT_PAGE_SIZE):
        """OrderedDict {order number (str): ReportedStatus} for every one of `order_numbers` (str or
        int; repeats asked once), in the order given, from WebHostReport asked about `page_size`
        orders per call.

        Each order's status is ISSUED, REJECTED, REVOKED, PENDING or AWAITING_PAYMENT with the
        validation state the CA reported; UNRECOGNISED when its row cannot be read and MISSING when
        the report does not list it: ask CollectSSL about those two. One bad row never raises.
        A page that fails as a whole raises its family (TransientError, ConfigurationError,
        ComodoError), with `error.statuses` holding what the pages before it told.
        """
        page_size = int(page_size)
        if page_size < 1:
            raise ValueError('page_size must be at least 1')
        numbers = bulk_report.order_numbers(order_numbers)
        statuses = collections.OrderedDict()
        for start in range(0, len(numbers), page_size):
            asked = numbers[start:start + page_size]
            try:
                statuses.update(bulk_report.statuses(asked, self._report_rows(asked, page_size)))
            except ComodoError as error:
                error.statuses = statuses
                raise
        return statuses

    def _report_rows(self, asked, page_size):
        """Every report row about these orders: the next page is asked for while the last one
        brought an order still unanswered, in case the CA pages below page_size."""
        rows, answered, first = [], set(), 1
        while True:
            page = wire.read_report_page(self._call('WebHostReport', {
                'orderNumber': ','.join(asked),
                'firstResultNo': first,
                'lastResultNo': first + page_size - 1,
                'showStatusDetails': 'Y',
            }))
            rows += page
            new = bulk_report.answered(page, asked) - answered
            answered |= new
            if not page or not new or len(answered) == len(asked):
                return rows
            first += len(page)

    def check_login(self):
        """Raise unless the CA accepts the login: a one-line report, which orders nothing."""
        self.report(lastResultNo=1)

    def find_order(self, foreign_order_number):
        """The CA order number placed under our foreign_order_number, or None.

        This is the recovery look-up after a crash between the CA call and the database commit.
        """
        entries = [entry for entry in self.report(foreignOrderNumber=foreign_order_number)
                   if entry.order_number and entry.foreign_order_number in
                   (None, str(foreign_order_number))]
        if not entries:
            return None
        if len(entries) > 1:
            _logger.warning('Several Comodo orders carry foreign order number %s: %s; using the '
                            'newest', foreign_order_number,
                            ', '.join(entry.order_number for entry in entries))
        return max(entries, key=lambda entry: _order_number_key(entry.order_number)).order_number

    # --- transport ------------------------------------------------------------------------------

    def _call(self, name, fields, path=None, accepted_codes=()):
        """POST one call (to `!name` unless `path` says otherwise) and return its wire.Response.

        Raises for transport failures and for negative codes not in accepted_codes.
        """
        data = {key: str(value) for key, value in fields.items() if value is not None}
        data['loginName'] = self.login
        data['loginPassword'] = self._password
        if self.test_mode and name in TEST_FLAG_CALLS:
            data['test'] = 'Y'
        url = self.base_url + (path or '!' + name)
        started = time.time()
        try:
            # No redirects: requests would repeat a redirected POST as a GET (the CA's -17).
            reply = self.session.post(url, data=data, timeout=self.timeout, allow_redirects=False)
        except requests.Timeout:
            error = TransientError('%s: no answer from the CA within %s s.' % (name, self.timeout))
            raise self._failed(name, fields, error)
        except (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
                requests.exceptions.InvalidURL) as exc:
            error = ConfigurationError('%s: bad CA URL %s (%s).' % (name, url, exc))
            raise self._failed(name, fields, error)
        except requests.RequestException as exc:
            error = TransientError('%s: could not reach the CA: %s' % (name, exc))
            raise self._failed(name, fields, error)
        elapsed = time.time() - started
        if reply.status_code != 200:
            family = (TransientError if reply.status_code >= 500 or
                      reply.status_code in _RETRYABLE_HTTP else ConfigurationError)
            error = family('%s: the CA URL %s answered HTTP %d.' % (name, url, reply.status_code))
            raise self._failed(name, fields, error)
        try:
            response = wire.parse_response(_decode(reply.content))
        except TransientError as exc:
            raise self._failed(name, fields, TransientError('%s: %s' % (name, exc.message)))
        _logger.debug('Comodo %s (order %s) answered %s in %.2f s', name,
                      fields.get('orderNumber', '-'), response.code, elapsed)
        try:
            wire.raise_for_code(response, accepted_codes)
        except ComodoError as exc:
            raise self._failed(name, fields, exc)
        return response

    @staticmethod
    def _failed(name, fields, error):
        """Log a failed call once, here, and hand the error back for raising."""
        _logger.warning('Comodo %s (order %s) failed: %s', name, fields.get('orderNumber', '-'),
                        error)
        return error


def _per_domain_dcv(dcv_method, emails, domain_count):
    """dcvEmailAddresses of a multi-domain order: per domain, in domainNames order, its approver
    address (EMAIL) or the method's name; None (not sent) for EMAIL without addresses."""
    if dcv_method != 'EMAIL':
        return ','.join([dcv_method] * domain_count)
    return ','.join(emails) or None


def _report_value(value):
    if isinstance(value, bool):
        return 'Y' if value else 'N'
    if isinstance(value, datetime.datetime):
        return calendar.timegm(value.utctimetuple())
    if isinstance(value, (list, tuple, set, frozenset)):
        return ','.join(str(item) for item in value)
    return value


def _order_number_key(order_number):
    return (0, int(order_number), '') if order_number.isdigit() else (1, 0, order_number)


def _decode(content):
    try:
        return content.decode('utf-8')
    except UnicodeDecodeError:
        # Not every CA message is UTF-8; latin-1 decodes any byte.
        return content.decode('latin-1')

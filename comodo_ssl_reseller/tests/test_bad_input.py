"""The bad input catalogue: what a salesperson (sale confirmation), an integrator (XML-RPC) or a
customer (the portal's buy form) may get wrong, each row with the message that must explain it.

For every row and way in: refused with that message, nothing written (certificate orders, keys,
invoices, confirmed sales, portal CA-call log) and nothing sent to the CA (the sandbox's calls.json
and orders.json do not move).
"""
import base64
import datetime
import html
import re
import shutil
import tempfile
import xmlrpc.client
from collections import namedtuple
from contextlib import contextmanager

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import NameOID

from comodo_sandbox.pytest_plugin import SandboxProcess
from odoo.exceptions import UserError, ValidationError

from comodo_client import build_csr, generate_private_key
from .common import ComodoCase, unique_domain
from .portal_common import PortalCase

BACKEND, XMLRPC, PORTAL = 'backend', 'xml-rpc', 'portal'
EVERY_WAY = (BACKEND, XMLRPC, PORTAL)
STAFF_WAYS = (BACKEND, XMLRPC)

# Where the buy form and the refusal page say what is wrong.
PORTAL_MESSAGE = re.compile(r'<div[^>]*class="[^"]*(?:o_comodo_buy_error|o_comodo_refused)[^"]*"[^>]*>(.*?)</div>',
                            re.DOTALL)
TAG = re.compile(r'<[^>]+>')
# What a refusal function answers when the input went through.
ACCEPTED = 'ACCEPTED'
_KEYS = {}


def _key(kind):
    """Keys are slow to make: one of each kind for the whole catalogue."""
    if kind not in _KEYS:
        _KEYS[kind] = {
            'rsa': lambda: rsa.generate_private_key(65537, 2048),
            'rsa1024': lambda: rsa.generate_private_key(65537, 1024),
            'dsa': lambda: dsa.generate_private_key(2048),
            'secp256k1': lambda: ec.generate_private_key(ec.SECP256K1()),
        }[kind]()
    return _KEYS[kind]


def _csr(common_names, key='rsa', alt_names=()):
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name) for name in common_names]))
    if alt_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in alt_names]), critical=False)
    return builder.sign(_key(key), hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode('ascii')


def _pem(label, der):
    return '-----BEGIN %s-----\n%s\n-----END %s-----\n' % (label, base64.encodebytes(der).decode('ascii'), label)


def _csr_with_a_broken_signature(domain):
    der = bytearray(x509.load_pem_x509_csr(_csr([domain]).encode()).public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # the signature's last byte: the request no longer matches its signature
    return _pem('CERTIFICATE REQUEST', bytes(der))


def _csr_with_its_key(domain):
    key_pem = generate_private_key()
    return key_pem + build_csr(key_pem, [domain])


def _csr_in_text_of(domain, kilobytes):
    """A good CSR for the domain, pasted with so much text after it that the whole has that size."""
    csr = _csr([domain])
    return csr + 'x' * (kilobytes * 1024 - len(csr))


def _domains_of(domain, kilobytes):
    """Further domains, one per line, that fill that many KB."""
    names, size = [], 0
    while size < kilobytes * 1024:
        names.append('site%d.%s' % (len(names), domain))
        size += len(names[-1]) + 1
    return '\n'.join(names)[:kilobytes * 1024]


# line(test, domain): the certificate line as entered (sale.order.line field names; `term` a term
# of the test, `customer` a key of its customers); expected: the message, or {way: message} where
# the ways word it apart; ways: where the input can be given at all.
Row = namedtuple('Row', 'name ways line expected')


def _row(name, line, expected, ways=EVERY_WAY):
    return Row(name, ways, line, expected)


ROWS = [
    # -- the CSR ---------------------------------------------------------------------------------
    _row('CSR: not Base64', lambda t, d: {'comodo_csr': '-----BEGIN CERTIFICATE REQUEST-----\nnot base64!\n'
                                                        '-----END CERTIFICATE REQUEST-----'},
         'The CSR is not valid Base64.'),
    _row('CSR: BEGIN and END differ', lambda t, d: {'comodo_csr': '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n'
                                                                 '-----END CERTIFICATE-----'},
         'its BEGIN/END lines do not match'),
    _row('CSR: a certificate, not a request', lambda t, d: {'comodo_csr': _pem('CERTIFICATE', b'\x30\x03\x02\x01\x01')},
         'This is a certificate, not a certificate request (CSR).'),
    _row('CSR: Base64 of something else', lambda t, d: {'comodo_csr': _pem('CERTIFICATE REQUEST', b'not DER at all')},
         'it is not a PKCS#10 certificate request'),
    _row('CSR: signature does not match (wrong key)', lambda t, d: {'comodo_csr': _csr_with_a_broken_signature(d)},
         "The CSR's signature is invalid"),
    _row('CSR: weak key (RSA 1024)', lambda t, d: {'comodo_csr': _csr([d], key='rsa1024')},
         "The CSR's RSA key has 1024 bits; at least 2048 are required."),
    _row('CSR: wrong key type (DSA)', lambda t, d: {'comodo_csr': _csr([d], key='dsa')},
         "The CSR's key type (dsa) is not accepted"),
    _row('CSR: wrong curve (secp256k1)', lambda t, d: {'comodo_csr': _csr([d], key='secp256k1')},
         'only P-256 and P-384 are accepted'),
    _row('CSR: for another domain', lambda t, d: {'comodo_csr': _csr(['other.' + d])},
         "The CSR's common name is other."),
    _row('CSR: two common names', lambda t, d: {'comodo_csr': _csr([d, 'other.' + d])},
         'The CSR has 2 common names (CN); it must have one'),
    _row('CSR: no common name', lambda t, d: {'comodo_csr': _csr([], alt_names=[d])},
         'The CSR has no common name (CN)'),
    _row('CSR: a name that was not entered', lambda t, d: {'comodo_csr': _csr([d], alt_names=[d, 'mail.' + d])},
         "in the CSR but not entered: mail."),
    _row('CSR: pasted with its private key', lambda t, d: {'comodo_csr': _csr_with_its_key(d)},
         'the private key must stay on your server'),
    # -- sizes: refused before any work, the portal's form before a field is read ------------------
    _row('CSR: 63 KB', lambda t, d: {'comodo_csr': _csr_in_text_of(d, 63)},
         {BACKEND: 'The CSR is 63 KB long; a certificate request has 16 KB at most.',
          XMLRPC: 'The CSR is 63 KB long; a certificate request has 16 KB at most.',
          PORTAL: 'far more than a certificate order needs (a CSR has 16 KB at most): nothing was ordered'}),
    _row('further domains: 62 KB', lambda t, d: {'term': t.multi_domain_term, 'comodo_extra_domains': _domains_of(d, 62)},
         {BACKEND: 'covers at most 3 domains', XMLRPC: 'covers at most 3 domains',
          PORTAL: 'far more than a certificate order needs (a CSR has 16 KB at most): nothing was ordered'}),
    # -- the domains -----------------------------------------------------------------------------
    _row('domain: raw unicode (IDN)', lambda t, d: {'comodo_domain': 'bücher-' + d},
         'enter its xn-- form: xn--bcher-'),
    _row('domain: a space', lambda t, d: {'comodo_domain': 'www ' + d}, 'is not a valid public domain name'),
    _row('domain: an underscore', lambda t, d: {'comodo_domain': 'under_score.' + d},
         'is not a valid public domain name'),
    _row('domain: a label starting with a hyphen', lambda t, d: {'comodo_domain': '-www.' + d},
         'is not a valid public domain name'),
    _row('domain: one label', lambda t, d: {'comodo_domain': 'localhost'}, 'localhost is not a valid public domain name'),
    _row('domain: an IP address', lambda t, d: {'comodo_domain': '192.0.2.10'},
         '192.0.2.10 is not a valid public domain name'),
    _row('domain: too long for a common name', lambda t, d: {'comodo_domain': 'x' * 60 + '.' + d},
         'is too long to be a certificate\'s common name (64 characters at most)'),
    _row('domain: empty', lambda t, d: {'comodo_domain': '  '}, 'nter the domain the certificate is for.'),
    _row('wildcard on a non-wildcard type', lambda t, d: {'comodo_domain': '*.' + d},
         'is a wildcard name, which this product does not allow'),
    _row('wildcard type without "*."', lambda t, d: {'term': t.wildcard_term},
         'A wildcard certificate needs a primary domain starting with "*."'),
    _row('wildcard: two stars', lambda t, d: {'term': t.wildcard_term, 'comodo_domain': '*.*.' + d},
         "has a '*' that is not a single leading '*.' label"),
    _row('several domains on a one-domain type', lambda t, d: {'comodo_extra_domains': 'shop.' + d},
         'covers one domain only: remove the further domains'),
    _row('too many SANs', lambda t, d: {'term': t.multi_domain_term, 'comodo_extra_domains': '\n'.join(
        'site%d.%s' % (index, d) for index in range(t.multi_domain_term.type_id.max_domains))},
        'covers at most 3 domains'),
    _row('duplicate SANs', lambda t, d: {'term': t.multi_domain_term, 'comodo_extra_domains': 'shop.%s\nSHOP.%s' % (d, d)},
         'is entered more than once'),
    _row('SAN: an invalid name', lambda t, d: {'term': t.multi_domain_term, 'comodo_extra_domains': 'bad_name.' + d},
         'is not a valid public domain name'),
    # -- validation ------------------------------------------------------------------------------
    _row('email validation without an approver', lambda t, d: {'comodo_dcv_method': 'EMAIL'},
         'Choose the approver email address', ways=STAFF_WAYS),
    _row('email validation of several domains', lambda t, d: {
        'term': t.multi_domain_term, 'comodo_extra_domains': 'shop.' + d, 'comodo_dcv_method': 'EMAIL',
        'comodo_dcv_email': 'admin@' + d}, 'validate several domains with a file or a DNS record'),
    _row('file validation of a wildcard', lambda t, d: {
        'term': t.wildcard_term, 'comodo_domain': '*.' + d, 'comodo_dcv_method': 'HTTP_CSR_HASH'},
        'Wildcard certificates cannot be validated with a file'),
    _row('an unknown validation method', lambda t, d: {'comodo_dcv_method': 'PIGEON'},
         'Choose how the domain is validated.', ways=(PORTAL,)),
    # -- what is sold, and to whom ---------------------------------------------------------------
    _row('two certificates on one line', lambda t, d: {'product_uom_qty': 2},
         'a certificate line orders exactly one certificate', ways=STAFF_WAYS),
    _row('a negative price', lambda t, d: {'price_unit': -7.95},
         'a certificate cannot be sold at a negative price', ways=STAFF_WAYS),
    _row('an unpriced type', lambda t, d: {'term': t.unpriced_term},
         {BACKEND: 'is not offered: it has no reseller price', XMLRPC: 'is not offered: it has no reseller price',
          PORTAL: 'Choose one of the certificates offered.'}),
    _row('no such certificate', lambda t, d: {'term_id': 987654321},
         'Choose one of the certificates offered.', ways=(PORTAL,)),
    _row('a plan without the SSL module', lambda t, d: {'customer': 'no_ssl'},
         'cannot use SSL: none of its hosting plans includes the SSL module'),
    _row('a plan with the SSL module but not Comodo SSL', lambda t, d: {'customer': 'ssl_only'},
         'cannot buy Comodo certificates: none of its hosting plans includes Comodo SSL', ways=STAFF_WAYS),
    _row('an ended subscription', lambda t, d: {'customer': 'ended'},
         'cannot use SSL: none of its hosting plans includes the SSL module', ways=STAFF_WAYS),
]


def _customers_beside(env, comodo_plan):
    """Customers who may not buy: on a plan without the SSL module, on one with it but without
    Comodo SSL, and on the Comodo plan with a subscription that ended yesterday. {key: partner id}"""
    today = datetime.date.today()
    plans = env['hosting.plan']
    no_ssl_plan = plans.create({'name': 'No SSL', 'recurring_rule_type': 'monthly', 'recurring_interval': 1})
    ssl_only_plan = plans.create({'name': 'SSL module, no Comodo', 'recurring_rule_type': 'monthly',
                                  'recurring_interval': 1, 'ssl_module': True, 'comodo_ssl': False})
    customers = {}
    for key, plan, start, end in (
            ('no_ssl', no_ssl_plan, today, False),
            ('ssl_only', ssl_only_plan, today, False),
            ('ended', comodo_plan, today - datetime.timedelta(days=60), today - datetime.timedelta(days=1))):
        partner = env['res.partner'].create({'name': 'Bad input: %s' % key, 'email': '%s@example.com' % key})
        env['account.analytic.account'].create({
            'name': 'Bad input: %s' % key, 'partner_id': partner.id, 'hosting_plan_id': plan.id,
            'recurring_invoices': True, 'date_start': str(start), 'date_end': end and str(end)})
        customers[key] = partner.id
    return customers


def _unpriced_term(env):
    term = env.ref('comodo_ssl_reseller.certificate_term_elitessl_365')
    term.reseller_price = 10.0  # priced once, so that it has the product a salesperson could still pick
    term.reseller_price = 0.0
    return term


# (what, password, message) for the .pfx download.
PFX_PASSWORDS = [
    ('empty', '', 'Choose a password of at least 8 characters'),
    ('too short', 'short', 'Choose a password of at least 8 characters'),
    ('huge', 'p' * 100000, 'Choose a password of at most 256 characters'),
]
# `kind` values that try to reach another file, or the key under another name: each is no download.
ODD_DOWNLOAD_KINDS = [
    '..%2F..%2F..%2Fetc%2Fpasswd', '..%2fkey', 'key%2F..', 'certificate%2F..%2Fkey', '%2e%2e', '%2e%2e%2fkey',
    'KEY', 'Key', 'key.pem', 'key%00', 'certificate%00.key', 'pfx', '.key', 'key%20',
]
# The reseller account in Settings: (what, company values, message, calls the CA receives).
CREDENTIALS = [
    ('no password', {'comodo_password': False}, 'Enter the Comodo reseller login and password', 0),
    ('plain http outside test mode', {'comodo_test_mode': False}, 'is not https://', 0),
    ('a wrong password', {'comodo_password': 'not-the-password'}, 'Comodo refused the connection: Comodo error -16', 1),
    ('a wrong login', {'comodo_login': 'nobody'}, 'Comodo refused the connection: Comodo error -16', 1),
    ('a wrong password with unicode', {'comodo_password': 'pässwörd-ünï-🔑'},
     'Comodo refused the connection: Comodo error -16', 1),
]
UNICODE_PASSWORD = 'pässwörd-ünï-🔑'


class BadInputCatalogue(object):
    """Runs ROWS for some ways in; the test class gives the terms, the customers and the ways."""

    def _counts(self, ca_orders=True):
        """What is written and sent; the CA's orders (its whole list, slow to fetch) unless not asked."""
        env = self.env(user=1)
        env.cache.invalidate()
        counts = {
            'certificate orders': env['comodo.certificate.order'].search_count([]),
            'keys': env['comodo.certificate.key'].search_count([]),
            'invoices': env['account.invoice'].search_count([]),
            'confirmed sales': env['sale.order'].search_count([('state', 'in', ('sale', 'done'))]),
            'portal CA calls': env['comodo.portal.ca.call'].search_count([]),
            'CA calls': sum(self.sandbox.call_counts().values()),
        }
        if ca_orders:
            counts['CA orders'] = len(self.sandbox.orders())
        return counts

    def _entered(self, row):
        """The row's certificate line, on a fresh domain, with everything else right."""
        domain = unique_domain('www')
        values = {'term': self.term, 'comodo_domain': domain, 'comodo_dcv_method': 'CNAME_CSR_HASH',
                  'customer': 'comodo'}
        values.update(row.line(self, domain))
        return values

    def _sale_values(self, values):
        line = {key: value for key, value in values.items() if key.startswith(('comodo_', 'price_', 'product_'))}
        line['product_id'] = values['term'].product_id.id
        return {'partner_id': self.customers[values['customer']], 'order_line': [(0, 0, line)]}

    def _run_catalogue(self, refusals):
        """Every row for each way in `refusals` ({way: function(values) -> the message shown})."""
        failures, cases = [], 0
        # The CA's orders are counted around the whole catalogue, not around each case: the CA only
        # ever adds orders, so one made by any case still shows at the end (and each case's own API
        # calls are counted around it).
        ca_orders = len(self.sandbox.orders())
        for row in ROWS:
            for way in set(row.ways) & set(refusals):
                case = '%s (%s)' % (row.name, way)
                values = self._entered(row)
                before = self._counts(ca_orders=False)
                message = refusals[way](values)
                expected = row.expected[way] if isinstance(row.expected, dict) else row.expected
                if expected not in message:
                    failures.append('%s: %r not in the message: %s' % (case, expected, message[-600:]))
                after = self._counts(ca_orders=False)
                if after != before:
                    failures.append('%s: written or sent: %s -> %s' % (case, before, after))
                cases += 1
        if len(self.sandbox.orders()) != ca_orders:
            failures.append('orders placed with the CA: %d -> %d' % (ca_orders, len(self.sandbox.orders())))
        self.assertFalse(failures, '\n'.join(failures))
        return cases


class TestBadInputAtConfirmation(BadInputCatalogue, ComodoCase):
    """A salesperson confirming the sale in the back office."""

    @classmethod
    def setUpClass(cls):
        super(TestBadInputAtConfirmation, cls).setUpClass()
        cls.customers = dict(_customers_beside(cls.env, cls.plan), comodo=cls.customer.id)
        cls.unpriced_term = _unpriced_term(cls.env)

    def _refusal_backend(self, values):
        try:
            with self.env.cr.savepoint():
                self.env['sale.order'].create(self._sale_values(values)).action_confirm()
        except (UserError, ValidationError) as refusal:
            return refusal.name
        return ACCEPTED

    def test_every_bad_request_is_refused_with_its_message_and_leaves_no_trace(self):
        cases = self._run_catalogue({BACKEND: self._refusal_backend})
        self.assertGreaterEqual(cases, 39)

    @contextmanager
    def _taken_back(self):
        """What is written inside is undone at the end, as a refused request's transaction is."""
        self.env.cr.execute('SAVEPOINT bad_input_row')
        try:
            yield
        finally:
            self.env.cr.execute('ROLLBACK TO SAVEPOINT bad_input_row')
            self.env.cache.invalidate()

    def _connection_message(self):
        try:
            with self.env.cr.savepoint():
                self.env['res.config.settings'].create({}).action_comodo_test_connection()
        except UserError as answer:
            return answer.name
        return ACCEPTED

    def test_wrong_reseller_credentials_get_a_clear_message(self):
        # Only the CA can tell a wrong password: those rows cost the one call that asks it.
        for name, values, expected, ca_calls in CREDENTIALS:
            before = self._counts()
            with self._taken_back():
                self.company.write(values)
                self.assertIn(expected, self._connection_message(), name)
            after = self._counts()
            self.assertEqual(after.pop('CA calls') - before.pop('CA calls'), ca_calls, name)
            self.assertEqual(after, before, '%s: nothing written' % name)

    def test_a_password_with_unicode_is_sent_as_typed(self):
        data_dir = tempfile.mkdtemp(prefix='comodo-unicode-password-')
        self.addCleanup(shutil.rmtree, data_dir, True)
        sandbox = SandboxProcess(data_dir, password=UNICODE_PASSWORD).start()
        self.addCleanup(sandbox.stop)
        self.company.write({'comodo_api_url': sandbox.url, 'comodo_password': UNICODE_PASSWORD})
        # Success is a notification, not an error dialog.
        self.assertEqual(self._connection_message(), ACCEPTED)

    def test_a_punycode_domain_is_accepted(self):
        # The counterpart of the raw unicode row: the xn-- form of the same name is ordered.
        domain = 'xn--bcher-kva.' + unique_domain('never')
        order = self._buy(domain)
        self.assertEqual((order.domain, order.state), (domain, 'pending'))


class TestBadInputOverHttp(BadInputCatalogue, PortalCase):
    """An integrator over XML-RPC (as the administrator), a customer on the portal's buy form."""

    def setUp(self):
        super(TestBadInputOverHttp, self).setUp()
        with self.saved() as env:
            env.ref('comodo_ssl_reseller.certificate_term_positivessl_wildcard_365').reseller_price = 80.0
            env.ref('comodo_ssl_reseller.certificate_term_positivessl_multidomain_365').reseller_price = 40.0
            _unpriced_term(env)
            self.customers = dict(_customers_beside(env, self.business_plan), comodo=self.customer.id)
        self.wildcard_term = self.env.ref('comodo_ssl_reseller.certificate_term_positivessl_wildcard_365')
        self.multi_domain_term = self.env.ref('comodo_ssl_reseller.certificate_term_positivessl_multidomain_365')
        self.unpriced_term = self.env.ref('comodo_ssl_reseller.certificate_term_elitessl_365')
        self.admin_uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, 'admin', 'admin', {})
        self.csrf_token = None

    def _refusal_xmlrpc(self, values):
        def call(model, method, *args):
            return self.xmlrpc_object.execute_kw(self.env.cr.dbname, self.admin_uid, 'admin', model, method,
                                                 list(args))
        try:
            sale_id = call('sale.order', 'create', self._sale_values(values))
            call('sale.order', 'action_confirm', [sale_id])
        except xmlrpc.client.Fault as fault:
            return fault.faultString
        return ACCEPTED

    def _refusal_portal(self, values):
        # The demo portal logins: `portal` holds the Comodo plan, `portal_nossl` a plan without SSL.
        login = {'comodo': 'portal', 'no_ssl': 'portal_nossl'}[values['customer']]
        self.authenticate(login, login)
        form = {'term_id': values.get('term_id') or values['term'].id, 'domain': values['comodo_domain'],
                'extra_domains': values.get('comodo_extra_domains', ''), 'dcv_method': values['comodo_dcv_method'],
                'dcv_email': values.get('comodo_dcv_email', ''), 'csr': values.get('comodo_csr', '')}
        # The session's CSRF token holds for each of its requests, whoever is logged in: the form's
        # page is read once, not once a row.
        self.csrf_token = self.csrf_token or self._csrf('/my/home')
        response = self.url_open('/my/certificates/buy', data=dict(form, csrf_token=self.csrf_token))
        if response.status_code not in (400, 403, 413):
            return 'HTTP %d: not refused' % response.status_code
        shown = PORTAL_MESSAGE.search(response.text)
        return html.unescape(TAG.sub(' ', shown.group(1))) if shown else 'no message on the page'

    def test_every_bad_request_is_refused_with_its_message_and_leaves_no_trace(self):
        cases = self._run_catalogue({XMLRPC: self._refusal_xmlrpc, PORTAL: self._refusal_portal})
        self.assertGreaterEqual(cases, 75)

    def test_pfx_passwords_refused_with_their_message(self):
        order = self._issued_order()
        for name, password, expected in PFX_PASSWORDS:
            before = self._counts()
            response = self._post('/my/certificates/%d/download/pfx' % order.id, order.portal_url, password=password)
            self.assertNotIn('attachment', response.headers.get('Content-Disposition', ''), name)
            self.assertIn(expected, html.unescape(response.text), name)
            self.assertEqual(self._counts(), before, '%s: nothing written, nothing sent' % name)

    def test_download_names_cannot_be_bent(self):
        order = self._issued_order()
        for kind in ODD_DOWNLOAD_KINDS:
            response = self.url_open('/my/certificates/%d/download/%s' % (order.id, kind))
            self.assertEqual(response.status_code, 404, kind)
            self.assertNotIn(b'PRIVATE KEY', response.content, kind)
        certificate = self.url_open('/my/certificates/%d/download/certificate' % order.id)
        self.assertEqual(certificate.headers['Content-Disposition'], 'attachment; filename="%s.crt"' % order.domain,
                         'the file is named after the validated domain, nothing else')

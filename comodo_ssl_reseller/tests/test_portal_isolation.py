"""A second customer, on a plan with SSL like the first, tries every way to the first's certificates.

By id on every portal route (page, downloads, .pfx, the validation actions), logged out, and over
JSON-RPC and XML-RPC (read, search_read, export_data, and the order's own buttons). Each is refused,
shows nothing of the first's order, changes nothing and calls nothing at the CA. Customers cannot
reissue or cancel a certificate at all yet (there is no such route); the RPC buttons that cancel or
check are tried instead.
"""
import json
import re
import xmlrpc.client

from .common import unique_domain
from .portal_common import PortalCase

SECOND_LOGIN = 'portal_second'
LOGIN_CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# (method, path after /my/certificates/<id>, form): every route naming a certificate order.
ROUTES = [
    ('GET', '', None),
    ('GET', '/download/certificate', None),
    ('GET', '/download/chain', None),
    ('GET', '/download/fullchain', None),
    ('POST', '/download/key', {}),
    ('POST', '/download/pfx', {'password': 'long enough password'}),
    ('POST', '/dcv/resend', {}),
    ('POST', '/dcv/change', {'dcv_method': 'EMAIL', 'dcv_email': 'admin@example.com'}),
]
ORDER_FIELDS = ['domain', 'state', 'certificate_pem', 'private_key_pem', 'dcv_method']


class TestPortalIsolation(PortalCase):

    def setUp(self):
        super(TestPortalIsolation, self).setUp()
        with self.saved() as env:
            second = env['res.partner'].create({'name': 'Second Hosting Customer', 'email': 'second@example.com'})
            env['account.analytic.account'].create({
                'name': 'Business Hosting - second', 'partner_id': second.id,
                'hosting_plan_id': self.business_plan.id, 'recurring_invoices': True})
            env['res.users'].with_context(no_reset_password=True).create({
                'name': second.name, 'login': SECOND_LOGIN, 'password': SECOND_LOGIN, 'partner_id': second.id,
                'groups_id': [(6, 0, [env.ref('base.group_portal').id])]})
        self.authenticate('portal', 'portal')
        self.issued = self._place(self._buy(unique_domain('instant'))[1])
        self.pending = self._place(self._buy(unique_domain('never'), dcv_method='HTTP_CSR_HASH')[1])
        self._log_in_as_the_second_customer()
        self.own = self._place(self._buy(unique_domain('instant'))[1])
        self.assertEqual((self.issued.state, self.pending.state, self.own.state), ('issued', 'pending', 'issued'))
        self.first_orders = self.issued | self.pending

    def _log_in_as_the_second_customer(self):
        # Through the login page: HttpCase.authenticate reads the user on the test's own cursor,
        # which does not see a user made on the cursor the server's requests use.
        self.opener.cookies.clear()
        login_page = self.url_open('/web/login')
        token = LOGIN_CSRF_TOKEN.search(login_page.text).group(1)
        self.url_open('/web/login', data={'login': SECOND_LOGIN, 'password': SECOND_LOGIN, 'csrf_token': token})
        self.assertEqual(self.url_open('/my/certificates').status_code, 200, 'logged in with the SSL module')

    def _fingerprint(self):
        """What must not move: the first customer's orders as stored, and the CA's call log."""
        self.env.cache.invalidate()
        orders = self.first_orders.sudo().read(['state', 'dcv_method', 'dcv_email', 'write_date'])
        return orders, len(self.sandbox.calls())

    def _leaks(self, text):
        """The first customer's data found in an answer (its domains, certificate or key)."""
        secrets = []
        for order in self.first_orders.sudo():
            secrets += [order.domain, order.csr_pem.splitlines()[1]]
            if order.certificate_pem:
                secrets.append(order.certificate_pem.splitlines()[1])
        return [secret for secret in secrets if secret in text] + (['PRIVATE KEY'] if 'PRIVATE KEY' in text else [])

    def _request(self, method, path, form):
        if method == 'GET':
            return self.url_open(path)
        return self._post(path, '/my/home', **form)

    def test_the_second_customer_reaches_no_route_of_the_first(self):
        self.assertEqual(self.url_open(self.own.portal_url).status_code, 200, 'its own order opens')
        before = self._fingerprint()
        failures = []
        for order in self.first_orders:
            for method, suffix, form in ROUTES:
                failures += self._refused(method, order.portal_url + suffix, form)
        # Logged out: every page asks for a login (the actions need a login's CSRF token anyway).
        self.opener.cookies.clear()
        for order in self.first_orders | self.own:
            for method, suffix, form in ROUTES:
                if method == 'GET':
                    response = self.url_open(order.portal_url + suffix)
                    if '/web/login' not in response.url or self._leaks(response.text):
                        failures.append('GET %s logged out: %s %s' % (suffix, response.url, self._leaks(response.text)))
        self.assertEqual(failures, [])
        self.assertEqual(self._fingerprint(), before, 'nothing changed, nothing sent to the CA')

    def _refused(self, method, path, form):
        """[] when the route answers 404 and shows nothing of the first customer, else what it did."""
        response = self._request(method, path, form)
        if response.status_code == 404 and not self._leaks(response.text):
            return []
        return ['%s %s: HTTP %d %s' % (method, path, response.status_code, self._leaks(response.text))]

    def _json_rpc(self, model, method, args, kwargs=None):
        answer = self.opener.post(self.base_url() + '/web/dataset/call_kw', json={
            'jsonrpc': '2.0', 'method': 'call', 'id': 1, 'params': {
                'model': model, 'method': method, 'args': args, 'kwargs': kwargs or {}}}).json()
        return json.dumps(answer)

    def _xml_rpc(self, model, method, args, kwargs=None):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, SECOND_LOGIN, SECOND_LOGIN, {})
        try:
            return repr(self.xmlrpc_object.execute_kw(self.env.cr.dbname, uid, SECOND_LOGIN, model, method,
                                                      args, kwargs or {}))
        except xmlrpc.client.Fault as fault:
            return 'refused: %s' % fault.faultString.splitlines()[-1]

    def _rpc_calls(self):
        ids = self.first_orders.ids
        sale_ids = self.first_orders.sudo().mapped('sale_order_id').ids
        invoice_ids = self.first_orders.sudo().mapped('invoice_ids').ids
        return [
            ('comodo.certificate.order', 'read', [ids, ORDER_FIELDS]),
            ('comodo.certificate.order', 'read', [ids, ['domain']]),
            ('comodo.certificate.order', 'search_read', [[('id', 'in', ids)], ORDER_FIELDS]),
            ('comodo.certificate.order', 'search_read', [[], ['domain']]),
            ('comodo.certificate.order', 'export_data', [ids, ORDER_FIELDS]),
            ('comodo.certificate.order', 'name_search', ['']),
            ('comodo.certificate.order', 'action_cancel', [ids]),
            ('comodo.certificate.order', 'action_check', [ids]),
            ('comodo.certificate.order', 'action_reset', [ids]),
            ('comodo.certificate.key', 'search_read', [[('order_id', 'in', ids)], ['private_key_pem']]),
            ('sale.order', 'read', [sale_ids, ['name', 'order_line']]),
            ('sale.order', 'search_read', [[('id', 'in', sale_ids)], ['name']]),
            ('sale.order.line', 'search_read', [[('order_id', 'in', sale_ids)], ['comodo_domain', 'comodo_csr']]),
            ('account.invoice', 'read', [invoice_ids, ['number', 'comodo_order_id']]),
            ('account.invoice', 'export_data', [invoice_ids, ['number', 'invoice_line_ids/name']]),
            ('mail.message', 'search_read', [[('model', '=', 'comodo.certificate.order'), ('res_id', 'in', ids)],
                                             ['body', 'res_id']]),
        ]

    def test_nothing_of_the_first_customer_over_json_rpc_or_xml_rpc(self):
        before = self._fingerprint()
        failures = []
        for transport, call in (('JSON-RPC', self._json_rpc), ('XML-RPC', self._xml_rpc)):
            own_user = call('res.users', 'search_read', [[('login', '=', SECOND_LOGIN)], ['name']])
            self.assertIn('Second Hosting Customer', own_user, '%s: logged in as the second customer' % transport)
            for model, method, args in self._rpc_calls():
                answer = call(model, method, args)
                if self._leaks(answer):
                    failures.append('%s %s.%s: %s in %s' % (transport, model, method, self._leaks(answer), answer[:300]))
        self.assertEqual(failures, [])
        self.assertEqual(self._fingerprint(), before, 'nothing changed, nothing sent to the CA')

        # The probe can fail: the owner's own page carries what _leaks looks for.
        self.opener.cookies.clear()
        self.opener.cookies['session_id'] = self.session_id  # the session authenticate() logs in
        self.authenticate('portal', 'portal')
        page = self.url_open(self.issued.portal_url)
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.issued.domain, self._leaks(page.text))

"""Two companies resell side by side and keep apart, over a real server.

Company B's staff, each with a group that may read the model, find none of company A's records
over XML-RPC (search_read, search_count, read_group, read): private keys, certificate orders, the
temporary CA, poll runs, portal calls to Comodo, hosting plans, reconciliations and their lines,
reseller accounts, push URLs. Each check also finds company B's own record, so an empty answer
means the company rule and not a missing right. Each company's poll digest goes to its own SSL
managers only.

Company B's portal customer buys on the portal: the sale, its invoice and the certificate order
are company B's. Company A's reseller password is one the sandbox refuses, so the order reaching
the CA shows it went out on company B's account.
"""
import re
import xmlrpc.client

from .common import SANDBOX_LOGIN, SANDBOX_PASSWORD, sandbox_url, unique_domain
from .portal_common import PortalCase

LOGIN_CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
CUSTOMER_B = 'portal_company_b'
# Company B's staff: login -> groups. Each model below is read by the one its access list admits.
STAFF_B = {
    'ssl_manager_b': ['comodo_ssl_reseller.group_ssl_manager'],
    'accountant_b': ['account.group_account_manager'],
    'admin_b': ['base.group_system'],
}
PROBED_MODELS = {
    'comodo.certificate.key': 'ssl_manager_b',
    'comodo.certificate.order': 'ssl_manager_b',
    'comodo.temporary.ca': 'ssl_manager_b',
    'comodo.poll.run': 'ssl_manager_b',
    'comodo.portal.ca.call': 'ssl_manager_b',
    'hosting.plan': 'ssl_manager_b',
    'comodo.reconciliation': 'accountant_b',
    'comodo.reconciliation.line': 'accountant_b',
    'comodo.reseller.account': 'admin_b',
    'comodo.push.token': 'admin_b',
}


class TestCompaniesKeepApart(PortalCase):

    maxDiff = None

    def setUp(self):
        super(TestCompaniesKeepApart, self).setUp()
        with self.saved() as env:
            company_a = env.ref('base.main_company')
            company_a.comodo_password = 'not-the-sandbox-password'
            company_b = env['res.company'].create({'name': 'Second Hosting Company'})
            self._load_chart_of_accounts(env, company_b)
            company_b.write({'comodo_api_url': sandbox_url(), 'comodo_login': SANDBOX_LOGIN,
                             'comodo_password': SANDBOX_PASSWORD, 'comodo_test_mode': True,
                             'comodo_timeout': 10})
            customer_b = self._customer_of(env, company_b)
            for login, groups in STAFF_B.items():
                self._user(env, company_b, login, groups)
            self.company_b = company_b
            self.records = self._records_of_both(env, company_a, company_b, customer_b)

    # -- set-up -----------------------------------------------------------------------------------

    @staticmethod
    def _load_chart_of_accounts(env, company):
        """Company B invoices in its own journal: the generic chart, loaded as Odoo's settings do,
        for the administrator's current company."""
        admin = env.user
        home = admin.company_id
        admin.write({'company_ids': [(4, company.id)], 'company_id': company.id})
        env.ref('l10n_generic_coa.configurable_chart_template').try_loading_for_current_company()
        admin.write({'company_id': home.id})

    @staticmethod
    def _user(env, company, login, groups):
        return env['res.users'].with_context(no_reset_password=True).create({
            'name': login, 'login': login, 'password': login, 'email': '%s@example.com' % login,
            'company_id': company.id,
            'company_ids': [(6, 0, [company.id])], 'groups_id': [(6, 0, [env.ref(group).id for group in groups])]})

    def _customer_of(self, env, company):
        """A portal customer of the company, on a hosting plan of the company that sells certificates."""
        in_company = env(context=dict(env.context, company_id=company.id))
        customer = in_company['res.partner'].create({
            'name': 'Customer of the second company', 'email': 'customer-b@example.com', 'company_id': company.id})
        plan = in_company['hosting.plan'].create({
            'name': 'Second Company Hosting', 'company_id': company.id, 'recurring_rule_type': 'monthly',
            'recurring_interval': 1, 'ssl_module': True, 'comodo_ssl': True})
        in_company['account.analytic.account'].create({
            'name': 'Second Company Hosting - customer', 'partner_id': customer.id, 'company_id': company.id,
            'hosting_plan_id': plan.id, 'recurring_invoices': True})
        self._user(env, company, CUSTOMER_B, ['base.group_portal']).partner_id = customer
        return customer

    def _records_of_both(self, env, company_a, company_b, customer_b):
        """model: (company A's ids, company B's ids), each made the way the product makes them."""
        orders = {company_a: self._pending_order(env, company_a, self.customer, '900000001'),
                  company_b: self._pending_order(env, company_b, customer_b, '900000002')}
        runs = env['comodo.poll.run']._run()
        calls = env['comodo.portal.ca.call']
        portal_users = {company_a: env['res.users'].search([('login', '=', 'portal')]),
                        company_b: env['res.users'].search([('login', '=', CUSTOMER_B)])}
        env['comodo.push.token'].create({'company_id': company_b.id})
        records = {model: ([], []) for model in PROBED_MODELS}
        for index, company in enumerate((company_a, company_b)):
            order = orders[company]
            reconciliation = env['comodo.reconciliation'].create({'company_id': company.id})
            env['comodo.reconciliation.line'].create({
                'reconciliation_id': reconciliation.id, 'kind': 'no_ca_order', 'order_id': order.id,
                'ca_order_number': order.ca_order_number, 'domain': order.domain})
            user = portal_users[company]
            calls.sudo(user)._reserve(user.partner_id, 'approver list')
            found = {
                'comodo.certificate.key': env['comodo.certificate.key'].search([('order_id', '=', order.id)]),
                'comodo.certificate.order': order,
                'comodo.temporary.ca': env['comodo.temporary.ca']._for_company(company),
                'comodo.poll.run': runs.filtered(lambda run: order in run.order_ids),
                'comodo.portal.ca.call': calls.search([('partner_id', '=', user.partner_id.commercial_partner_id.id)]),
                'hosting.plan': env['hosting.plan'].search([('company_id', '=', company.id)]),
                'comodo.reconciliation': reconciliation,
                'comodo.reconciliation.line': reconciliation.line_ids,
                'comodo.reseller.account': company._comodo_account(),
                'comodo.push.token': env['comodo.push.token'].search([('company_id', '=', company.id)]),
            }
            for model, found_records in found.items():
                self.assertTrue(found_records, '%s of company %d made' % (model, index + 1))
                records[model][index].extend(found_records.ids)
        self.keys_of_a = [order.private_key_pem for order in orders[company_a].sudo()]
        return records

    def _pending_order(self, env, company, customer, ca_order_number):
        """An order of the company's customer, with the key Odoo made for it, waiting at the CA and due."""
        order = env['comodo.certificate.order'].create({
            'partner_id': customer.id, 'company_id': company.id, 'term_id': self.term.id,
            'domain': unique_domain('never'), 'dcv_method': 'CNAME_CSR_HASH'})
        order._prepare_key_material()
        order.write({'state': 'pending', 'ca_order_number': ca_order_number,
                     'next_check_at': '2000-01-01 00:00:00'})
        return order

    # -- XML-RPC as company B's staff ---------------------------------------------------------------

    def _caller(self, login):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, login, {})
        self.assertTrue(uid, 'login %s works' % login)

        def call(model, method, *args, **kwargs):
            return self.xmlrpc_object.execute_kw(self.env.cr.dbname, uid, login, model, method,
                                                 list(args), kwargs)
        return call

    def _leaks(self, model, login):
        """What company B's login finds of company A's records of the model (none is the goal)."""
        ids_a, ids_b = self.records[model]
        call = self._caller(login)
        found = {row['id'] for row in call(model, 'search_read', [], ['id'])}
        self.assertTrue(set(ids_b) <= found, '%s reads its own company\'s %s' % (login, model))
        leaks = ['search_read finds %s' % sorted(found & set(ids_a))] if found & set(ids_a) else []
        count = call(model, 'search_count', [('id', 'in', ids_a)])
        if count:
            leaks.append('search_count counts %d' % count)
        groups = call(model, 'read_group', [('id', 'in', ids_a + ids_b)], ['create_uid'], ['create_uid'], lazy=False)
        grouped = sum(group['__count'] for group in groups)
        if grouped != len(ids_b):
            leaks.append('read_group counts %d records, company B has %d' % (grouped, len(ids_b)))
        try:
            answer = call(model, 'read', ids_a, ['create_date'])
            leaks.append('read answers %r' % answer)
        except xmlrpc.client.Fault as fault:
            self.assertIn('security restrictions', fault.faultString, 'read is refused by the record rules')
        return ['%s %s: %s' % (login, model, leak) for leak in leaks]

    def test_companies_keep_apart_over_rpc_in_poll_digests_and_on_the_portal(self):
        # One test for the three, in this order: the set-up loads a chart of accounts for company
        # B (the slowest part by far), and the purchase adds only company B's records.
        self._company_b_staff_find_nothing_of_company_a()
        self._each_poll_digest_goes_to_its_own_company_s_ssl_managers()
        self._company_b_customer_buys_from_company_b_on_its_account()

    def _company_b_staff_find_nothing_of_company_a(self):
        failures = []
        for model, login in sorted(PROBED_MODELS.items()):
            failures += self._leaks(model, login)
        keys = repr(self._caller('ssl_manager_b')('comodo.certificate.key', 'search_read', [], ['private_key_pem']))
        if any(line in keys for key in self.keys_of_a for line in key.splitlines()[1:3]):
            failures.append("ssl_manager_b reads company A's private keys in clear")
        self.assertEqual(failures, [])

    def _each_poll_digest_goes_to_its_own_company_s_ssl_managers(self):
        ids_a, ids_b = self.records['comodo.poll.run']
        runs = self.env['comodo.poll.run']
        manager_b = self.env['res.users'].search([('login', '=', 'ssl_manager_b')]).partner_id
        self.assertNotIn(manager_b, runs.browse(ids_a).mapped('digest_partner_ids'),
                         "company B's SSL manager is not mailed company A's orders")
        self.assertIn(manager_b, runs.browse(ids_b).mapped('digest_partner_ids'))

    # -- the portal as company B's customer ---------------------------------------------------------

    def _log_in(self, login):
        # Through the login page: HttpCase.authenticate reads the user on the test's own cursor,
        # which does not see a user made on the cursor the server's requests use.
        self.opener.cookies.clear()
        # The server's first page builds the frontend's assets: slow on a busy machine.
        token = LOGIN_CSRF_TOKEN.search(self.url_open('/web/login', timeout=60).text).group(1)
        self.url_open('/web/login', data={'login': login, 'password': login, 'csrf_token': token})

    def _company_b_customer_buys_from_company_b_on_its_account(self):
        self._log_in(CUSTOMER_B)
        response, order = self._buy(unique_domain('never'))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(order), 1, 'the purchase made one certificate order')
        self._place(order)
        company_b = self.company_b.with_env(self.env)
        self.assertEqual(order.company_id, company_b)
        self.assertEqual(order.sale_order_id.company_id, company_b)
        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual((invoice.company_id, invoice.journal_id.company_id, invoice.account_id.company_id),
                         (company_b, company_b, company_b), "invoiced in company B's books")
        self.assertEqual(invoice.invoice_line_ids.account_id.company_id, company_b)
        self.assertEqual(order.state, 'pending', order.last_error)
        self.assertTrue(order.ca_order_number, "ordered on company B's reseller account")

"""What stands between the reseller's credit at the CA and a customer, salesman or billing user who
would spend it without paying: purchase limits on the portal, orders placed only on real payment,
and the links that only some users may set."""
import re
import threading
import unittest
import uuid

import requests

import odoo
from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import common

from .common import ComodoCase, unique_domain
from .portal_common import CSRF_TOKEN, PortalCase

LOGIN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class TestParallelPortalPurchases(unittest.TestCase):
    """Purchases POSTed at once by one customer, as a script sends them: each request runs in its own
    transaction (the test server outside HttpCase's shared cursor), so the customer's records and
    what the requests make are committed here, and removed afterwards. (First in this file: its
    committed requests also build the server's routes and page assets, which the HttpCase tests
    below would otherwise each build inside their 10-second request time-out.)"""

    PURCHASES = 6
    MAX_UNPAID = 2
    COMPANY_SETTINGS = ('comodo_max_unpaid_orders', 'comodo_order_trigger', 'comodo_invoice_policy')

    @classmethod
    def setUpClass(cls):
        cls.registry = odoo.registry(common.get_db_name())
        cls.login = 'parallel-%s' % uuid.uuid4().hex[:8]
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True, 'no_reset_password': True})
            company = env.ref('base.main_company')
            cls.company_before = {name: company[name] for name in cls.COMPANY_SETTINGS}
            # Ordered once paid, invoices left in draft: nothing reaches the CA, and what the
            # requests make can be deleted again.
            company.write({'comodo_max_unpaid_orders': cls.MAX_UNPAID, 'comodo_order_trigger': 'payment',
                           'comodo_invoice_policy': 'draft'})
            term = env.ref('comodo_ssl_reseller.certificate_term_positivessl_365')
            cls.term_id, cls.price_before = term.id, term.reseller_price
            term.reseller_price = 10.0
            partner = env['res.partner'].create({'name': 'Parallel Buyer', 'email': 'parallel@example.com'})
            env['res.users'].create({'name': 'Parallel Buyer', 'login': cls.login, 'password': cls.login,
                                     'partner_id': partner.id,
                                     'groups_id': [(6, 0, [env.ref('base.group_portal').id])]})
            env['account.analytic.account'].create({
                'name': 'Business Hosting - Parallel Buyer', 'partner_id': partner.id,
                'hosting_plan_id': env.ref('comodo_ssl_reseller.hosting_plan_business').id,
                'recurring_invoices': True})
            cls.partner_id = partner.id

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True})
            env['comodo.certificate.order'].search([('partner_id', '=', cls.partner_id)]).unlink()
            env['account.invoice'].search([('partner_id', '=', cls.partner_id)]).unlink()
            sales = env['sale.order'].search([('partner_id', '=', cls.partner_id)])
            sales.action_cancel()
            sales.unlink()
            env['account.analytic.account'].search([('partner_id', '=', cls.partner_id)]).unlink()
            env['res.users'].search([('login', '=', cls.login)]).unlink()
            env['res.partner'].browse(cls.partner_id).unlink()
            env.ref('base.main_company').write(cls.company_before)
            env['comodo.certificate.term'].browse(cls.term_id).reseller_price = cls.price_before

    def _url(self, path):
        return 'http://127.0.0.1:%d%s' % (common.PORT, path)

    def _logged_in(self):
        session = requests.Session()
        token = LOGIN_CSRF.search(session.get(self._url('/web/login')).text).group(1)
        session.post(self._url('/web/login'), data={'login': self.login, 'password': self.login,
                                                    'csrf_token': token})
        return session

    def _committed_sales(self):
        with self.registry.cursor() as cr:
            return api.Environment(cr, SUPERUSER_ID, {})['sale.order'].search_count(
                [('partner_id', '=', self.partner_id)])

    def test_purchases_sent_at_once_pass_the_unpaid_limit_one_at_a_time(self):
        session = self._logged_in()
        page = session.get(self._url('/my/certificates/buy'))
        self.assertEqual(page.status_code, 200)
        form = {'csrf_token': CSRF_TOKEN.search(page.text).group(1), 'term_id': self.term_id,
                'dcv_method': 'CNAME_CSR_HASH'}
        start = threading.Barrier(self.PURCHASES)
        responses = []

        def purchase():
            start.wait()
            responses.append(requests.post(self._url('/my/certificates/buy'), cookies=session.cookies,
                                           data=dict(form, domain=unique_domain('never')), timeout=120))

        threads = [threading.Thread(target=purchase) for _purchase in range(self.PURCHASES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(180)

        self.assertEqual(self._committed_sales(), self.MAX_UNPAID, 'as many sales as the limit, not one more')
        refused = [response for response in responses if response.status_code == 400]
        self.assertEqual(len(refused), self.PURCHASES - self.MAX_UNPAID,
                         [response.status_code for response in responses])
        for response in refused:
            self.assertIn('%d certificates whose invoice is not paid yet' % self.MAX_UNPAID, response.text)


class TestPortalPurchaseLimits(PortalCase):

    def _company(self, **values):
        with self.saved() as env:
            env.ref('base.main_company').write(values)

    def _sale_count(self):
        return self.env['sale.order'].sudo().search_count([('partner_id', '=', self.customer.id)])

    def test_a_revoked_certificate_whose_invoice_is_open_still_counts(self):
        self._company(comodo_max_unpaid_orders=1)
        self.authenticate('portal', 'portal')
        _response, order = self._buy(unique_domain('instant'))
        self._place(order)
        self.assertEqual((order.state, order.invoice_ids.state), ('issued', 'open'))
        revoked = self._post('/my/certificates/%d/revoke' % order.id, order.portal_url, reason='lost the key')
        self.assertIn('Certificate revoked', revoked.text)
        self.env.cache.invalidate()
        self.assertEqual((order.state, order.invoice_ids.state), ('revoked', 'open'))
        sales = self._sale_count()

        refused, nothing = self._buy(unique_domain('never'))
        self.assertEqual(refused.status_code, 400)
        self.assertIn('1 certificates whose invoice is not paid yet', refused.text)
        self.assertFalse(nothing)
        self.assertEqual(self._sale_count(), sales, 'nothing written')

    def test_free_certificates_are_limited_per_thirty_days(self):
        self._company(comodo_max_free_orders=2)
        with self.saved() as env:
            self.business_plan.with_env(env).certificate_billing = False  # the plan bills certificates at zero
        self.authenticate('portal', 'portal')
        for _free in range(2):
            _response, order = self._buy(unique_domain('never'))
            self.assertEqual(order.sale_line_id.price_total, 0.0)
        sales, ca_orders = self._sale_count(), len(self.sandbox.orders())

        refused, nothing = self._buy(unique_domain('never'))
        self.assertEqual(refused.status_code, 400)
        self.assertIn('You have had 2 free certificates in the last 30 days', refused.text)
        self.assertFalse(nothing)
        self.assertEqual((self._sale_count(), len(self.sandbox.orders())), (sales, ca_orders),
                         'nothing written, nothing ordered')


class TestOrderedOnlyOnRealPayment(ComodoCase):
    """Settings → Order from Comodo: when the invoice is paid; and a billing user who would make an
    order look paid."""

    @classmethod
    def setUpClass(cls):
        super(TestOrderedOnlyOnRealPayment, cls).setUpClass()
        cls.company.comodo_order_trigger = 'payment'
        cls.billing = cls.env['res.users'].create({
            'name': 'Billing Clerk', 'login': 'credit-billing-clerk', 'email': 'billing@example.com',
            'groups_id': [(6, 0, [cls.env.ref('account.group_account_invoice').id])]})

    def _awaiting_payment(self):
        domain = unique_domain('instant')
        order = self._buy(domain)
        self.assertEqual((order.state, order.invoice_ids.state), ('awaiting_payment', 'open'))
        return order, domain

    def _assert_not_ordered(self, order, domain):
        self.assertEqual(order.state, 'awaiting_payment')
        self.assertFalse(self.sandbox.find_orders(common_name=domain), 'nothing ordered from the CA')

    def test_a_zero_invoice_linked_to_the_order_does_not_order_it(self):
        order, domain = self._awaiting_payment()
        invoices = self.env['account.invoice'].sudo(self.billing)
        zero = invoices.create({
            'partner_id': self.customer.id, 'comodo_order_id': order.id,
            'invoice_line_ids': [(0, 0, {'name': 'Certificate', 'quantity': 1, 'price_unit': 0.0,
                                         'account_id': order.invoice_ids.invoice_line_ids.account_id.id})]})
        zero.action_invoice_open()
        self.assertEqual(zero.state, 'paid')
        self._assert_not_ordered(order, domain)

    def test_a_credit_note_on_the_invoice_does_not_order_it(self):
        order, domain = self._awaiting_payment()
        invoice = order.invoice_ids
        self.env['account.invoice.refund'].sudo(self.billing).with_context(
            active_ids=invoice.ids, active_id=invoice.id).create({
                'filter_refund': 'cancel', 'description': 'Goodwill'}).invoice_refund()
        self.assertEqual(invoice.state, 'paid', 'settled by the credit note')
        self._assert_not_ordered(order, domain)
        self.assertIn('not ordering from Comodo', order.message_ids[0].body)

    def test_paid_orders_and_free_renewals_are_still_ordered(self):
        order, domain = self._awaiting_payment()
        bank = self.env['account.journal'].search([('type', '=', 'bank')], limit=1)
        order.invoice_ids.pay_and_reconcile(bank, order.invoice_ids.amount_total)
        self.assertEqual(order.state, 'issued')
        self.plan.certificate_billing = False  # the plan bills certificates at zero
        renewal = order._create_renewal()
        self.assertEqual((renewal.invoice_ids.amount_total, renewal.invoice_ids.state), (0.0, 'paid'))
        self.assertEqual(renewal.state, 'issued', "a free certificate's own 0.00 invoice is paid: ordered at once")


class TestLinksOnlySomeUsersSet(ComodoCase):
    """A salesman may sell; renewals, hosting plans and web servers are someone else's to set."""

    @classmethod
    def setUpClass(cls):
        super(TestLinksOnlySomeUsersSet, cls).setUpClass()
        users = cls.env['res.users'].with_context(no_reset_password=True)

        def user(login, *groups):
            return users.create({'name': login, 'login': login,
                                 'groups_id': [(6, 0, [cls.env.ref(group).id for group in groups])]})
        cls.salesman = user('credit-salesman', 'sales_team.group_sale_salesman', 'comodo_ssl_reseller.group_ssl_user')
        cls.sales_manager = user('credit-sales-manager', 'sales_team.group_sale_manager')
        cls.ssl_manager = user('credit-ssl-manager', 'comodo_ssl_reseller.group_ssl_manager',
                               'sales_team.group_sale_salesman')
        cls.other_customer = cls.env['res.partner'].create({'name': 'Other Customer'})
        cls._subscribe(cls.other_customer, cls.plan)
        cls.free_plan = cls._plan('Free Certificates', ssl_module=True, comodo_ssl=True, certificate_billing=False)
        cls.target = cls.env['comodo.deploy.target'].create({'name': 'Another server', 'host': 'web2.example.com',
                                                            'user': 'root', 'generate_key_pair': True})

    def _renewal_line(self, renewed):
        return {'product_id': self.term.product_id.id, 'comodo_domain': renewed.domain,
                'comodo_dcv_method': 'CNAME_CSR_HASH', 'comodo_renewal_of_id': renewed.id}

    def test_a_salesman_cannot_link_a_line_to_the_term_it_renews(self):
        issued = self._buy(unique_domain('instant'))
        sales = self.env['sale.order'].sudo(self.salesman)
        with self.env.cr.savepoint(), self.assertRaisesRegex(AccessError, 'Only SSL managers'):
            sales.create({'partner_id': self.other_customer.id, 'order_line': [(0, 0, self._renewal_line(issued))]})
        quotation = self._sale_order(unique_domain('never'))
        with self.env.cr.savepoint(), self.assertRaisesRegex(AccessError, 'Only SSL managers'):
            quotation.order_line.sudo(self.salesman).write({'comodo_renewal_of_id': issued.id})
        self.assertFalse(quotation.order_line.comodo_renewal_of_id)

    def test_nobody_links_a_line_to_another_customers_term(self):
        issued = self._buy(unique_domain('instant'))
        sales = self.env['sale.order'].sudo(self.ssl_manager)
        with self.env.cr.savepoint(), self.assertRaisesRegex(ValidationError, "another customer's"):
            sales.create({'partner_id': self.other_customer.id, 'order_line': [(0, 0, self._renewal_line(issued))]})
        own = sales.create({'partner_id': self.customer.id, 'order_line': [(0, 0, self._renewal_line(issued))]})
        self.assertEqual(own.order_line.comodo_renewal_of_id, issued, 'an SSL manager renews by hand')
        own.partner_id = self.other_customer
        with self.env.cr.savepoint(), self.assertRaisesRegex(ValidationError, "another customer's"):
            own.action_confirm()

    def test_a_salesman_cannot_change_a_subscriptions_plan_or_web_server(self):
        subscription = self.subscription.sudo(self.salesman)
        with self.env.cr.savepoint(), self.assertRaisesRegex(AccessError, 'Hosting Plan of a subscription'):
            subscription.write({'hosting_plan_id': self.free_plan.id})
        with self.env.cr.savepoint(), self.assertRaisesRegex(AccessError, 'Web Server of a subscription'):
            subscription.write({'deploy_target_id': self.target.id})
        with self.env.cr.savepoint(), self.assertRaisesRegex(AccessError, 'Hosting Plan of a subscription'):
            self.env['account.analytic.account'].sudo(self.salesman).create({
                'name': 'Free hosting', 'partner_id': self.other_customer.id, 'hosting_plan_id': self.free_plan.id})
        self.assertEqual((self.subscription.hosting_plan_id, self.subscription.deploy_target_id),
                         (self.plan, self.target.browse()))
        subscription.write({'name': 'Renamed by the salesman'})  # the rest is theirs to edit

        self.subscription.sudo(self.sales_manager).write({'hosting_plan_id': self.free_plan.id})
        self.subscription.sudo(self.ssl_manager).write({'deploy_target_id': self.target.id})
        self.assertEqual((self.subscription.hosting_plan_id, self.subscription.deploy_target_id),
                         (self.free_plan, self.target))

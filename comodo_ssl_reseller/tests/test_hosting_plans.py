from datetime import date, timedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError

from .common import ComodoCase, unique_domain


class TestHostingPlans(ComodoCase):
    """Plans decide what a customer may do with SSL, what the SSL module costs, and certificate prices."""

    @classmethod
    def setUpClass(cls):
        super(TestHostingPlans, cls).setUpClass()
        cls.uom_unit = cls.env.ref('product.product_uom_unit')
        cls.ssl_module_product = cls.env.ref('comodo_ssl_reseller.product_product_ssl_module')
        cls.hosting_product = cls.env['product.product'].create({
            'name': 'Hosting Gold', 'type': 'service', 'list_price': 20.0})
        cls.gold = cls._plan('Gold', ssl_module=True, comodo_ssl=True, ssl_setup_fee=5.0,
                             ssl_recurring_fee=1.5, recurring_invoice_line_ids=[(0, 0, {
                                 'product_id': cls.hosting_product.id, 'name': 'Gold hosting',
                                 'quantity': 1, 'uom_id': cls.uom_unit.id,
                                 'automatic_price': False, 'specific_price': 20.0})])

    def _new_customer(self, name, plan=None, **subscription):
        partner = self.env['res.partner'].create({'name': name, 'email': '%s@example.com' % name.lower()})
        if plan:
            self._subscribe(partner, plan, **subscription)
        return partner

    def _sale(self, partner, term=None):
        term = term or self.term
        return self.env['sale.order'].create({'partner_id': partner.id, 'order_line': [(0, 0, {
            'product_id': term.product_id.id, 'comodo_domain': unique_domain('never'),
            'comodo_dcv_method': 'CNAME_CSR_HASH'})]})

    # -- the plan form ------------------------------------------------------------------------------

    def test_comodo_ssl_alone_is_refused(self):
        with self.assertRaisesRegex(ValidationError, 'needs the SSL module'):
            with self.cr.savepoint():
                self._plan('Broken', comodo_ssl=True)
        with self.assertRaisesRegex(ValidationError, 'needs the SSL module'):
            with self.cr.savepoint():
                self.gold.ssl_module = False

    def test_form_turns_comodo_ssl_off_with_the_module(self):
        plan = self.env['hosting.plan'].new({'name': 'Form', 'ssl_module': True, 'comodo_ssl': True})
        plan.ssl_module = False
        result = plan._onchange_ssl_module()
        self.assertFalse(plan.comodo_ssl)
        self.assertIn('SSL module', result['warning']['message'])

    # -- SSL module fees through OCA contract --------------------------------------------------------

    def _ssl_module_line(self, holder):
        return holder.recurring_invoice_line_ids.filtered(lambda line: line.product_id == self.ssl_module_product)

    def test_subscription_carries_the_plan_and_its_ssl_module_fee(self):
        self.assertEqual(self._ssl_module_line(self.gold.contract_template_id).price_unit, 1.5)
        subscription = self._subscribe(self._new_customer('Carrier'), self.gold)
        self.assertEqual(subscription.contract_template_id, self.gold.contract_template_id)
        self.assertEqual(sorted(subscription.recurring_invoice_line_ids.mapped('price_unit')), [1.5, 20.0])

    def test_fees_are_invoiced_when_the_subscription_starts_and_recurs(self):
        subscription = self._subscribe(self._new_customer('Payer'), self.gold)
        first = subscription.recurring_create_invoice()
        self.assertEqual(first.amount_untaxed, 20.0 + 1.5 + 5.0, 'plan, SSL module and its setup fee')
        self.assertTrue(subscription.ssl_setup_invoiced)
        second = subscription.recurring_create_invoice()
        self.assertEqual(second.amount_untaxed, 20.0 + 1.5, 'the setup fee goes out once')
        self.assertEqual(first.contract_id, subscription)

    def test_module_fee_follows_the_plan(self):
        subscription = self._subscribe(self._new_customer('Follower'), self.gold)
        self.gold.write({'comodo_ssl': False, 'ssl_module': False})
        self.assertFalse(self._ssl_module_line(subscription))
        self.assertFalse(self._ssl_module_line(self.gold.contract_template_id))
        self.assertEqual(subscription.recurring_create_invoice().amount_untaxed, 20.0,
                         'no SSL module, no SSL fees')
        self.gold.write({'ssl_module': True, 'ssl_recurring_fee': 2.0})
        self.assertEqual(self._ssl_module_line(subscription).price_unit, 2.0)

    # -- prices ---------------------------------------------------------------------------------------

    def test_customer_price_comes_from_the_plan(self):
        self.assertEqual(self._sale(self.customer).order_line.price_unit, 10.0, 'reseller price')
        self.env['hosting.plan.certificate.price'].create({'plan_id': self.gold.id, 'term_id': self.term.id,
                                                          'price': 6.0})
        gold_customer = self._new_customer('Gold Customer', self.gold)
        sale = self._sale(gold_customer)
        self.assertEqual(sale.order_line.price_unit, 6.0, "the plan's own price")
        sale.action_confirm()
        self.assertEqual(sale.order_line.comodo_order_ids.invoice_ids.amount_untaxed, 6.0)
        free = self._plan('Free Certs', ssl_module=True, comodo_ssl=True, certificate_billing=False)
        self._subscribe(gold_customer, free)
        self.assertEqual(self._sale(gold_customer).order_line.price_unit, 0.0,
                         'a plan without certificate billing makes them free')
        self.assertEqual(self.term._customer_price(gold_customer), 0.0)

    # -- gates ----------------------------------------------------------------------------------------

    def test_customer_without_ssl_module_can_do_nothing(self):
        starter = self._plan('Starter')
        nobody = self._new_customer('Starter Only', starter)
        with self.assertRaisesRegex(UserError, 'SSL module'):
            self._sale(nobody).action_confirm()
        self.assertFalse(self.env['comodo.certificate.order'].search([('partner_id', '=', nobody.id)]))
        with self.assertRaisesRegex(UserError, 'SSL module'):
            self._sale(self._new_customer('No Plan')).action_confirm()

    def test_ssl_module_without_comodo_ssl_cannot_buy(self):
        ssl_only = self._plan('SSL only', ssl_module=True)
        customer = self._new_customer('SSL Only', ssl_only)
        customer._check_ssl_module()
        with self.assertRaisesRegex(UserError, 'includes Comodo SSL'):
            self._sale(customer).action_confirm()

    def test_ended_subscription_grants_nothing(self):
        yesterday = fields.Date.to_string(date.today() - timedelta(days=1))
        customer = self._new_customer('Former', self.gold, date_start='2020-01-01', date_end=yesterday,
                                      recurring_next_date='2020-01-01')
        with self.assertRaisesRegex(UserError, 'SSL module'):
            self._sale(customer).action_confirm()

    def test_a_plan_runs_on_the_companys_dates_whatever_the_users_zone(self):
        # Two zones 26 hours apart are never on the same date.
        ahead, behind = 'Pacific/Kiritimati', 'Etc/GMT+12'
        company_address = self.env.user.company_id.partner_id
        # Started today by staff far ahead, in a company there too, the plan runs today for a
        # customer or salesperson far behind.
        company_address.tz = ahead
        started = self._new_customer('Started Today')
        self.env['account.analytic.account'].with_context(tz=ahead).create({
            'name': 'Started Today', 'partner_id': started.id, 'hosting_plan_id': self.gold.id,
            'recurring_invoices': True})
        started.with_context(tz=behind)._check_comodo_ssl()
        # Ending today in the calendar of a company far behind, it still runs for someone far ahead.
        company_address.tz = behind
        ending = self._new_customer('Ending Today', self.gold, date_start='2020-01-01',
                                    recurring_next_date='2020-01-01',
                                    date_end=fields.Date.context_today(self.env.user.with_context(tz=behind)))
        ending.with_context(tz=ahead)._check_comodo_ssl()

    def test_a_contact_of_a_subscribed_company_may_buy(self):
        company = self._new_customer('Hosted Company', self.gold)
        contact = self.env['res.partner'].create({'name': 'Its Admin', 'parent_id': company.id})
        contact._check_comodo_ssl()

    def test_turning_a_flag_off_blocks_new_orders_but_keeps_issued_ones(self):
        customer = self._new_customer('Later Off', self.gold)
        sale = self._sale(customer)
        sale.order_line.comodo_domain = unique_domain('instant')
        sale.action_confirm()
        issued = sale.order_line.comodo_order_ids
        self.assertEqual(issued.state, 'issued')
        self.gold.comodo_ssl = False
        with self.assertRaisesRegex(UserError, 'Comodo SSL'):
            self._sale(customer).action_confirm()
        self.assertEqual(issued.state, 'issued')
        self.assertIn('BEGIN CERTIFICATE', issued.certificate_pem)

    def test_demo_customers(self):
        portal = self.env.ref('base.demo_user0').partner_id
        portal._check_comodo_ssl()
        nossl = self.env.ref('comodo_ssl_reseller.user_portal_nossl').partner_id
        with self.assertRaisesRegex(UserError, 'SSL module'):
            nossl._check_ssl_module()
        business = self.env.ref('comodo_ssl_reseller.hosting_plan_business')
        self.assertEqual(self.term._customer_price(portal), 7.95)
        portal2 = self.env.ref('comodo_ssl_reseller.user_portal2').partner_id
        portal2._check_comodo_ssl()
        self.assertEqual(business.subscription_count, 2, 'portal and portal2, on one web server')

    def test_subscriptions_are_called_so_and_name_their_customer_once(self):
        business = self.env.ref('comodo_ssl_reseller.hosting_plan_business')
        action = business.action_view_subscriptions()
        self.assertEqual((action['name'], action['display_name']), ('Subscriptions', 'Subscriptions'))
        demo = self.env.ref('comodo_ssl_reseller.subscription_portal_business')
        self.assertEqual(demo.display_name, 'Business Hosting - Demo Portal User')
        other = self.env['account.analytic.account'].create({
            'name': 'Starter Hosting', 'partner_id': demo.partner_id.id})
        self.assertEqual(other.display_name, 'Starter Hosting - Demo Portal User', 'Odoo adds the customer')

"""A customer whose pricelist is in another currency than the company's pays the plan's price
converted at Odoo's rate, wherever the sale is made: a salesman's quotation, the portal, a renewal."""
import xmlrpc.client
from datetime import timedelta

from odoo import fields

from .common import unique_domain
from .portal_common import PortalCase

# Business Hosting's own PositiveSSL price (demo data), in the company's currency.
PLAN_PRICE = 7.95
# One unit of the company's currency buys two of the pricelist's.
RATE = 2.0


class TestPricelistCurrency(PortalCase):

    def setUp(self):
        super(TestPricelistCurrency, self).setUp()
        with self.saved() as env:
            company = env.ref('base.main_company')
            currency = env.ref('base.EUR' if company.currency_id.name != 'EUR' else 'base.USD')
            currency.active = True
            env['res.currency.rate'].search([('currency_id', 'in', (currency | company.currency_id).ids)]).unlink()
            env['res.currency.rate'].create({'currency_id': currency.id, 'rate': RATE, 'company_id': company.id})
            pricelist = env['product.pricelist'].create({'name': 'Foreign customers', 'currency_id': currency.id})
            env.ref('base.partner_demo_portal').property_product_pricelist = pricelist
            self.currency_id, self.pricelist_id = currency.id, pricelist.id

    def test_a_salesmans_quotation_is_priced_in_the_pricelists_currency(self):
        db, login = self.env.cr.dbname, 'demo'
        uid = self.xmlrpc_common.authenticate(db, login, login, {})

        def call(model, method, *args):
            return self.xmlrpc_object.execute_kw(db, uid, login, model, method, list(args))

        try:
            sale_id = call('sale.order', 'create', {
                'partner_id': self.customer.id, 'order_line': [(0, 0, {
                    'product_id': self.term.product_id.id, 'comodo_domain': unique_domain('www'),
                    'comodo_dcv_method': 'CNAME_CSR_HASH'})]})
        except xmlrpc.client.Fault as fault:
            self.fail('the demo salesman makes a quotation: %s' % fault.faultString.splitlines()[-1])
        sale = call('sale.order', 'read', [sale_id], ['pricelist_id', 'currency_id', 'amount_untaxed'])[0]
        self.assertEqual((sale['pricelist_id'][0], sale['currency_id'][0]), (self.pricelist_id, self.currency_id))
        self.assertEqual(sale['amount_untaxed'], round(PLAN_PRICE * RATE, 2))

    def test_the_portal_shows_and_charges_the_converted_price(self):
        self.authenticate('portal', 'portal')
        offered = self.url_open('/my/certificates/buy').text
        self.assertIn('%.2f' % (PLAN_PRICE * RATE), offered)
        self.assertNotIn('%.2f' % PLAN_PRICE, offered)
        _response, order = self._buy(unique_domain('never'))
        sale = order.sudo().sale_order_id
        self.assertEqual((sale.currency_id.id, sale.amount_untaxed), (self.currency_id, round(PLAN_PRICE * RATE, 2)))
        self.assertEqual(order.sudo().invoice_ids.amount_untaxed, round(PLAN_PRICE * RATE, 2))

    def test_a_renewal_is_priced_in_the_pricelists_currency(self):
        self.authenticate('portal', 'portal')
        _response, order = self._buy(unique_domain('instant'))
        self._place(order)
        with self.saved() as env:
            # The daily cron's renewal step, 10 days before the term ends.
            ends = fields.Datetime.from_string(order.sudo().term_ends_at)
            env['comodo.certificate.order']._start_due_renewals(ends - timedelta(days=10))
        renewal = order.sudo().renewal_ids
        self.assertEqual(len(renewal), 1)
        self.assertEqual((renewal.sale_order_id.currency_id.id, renewal.invoice_ids.amount_untaxed),
                         (self.currency_id, round(PLAN_PRICE * RATE, 2)))

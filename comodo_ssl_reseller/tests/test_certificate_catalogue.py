from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests.common import SavepointCase
from odoo.tools import mute_logger


class TestCertificateCatalogue(SavepointCase):
    """Only a priced certificate term is ever offered, and it is sold through its own product."""

    @classmethod
    def setUpClass(cls):
        super(TestCertificateCatalogue, cls).setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.cert_type = cls.env['comodo.certificate.type'].create({
            'name': 'Test PositiveSSL',
            'product_code': 99287,
            'validation_level': 'dv',
            'term_ids': [(0, 0, {'days': 365, 'reseller_price': 12.5}), (0, 0, {'days': 730})],
        })
        cls.priced_term, cls.unpriced_term = cls.cert_type.term_ids.sorted('days')
        cls.customer = cls.env['res.partner'].create({'name': 'Hosting Customer'})

    def _order_line(self, product):
        order = self.env['sale.order'].create({'partner_id': self.customer.id})
        return self.env['sale.order.line'].create({'order_id': order.id, 'product_id': product.id})

    def test_priced_term_is_sold_through_a_service_product(self):
        product = self.priced_term.product_id
        self.assertTrue(product, 'a priced term gets a sale product')
        self.assertEqual(product.type, 'service')
        self.assertEqual(product.invoice_policy, 'order')
        self.assertTrue(product.sale_ok)
        self.assertEqual(product.list_price, 12.5)
        self.assertEqual(product.comodo_type_id, self.cert_type)
        self.assertEqual(product.comodo_days, 365)
        self.assertEqual(product.name, 'Test PositiveSSL, 1 year')

    def test_unpriced_term_has_no_product_and_is_not_available(self):
        self.assertFalse(self.unpriced_term.available)
        self.assertFalse(self.unpriced_term.product_id)
        self.assertTrue(self.cert_type.available, 'one priced term makes the type available')

    def test_type_without_price_is_not_offered(self):
        self.priced_term.reseller_price = 0
        self.assertFalse(self.cert_type.available)
        offered = self.env['comodo.certificate.type'].search([('available', '=', True)])
        self.assertNotIn(self.cert_type, offered)
        self.assertIn(self.cert_type, self.env['comodo.certificate.type'].search([('available', '=', False)]))
        self.assertFalse(self.priced_term.product_id.sale_ok, 'its product is no longer sellable')

    def test_unpriced_term_cannot_be_sold(self):
        product = self.priced_term.product_id
        self.priced_term.reseller_price = 0
        with self.assertRaisesRegex(ValidationError, 'no reseller price'):
            with self.cr.savepoint():
                self._order_line(product)

    def test_price_change_follows_to_the_product(self):
        self.priced_term.reseller_price = 15.0
        self.assertEqual(self.priced_term.product_id.list_price, 15.0)
        self.unpriced_term.reseller_price = 20.0
        self.assertTrue(self.unpriced_term.product_id.sale_ok, 'pricing a term puts it on sale')
        self.assertEqual(self._order_line(self.unpriced_term.product_id).price_unit, 20.0)

    def test_archived_type_is_not_offered(self):
        product = self.priced_term.product_id
        self.cert_type.active = False
        self.assertFalse(self.priced_term.available)
        self.assertFalse(product.sale_ok)

    def test_renaming_a_type_renames_its_products(self):
        self.cert_type.name = 'Renamed SSL'
        self.assertEqual(self.priced_term.product_id.name, 'Renamed SSL, 1 year')

    def test_catalogue_ships_unpriced_types_hidden(self):
        """The demo prices some of the Comodo line and leaves the rest off sale."""
        offered = self.env['comodo.certificate.type'].search([('available', '=', True)])
        self.assertIn(self.env.ref('comodo_ssl_reseller.certificate_type_positivessl'), offered)
        hidden = self.env.ref('comodo_ssl_reseller.certificate_type_elitessl')
        self.assertFalse(hidden.available)
        self.assertNotIn(hidden, offered)
        self.assertFalse(self.env['product.product'].search(
            [('comodo_type_id', '=', hidden.id), ('sale_ok', '=', True)]))

    def test_product_code_is_unique(self):
        with self.assertRaises(IntegrityError), mute_logger('odoo.sql_db'):
            with self.cr.savepoint():
                self.env['comodo.certificate.type'].create({'name': 'Dup', 'product_code': 99287})

    def test_term_label(self):
        self.assertEqual(self.unpriced_term.name, 'Test PositiveSSL, 2 years')
        term = self.env['comodo.certificate.term'].create({'type_id': self.cert_type.id, 'days': 90})
        self.assertEqual(term.name, 'Test PositiveSSL, 90 days')

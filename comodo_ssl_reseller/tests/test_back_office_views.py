import json

from lxml import etree

from odoo.tests.common import TransactionCase


class TestBackOfficeViews(TransactionCase):
    """What the certificate order's form shows, as the web client reads it from the view."""

    def test_waiting_since_shows_only_while_the_ca_is_waited_for(self):
        arch = self.env['comodo.certificate.order'].fields_view_get(view_type='form')['arch']
        field = etree.fromstring(arch).xpath("//field[@name='waiting_since']")[0]
        invisible = json.loads(field.get('modifiers'))['invisible']
        self.assertEqual(invisible, [['state', 'not in', ['pending', 'timeout']]])

    def test_reseller_prices_grouped_by_type_add_nothing_up_and_say_which_price(self):
        terms = self.env['comodo.certificate.term']
        groups = terms.read_group([], ['type_id', 'days', 'reseller_price'], ['type_id'])
        self.assertTrue(groups)
        self.assertFalse([group for group in groups if 'days' in group or 'reseller_price' in group],
                         'no sum of days or of prices per type')
        self.assertEqual(terms._fields['reseller_price'].string, 'Default Sale Price')
        plan_prices = self.env['hosting.plan.certificate.price']
        self.assertEqual({plan_prices._fields[name].string for name in ('reseller_price', 'price')},
                         {'Default Sale Price', "Plan's Sale Price"})

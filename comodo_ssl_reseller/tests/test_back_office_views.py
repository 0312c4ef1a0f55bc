import json

from lxml import etree

from odoo.tests.common import TransactionCase
from odoo.tools.safe_eval import safe_eval


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

    def test_quotation_lines_show_a_certificate_as_one_cell_opening_its_details(self):
        # The web client gets the lines' list and form as the order_line field's own views.
        lines = self.env['sale.order'].fields_view_get(view_type='form')['fields']['order_line']['views']
        tree, form = (etree.fromstring(lines[view]['arch']) for view in ('tree', 'form'))

        def is_column(field):
            # A field hidden on some rows (an `attrs` domain) is still a column.
            modifiers = json.loads(field.get('modifiers', '{}'))
            return not (modifiers.get('column_invisible') is True or modifiers.get('invisible') is True)

        shown = [field for field in tree.xpath("./field[starts-with(@name, 'comodo_')]") if is_column(field)]
        self.assertEqual([(field.get('name'), field.get('widget')) for field in shown],
                         [('comodo_domain', 'comodo_certificate_details')], 'one column, the domain')
        details = form.xpath("//group[@string='SSL Certificate']/field/@name")
        self.assertEqual(details, ['comodo_term_id', 'comodo_domain', 'comodo_extra_domains', 'comodo_dcv_method',
                                   'comodo_dcv_email', 'comodo_csr', 'comodo_second_certificate', 'comodo_order_ids'])

    def test_a_tracked_yes_no_field_reads_as_words(self):
        order = self.env['comodo.certificate.order'].create({
            'partner_id': self.env.ref('base.partner_demo_portal').id,
            'term_id': self.env.ref('comodo_ssl_reseller.certificate_term_positivessl_365').id,
            'domain': 'www.mysite.example.com', 'dcv_method': 'CNAME_CSR_HASH'})
        self.assertTrue(order.auto_renew)
        order.auto_renew = False
        # What the chatter shows: the web client's message_format of the order's messages.
        tracked = [value for message in order.message_ids.message_format()
                   for value in message['tracking_value_ids'] if value['changed_field'] == 'Auto Renew']
        self.assertEqual((tracked[0]['old_value'], tracked[0]['new_value']), ('Yes', 'No'), 'the latest change')
        self.assertFalse({value[side] for value in tracked for side in ('old_value', 'new_value')} - {'Yes', 'No'})

    def test_reseller_prices_open_as_a_list_of_prices(self):
        action = self.env.ref('comodo_ssl_reseller.comodo_certificate_term_action')
        context = safe_eval(action.context or '{}')
        self.assertFalse([key for key in context if 'group' in key], 'not grouped (collapsed) when opened')
        arch = self.env['comodo.certificate.term'].fields_view_get(view_id=action.view_id.id,
                                                                    view_type='tree')['arch']
        self.assertIn('<field name="reseller_price"', arch)

import json
import re

from lxml import etree

from odoo.exceptions import UserError
from odoo.http import serialize_exception
from odoo.modules.module import get_module_resource

from ..exceptions import ComodoRefusal
from .common import ComodoCase, unique_domain

# Where the web client learns which exception to show as a plain "Warning" dialog.
REFUSAL_DIALOG_JS = get_module_resource('comodo_ssl_reseller', 'static', 'src', 'js', 'refusal_dialog.js')


class TestSaleOrderCertificates(ComodoCase):
    """What the sale order shows of its certificates: delivery, a way to them, early warnings."""

    def test_issuance_is_the_delivery(self):
        pending = self._buy(unique_domain('never'))
        self.assertEqual(pending.state, 'pending')
        self.assertEqual(pending.sale_line_id.qty_delivered, 0)
        issued = self._buy(unique_domain('instant'))
        self.assertEqual(issued.state, 'issued')
        self.assertEqual(issued.sale_line_id.qty_delivered, 1)

    def test_smart_button_opens_the_sales_certificate_orders(self):
        order = self._buy(unique_domain('instant'))
        sale = order.sale_order_id
        self.assertEqual(sale.comodo_order_count, 1)
        action = sale.action_view_comodo_orders()
        self.assertEqual(action['res_model'], 'comodo.certificate.order')
        self.assertEqual(action['res_id'], order.id)
        self.assertEqual(action['domain'], [('sale_order_id', '=', sale.id)])

    def test_an_ordered_lines_certificate_details_stay_as_sent_to_comodo(self):
        order = self._buy(unique_domain('never'))
        line = order.sale_line_id
        sent = (line.comodo_domain, line.comodo_dcv_method, order.domain, order.dcv_method)
        self.assertNotEqual(line.comodo_dcv_method, 'HTTPS_CSR_HASH')
        with self.assertRaisesRegex(ComodoRefusal, 'already ordered from Comodo, so its Certificate Domain, '
                                                   'Validation Method can no longer change here'):
            line.write({'comodo_domain': 'other.example.com', 'comodo_dcv_method': 'HTTPS_CSR_HASH'})
        line.invalidate_cache()
        self.assertEqual((line.comodo_domain, line.comodo_dcv_method, order.domain, order.dcv_method), sent)
        line.write({'comodo_domain': line.comodo_domain, 'name': 'PositiveSSL for the shop'})
        self.assertEqual(line.name, 'PositiveSSL for the shop', 'the same values and other fields are written')

        modifiers = self._line_form_modifiers()
        for name in ('comodo_domain', 'comodo_extra_domains', 'comodo_dcv_method', 'comodo_dcv_email', 'comodo_csr'):
            self.assertEqual(modifiers[name].get('readonly'), [['comodo_order_ids', '!=', []]], name)

    def _line_form_modifiers(self):
        """Each certificate field's modifiers in the sale order form's line form, as the web client gets them."""
        arch = self.env['sale.order'].fields_view_get(view_type='form')['fields']['order_line']['views']['form']['arch']
        return {node.get('name'): json.loads(node.get('modifiers'))
                for node in etree.fromstring(arch).iter('field') if node.get('name', '').startswith('comodo_')}

    def test_line_warns_when_the_customer_cannot_buy_certificates(self):
        starter = self._plan('Starter without SSL')
        customer = self.env['res.partner'].create({'name': 'Starter Only'})
        self._subscribe(customer, starter)
        sale = self.env['sale.order'].create({'partner_id': customer.id})
        line = self.env['sale.order.line']
        values = {'order_id': sale.id, 'product_id': self.term.product_id.id, 'product_uom_qty': 1,
                  'product_uom': self.term.product_id.uom_id.id, 'name': 'x'}
        warning = line.onchange(values, 'product_id', line._onchange_spec()).get('warning')
        self.assertTrue(warning, 'the salesperson is warned when choosing the product')
        self.assertIn('Starter Only cannot use SSL', warning['message'])

        allowed = self.env['sale.order'].create({'partner_id': self.customer.id})
        values['order_id'] = allowed.id
        self.assertFalse(line.onchange(values, 'product_id', line._onchange_spec()).get('warning'))

        # The warning does not replace the refusal on the server.
        sale.write({'order_line': [(0, 0, {'product_id': self.term.product_id.id,
                                           'comodo_domain': unique_domain('never'),
                                           'comodo_dcv_method': 'CNAME_CSR_HASH'})]})
        with self.assertRaisesRegex(UserError, 'SSL module'):
            sale.action_confirm()

    def test_confirm_refusals_reach_the_web_client_as_its_plain_warnings(self):
        starter = self._plan('Starter without SSL')
        customer = self.env['res.partner'].create({'name': 'Starter Only'})
        self._subscribe(customer, starter)
        without_ssl = self._sale_order(unique_domain('www'))
        without_ssl.partner_id = customer
        refused = {
            'customer without SSL': without_ssl,
            'no domain': self._sale_order(''),
            'two certificates on one line': self._sale_order(unique_domain('www'), product_uom_qty=2),
            'email validation without its approver': self._sale_order(unique_domain('www'),
                                                                      comodo_dcv_method='EMAIL'),
            'not a domain': self._sale_order('not a domain'),
        }
        with open(REFUSAL_DIALOG_JS) as handle:
            registered = re.findall(r"crash_registry\.add\('([^']+)'", handle.read())
        for case, sale in sorted(refused.items()):
            with self.assertRaises(ComodoRefusal, msg=case) as refusal:
                with self.cr.savepoint():
                    sale.action_confirm()
            self.assertIsInstance(refusal.exception, UserError, 'RPC callers still get a UserError')
            # The web client looks the handler up by the name the server sends with the error.
            self.assertEqual([serialize_exception(refusal.exception)['name']], registered, case)
            sale.invalidate_cache()
            self.assertEqual((sale.state, sale.comodo_order_ids.ids), ('draft', []), case)

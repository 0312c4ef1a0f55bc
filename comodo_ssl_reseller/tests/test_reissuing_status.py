"""A live certificate being reissued reads one status everywhere: "Reissuing" on the order (list,
form, Async Manager), on its invoice and on the portal, also while Comodo validates the new CSR;
its current certificate stays downloadable meanwhile. Then the words of what the CA charged."""
from lxml import etree

from .. import customer_words
from .common import ComodoCase, load_migration, unique_domain


class TestReissuingStatus(ComodoCase):

    def _issued(self):
        """An issued certificate whose reissue waits for the CA's decision (never-: decided by hand)."""
        order = self._buy(unique_domain('never'))
        self.sandbox.approve(order.ca_order_number)
        order.action_check()
        self.assertEqual(order.state, 'issued')
        return order

    def _labels(self, model, field):
        return dict(self.env[model]._fields[field]._description_selection(self.env))

    def test_a_reissue_reads_reissuing_until_its_certificate_is_issued(self):
        order = self._issued()
        first = order.certificate_id
        invoice = order.invoice_ids
        self.assertEqual((order.status, invoice.comodo_certificate_state), ('issued', 'issued'))

        order._customer_reissue()

        # Sent to Comodo, which waits for the new CSR's validation: a first order's "Validation Pending".
        self.assertEqual(order.state, 'pending')
        self.assertEqual(order.certificate_id, first, 'the current certificate stays')
        self.assertEqual(order.status, 'reissue')
        self.assertEqual(invoice.comodo_certificate_state, 'reissue')
        self.assertEqual(self._labels('comodo.certificate.order', 'status')['reissue'], 'Reissuing')
        self.assertEqual(self._labels('account.invoice', 'comodo_certificate_state')['reissue'], 'Reissuing')
        self.assertIn('current certificate stays valid', customer_words.STATES[order.status])
        issued_filter = self.env['account.invoice'].search([('comodo_certificate_state', 'in', ('issued', 'reissue')),
                                                            ('id', '=', invoice.id)])
        self.assertEqual(issued_filter, invoice, 'still an issued certificate for the accountants')
        self.assertEqual(order._certificate_bundle('certificate'), first.certificate_pem,
                         'the current certificate is still downloaded')
        reissuing = self.env['comodo.certificate.order'].search(
            [('status', '=', 'reissue'), ('id', '=', order.id)])
        self.assertEqual(reissuing, order)

        self.sandbox.approve(order.ca_order_number)
        order.action_check()
        self.assertEqual((order.state, order.status, invoice.comodo_certificate_state),
                         ('issued', 'issued', 'issued'))
        self.assertNotEqual(order.certificate_id, first)

    def test_a_first_order_waiting_for_validation_reads_validation_pending(self):
        order = self._buy(unique_domain('never'))
        self.assertEqual((order.state, order.status, order.invoice_ids.comodo_certificate_state),
                         ('pending', 'pending', 'pending'))
        self.assertEqual(self._labels('comodo.certificate.order', 'status')['pending'], 'Validation Pending')

    def test_the_back_office_screens_show_the_status(self):
        orders = self.env['comodo.certificate.order']
        for xmlid, view_type in (('comodo_certificate_order_view_form', 'form'),
                                 ('comodo_certificate_order_view_tree', 'tree'),
                                 ('comodo_certificate_order_view_tree_async', 'tree')):
            arch = etree.fromstring(orders.fields_view_get(
                view_id=self.env.ref('comodo_ssl_reseller.' + xmlid).id, view_type=view_type)['arch'])
            shown = [node.get('name') for node in arch.iter('field')
                     if node.get('name') in ('state', 'status') and node.get('invisible') != '1'
                     and 'invisible' not in (node.get('modifiers') or '')]
            self.assertEqual(shown, ['status'], xmlid)

    def test_the_update_brings_invoices_in_line_with_the_status(self):
        order = self._issued()
        order._customer_reissue()
        invoice = order.invoice_ids
        # As an older version left them: both read the state.
        self.env.cr.execute("UPDATE comodo_certificate_order SET status = state WHERE id = %s", (order.id,))
        self.env.cr.execute("UPDATE account_invoice SET comodo_certificate_state = 'pending' WHERE id = %s",
                            (invoice.id,))
        migration = load_migration('11.0.1.6.0', 'post-reissuing-status')
        migration.migrate(self.env.cr, '11.0.1.5.0')
        migration.migrate(self.env.cr, '11.0.1.5.0')
        self.env.cache.invalidate()
        self.assertEqual((order.status, invoice.comodo_certificate_state), ('reissue', 'reissue'))

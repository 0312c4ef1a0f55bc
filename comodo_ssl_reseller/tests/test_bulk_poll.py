"""The scheduled poll's batches ask the sandbox CA's bulk report (WebHostReport) about their orders,
a page at a time, and CollectSSL only about the orders it says changed or cannot tell about."""
from datetime import datetime
from unittest.mock import patch

from comodo_client import ComodoClient
from odoo import fields
from odoo.addons.queue_job.job import Job

from ..models import comodo_certificate_order_poll
from .common import SANDBOX_LOGIN, SANDBOX_PASSWORD, ComodoCase, sandbox_url, unique_domain

REGULAR_SECONDS = 4 * 3600


class TestBulkPoll(ComodoCase):

    def _placed(self, scenario='never', count=1):
        """Orders placed at the sandbox and first checked, as their placement job leaves them."""
        orders = self.env['comodo.certificate.order']
        for _index in range(count):
            order = self._buy_queued(unique_domain(scenario))
            order._job_place()
            self.assertEqual(order.state, 'pending')
            orders |= order
        return orders

    def _poll_batch(self, orders):
        """The poll's batch job for these orders, due now, with the sandbox's calls counted."""
        self._make_due(orders)
        self.sandbox.reset_calls()
        # Retries and check jobs of their own are queued, not run inline.
        orders.with_context(test_queue_job_no_delay=False)._job_check_due()
        orders.invalidate_cache()
        return self.sandbox.call_counts()

    def _collected(self, order):
        return len(self.sandbox.find_calls('CollectSSL', order.ca_order_number))

    def _after_decision_jobs(self, orders):
        return self.env['queue.job'].search([('method_name', '=', '_job_after_decision'), ('state', '=', 'pending'),
                                             ('model_name', '=', orders._name)]).filtered(
            lambda job: set(job.record_ids) <= set(orders.ids))

    def _run_after_decision_jobs(self, orders):
        """Run what the poll queued to follow its decisions about these orders, as the runner
        would; the sandbox's calls during them counted."""
        self.sandbox.reset_calls()
        for record in self._after_decision_jobs(orders):
            job = Job.load(self.env, record.uuid)
            job.perform()
            job.set_done()
            job.store()
        orders.invalidate_cache()
        return self.sandbox.call_counts()

    def _customer_mails(self, order, subject_part):
        return self.env['mail.mail'].search([('subject', 'like', subject_part), ('subject', 'like', order.domain)])

    def _assert_checked_regularly(self, order, attempts):
        self.assertEqual((order.state, order.attempts, order.transient_failures, order.last_error),
                         ('pending', attempts, 0, False))
        wait = (fields.Datetime.from_string(order.next_check_at) - datetime.utcnow()).total_seconds()
        self.assertAlmostEqual(wait, REGULAR_SECONDS, delta=120)

    def test_issued_rejected_revoked_moved_and_unchanged_in_one_report_page(self):
        issued, rejected, revoked, unchanged, moved = self._placed(count=5)
        self.sandbox.approve(issued.ca_order_number)
        self.sandbox.reject(rejected.ca_order_number)
        self.sandbox.approve(revoked.ca_order_number)
        with ComodoClient(sandbox_url(), SANDBOX_LOGIN, SANDBOX_PASSWORD, timeout=10) as client:
            client.revoke(revoked.ca_order_number, 'key compromised', 1)
        # The first report about an order is the baseline the next ones are compared with.
        self.assertEqual(self._poll_batch(unchanged | moved), {'WebHostReport': 1})
        self.assertEqual(unchanged.last_report_answer, 'pending: validationStatus=Awaiting Validation; dcvStatus=0')
        self._assert_checked_regularly(unchanged, 2)
        # An earlier report saw another validation state for this one (a name since unvalidated).
        moved.last_report_answer = 'pending: validationStatus=Awaiting Validation; dcvStatus=1'
        orders = issued | rejected | revoked | unchanged | moved

        counts = self._poll_batch(orders)

        # One report, and CollectSSL only where it tells more than the report: the issued order
        # (its certificate) and the one whose validation moved. The report's "Rejected" and
        # "Revoked" decide those two by themselves.
        self.assertEqual(counts, {'WebHostReport': 1, 'CollectSSL': 2})
        self.assertEqual([self._collected(order) for order in (unchanged, rejected, revoked)], [0, 0, 0])
        self.assertEqual([issued.state, rejected.state, revoked.state], ['issued', 'rejected', 'revoked'])
        self.assertIn('BEGIN CERTIFICATE', issued.certificate_pem)
        self.assertEqual((rejected.last_ca_answer, rejected.attempts, rejected.last_report_answer),
                         ('Rejected', 2, 'rejected: validationStatus=Not Validated; dcvStatus=0'))
        self.assertEqual(revoked.last_ca_answer, 'Revoked')
        self.assertIn('Comodo rejected the certificate request', rejected.message_ids[0].body)
        # What follows the two decisions waits in jobs of their own, queued with them, behind the
        # poll's batches in the CA channel: nothing of it done yet.
        jobs = self._after_decision_jobs(orders)
        self.assertEqual(sorted(jobs.mapped('record_ids')), sorted([[issued.id], [rejected.id]]))
        self.assertEqual(set(jobs.mapped('channel')), {'root.comodo'})
        self.assertEqual(set(jobs.mapped('priority')), {20})
        self.assertFalse(self._customer_mails(rejected, 'rejected') | self._customer_mails(issued, 'is ready'))
        self.assertEqual(rejected.ca_charge_ids.refund_state, 'none')

        self.assertEqual(self._run_after_decision_jobs(orders), {'AutoRefund': 1}, "the rejected order's charge")
        self.assertEqual(rejected.ca_charge_ids.refund_state, 'refunded')
        self.assertEqual(len(self._customer_mails(rejected, 'rejected')), 1)
        self.assertEqual(len(self._customer_mails(issued, 'is ready')), 1)
        self.assertEqual(issued.sale_line_id.qty_delivered, 1)
        self.assertFalse(self._after_decision_jobs(orders), 'each ran once')
        self._assert_checked_regularly(unchanged, 3)
        self._assert_checked_regularly(moved, 3)
        self.assertEqual(moved.last_report_answer, unchanged.last_report_answer, 'the new state is the baseline')
        self.assertEqual(self._poll_batch(unchanged | moved), {'WebHostReport': 1}, 'nothing moved since')

    def test_each_decision_of_a_batch_is_one_note_saying_what_happened(self):
        issued, first_rejected, second_rejected, revoked = self._placed(count=4)
        self.sandbox.approve(issued.ca_order_number)
        self.sandbox.reject(first_rejected.ca_order_number)
        self.sandbox.reject(second_rejected.ca_order_number)
        self.sandbox.approve(revoked.ca_order_number)
        with ComodoClient(sandbox_url(), SANDBOX_LOGIN, SANDBOX_PASSWORD, timeout=10) as client:
            client.revoke(revoked.ca_order_number, 'key compromised', 1)
        orders = issued | first_rejected | second_rejected | revoked
        before = {order: order.message_ids for order in orders}

        # Tracked as the job runner's batch is (the tests' environment tracks nothing).
        self.assertEqual(self._poll_batch(orders.with_context(tracking_disable=False)),
                         {'WebHostReport': 1, 'CollectSSL': 1})

        note = self.env.ref('mail.mt_note')
        said = {}
        for order in orders:
            # The state change and its cause in one internal note, not a tracking line beside it.
            new = order.message_ids - before[order]
            self.assertEqual(len(new), 1, '%s: %s' % (order.state, new.mapped('body')))
            self.assertEqual((new.subtype_id, new.tracking_value_ids), (note, new.tracking_value_ids.browse()))
            said[order.state] = said.get(order.state, []) + [new.body]
        self.assertEqual(said['rejected'], ['<p>Comodo rejected the certificate request: Rejected by Comodo</p>'] * 2)
        self.assertEqual(said['revoked'], ['<p>Comodo reports the certificate as revoked.</p>'])
        self.assertIn('Certificate issued for %s (CA order %s), valid until %s.' % (
            issued.domain, issued.ca_order_number, issued.valid_until), said['issued'][0])
        # What the check records came with the decision.
        self.assertEqual([order.attempts for order in orders], [2, 2, 2, 2])
        self.assertEqual([order.last_ca_answer for order in orders], ['Issued', 'Rejected', 'Rejected', 'Revoked'])
        self.assertEqual(set(orders.mapped('next_check_at')), {False})
        self.assertEqual(issued.term_starts_at, issued.valid_from)
        self.assertEqual(sorted(self._after_decision_jobs(orders).mapped('record_ids')),
                         sorted([[issued.id], [first_rejected.id], [second_rejected.id]]))

    def test_a_batch_over_a_page_boundary(self):
        orders = self._placed(count=5)
        decided = {orders[1]: 'approve', orders[2]: 'reject', orders[4]: 'approve'}
        for order, verb in decided.items():
            getattr(self.sandbox, verb)(order.ca_order_number)

        with patch.object(comodo_certificate_order_poll, 'REPORT_PAGE_SIZE', 2):
            counts = self._poll_batch(orders)

        self.assertEqual(counts, {'WebHostReport': 3, 'CollectSSL': 2}, 'pages of 2, 2 and 1; the issued collected')
        self.assertEqual(orders.mapped('state'), ['pending', 'issued', 'rejected', 'pending', 'issued'])
        self.assertEqual([self._collected(order) for order in orders[0] | orders[2] | orders[3]], [0, 0, 0])
        self.assertEqual(self._run_after_decision_jobs(orders), {'AutoRefund': 1})

    def test_a_row_the_client_cannot_read_falls_back_to_that_orders_collect(self):
        unreadable_issued, unreadable_pending = self._placed('unreadable', count=2)
        readable = self._placed()
        self.sandbox.approve(unreadable_issued.ca_order_number)

        counts = self._poll_batch(unreadable_issued | unreadable_pending | readable)

        self.assertEqual(counts, {'WebHostReport': 1, 'CollectSSL': 2})
        self.assertEqual(self._collected(readable), 0)
        self.assertEqual(unreadable_issued.state, 'issued', 'not lost: its own CollectSSL told')
        self._assert_checked_regularly(unreadable_pending, 2)
        self.assertFalse(unreadable_pending.last_report_answer, 'nothing read from the report to compare')

    def test_a_report_the_client_cannot_parse_falls_back_to_each_orders_collect(self):
        issued, pending = self._placed(count=2)
        self.sandbox.approve(issued.ca_order_number)
        self.sandbox.plan_fault('garbled', action='WebHostReport')
        self.addCleanup(self.sandbox.clear_faults)  # the placement's look-up asks WebHostReport too

        counts = self._poll_batch(issued | pending)

        self.assertEqual(counts, {'WebHostReport': 1, 'CollectSSL': 2})
        self.assertEqual(issued.state, 'issued')
        self._assert_checked_regularly(pending, 2)

    def test_an_order_missing_from_the_report_falls_back_to_its_collect(self):
        missing_issued, missing_pending = self._placed('unlisted', count=2)
        listed = self._placed()
        self.sandbox.approve(missing_issued.ca_order_number)

        counts = self._poll_batch(missing_issued | missing_pending | listed)

        # The page came back short of two orders: the client asks for the next page (in case the CA
        # pages below the size asked), which is empty.
        self.assertEqual(counts, {'WebHostReport': 2, 'CollectSSL': 2})
        self.assertEqual(self._collected(listed), 0)
        self.assertEqual(missing_issued.state, 'issued')
        self._assert_checked_regularly(missing_pending, 2)

    def test_the_scheduled_poll_asks_the_report_once_per_batch(self):
        pending, issued = self._placed(count=2)
        self.sandbox.approve(issued.ca_order_number)
        self._make_due(pending | issued)
        self.sandbox.reset_calls()

        run = self._poll()

        self.assertEqual(self.sandbox.call_counts(), {'WebHostReport': 1, 'CollectSSL': 1})
        self.assertEqual(run.issued_order_ids, issued)
        self._assert_checked_regularly(pending, 2)

    def test_a_reissue_the_report_calls_rejected_is_asked_with_collect(self):
        order = self._buy(unique_domain('www'))
        self.sandbox.approve(order.ca_order_number)
        order.action_check()
        order._start_reissue('lost key')
        self.assertEqual(order.state, 'pending', 'sent, now validated again by the CA')
        self.sandbox.reject(order.ca_order_number)

        counts = self._poll_batch(order)

        # A row about an order with a certificate may speak of the one being replaced: its own
        # CollectSSL decides.
        self.assertEqual(counts, {'WebHostReport': 1, 'CollectSSL': 1})
        self.assertEqual(order.state, 'issued', 'the reissue failed: the current certificate stays')

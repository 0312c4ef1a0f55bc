"""The fault matrix: each fault of a CA, while Odoo places an order and while it checks one.

Against a sandbox of this class's own (a restart or a refused connection must not disturb the
other tests), with its faults planned through its admin endpoints. For every fault: the order is
postponed with backoff (a retry job at the postponed time), the error is on the order, in its
chatter and in the Async Manager; once the fault is gone the order reaches the status the CA holds,
and the CA has exactly one order for it.
"""
import shutil
import tempfile
import time
from collections import namedtuple
from datetime import datetime

import psycopg2.extensions
from mock import patch

from comodo_sandbox.pytest_plugin import SandboxProcess
from odoo import fields
from odoo.addons.queue_job.job import Job

from comodo_client import ComodoClient
from .common import ComodoCase, SandboxLookups, unique_domain

# Client time-out for the rows where the CA hangs longer than that, then still acts.
SHORT_TIMEOUT = 1
HANG_SECONDS = 1.5
FIRST_RETRY_SECONDS = 300

# fault: the sandbox knob (kind and its fields), or None for a stopped sandbox (connection refused).
# ca_acts: the CA took the order although Odoo got no usable answer.
Fault = namedtuple('Fault', 'name kind options ca_acts expected')
REFUSED = 'refused'
FAULTS = [
    Fault('-14 (unknown error)', 'error', {'code': -14}, False, 'Comodo error -14'),
    Fault('-42 (call limit)', 'error', {'code': -42}, False, 'Comodo error -42'),
    Fault('HTTP 500', 'http500', {}, False, 'answered HTTP 500'),
    Fault('HTTP 500 after the CA acted', 'http500', {'after': True}, True, 'answered HTTP 500'),
    Fault('garbled body', 'garbled', {}, False, 'not the protocol'),
    Fault('garbled body after the CA acted', 'garbled', {'after': True}, True, 'not the protocol'),
    Fault('connection dropped after the CA acted', 'drop', {'after': True}, True, 'could not reach the CA'),
    Fault('time-out, the CA acts later', 'hang', {'seconds': HANG_SECONDS}, True, 'no answer from the CA within'),
    Fault('connection refused', REFUSED, {}, False, 'could not reach the CA'),
]


class PrivateSandbox(SandboxLookups, SandboxProcess):
    """A sandbox this test class starts, stops and restarts."""


class TestFaultMatrix(ComodoCase):

    @classmethod
    def setUpClass(cls):
        super(TestFaultMatrix, cls).setUpClass()
        cls.sandbox_dir = tempfile.mkdtemp(prefix='comodo-fault-matrix-')
        cls.sandbox = PrivateSandbox(cls.sandbox_dir, issue_after=3600).start()
        cls.company.comodo_api_url = cls.sandbox.url

    @classmethod
    def tearDownClass(cls):
        cls.sandbox.stop()
        shutil.rmtree(cls.sandbox_dir, ignore_errors=True)
        super(TestFaultMatrix, cls).tearDownClass()

    def setUp(self):
        super(TestFaultMatrix, self).setUp()
        self.sandbox.clear_faults()
        self.sandbox.reset_calls()

    # -- the fault, on and off ---------------------------------------------------------------------

    def _start_fault(self, fault, action):
        if fault.kind == REFUSED:
            self.sandbox.stop()
            self.addCleanup(self._ensure_running)
            return
        if fault.kind == 'hang':
            self.company.comodo_timeout = SHORT_TIMEOUT
        self.sandbox.plan_fault(fault.kind, action=action, **fault.options)

    def _end_fault(self, fault):
        if fault.kind == REFUSED:
            self.sandbox.start()
        elif fault.kind == 'hang':
            self._wait_for_the_hung_call()
            self.company.comodo_timeout = 10
        self.assertEqual(self.sandbox.planned_faults(), [], 'the planned fault was used')

    def _ensure_running(self):
        if not self.sandbox.running:
            self.sandbox.start()

    def _wait_for_the_hung_call(self):
        """The CA finishes a hung call after Odoo gave up: wait until it has (not a timed check)."""
        for _attempt in range(200):
            if any(call.get('fault') == 'hang' and call['errorCode'] is not None for call in self.sandbox.calls()):
                return
            time.sleep(0.05)
        self.fail('the sandbox never finished the hung call')

    # -- what must hold while the fault lasts ------------------------------------------------------

    def _assert_postponed(self, order, fault, state):
        self.assertEqual(order.state, state, '%s: the order keeps its status' % fault.name)
        self.assertEqual(order.transient_failures, 1, fault.name)
        self.assertIn(fault.expected, order.last_error, fault.name)
        wait = (fields.Datetime.from_string(order.next_check_at) - datetime.utcnow()).total_seconds()
        self.assertAlmostEqual(wait, FIRST_RETRY_SECONDS, delta=60, msg='%s: backoff' % fault.name)
        retry = self.env['queue.job'].search([('identity_key', '=', order._ca_work_identity_key())])
        self.assertEqual((len(retry), retry.channel, retry.eta), (1, 'root.comodo', order.next_check_at),
                         '%s: one retry job, at the next check' % fault.name)
        chatter = order.message_ids.filtered(lambda message: fault.expected in (message.body or ''))
        self.assertEqual(len(chatter), 1, '%s: the error is in the chatter once' % fault.name)
        self._assert_in_async_manager(order, fault)

    def _assert_in_async_manager(self, order, fault):
        action = self.env.ref('comodo_ssl_reseller.comodo_certificate_order_action_async')
        listed = self.env['comodo.certificate.order'].search(eval(action.domain))
        self.assertIn(order, listed, '%s: listed in the Async Manager' % fault.name)
        shown = self.env['comodo.certificate.order'].fields_view_get(action.view_id.id, 'tree')['fields']
        self.assertTrue({'last_error', 'next_check_at', 'attempts', 'state'} <= set(shown),
                        'the Async Manager shows the error and the next try')

    def _ca_orders(self, order):
        return self.sandbox.find_orders(foreignOrderNumber=order.foreign_order_number)

    # -- the matrix --------------------------------------------------------------------------------

    def test_faults_while_placing(self):
        for fault in FAULTS:
            with self.subTest(fault=fault.name), self.cr.savepoint():
                order = self._buy_queued(unique_domain('never'))
                self._start_fault(fault, 'AutoApplySSL')
                order._job_place()
                self._end_fault(fault)
                self._assert_postponed(order, fault, 'draft')
                self.assertEqual(len(self._ca_orders(order)), 1 if fault.ca_acts else 0, fault.name)

                order._job_place()  # the retry job, once the fault is gone
                placed = self._ca_orders(order)
                self.assertEqual(len(placed), 1, '%s: exactly one CA order' % fault.name)
                self.assertEqual((order.state, order.ca_order_number), ('pending', str(placed[0]['orderNumber'])))
                self.assertEqual((order.transient_failures, order.last_error), (0, False))

    def test_faults_while_checking(self):
        for fault in FAULTS:
            with self.subTest(fault=fault.name), self.cr.savepoint():
                order = self._buy_queued(unique_domain('never'))
                order._job_place()
                self.assertEqual(order.state, 'pending')
                self.sandbox.approve(order.ca_order_number)  # issued at the CA: a status to lose
                self._start_fault(fault, 'CollectSSL')
                order._job_check()
                self._end_fault(fault)
                self._assert_postponed(order, fault, 'pending')

                order._job_check()
                self.assertEqual(order.state, 'issued', '%s: the status is not lost' % fault.name)
                self.assertIn('BEGIN CERTIFICATE', order.certificate_pem)
                self.assertEqual(len(self._ca_orders(order)), 1)

    def test_backoff_doubles_and_the_chatter_says_it_once(self):
        order = self._buy_queued(unique_domain('never'))
        order._job_place()
        self.sandbox.plan_fault('error', code=-14, count=2, action='CollectSSL')
        order._job_check()
        order._job_check()
        self.assertEqual(order.transient_failures, 2)
        wait = (fields.Datetime.from_string(order.next_check_at) - datetime.utcnow()).total_seconds()
        self.assertAlmostEqual(wait, 2 * FIRST_RETRY_SECONDS, delta=60)
        self.assertEqual(len(order.message_ids.filtered(lambda m: '-14' in (m.body or ''))), 1)
        order._job_check()
        self.assertEqual((order.state, order.transient_failures, order.last_error), ('pending', 0, False))

    def test_sandbox_restart_in_the_middle_of_a_poll(self):
        orders = self.env['comodo.certificate.order']
        for _index in range(3):
            orders |= self._buy_queued(unique_domain('never'))
        for order in orders:
            order._job_place()
            self.sandbox.approve(order.ca_order_number)
        self._make_due(orders)
        self.env['comodo.poll.run'].with_context(test_queue_job_no_delay=False)._run()
        batch = self.env['queue.job'].search([('method_name', '=', '_job_check_due')]).filtered(
            lambda job: set(orders.ids) <= set(job.record_ids))
        self.assertEqual(len(batch), 1, 'the poll queued one batch of checks for the three orders')

        # The CA goes down after the batch's first check: the batch stops at the refused call and
        # postpones the order it did not ask yet.
        collect = ComodoClient.collect
        restart_steps = iter([lambda: None, self.sandbox.stop])

        def collect_across_a_restart(client, *args, **kwargs):
            next(restart_steps, lambda: None)()
            return collect(client, *args, **kwargs)
        self.addCleanup(self._ensure_running)
        with patch.object(ComodoClient, 'collect', collect_across_a_restart):
            # The batch job's work on these three orders (retries are queued, not run inline).
            orders.with_context(test_queue_job_no_delay=False)._job_check_due()
        self.sandbox.start()
        self.assertEqual(sorted(orders.mapped('state')), ['issued', 'pending', 'pending'])
        unasked = orders.filtered(lambda order: 'not asked' in (order.last_error or ''))
        refused = orders.filtered(lambda order: order.state == 'pending') - unasked
        self.assertEqual((len(refused), len(unasked)), (1, 1))
        self.assertIn('could not reach the CA', refused.last_error)

        for order in refused | unasked:
            order._job_check()  # their retry jobs, the CA back
        self.assertEqual(orders.mapped('state'), ['issued'] * 3, 'no status lost across the restart')
        self.assertEqual([len(self._ca_orders(order)) for order in orders], [1, 1, 1])

    def test_worker_killed_between_the_collect_and_the_commit(self):
        # The CA answered "issued", then the job's transaction died before it was recorded: the
        # next check collects the same certificate again.
        order = self._buy_queued(unique_domain('never'))
        order._job_place()
        self.sandbox.approve(order.ca_order_number)
        with patch.object(type(order), '_on_issued', side_effect=RuntimeError('worker killed')):
            with self.assertRaises(RuntimeError), self.cr.savepoint():
                order._job_check()
        order.invalidate_cache()
        self.assertEqual(order.state, 'pending')
        order._job_check()
        self.assertEqual(order.state, 'issued')
        self.assertEqual(len(self.sandbox.find_calls('CollectSSL', order.ca_order_number)), 3,
                         'placing, the lost check and the one that counted')

    # -- a poll batch ------------------------------------------------------------------------------

    def _placed_and_due(self, count):
        """`count` pending orders the CA has issued, due for a check; the calls log emptied."""
        orders = self.env['comodo.certificate.order']
        for _index in range(count):
            orders |= self._buy_queued(unique_domain('never'))
        for order in orders:
            order._job_place()
            self.sandbox.approve(order.ca_order_number)
        self._make_due(orders)
        self.sandbox.reset_calls()
        return orders

    def _assert_retry_at_next_check(self, order, kind='_job_check'):
        retry = self.env['queue.job'].search([('identity_key', '=', order._ca_work_identity_key())])
        self.assertEqual((len(retry), retry.method_name), (1, kind), '%s: a check job of its own' % order.name)
        return retry

    def test_a_concurrency_error_in_a_batch_undoes_that_order_alone(self):
        orders = self._placed_and_due(3)
        conflicted = orders[1]
        record = type(conflicted)._record_certificate
        conflicts = []

        def record_meeting_another_server(order, values):
            # Another server wrote a row this check writes meanwhile: PostgreSQL refuses this
            # transaction's update of it (once; the other server's work is then done).
            certificate = record(order, values)
            if order == conflicted and not conflicts:
                conflicts.append(order.id)
                order.env.cr.execute("""DO $$ BEGIN RAISE EXCEPTION 'could not serialize access due to
                    concurrent update' USING ERRCODE = 'serialization_failure'; END $$""")
            return certificate

        def run_as_queue_job(batch):
            # queue_job retries a job whose transaction met a concurrency error, whole.
            try:
                with self.cr.savepoint():
                    batch._job_check_due()
            except psycopg2.extensions.TransactionRollbackError:
                batch.env.clear()
                batch._job_check_due()

        with patch.object(type(conflicted), '_record_certificate', record_meeting_another_server):
            run_as_queue_job(orders.with_context(test_queue_job_no_delay=False))
        self.assertEqual(conflicts, [conflicted.id], 'the conflict happened')
        self.assertEqual(self.sandbox.call_counts().get('CollectSSL'), 3, 'the CA was asked once per order')
        others = orders - conflicted
        self.assertEqual(others.mapped('state'), ['issued', 'issued'])
        # What follows each issuance (the sale line delivered, ...) is a job of its own.
        follow_ups = self.env['queue.job'].search([('method_name', '=', '_job_after_decision')]).filtered(
            lambda job: set(job.record_ids) & set(orders.ids))
        self.assertEqual(sorted(follow_ups.mapped('record_ids')), [[order.id] for order in others])
        for follow_up in follow_ups:
            Job.load(self.env, follow_up.uuid).perform()
        self.assertEqual(others.mapped('sale_line_id.qty_delivered'), [1.0, 1.0])
        self.assertEqual((conflicted.state, conflicted.certificate_id.id, conflicted.sale_line_id.qty_delivered),
                         ('pending', False, 0.0), "the conflicted order's check was undone, all of it")
        self._assert_retry_at_next_check(conflicted)

        conflicted._job_check()  # its own check job
        self.assertEqual((conflicted.state, conflicted.sale_line_id.qty_delivered), ('issued', 1.0),
                         'nothing lost')
        self.assertEqual(self.sandbox.call_counts().get('CollectSSL'), 4)

    def test_a_batch_stops_at_the_first_time_out(self):
        orders = self._placed_and_due(3)
        self.company.comodo_timeout = SHORT_TIMEOUT
        # The CA hangs for every call: it is down.
        self.sandbox.plan_fault('hang', action='CollectSSL', seconds=HANG_SECONDS, count=len(orders))
        orders.with_context(test_queue_job_no_delay=False)._job_check_due()
        self.sandbox.clear_faults()
        self._wait_for_the_hung_call()
        self.company.comodo_timeout = 10
        self.assertEqual(self.sandbox.call_counts().get('CollectSSL'), 1, 'one call: the batch stopped')

        # Placing made one check; the check that timed out is the second.
        first = orders.filtered(lambda order: order.attempts == 2)
        unasked = orders - first
        self.assertEqual((len(first), unasked.mapped('attempts')), (1, [1, 1]), 'the others were not asked')
        self.assertIn('no answer from the CA within', first.last_error)
        for order in orders:
            self.assertEqual((order.state, order.transient_failures), ('pending', 1), order.name)
            wait = (fields.Datetime.from_string(order.next_check_at) - datetime.utcnow()).total_seconds()
            self.assertAlmostEqual(wait, FIRST_RETRY_SECONDS, delta=60, msg='%s: backoff' % order.name)
            self.assertEqual(self._assert_retry_at_next_check(order).eta, order.next_check_at)
        for order in unasked:
            self.assertIn('not asked', order.last_error)

        for order in orders:
            order._job_check()  # the retry jobs, once the CA is back
        self.assertEqual(orders.mapped('state'), ['issued'] * 3, 'nothing lost')
        self.assertEqual([len(self._ca_orders(order)) for order in orders], [1, 1, 1])

"""Jobs left by a dead worker are requeued; a job a live worker runs is never run twice; the Async
Manager shows the orders whose work is due with no job.

The requeuer and the job lock work on connections of their own, so the jobs here are committed
(and deleted afterwards); a second connection plays the live worker.
"""
import threading
import time
import unittest

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tests import common

from ..controllers.queue_job import _job_lock
from .common import ComodoCase, unique_domain


class TestOrphanedJobs(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.registry = odoo.registry(common.get_db_name())
        cls.job_ids = {}
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            # State as a worker left it: (state, its lock line, tries so far).
            left = {
                'dead': ('started', True, 0),
                'live': ('started', True, 0),
                'lost': ('enqueued', False, 0),
                'run_without_lock': ('started', False, 0),
                'killing_its_worker': ('started', True, 4),
            }
            for name, (state, line, retry) in left.items():
                job = env['comodo.poll.run'].with_delay(max_retries=5, description=name)._job_send_digest()
                record = job.db_record()
                cr.execute('UPDATE queue_job SET state = %s, retry = %s WHERE id = %s', (state, retry, record.id))
                if line:
                    cr.execute('INSERT INTO comodo_job_lock (queue_job_id) VALUES (%s)', (record.id,))
                cls.job_ids[name] = record.id

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            cr.execute('DELETE FROM queue_job WHERE id IN %s', (tuple(cls.job_ids.values()),))

    def _live_worker(self, name):
        """A connection holding the job's lock line, as the worker running it does."""
        cr = odoo.sql_db.db_connect(self.registry.db_name).cursor()
        self.addCleanup(cr.close)
        cr.execute('SELECT 1 FROM comodo_job_lock WHERE queue_job_id = %s FOR UPDATE', (self.job_ids[name],))
        return cr

    def _state(self, name):
        with self.registry.cursor() as cr:
            cr.execute('SELECT state, retry, (SELECT count(*) FROM comodo_job_lock WHERE queue_job_id = j.id) '
                       'FROM queue_job j WHERE id = %s', (self.job_ids[name],))
            return cr.fetchone()

    def _uuid(self, name):
        with self.registry.cursor() as cr:
            cr.execute('SELECT uuid FROM queue_job WHERE id = %s', (self.job_ids[name],))
            return cr.fetchone()[0]

    def test_requeue_and_worker_lock(self):
        live_worker = self._live_worker('live')
        with self.registry.cursor() as cr:
            requeued = api.Environment(cr, SUPERUSER_ID, {})['queue.job']._comodo_requeue_orphaned_jobs()
        self.assertEqual(requeued, 3)
        self.assertEqual(self._state('dead'), ('pending', 1, 0), 'its worker died: requeued, one try spent')
        self.assertEqual(self._state('live'), ('started', 0, 1), 'its worker runs it: left alone')
        self.assertEqual(self._state('lost')[:2], ('pending', 0), 'handed to a worker that never took it')
        self.assertEqual(self._state('run_without_lock'), ('started', 0, 0),
                         'not run under the lock: nothing says its worker is gone')
        self.assertEqual(self._state('killing_its_worker')[0], 'failed', 'its tries are spent: not looping')

        # A worker given a job another one holds does not run it; once free, it holds it while running.
        with self.registry.cursor() as cr:
            cr.execute("UPDATE queue_job SET state = 'enqueued' WHERE id = %s", (self.job_ids['dead'],))
        job_uuid = self._uuid('dead')
        with _job_lock(self.registry.db_name, job_uuid) as held:
            self.assertTrue(held)
            with _job_lock(self.registry.db_name, job_uuid) as held_twice:
                self.assertFalse(held_twice, 'a second request for the same job does not run it')
            with self.registry.cursor() as cr:
                self.assertEqual(api.Environment(cr, SUPERUSER_ID, {})['queue.job']._comodo_requeue_orphaned_jobs(),
                                 0, 'a job its worker holds is never requeued')
        self.assertEqual(self._state('dead'), ('enqueued', 1, 0), 'its line goes with the worker')
        live_worker.rollback()


class TestLateRequest(unittest.TestCase):
    """queue_job's runner gives up on a runjob request after a second (a worker busy or still
    starting): it sets the job back to pending and enqueues it again with a new request, so the
    late request and the new one may both arrive. queue_job 11's runjob takes no lock of its own:
    two requests that read the job enqueued both run it."""

    def setUp(self):
        self.registry = odoo.registry(common.get_db_name())
        with self.registry.cursor() as cr:
            job = api.Environment(cr, SUPERUSER_ID, {})['comodo.poll.run'].with_delay()._job_send_digest()
            self.job_id, self.job_uuid = job.db_record().id, job.uuid
        self.addCleanup(self._delete_job)

    def _delete_job(self):
        with self.registry.cursor() as cr:
            cr.execute('DELETE FROM queue_job WHERE id = %s', (self.job_id,))

    def _set_state(self, state):
        with self.registry.cursor() as cr:
            cr.execute('UPDATE queue_job SET state = %s WHERE id = %s', (state, self.job_id))

    def _request(self):
        return _job_lock(self.registry.db_name, self.job_uuid)

    def test_a_late_request_that_found_its_job_pending_leaves_it_to_the_runners_new_one(self):
        self._set_state('pending')
        with self._request() as late:
            self._set_state('enqueued')  # by the runner, before the late request's runjob reads it
            with self._request() as new:
                self.assertTrue(new)
                self.assertFalse(late, 'the late request runs the job beside the new one')

    def test_a_request_waiting_for_the_line_runs_the_job_once_the_request_before_it_let_it_be(self):
        """The first request found the job enqueued, but its runjob read it pending (the runner had
        given up on it) and ran nothing; the runner's new request waited for the first's line."""
        self._set_state('enqueued')
        outcome = []

        def new_request():
            with self._request() as held:
                outcome.append(held)

        with self._request() as late:
            self.assertTrue(late)
            self._set_state('pending')
            self._set_state('enqueued')
            second = threading.Thread(target=new_request)
            second.start()
            self._wait_until_waiting_or_done(second)
            self.assertEqual(outcome, [], 'the new request runs the job beside the first')
        second.join()
        self.assertEqual(outcome, [True], 'the job is enqueued and nobody holds it: the new request runs it')

    def _wait_until_waiting_or_done(self, request):
        """Until `request` waits for a lock line or has passed the job lock."""
        for _poll in range(500):
            with self.registry.cursor() as cr:
                cr.execute("""SELECT count(*) FROM pg_stat_activity
                               WHERE datname = current_database() AND wait_event_type = 'Lock'
                                 AND query LIKE '%%FROM comodo_job_lock WHERE queue_job_id%%'""")
                if cr.fetchone()[0] or not request.is_alive():
                    return
            time.sleep(0.01)
        self.fail('the new request neither waited nor went ahead')


class TestDueWithoutJob(ComodoCase):
    """The Async Manager's "Due, No Job": work due that no job will do before the next poll."""

    def _listed(self, order):
        orders = self.env['comodo.certificate.order']
        found = orders.search([('due_without_job', '=', True), ('id', '=', order.id)])
        self.assertEqual(order.due_without_job, bool(found))
        return bool(found)

    def test_an_order_whose_job_failed_is_shown(self):
        order = self._buy_queued(unique_domain('never'))
        self._make_due(order)
        job = self.env['queue.job'].search([('func_string', 'like', '_job_place'),
                                            ('record_ids', 'like', str(order.id))])
        self.assertEqual(len(job.filtered(lambda j: order.id in j.record_ids)), 1)
        self.assertFalse(self._listed(order), 'its placement job is queued')
        job.write({'state': 'failed'})
        order.invalidate_cache()
        self.assertTrue(self._listed(order), 'due, and nothing will place it before the next poll')
        self.assertIn(order, order.search([('due_without_job', '!=', False)]))

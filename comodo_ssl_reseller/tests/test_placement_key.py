"""The key Odoo makes for a new order is committed before any CA sees its CSR: the job runner's
jobs run here one after the other, each in a transaction of its own, as queue_job runs them.

The order must be committed for the jobs' cursors to see it, so this test commits its set-up and
removes it afterwards.
"""
import unittest

import odoo
from odoo import SUPERUSER_ID, api
from odoo.addons.queue_job.job import Job
from odoo.tests import common

from .common import Sandbox, demo_customer_order, sandbox_company, unique_domain


class CommittedOrderCase(unittest.TestCase):
    """A new order of the demo customer, committed (the jobs' own cursors see it), for the domain
    scenario `scenario` of the sandbox; removed with its charges and jobs afterwards."""

    scenario = 'instant'

    @classmethod
    def setUpClass(cls):
        cls.registry = odoo.registry(common.get_db_name())
        cls.sandbox = Sandbox()
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True})
            cls.company_before = sandbox_company(env)
            order = demo_customer_order(env, unique_domain(cls.scenario))
            cls.order_id = order.id

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            order = env['comodo.certificate.order'].browse(cls.order_id)
            env['comodo.ca.charge'].search([('order_id', '=', order.id)]).unlink()
            env['queue.job'].search([('model_name', '=', order._name)]).filtered(
                lambda job: job.record_ids == [order.id]).unlink()
            order.unlink()
            env.ref('base.main_company').write(cls.company_before)

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True, 'test_queue_job_no_delay': False})


class TestKeyCommittedBeforeTheCa(CommittedOrderCase):

    # Issued by the sandbox as soon as it is placed: the first check collects it.
    scenario = 'instant'

    def _next_job(self):
        """The order's oldest job still to run, as the job runner would take it."""
        with self.registry.cursor() as cr:
            jobs = self._env(cr)['queue.job'].search(
                [('model_name', '=', 'comodo.certificate.order'), ('state', '=', 'pending')], order='id')
            jobs = jobs.filtered(lambda job: job.record_ids == [self.order_id])
            return (jobs[:1].uuid, jobs[:1].method_name) if jobs else (None, None)

    def _run_job(self, job_uuid, crash=False):
        """Run one job as the job runner does: marked started in a transaction of its own, then run
        in another one, committed and done; or lost by a crash (rolled back) and queued again, as
        the runner does with the jobs of a dead worker."""
        with self.registry.cursor() as cr:
            job = Job.load(self._env(cr), job_uuid)
            job.set_started()
            job.store()
            cr.commit()
            job.perform()
            if crash:
                cr.rollback()
                job = Job.load(self._env(cr), job_uuid)
                job.set_pending(reset_retry=False)
                job.store()
            else:
                job.set_done()
                job.store()
            cr.commit()

    def _placements_at_the_ca(self, foreign_order_number):
        return self.sandbox.find_orders(foreignOrderNumber=foreign_order_number)

    def test_a_placement_retried_after_a_crash_uses_the_key_the_ca_saw(self):
        with self.registry.cursor() as cr:
            self._env(cr)['comodo.certificate.order'].browse(self.order_id)._enqueue_ca_work()
            cr.commit()

        crashed, ran = False, []
        for _attempt in range(6):
            job_uuid, method = self._next_job()
            if not job_uuid:
                break
            # The worker dies after the placement's CA call, before its transaction is committed.
            crash = method == '_job_place' and not crashed
            self._run_job(job_uuid, crash=crash)
            crashed = crashed or crash
            ran.append(method)
        self.assertTrue(crashed, 'a placement was lost in a crash (jobs run: %s)' % ran)

        with self.registry.cursor() as cr:
            order = self._env(cr)['comodo.certificate.order'].browse(self.order_id)
            self.assertEqual(len(self._placements_at_the_ca(order.foreign_order_number)), 1,
                             'ordered from the CA once, whatever the crash')
            self.assertEqual(order.state, 'issued',
                             'the certificate the CA issued is for the committed key, not a foreign one')
            keys = self._env(cr)['comodo.certificate.key'].search([('order_id', '=', order.id)])
            self.assertEqual(len(keys), 1, 'one key made, committed before the CA saw its CSR')
            self.assertEqual(keys.certificate_id, order.certificate_id)

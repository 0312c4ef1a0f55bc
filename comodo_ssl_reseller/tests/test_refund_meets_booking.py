"""A refund that meets the charge's booking job is asked of the CA by a job of its own once the
booking is done, not left on the order for staff: the jobs run here one after the other, each in
a transaction of its own, and another connection holds the charge's row as a booking job does.

The order must be committed for the jobs' cursors and the other connection to see it, so this
test commits its set-up and removes it afterwards.
"""
import odoo
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.tests import common

from .test_placement_key import CommittedOrderCase


class TestRefundMeetsBooking(CommittedOrderCase):

    # Waits for validation once placed: the test rejects it.
    scenario = 'www'

    def _jobs(self, cr, method=None):
        """The order's jobs still to run, oldest first (of `method`, if given)."""
        domain = [('model_name', '=', 'comodo.certificate.order'), ('state', '=', 'pending')]
        if method:
            domain.append(('method_name', '=', method))
        jobs = self._env(cr)['queue.job'].search(domain, order='id')
        return jobs.filtered(lambda job: job.record_ids == [self.order_id])

    def _run_job(self, job_uuid):
        """Run one job as the job runner does, in a transaction of its own, committed. A lock it
        waits for more than a few seconds fails its statement (the old code waited on the charge)."""
        with self.registry.cursor() as cr:
            job = Job.load(self._env(cr), job_uuid)
            job.set_started()
            job.store()
            cr.commit()
            cr.execute("SET LOCAL lock_timeout = '3s'")
            job.perform()
            job.set_done()
            job.store()
            cr.commit()

    def _run_pending_jobs(self):
        for _attempt in range(10):
            with self.registry.cursor() as cr:
                jobs = self._jobs(cr)
                job_uuid = jobs[:1].uuid
            if not job_uuid:
                return
            self._run_job(job_uuid)

    def _hold_charge(self, charge_id):
        """Another connection holds the charge's row (as the booking job writing it does) until rollback()."""
        cr = odoo.sql_db.db_connect(common.get_db_name()).cursor()
        self.addCleanup(cr.close)
        cr.execute('SELECT id FROM comodo_ca_charge WHERE id = %s FOR UPDATE', (charge_id,))
        return cr

    def test_a_refund_that_meets_the_booking_job_is_asked_for_once_it_is_done(self):
        with self.registry.cursor() as cr:
            self._env(cr)['comodo.certificate.order'].browse(self.order_id)._enqueue_ca_work()
            cr.commit()
        self._run_pending_jobs()
        with self.registry.cursor() as cr:
            order = self._env(cr)['comodo.certificate.order'].browse(self.order_id)
            self.assertEqual(order.state, 'pending')
            ca_order_number, charge = order.ca_order_number, order.ca_charge_ids
            self.assertEqual(len(charge), 1, 'the CA charge is booked at placement')
            charge_id = charge.id

        holder = self._hold_charge(charge_id)
        self.sandbox.reject(ca_order_number)
        with self.registry.cursor() as cr:
            # The order's check learns the rejection and does what follows it, the refund included,
            # while the booking job is on the charge (a lock it waits for fails it after 3 s).
            cr.execute("SET LOCAL lock_timeout = '3s'")
            order = self._env(cr)['comodo.certificate.order'].browse(self.order_id)
            order._lock_for_ca()._job_check()
            self.assertEqual(order.state, 'rejected')
            cr.commit()
        with self.registry.cursor() as cr:
            order = self._env(cr)['comodo.certificate.order'].browse(self.order_id)
            self.assertEqual(self.sandbox.find_calls('AutoRefund', ca_order_number), [],
                             'the CA is not asked while the booking job is on the charge')
            self.assertEqual(order.ca_charge_ids.refund_state, 'none')
            self.assertFalse(order.last_error, 'nothing is left on the order for staff')
            self.assertNotIn('finish it by hand', '\n'.join(order.message_ids.mapped('body')))
            refund_job = self._jobs(cr, '_job_refund_ca_charge')
            self.assertEqual(len(refund_job), 1, 'the refund is queued to be asked for again')
            refund_uuid = refund_job.uuid

        with self.assertRaises(RetryableJobError):
            # Still booking: the job tries again later, the CA not asked.
            with self.registry.cursor() as cr:
                Job.load(self._env(cr), refund_uuid).perform()
        self.assertEqual(self.sandbox.find_calls('AutoRefund', ca_order_number), [])

        holder.rollback()
        self._run_job(refund_uuid)
        with self.registry.cursor() as cr:
            order = self._env(cr)['comodo.certificate.order'].browse(self.order_id)
            self.assertEqual(len(self.sandbox.find_calls('AutoRefund', ca_order_number)), 1,
                             'the CA is asked for the refund once')
            self.assertEqual(order.ca_charge_ids.refund_state, 'refunded')
            self.assertIn('Comodo refunded', '\n'.join(order.message_ids.mapped('body')))

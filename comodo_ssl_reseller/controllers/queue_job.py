import logging
from contextlib import contextmanager

import psycopg2

import odoo
from odoo import http
from odoo.addons.queue_job.controllers.main import RunJobController

from ..models.queue_job import own_job

_logger = logging.getLogger(__name__)

# How long a worker waits for its job's lock line: the requeuer holds one for a moment only; a
# longer hold is another worker running the same job.
JOB_LOCK_WAIT = '2s'
# How many times a worker claims a line that others delete under it before it gives the job up
# (the requeuer comes back to it).
JOB_LOCK_CLAIMS = 3


class RunJobWithLockController(RunJobController):

    @http.route('/queue_job/runjob', type='http', auth='none')
    def runjob(self, db, job_uuid, **kw):
        """Run this addon's jobs while holding their lock line (see models/queue_job.py)."""
        with _job_lock(db, job_uuid) as held:
            if not held:
                return ''
            return super(RunJobWithLockController, self).runjob(db, job_uuid, **kw)


@contextmanager
def _job_lock(db, job_uuid):
    """Yields False when the job must not run here: it is not enqueued, or another worker runs it.
    Jobs of other addons run as queue_job runs them (yields True without a lock)."""
    cr = odoo.sql_db.db_connect(db).cursor(serialized=False)
    try:
        job = own_job(cr, job_uuid)
        if not job:
            cr.rollback()
            yield True
            return
        job_id, state = job
        # queue_job 11's runjob takes no lock: two requests that read the job enqueued both run it.
        # Its runner sets a job whose request it gave up on (after a second) back to pending and
        # enqueues it again with a new request, so the late one may find it pending, then read it
        # enqueued: only a request that found the job enqueued may claim it.
        if state != 'enqueued' or not _hold_line(cr, job_id, job_uuid):
            cr.rollback()
            yield False
            return
        try:
            yield True
        finally:
            cr.execute('DELETE FROM comodo_job_lock WHERE queue_job_id = %s', (job_id,))
            cr.commit()
    finally:
        cr.close()


def _hold_line(cr, job_id, job_uuid):
    """Lock the job's line; queue_job's runjob then decides whether to run the job."""
    for _attempt in range(JOB_LOCK_CLAIMS):
        cr.execute('INSERT INTO comodo_job_lock (queue_job_id) VALUES (%s) ON CONFLICT DO NOTHING', (job_id,))
        cr.commit()
        cr.execute("SET LOCAL lock_timeout = '%s'" % JOB_LOCK_WAIT)
        try:
            cr.execute('SELECT 1 FROM comodo_job_lock WHERE queue_job_id = %s FOR UPDATE', (job_id,),
                       log_exceptions=False)
        except psycopg2.OperationalError:
            _logger.info('Job %s is already being run by another worker', job_uuid)
            return False
        if cr.fetchone():
            return True
        # Deleted while we waited: the requeuer requeued the job, or the request before us is done
        # with it (it may have found the job pending, and the runner enqueued it again since).
        cr.rollback()
    return False

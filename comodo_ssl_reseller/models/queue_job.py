import logging

import odoo
from odoo import _, api, models

_logger = logging.getLogger(__name__)

# queue_job 11 keeps a job "started" (or "enqueued") forever when the server running it dies, and
# its job runner counts such a job as running: each crash costs a channel slot until someone
# requeues it by hand. A job of this addon therefore runs while its worker holds the row lock of
# its line in this table, from a connection of its own: the lock dies with the worker's process.
# Only jobs that have a line were run under that rule, so a job run another way is never
# mistaken for a dead one.
JOB_LOCK_TABLE = 'comodo_job_lock'
# The jobs this addon runs (and may run again: placing and checking are idempotent by the
# foreign order number and the orders' row locks).
OWN_JOBS_MODEL_PATTERN = 'comodo.%'


def own_job(cr, job_uuid):
    """(id, state) of this addon's job `job_uuid`, else None."""
    cr.execute("SELECT id, state FROM queue_job WHERE uuid = %s AND model_name LIKE %s",
               (job_uuid, OWN_JOBS_MODEL_PATTERN))
    return cr.fetchone()


class QueueJob(models.Model):
    _inherit = 'queue.job'

    @api.model_cr
    def init(self):
        super(QueueJob, self).init()
        self.env.cr.execute("""
            CREATE TABLE IF NOT EXISTS comodo_job_lock (
                queue_job_id integer PRIMARY KEY REFERENCES queue_job (id) ON DELETE CASCADE)""")

    def _register_hook(self):
        # At start (Odoo loads the database at once when it is named by -d / db_name, else at the
        # first request): the jobs of a server that was killed run again now, not after the cron.
        super(QueueJob, self)._register_hook()
        try:
            self._comodo_requeue_orphaned_jobs()
        except Exception:  # noqa: a database that cannot be written to yet must still load
            _logger.exception('Could not requeue the jobs of stopped workers')

    @api.model
    def _comodo_requeue_orphaned_jobs(self):
        """Requeue this addon's jobs that wait or run with no live worker on them, in a transaction
        of its own (READ COMMITTED: a job finished meanwhile is seen finished, not requeued)."""
        with odoo.sql_db.db_connect(self.env.cr.dbname).cursor(serialized=False) as cr:
            requeued = self.with_env(self.env(cr=cr))._requeue_orphaned_jobs_now()
        if requeued:
            _logger.warning('Requeued %d jobs whose worker was gone', requeued)
        return requeued

    def _requeue_orphaned_jobs_now(self):
        cr = self.env.cr
        # At start the loading transaction may hold queue_job (an update of queue_job): give up
        # rather than wait for it, the cron comes back a minute later.
        cr.execute("SET LOCAL lock_timeout = '5s'")
        # A job the runner handed to a worker that never took it has no line yet: claiming one
        # makes a worker arriving now wait for this transaction, then find the job requeued.
        cr.execute("""
            INSERT INTO comodo_job_lock (queue_job_id)
                 SELECT id FROM queue_job WHERE state = 'enqueued' AND model_name LIKE %s
            ON CONFLICT DO NOTHING""", (OWN_JOBS_MODEL_PATTERN,))
        # SKIP LOCKED: a line locked is a job some live worker is running.
        cr.execute("""
            SELECT j.id, j.state, j.retry, j.max_retries
              FROM comodo_job_lock l JOIN queue_job j ON j.id = l.queue_job_id
             WHERE j.state IN ('enqueued', 'started')
               FOR UPDATE OF l SKIP LOCKED""")
        orphans = cr.fetchall()
        for job_id, state, retry, max_retries in orphans:
            self._requeue_orphan(job_id, state, retry, max_retries)
        # Lines of finished jobs whose worker died before removing its line.
        cr.execute("""
            DELETE FROM comodo_job_lock WHERE queue_job_id IN (
                SELECT l.queue_job_id FROM comodo_job_lock l JOIN queue_job j ON j.id = l.queue_job_id
                 WHERE j.state NOT IN ('enqueued', 'started') FOR UPDATE OF l SKIP LOCKED)""")
        if orphans:
            cr.execute('DELETE FROM comodo_job_lock WHERE queue_job_id IN %s',
                       (tuple(job_id for job_id, _state, _retry, _max in orphans),))
        return len(orphans)

    def _requeue_orphan(self, job_id, state, retry, max_retries):
        # A job killed while running counts as a try: one that kills its worker each time (memory,
        # time limit) fails after its tries instead of looping.
        tries = retry + 1 if state == 'started' else retry
        if max_retries and tries >= max_retries:
            self.browse(job_id).write({
                'state': 'failed', 'retry': tries,
                'exc_info': _('The worker running this job stopped %d times (killed, out of memory or '
                              'over its time limit): not run again. Requeue it once the cause is '
                              'fixed.') % tries})
            return
        # The trigger on queue_job tells the job runner, which frees the job's channel slot.
        self.env.cr.execute("""
            UPDATE queue_job SET state = 'pending', retry = %s, date_enqueued = NULL, date_started = NULL,
                   result = %s
             WHERE id = %s AND state IN ('enqueued', 'started')""",
                            (tries, _('Requeued: the worker it was given to stopped.'), job_id))

import logging
import threading
from datetime import datetime, timedelta

from odoo import _, api, fields, models
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import job

from .comodo_certificate_order import CA_CHANNEL

_logger = logging.getLogger(__name__)

# Orders are handed to the job queue in batches, each committed on its own, so job workers start
# on the first batch while the cron is still selecting the next, and memory stays flat.
POLL_BATCH_SIZE = 500
DIGEST_RECHECK_SECONDS = 60


class ComodoPollRun(models.Model):
    """One pass of the scheduled poll: which orders it queued, and its digest to the administrators."""

    _name = 'comodo.poll.run'
    _description = 'Comodo Poll Run'
    _order = 'id desc'
    _rec_name = 'started_at'

    started_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    order_ids = fields.One2many('comodo.certificate.order', 'poll_run_id', string='Orders Polled',
                                readonly=True)
    queued_count = fields.Integer(string='Orders Queued', readonly=True)
    timed_out_count = fields.Integer(string='Orders Timed Out', readonly=True)
    digest_sent_at = fields.Datetime(readonly=True, help='Empty when the run completed nothing: no digest then.')
    digest_done = fields.Boolean(readonly=True, help='The digest was sent, or found needless.')
    # What the digest lists (the mail template's sandbox only reads fields, not private methods).
    issued_order_ids = fields.Many2many('comodo.certificate.order', compute='_compute_completed')
    rejected_order_ids = fields.Many2many('comodo.certificate.order', compute='_compute_completed')
    completed_count = fields.Integer(compute='_compute_completed')
    digest_partner_ids = fields.Many2many('res.partner', compute='_compute_digest_partner_ids',
                                          help='The SSL managers with an email address.')

    @api.depends('order_ids.state')
    def _compute_completed(self):
        for run in self:
            run.issued_order_ids = run.order_ids.filtered(lambda order: order.state == 'issued')
            run.rejected_order_ids = run.order_ids.filtered(lambda order: order.state == 'rejected')
            run.completed_count = len(run.issued_order_ids) + len(run.rejected_order_ids)

    def _compute_digest_partner_ids(self):
        managers = self.env.ref('comodo_ssl_reseller.group_ssl_manager').users
        for run in self:
            run.digest_partner_ids = managers.mapped('partner_id').filtered('email')

    # -- the run -----------------------------------------------------------------------------------

    @api.model
    def _run(self):
        run = self.create({})
        run.timed_out_count = run._mark_timed_out()
        run.queued_count = run._queue_due_orders()
        run.with_delay(channel=CA_CHANNEL, priority=50,
                       description=_('Comodo poll digest'))._job_send_digest()
        _logger.info('Comodo poll: %d orders queued, %d timed out', run.queued_count, run.timed_out_count)
        return run

    def _commit_if_allowed(self):
        # A cron commits per batch so that one failure does not undo the work queued before it;
        # tests run the cron inside their own transaction and must not commit it (as mail's queue).
        if not getattr(threading.currentThread(), 'testing', False):
            self.env.cr.commit()

    def _mark_timed_out(self):
        """Orders undecided past the limit stop being polled until someone resets them."""
        # SKIP LOCKED: an order a worker is checking right now is left to that check (and to the
        # next run), instead of a serialization failure aborting the whole poll.
        self.env.cr.execute("""
            SELECT o.id FROM comodo_certificate_order o
              JOIN res_company c ON c.id = o.company_id
             WHERE o.state = 'pending'
               AND o.waiting_since < (now() at time zone 'UTC') - c.comodo_timeout_hours * interval '1 hour'
               FOR UPDATE OF o SKIP LOCKED""")
        timed_out = self.env['comodo.certificate.order'].browse([row[0] for row in self.env.cr.fetchall()])
        for order in timed_out:
            order.write({'state': 'timeout', 'next_check_at': False})
            order.message_post(body=_('No decision from Comodo after %d hours: polling stopped until '
                                      'the order is reset.') % order.company_id.comodo_timeout_hours)
        self._commit_if_allowed()
        return len(timed_out)

    def _queue_due_orders(self):
        orders = self.env['comodo.certificate.order']
        queued = 0
        while True:
            # SKIP LOCKED: an order a worker or a button is calling Comodo for right now is left
            # alone; its own check sets its next due time.
            self.env.cr.execute("""
                SELECT id FROM comodo_certificate_order
                 WHERE state IN ('draft', 'pending')
                   AND next_check_at <= (now() at time zone 'UTC')
                   AND poll_run_id IS DISTINCT FROM %s
                 ORDER BY next_check_at
                 LIMIT %s
                   FOR UPDATE SKIP LOCKED""", (self.id, POLL_BATCH_SIZE))
            ids = [row[0] for row in self.env.cr.fetchall()]
            if not ids:
                return queued
            self.env.cr.execute(
                'UPDATE comodo_certificate_order SET poll_run_id = %s WHERE id IN %s',
                (self.id, tuple(ids)))
            batch = orders.browse(ids)
            batch.invalidate_cache(['poll_run_id'])
            batch._enqueue_ca_work()
            queued += len(ids)
            self._commit_if_allowed()
            batch.invalidate_cache()

    # -- the digest --------------------------------------------------------------------------------

    @job(default_channel=CA_CHANNEL)
    def _job_send_digest(self):
        """One email to the administrators listing the requests this run completed (none: no email).

        Waits for the run's checks to finish, at most one poll interval.
        """
        self.ensure_one()
        if self.digest_done:
            return _('Digest already done')
        waiting = self.order_ids.filtered(
            lambda order: order.state in ('draft', 'pending')
            and (not order.last_check_at or order.last_check_at < self.started_at))
        deadline = fields.Datetime.from_string(self.started_at) + timedelta(
            hours=self.env.user.company_id.comodo_poll_interval_hours)
        if waiting and datetime.utcnow() < deadline:
            raise RetryableJobError(_('%d orders of this run are still being checked') % len(waiting),
                                    seconds=DIGEST_RECHECK_SECONDS, ignore_retry=True)
        self.digest_done = True
        if not self.completed_count:
            return _('No request completed: no digest sent')
        self.env.ref('comodo_ssl_reseller.mail_template_poll_digest').send_mail(self.id)
        self.digest_sent_at = fields.Datetime.now()
        return _('Digest sent for %d completed requests') % self.completed_count

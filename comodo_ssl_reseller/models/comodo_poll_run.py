import logging
import threading
import time
from datetime import datetime, timedelta

from odoo import _, api, fields, models
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import job

from .. import lifecycle
from ..groups import SSL_MANAGERS
from ..lifecycle import CA_CHANNEL
from .comodo_certificate_order_poll import REPORT_PAGE_SIZE

_logger = logging.getLogger(__name__)

# The run works in small steps, each committed on its own: job workers start on the first checks
# while the run is still queueing, and one failure does not undo the steps before it.
TIMEOUT_BATCH_SIZE = 100
# Due orders are checked in jobs of this many over one connection to the CA: one page of the CA's
# bulk report asks about all of them, then only those it says changed are asked one by one, so
# 10,000 orders cost 40 jobs and 40 report calls. A batch stops at the first call the CA does not
# answer, so a CA that is down costs it one time-out per kind of call. The system parameter
# BATCH_SIZE_PARAM sets another size (a batch of more than a page asks the report a page at a time).
CHECK_BATCH_SIZE = REPORT_PAGE_SIZE
BATCH_SIZE_PARAM = 'comodo_ssl_reseller.poll_batch_size'
# A run stops taking new steps after this many seconds and a job continues it, so that it fits
# Odoo's stock limits (limit_time_cpu 60 s, limit_time_real 120 s) whatever the number of orders.
TIME_BUDGET_PARAM = 'comodo_ssl_reseller.poll_time_budget_seconds'
DEFAULT_TIME_BUDGET_SECONDS = 20
DIGEST_RECHECK_SECONDS = 60


class ComodoPollRun(models.Model):
    """One company's part of a pass of the scheduled poll: which of its orders it queued, and its
    digest to that company's SSL managers (runs are per company so that no company reads, or is
    mailed, another's orders)."""

    _name = 'comodo.poll.run'
    _description = 'Comodo Poll Run'
    _order = 'id desc'
    _rec_name = 'started_at'

    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True, ondelete='cascade')
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
                                          help="The company's SSL managers with an email address.")

    @api.depends('order_ids.state')
    def _compute_completed(self):
        for run in self:
            run.issued_order_ids = run.order_ids.filtered(lambda order: order.state == 'issued')
            run.rejected_order_ids = run.order_ids.filtered(lambda order: order.state == 'rejected')
            run.completed_count = len(run.issued_order_ids) + len(run.rejected_order_ids)

    def _compute_digest_partner_ids(self):
        managers = self.env.ref(SSL_MANAGERS).users
        for run in self:
            run.digest_partner_ids = managers.filtered(
                lambda user: run.company_id in user.company_ids).mapped('partner_id').filtered('email')

    # -- the run -----------------------------------------------------------------------------------

    @api.model
    def _run(self):
        """A run for each company with orders to poll or time out; returns the runs."""
        # One budget for the whole pass, so that it fits the cron's limits whatever the number of
        # companies; a company reached after it is spent still makes one step, then a job continues.
        self.env['comodo.certificate.order']._queue_due_billing_steps()
        deadline = time.time() + self._time_budget()
        runs = self.browse()
        for company in self._companies_to_poll():
            run = self.create({'company_id': company.id})
            run._work(deadline)
            runs |= run
        return runs

    def _companies_to_poll(self):
        self.env.cr.execute("""
            SELECT DISTINCT company_id FROM comodo_certificate_order
             WHERE state IN %s ORDER BY company_id""", (lifecycle.POLLED,))
        return self.env['res.company'].browse([row[0] for row in self.env.cr.fetchall()])

    @job(default_channel=CA_CHANNEL)
    def _job_continue(self):
        """Continue a poll run that spent its time budget."""
        self.ensure_one()
        self._work(time.time() + self._time_budget())
        return _('%d orders queued so far, %d timed out') % (self.queued_count, self.timed_out_count)

    def _work(self, deadline):
        """Time out, then queue, the company's due orders until done or until `deadline` (a
        time.time()); a job continues after.

        Each step makes progress before the deadline is looked at, so even a zero budget finishes.
        """
        finished = self._mark_timed_out(deadline) and self._queue_due_orders(deadline)
        if finished:
            self.with_delay(channel=CA_CHANNEL, priority=50,
                            description=_('Comodo poll digest'))._job_send_digest()
            _logger.info('Comodo poll run %d: %d orders queued, %d timed out', self.id,
                         self.queued_count, self.timed_out_count)
        else:
            # Ahead of the checks it queued (priority 5 < 10), so queueing keeps ahead of them.
            self.with_delay(channel=CA_CHANNEL, priority=5,
                            identity_key='comodo-poll-continue-%d' % self.id,
                            description=_('Comodo poll: continue queueing'))._job_continue()
            _logger.info('Comodo poll run %d: time budget spent after %d orders queued; a job '
                         'continues', self.id, self.queued_count)
        self._commit_if_allowed()

    def _time_budget(self):
        return self._number_param(TIME_BUDGET_PARAM, DEFAULT_TIME_BUDGET_SECONDS, float, 0.0)

    def _batch_size(self):
        return self._number_param(BATCH_SIZE_PARAM, CHECK_BATCH_SIZE, int, 1)

    def _number_param(self, name, default, kind, least):
        value = self.env['ir.config_parameter'].sudo().get_param(name)
        try:
            return max(least, kind(value)) if value else default
        except ValueError:
            _logger.warning('%s is not a number: using %s', name, default)
            return default

    def _commit_if_allowed(self):
        # A cron commits per step so that one failure does not undo the work queued before it;
        # tests run the cron inside their own transaction and must not commit it (as mail's queue).
        if not getattr(threading.currentThread(), 'testing', False):
            self.env.cr.commit()

    def _mark_timed_out(self, deadline):
        """Orders undecided past the limit stop being polled until someone resets them.

        True once none is left; False if the deadline came first.
        """
        while True:
            # SKIP LOCKED: an order a worker is checking right now is left to that check (and to
            # the next run), instead of a serialization failure aborting the whole poll.
            self.env.cr.execute("""
                SELECT o.id FROM comodo_certificate_order o
                  JOIN res_company c ON c.id = o.company_id
                 WHERE o.company_id = %s AND o.state IN %s
                   AND o.waiting_since < (now() at time zone 'UTC') - c.comodo_timeout_hours * interval '1 hour'
                 LIMIT %s
                   FOR UPDATE OF o SKIP LOCKED""",
                                (self.company_id.id, lifecycle.TRANSITIONS['timed_out'][0], TIMEOUT_BATCH_SIZE))
            timed_out = self.env['comodo.certificate.order'].browse(
                [row[0] for row in self.env.cr.fetchall()])
            if not timed_out:
                return True
            for order in timed_out:
                order._set_state('timed_out')
                order.message_post(body=_('No decision from Comodo after %d hours: polling stopped '
                                          'until the order is reset.') % order.company_id.comodo_timeout_hours)
                order._after_ca_outcome(_('restoring the site\'s certificate'), order._restore_after_temporary)
            self.timed_out_count += len(timed_out)
            self._commit_if_allowed()
            if len(timed_out) < TIMEOUT_BATCH_SIZE:
                return True
            if time.time() >= deadline:
                return False

    def _queue_due_orders(self, deadline):
        """Hand the due orders to the job queue, a batch at a time.

        An order is due when its next check has come and no check was queued for it since (or
        the one queued is older than a poll interval: its job was lost). True once none is left;
        False if the deadline came first.
        """
        orders = self.env['comodo.certificate.order']
        batch_size = self._batch_size()
        while True:
            # SKIP LOCKED: an order a worker or a button is calling Comodo for right now is left
            # alone; its own check sets its next due time.
            self.env.cr.execute("""
                SELECT o.id, o.state FROM comodo_certificate_order o
                  JOIN res_company c ON c.id = o.company_id
                 WHERE o.company_id = %s AND o.state IN %s
                   AND o.next_check_at <= (now() at time zone 'UTC')
                   AND (o.check_queued_at IS NULL OR o.check_queued_at < o.next_check_at
                        OR o.check_queued_at < (now() at time zone 'UTC')
                                               - c.comodo_poll_interval_hours * interval '1 hour')
                 ORDER BY o.next_check_at
                 LIMIT %s
                   FOR UPDATE OF o SKIP LOCKED""", (self.company_id.id, lifecycle.POLLED, batch_size))
            rows = self.env.cr.fetchall()
            if not rows:
                return True
            ids = [order_id for order_id, _state in rows]
            self.env.cr.execute("""
                UPDATE comodo_certificate_order
                   SET poll_run_id = %s, check_queued_at = (now() at time zone 'UTC')
                 WHERE id IN %s""", (self.id, tuple(ids)))
            orders.browse(ids).invalidate_cache(['poll_run_id', 'check_queued_at'])
            pending = orders.browse([order_id for order_id, state in rows if lifecycle.ca_work(state) == 'check'])
            if pending:
                pending.sudo().with_context(tracking_disable=True).with_delay(
                    channel=CA_CHANNEL, description=_('Comodo: check %d due orders') % len(pending),
                )._job_check_due()
            # Orders never placed (the CA was down when they were confirmed), and reissues still to
            # send, are handled one by one.
            orders.browse([order_id for order_id, state in rows if lifecycle.ca_work(state) != 'check'])._enqueue_ca_work()
            self.queued_count += len(ids)
            self._commit_if_allowed()
            if len(ids) < batch_size:
                return True
            if time.time() >= deadline:
                return False

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
            lambda order: order.state in lifecycle.DIGEST_WAITS_FOR
            and (not order.last_check_at or order.last_check_at < self.started_at))
        deadline = fields.Datetime.from_string(self.started_at) + timedelta(
            hours=self.company_id.comodo_poll_interval_hours)
        if waiting and datetime.utcnow() < deadline:
            raise RetryableJobError(_('%d orders of this run are still being checked') % len(waiting),
                                    seconds=DIGEST_RECHECK_SECONDS, ignore_retry=True)
        self.digest_done = True
        if not self.completed_count:
            return _('No request completed: no digest sent')
        self.env.ref('comodo_ssl_reseller.mail_template_poll_digest').send_mail(self.id)
        self.digest_sent_at = fields.Datetime.now()
        return _('Digest sent for %d completed requests') % self.completed_count

import logging
import math
import resource
import threading
import time
import uuid
from datetime import datetime, timedelta

import odoo
from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import config
from odoo.addons.queue_job.job import job

from .. import lifecycle
from ..lifecycle import CA_CHANNEL
from .comodo_certificate_order import insert_links, insert_rows
from .comodo_certificate_order_notice import unsent_threshold_sql

_logger = logging.getLogger(__name__)

# Reminders to pay a renewal, by days left in the term: each sent once.
RENEWAL_REMINDER_DAYS = (15, 7, 1)
# Notices that a term ends with nothing renewing it, by days left in the term: each sent once.
EXPIRY_NOTICE_DAYS = (30, 7, 1)
# Comodo prices a term of N years for N*365 days plus up to this many bonus days: the most a renewal
# paid ahead can carry at the CA (its CA term starts with its first certificate, not at the old end).
CA_MAX_CARRIED_DAYS = 30
DAY = timedelta(days=1)
# SQL true for an order `o` whose term a renewal follows: one is invoiced, paid or ordered (a renewal
# not in the states of RENEWAL_LOST, the one parameter), or none yet and auto-renewal will invoice
# one. Such a term gets the renewal reminders, not the notice that it ends.
RENEWAL_ON_ITS_WAY_SQL = """EXISTS (SELECT 1 FROM comodo_certificate_order r
                                    WHERE r.renewal_of_id = o.id AND r.state NOT IN %s)
                         OR (o.auto_renew AND NOT EXISTS (SELECT 1 FROM comodo_certificate_order r
                                                           WHERE r.renewal_of_id = o.id))"""
# The daily term cron commits every this many orders, and hands the rest to a job of its own before
# Odoo's limits on the process running it are reached (TermCronPace): a run stopped midway, whatever
# stopped it, loses only its last uncommitted batch.
TERM_CRON_BATCH_SIZE = 100
TERM_CRON_PREFETCH = 10
# A run's first batch, before it knows how long an order takes.
TERM_CRON_FIRST_BATCH_SIZE = 10
# Seconds of a run, of real time and of CPU time both: set, it replaces the limits' budgets (within them).
TERM_CRON_TIME_BUDGET_PARAM = 'comodo_ssl_reseller.term_cron_time_budget_seconds'
# The share of each limit Odoo enforces that a run spends; the rest is its margin: the batch in
# flight, the commit, queueing its continuation, and the real time the worker spent before the run
# (other crons of the same round) beyond the CPU time it spent.
TERM_CRON_LIMIT_SHARE = 0.8
# Where Odoo enforces no limit (a threaded or development server), a run keeps to the real time a
# prefork worker under the stock limit_time_cpu (60 s) may spend: the day is paced as in production.
DEFAULT_TERM_CRON_TIME_BUDGET_SECONDS = TERM_CRON_LIMIT_SHARE * 60


class TermCronPaused(Exception):
    """The term cron's time budget is spent: what it did is committed, a job continues."""


def process_cpu_seconds():
    """CPU time this process has used, user and system: what Odoo's limit_time_cpu counts."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def enforced_cpu_deadline():
    """The process CPU time (process_cpu_seconds) at which the kernel stops this process, or None.
    A prefork worker sets its RLIMIT_CPU to the CPU time it has used plus limit_time_cpu before each
    request and each round of crons (SIGXCPU then aborts it); a threaded server sets none."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_CPU)
    return None if soft == resource.RLIM_INFINITY else float(soft)


def enforced_real_limit(run_by_cron):
    """The seconds of real time after which Odoo's watchdog kills the worker running this, or None.
    Only a prefork server's workers are watched: an HTTP worker (a queue_job job, a cron run by hand)
    for limit_time_real, the cron worker for limit_time_real_cron (-1: limit_time_real; 0: none). A
    cron may run in either, so it keeps to the stricter; a limit of 0 or less is none."""
    if not config['workers'] or odoo.evented:
        return None
    limits = [config['limit_time_real']]
    if run_by_cron:
        cron_limit = config['limit_time_real_cron']
        limits.append(config['limit_time_real'] if cron_limit == -1 else cron_limit)
    limits = [limit for limit in limits if limit and limit > 0]
    return min(limits) if limits else None


class TermCronPace(object):
    """Commits the term cron's work a batch at a time and stops it before its deadlines: a time (real
    time) and a process CPU time (process_cpu_seconds), either None for none.

    Every step selects only what is still due, so a later run (the continuation job, or tomorrow's
    cron after a crash) carries on where the last commit left off, and sends nothing twice: a mail
    and the ledger saying it was sent are committed together.
    """

    def __init__(self, cr, deadline, cpu_deadline=None, batch_size=TERM_CRON_BATCH_SIZE):
        self.cr, self.deadline, self.cpu_deadline = cr, deadline, cpu_deadline
        self.batch_size, self.count = batch_size, 0
        self.started, self.cpu_started = time.time(), process_cpu_seconds()

    @classmethod
    def within_limits(cls, cr, run_by_cron, budget=None):
        """A pace that stops within the limits Odoo enforces on this process (a share of each), or
        within `budget` seconds (real and CPU) if that is sooner; with neither, within the default."""
        now, cpu_now = time.time(), process_cpu_seconds()
        real_limit, cpu_limit_at = enforced_real_limit(run_by_cron), enforced_cpu_deadline()
        deadline = cpu_deadline = None
        cpu_spent_before = 0.0
        if cpu_limit_at is not None:
            cpu_limit = max(config['limit_time_cpu'], 0)
            cpu_deadline = cpu_limit_at - (1 - TERM_CRON_LIMIT_SHARE) * cpu_limit
            # The watchdog's clock started with the CPU limit's: the CPU time spent since is real time too.
            cpu_spent_before = max(0.0, cpu_now - (cpu_limit_at - cpu_limit))
        if real_limit is not None:
            deadline = now - cpu_spent_before + TERM_CRON_LIMIT_SHARE * real_limit
        if budget is not None:
            deadline = min(deadline if deadline is not None else float('inf'), now + budget)
            cpu_deadline = min(cpu_deadline if cpu_deadline is not None else float('inf'), cpu_now + budget)
        elif deadline is None and cpu_deadline is None:
            deadline = now + DEFAULT_TERM_CRON_TIME_BUDGET_SECONDS
        return cls(cr, deadline, cpu_deadline)

    def after_order(self):
        """One more order done on its own: committed every batch_size orders."""
        self.count += 1
        self._stop_if_late()
        if self.count % self.batch_size == 0:
            self.commit()

    def after_batch(self, count):
        """A batch of `count` orders done together: committed."""
        self.count += count
        self._stop_if_late()
        self.commit()

    def _stop_if_late(self):
        if min(self._time_left()) <= 0:
            self.commit()
            raise TermCronPaused()

    def _time_left(self):
        """Real seconds and CPU seconds left before the deadlines (inf for none)."""
        real = self.deadline - time.time() if self.deadline is not None else float('inf')
        cpu = self.cpu_deadline - process_cpu_seconds() if self.cpu_deadline is not None else float('inf')
        return real, cpu

    def next_batch_size(self):
        """As many orders as the time left should fit, at the pace so far on each clock: a whole
        batch, fewer near a deadline, at least one (each run makes progress)."""
        real_left, cpu_left = self._time_left()
        if min(real_left, cpu_left) <= 0:
            return 1
        if not self.count:
            return min(self.batch_size, TERM_CRON_FIRST_BATCH_SIZE)
        fits = self.batch_size
        for left, spent in ((real_left, time.time() - self.started),
                            (cpu_left, process_cpu_seconds() - self.cpu_started)):
            if spent > 0 and left < fits * spent / self.count:
                fits = int(left * self.count / spent)
        return max(1, fits)

    def __str__(self):
        return '%.1f s real, %.1f s CPU' % (time.time() - self.started, process_cpu_seconds() - self.cpu_started)

    def commit(self):
        # Tests run the cron inside their own transaction, which must not be committed.
        if not getattr(threading.currentThread(), 'testing', False):
            self.cr.commit()


def calendar_days_left(moment, now):
    """Whole days from `now`'s day to the day of `moment` (UTC): what "15 days left" means to a
    customer, whatever the hour the daily cron runs or the second a certificate was issued."""
    return (fields.Datetime.from_string(moment).date() - now.date()).days


class ComodoCertificateOrder(models.Model):
    """The paid period a customer bought: it starts with the first certificate, is served by reissues
    inside it, and is followed by a renewal (a new CA order, invoiced before it ends); the daily
    cron that looks after it."""

    _inherit = 'comodo.certificate.order'

    term_starts_at = fields.Datetime(
        string='Term Starts', readonly=True, copy=False,
        help='The first certificate was issued: the term the customer paid for runs from here.')
    term_ends_at = fields.Datetime(
        string='Term Ends', compute='_compute_term_ends_at', inverse='_inverse_term_ends_at', store=True,
        readonly=True, copy=False, index=True, help='The term\'s start and the days of the term ordered.')
    auto_renew = fields.Boolean(
        default=True, track_visibility='onchange',
        help='Invoice the next term before this one ends; Comodo is ordered from once it is paid.')
    renewal_of_id = fields.Many2one('comodo.certificate.order', string='Renewal Of', readonly=True,
                                    copy=False, index=True, ondelete='restrict')
    reissue_due_at = fields.Datetime(
        string='Reissue Due', compute='_compute_reissue_due_at', store=True, readonly=True, copy=False,
        help='Two thirds into the certificate\'s life, leaving the rest of it to retry (at least the '
             'company\'s retry days, never before half its life): when the daily cron starts its '
             'reissue, if the term runs longer than the certificate.')
    renewal_ids = fields.One2many('comodo.certificate.order', 'renewal_of_id', string='Renewal',
                                  readonly=True)
    renewal_state = fields.Selection(
        [('none', 'Not Renewed Yet'), ('coming', 'Renewal on Its Way'), ('lost', 'Renewal Did Not Go Ahead')],
        compute='_compute_renewal_state',
        help='One renewal per term: once it is cancelled, rejected or revoked, nothing renews the term.')
    renewal_period = fields.Char(compute='_compute_renewal_period',
                                 help='The dates a renewal covers: from the end of the term it renews.')
    @api.depends('term_starts_at', 'term_id.days')
    def _compute_term_ends_at(self):
        for order in self:
            order.term_ends_at = order.term_starts_at and fields.Datetime.to_string(
                fields.Datetime.from_string(order.term_starts_at) + timedelta(days=order.term_id.days))

    @api.depends('valid_from', 'valid_until', 'company_id.comodo_reissue_days')
    def _compute_reissue_due_at(self):
        for order in self:
            order.reissue_due_at = order.valid_from and order.valid_until and fields.Datetime.to_string(
                lifecycle.reissue_due_at(fields.Datetime.from_string(order.valid_from),
                                         fields.Datetime.from_string(order.valid_until),
                                         order.company_id.comodo_reissue_days))

    def _inverse_term_ends_at(self):
        # Staff (and tests) who move a term's end move its start with it: the days stay the term's.
        for order in self:
            order.term_starts_at = order.term_ends_at and fields.Datetime.to_string(
                fields.Datetime.from_string(order.term_ends_at) - timedelta(days=order.term_id.days))

    @api.depends('renewal_ids.state')
    def _compute_renewal_state(self):
        # For the portal page and the mails; the model's own decisions read the renewals afresh.
        for order in self:
            order.renewal_state = order._current_renewal_state()

    def _current_renewal_state(self):
        self.ensure_one()
        if not self.renewal_ids:
            return 'none'
        if any(renewal.state not in lifecycle.RENEWAL_LOST for renewal in self.renewal_ids):
            return 'coming'
        return 'lost'

    @api.depends('renewal_of_id.term_ends_at', 'term_id.days')
    def _compute_renewal_period(self):
        for order in self:
            if not order.renewal_of_id.term_ends_at:
                order.renewal_period = False
                continue
            starts = fields.Datetime.from_string(order.renewal_of_id.term_ends_at)
            order.renewal_period = '%s - %s' % (fields.Date.to_string(starts), fields.Date.to_string(
                starts + timedelta(days=order.term_id.days)))

    def _start_reissue(self, reason):
        """New key and CSR, then AutoReplaceSSL in a job: the current certificate serves until the
        new one is issued. The caller holds the order's row lock (state 'issued')."""
        self.ensure_one()
        # The customer may have given up the domain since the certificate was ordered.
        self._check_held_names()
        self._prepare_key_material()
        self._set_state('start_reissue', {
            # A new value makes this CSR's DCV values its own; file and DNS validation start over.
            'unique_value': uuid.uuid4().hex[:20],
            'next_check_at': fields.Datetime.now(),
            'transient_failures': 0,
            'last_error': False,
        })
        self.message_post(body=_('Reissue started (%s): new key and CSR, same CA order %s.')
                          % (reason, self.ca_order_number))
        self._enqueue_ca_work()

    @api.model
    def _cron_after_issuance(self, now=None):
        """The daily look after issued certificates: expired ones shown so, due reissues started.

        `now` (a datetime, default the present) lets tests travel in time.
        """
        now = now or datetime.utcnow()
        self._run_after_issuance(now, run_by_cron=True)

    def _run_after_issuance(self, now, run_by_cron=False):
        """The cron's steps, paced (committed per batch) until done or until the time budget is
        spent; then a job continues with the same `now`. True once every step is done."""
        pace = TermCronPace.within_limits(self.env.cr, run_by_cron, self._term_cron_time_budget())
        try:
            self.with_context(comodo_term_cron_pace=pace)._after_issuance_steps(now)
        except TermCronPaused:
            self.with_delay(channel=CA_CHANNEL, priority=5,
                            identity_key='comodo-term-cron-%s' % fields.Datetime.to_string(now),
                            description=_('Comodo: continue the daily term cron'),
                            )._job_continue_after_issuance(fields.Datetime.to_string(now))
            pace.commit()
            _logger.info('Daily term cron: budget spent after %d orders (%s); a job continues', pace.count, pace)
            return False
        pace.commit()
        _logger.info('Daily term cron: done, %d orders (%s)', pace.count, pace)
        return True

    @job(default_channel=CA_CHANNEL)
    def _job_continue_after_issuance(self, now):
        """Continue the daily term cron of `now` (a datetime string) where its last run stopped."""
        done = self._run_after_issuance(fields.Datetime.from_string(now))
        return _('Done') if done else _('Time budget spent: continued by another job')

    def _term_cron_time_budget(self):
        """The seconds a run is given by the system parameter, or None (the limits decide)."""
        value = self.env['ir.config_parameter'].sudo().get_param(TERM_CRON_TIME_BUDGET_PARAM)
        try:
            return max(0.0, float(value)) if value else None
        except ValueError:
            _logger.warning('%s is not a number of seconds: the limits Odoo enforces decide',
                            TERM_CRON_TIME_BUDGET_PARAM)
            return None

    def _after_issuance_steps(self, now):
        self.env['comodo.certificate']._cron_expire(now)
        self._expire_ended_terms(now)
        self._start_due_reissues(now)
        self._start_due_renewals(now)
        self._send_due_renewal_reminders(now)
        self._send_due_expiry_notices(now)

    def _expire_ended_terms(self, now):
        """Ended terms are shown expired; a renewal still unpaid lapses, and nothing is ordered."""
        where = "o.state IN %s AND o.term_ends_at <= %s"
        params = (lifecycle.IN_TERM, fields.Datetime.to_string(now))
        return self._due_orders(where, params)._each_batch_on_its_own(
            _('The term could not be ended: %s'), lambda orders: orders._locked_while_due(where, params)._end_terms())

    def _end_terms(self):
        """These terms ended; returns them."""
        # Each order's note says what its state's tracking would: one chatter line an order, not two.
        self.with_context(tracking_disable=True)._set_state('term_ended')
        self._post_staff_notes({order: _('The term ended on %s: the certificate for %s has expired.')
                                % (order.term_ends_at, order.domain) for order in self})
        for renewal in self.mapped('renewal_ids').filtered(lambda order: order.state == 'awaiting_payment'):
            renewal._cancel(_('Renewal not paid before the term ended'),
                            _('Not paid before %s: the renewal lapsed, nothing was ordered from Comodo.')
                            % renewal.renewal_of_id.term_ends_at)
        return self

    def _due_orders(self, where, params):
        """The orders (alias `o`) `where` selects, by id: read without locking them; each batch
        locks its own (`_locked_while_due`)."""
        self.env.cr.execute("SELECT o.id FROM comodo_certificate_order o WHERE %s ORDER BY o.id" % where, params)
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _locked_while_due(self, where, params):
        """Those of these orders that `where` still selects, row-locked (SKIP LOCKED): another
        server's cron, or a customer, busy with one of them leaves it to them, and what was done
        since the orders were selected is not done again."""
        if not self:
            return self
        self.env.cr.execute("""SELECT o.id FROM comodo_certificate_order o WHERE %s AND o.id IN %%s
                               ORDER BY o.id FOR UPDATE OF o SKIP LOCKED""" % where, params + (tuple(self.ids),))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _each_on_its_own(self, failure_words, step):
        """`step(order)` for each order, each in a savepoint of its own: one order's failure (a
        mail template, a CA refusal) is undone, logged and noted on that order, and the others go
        on. `failure_words` take the error. Returns the orders whose step went through."""
        done = self.browse()
        pace = self.env.context.get('comodo_term_cron_pace')
        for order in self._in_small_prefetch_groups():
            try:
                with self.env.cr.savepoint():
                    step(order)
                done |= order
            except Exception as error:  # noqa: one order's problem must not stop the others'
                # What the step wrote is undone in the database: read afresh, not from the cache.
                order.invalidate_cache()
                _logger.exception('Certificate order %s: %s', order.name, failure_words % error)
                order.message_post(body=failure_words % error)
            if pace:
                pace.after_order()
        return done

    def _each_batch_on_its_own(self, failure_words, step):
        """`step(batch)` for these orders a batch at a time, each batch in a savepoint and committed:
        the work of many orders done in a few statements. A batch that fails is done again order by
        order (`_each_on_its_own`), so that only the order at fault is left for the next run.
        Returns the orders the steps did (each step returns those it did of its batch)."""
        done = self.browse()
        pace = self.env.context.get('comodo_term_cron_pace')
        start = 0
        while start < len(self):
            size = pace.next_batch_size() if pace else TERM_CRON_BATCH_SIZE
            # A field the step reads is read for the whole batch, alone: an order has some sixty
            # stored fields, and reading them all (again after each write) was most of its time.
            batch = self.browse(self.ids[start:start + size]).with_context(prefetch_fields=False)
            start += size
            try:
                with self.env.cr.savepoint():
                    done |= step(batch)
            except Exception:  # noqa: one order's problem must not stop the others'
                batch.invalidate_cache()
                done_alone = []
                batch._each_on_its_own(failure_words, lambda order: done_alone.append(step(order)))
                done = done.union(*done_alone)
                continue
            # Done: what was read of the batch is let go, or a day of 10,000 terms keeps them all.
            batch.invalidate_cache()
            if pace:
                pace.after_batch(len(batch))
        return done

    def _in_small_prefetch_groups(self):
        """These orders one by one, read a few at a time: a step's writes invalidate what was
        read of the orders, and re-reading all of a day's 10,000 for each one grows with their
        square."""
        for start in range(0, len(self), TERM_CRON_PREFETCH):
            for order in self.browse(self.ids[start:start + TERM_CRON_PREFETCH]):
                yield order

    def _start_due_reissues(self, now):
        """Certificates whose reissue falls due today or before (`reissue_due_at`), in a term that
        runs longer (and has not ended: a term whose end could not be recorded yet is not reissued).

        SKIP LOCKED, and only orders still 'issued': two crons (or a cron and a customer) never
        start two reissues for one term.
        """
        self.env.cr.execute("""
            SELECT o.id FROM comodo_certificate_order o
             WHERE o.state = 'issued'
               AND o.reissue_due_at::date <= %s::date
               AND o.term_ends_at > o.valid_until
               AND o.term_ends_at > %s
               FOR UPDATE OF o SKIP LOCKED""", (fields.Datetime.to_string(now), fields.Datetime.to_string(now)))
        due = self.browse([row[0] for row in self.env.cr.fetchall()])
        due._each_on_its_own(_('The reissue could not start: %s'), lambda order: order._start_reissue(
            _('the certificate expires on %s, the term runs until %s') % (order.valid_until, order.term_ends_at)))
        return due

    def _start_due_renewals(self, now):
        """Invoice the next term of each term ending within the company's renewal days.

        SKIP LOCKED and the unique renewal_of_id: two crons never invoice one renewal twice.
        """
        self.env.cr.execute("""
            SELECT o.id FROM comodo_certificate_order o
              JOIN res_company c ON c.id = o.company_id
             WHERE o.state IN %s AND o.auto_renew
               AND o.term_ends_at > %s
               AND o.term_ends_at::date <= %s::date + c.comodo_renewal_days
               AND NOT EXISTS (SELECT 1 FROM comodo_certificate_order r WHERE r.renewal_of_id = o.id)
               FOR UPDATE OF o SKIP LOCKED""",
                            (lifecycle.SERVING, fields.Datetime.to_string(now), fields.Datetime.to_string(now)))
        due = self.browse([row[0] for row in self.env.cr.fetchall()])
        due._each_on_its_own(_('The renewal could not be invoiced: %s'), lambda order: order._create_renewal())
        return due

    def _create_renewal(self):
        """A renewal sale order and its invoice at the current price of the customer's plan."""
        self.ensure_one()
        sale = self.env['sale.order']._create_in_company(self.company_id, {
            'partner_id': self.partner_id.id,
            'origin': self.name,
            'order_line': [(0, 0, self._prepare_renewal_line())],
        })
        sale.action_confirm()
        renewal = sale.order_line.comodo_order_ids
        self.message_post(body=_('Renewal invoiced: %s (sale order %s), ordered from Comodo once paid.')
                          % (renewal.name, sale.name))
        return renewal

    def _prepare_renewal_line(self):
        return {
            'product_id': self.term_id.product_id.id,
            'price_unit': self.term_id._sale_price(self.partner_id, self.partner_id.property_product_pricelist,
                                                   self.company_id),
            'product_uom_qty': 1,
            'comodo_domain': self.domain,
            'comodo_extra_domains': self.extra_domains,
            'comodo_dcv_method': self.dcv_method,
            'comodo_dcv_email': self.dcv_email,
            'comodo_renewal_of_id': self.id,
        }

    def _start_renewal_term(self, now):
        """A paid renewal's term starts where the term it renews ends, so that it serves the period
        invoiced; paid after that end, it starts `now`."""
        self.ensure_one()
        old_end = self.renewal_of_id.term_ends_at
        starts = max(fields.Datetime.from_string(old_end), now) if old_end else now
        self.term_starts_at = fields.Datetime.to_string(starts)

    def _days_to_order(self, now):
        """The days to order from Comodo: the term's, and for a renewal ordered before its term
        starts, the whole days until then (the CA term runs from the first certificate, issued
        now, and must reach the end of the term invoiced), up to the bonus days the CA prices."""
        self.ensure_one()
        if not self.renewal_of_id or not self.term_starts_at:
            return self.term_id.days
        ahead = (fields.Datetime.from_string(self.term_starts_at) - now) / DAY
        return self.term_id.days + min(max(int(math.ceil(ahead)), 0), CA_MAX_CARRIED_DAYS)

    def _send_due_renewal_reminders(self, now):
        """Remind customers of unpaid renewals at 15, 7 and 1 days left, each reminder once."""
        template = self.env.ref('comodo_ssl_reseller.mail_template_renewal_reminder')
        renewed_term_end = ('SELECT renewed.term_ends_at FROM comodo_certificate_order renewed '
                            'WHERE renewed.id = o.renewal_of_id')
        unsent, unsent_params = unsent_threshold_sql('renewal_reminder', RENEWAL_REMINDER_DAYS, renewed_term_end, now)
        where = "o.state = 'awaiting_payment' AND (%s) > %%s AND %s" % (renewed_term_end, unsent)
        params = (fields.Datetime.to_string(now),) + unsent_params

        def remind(renewals):
            renewals = renewals._locked_while_due(where, params)
            days_left = {renewal: calendar_days_left(renewal.renewal_of_id.term_ends_at, now) for renewal in renewals}
            reminded = renewals._take_due_thresholds('renewal_reminder', RENEWAL_REMINDER_DAYS, days_left, now)
            for days in set(days_left[renewal] for renewal in reminded):
                reminded.filtered(lambda renewal: days_left[renewal] == days).with_context(
                    days_left=days)._queue_customer_mails(template)
            return reminded

        return self._due_orders(where, params)._each_batch_on_its_own(
            _('The reminder to pay the renewal could not be sent: %s'), remind)

    def _send_due_expiry_notices(self, now):
        """Tell customers whose term ends with nothing renewing it, at 30, 7 and 1 days left, each
        notice once. A term with a renewal on its way gets the renewal reminders instead."""
        template = self.env.ref('comodo_ssl_reseller.mail_template_certificate_expiring')
        unsent, unsent_params = unsent_threshold_sql('expiry_notice', EXPIRY_NOTICE_DAYS, 'o.term_ends_at', now)
        where = "o.state IN %%s AND o.term_ends_at > %%s AND NOT (%s) AND %s" % (RENEWAL_ON_ITS_WAY_SQL, unsent)
        params = (lifecycle.SERVING, fields.Datetime.to_string(now), lifecycle.RENEWAL_LOST) + unsent_params

        def notify(orders):
            orders = orders._locked_while_due(where, params)
            days_left = {order: calendar_days_left(order.term_ends_at, now) for order in orders}
            told = orders._take_due_thresholds('expiry_notice', EXPIRY_NOTICE_DAYS, days_left, now)
            told._queue_customer_mails(template)
            return told

        return self._due_orders(where, params)._each_batch_on_its_own(
            _('The notice that the term ends could not be sent: %s'), notify)

    def _queue_customer_mails(self, template):
        """The customer's mail of `template` (with this recordset's context) about each of these
        orders, rendered for all of them at once and queued for Odoo's outgoing mail: one mail
        each, which staff read in the order's chatter. Stored as mail.mail.create would store them,
        in a few statements for the whole batch: one create a mail was three fifths of the cron's
        time on a day with thousands of terms ending (`make bench-placement`)."""
        if not self:
            return
        rendered = template.with_context(self.env.context).generate_email(self.ids)
        # Written by the system, as Odoo writes the mails it queues: whoever runs the cron.
        orders = self.sudo()
        messages = orders._insert_messages([orders._customer_mail_message(values) for values in rendered.values()])
        mails = dict(insert_rows(orders.env['mail.mail'], [{
            'mail_message_id': messages[res_id], 'body_html': values.get('body_html'),
            'email_to': values.get('email_to'), 'email_cc': values.get('email_cc'),
            'scheduled_date': values.get('scheduled_date'), 'auto_delete': values.get('auto_delete'),
        } for res_id, values in rendered.items()], 'mail_message_id, id'))
        insert_links(self.env['mail.mail'], 'recipient_ids', [
            (mails[messages[res_id]], partner_id)
            for res_id, values in rendered.items() for partner_id in values.get('partner_ids', [])])
        # The template's own attachments; printed reports (`attachments`): none of the term mails has one.
        insert_links(self.env['mail.message'], 'attachment_ids', [
            (messages[res_id], attachment_id)
            for res_id, values in rendered.items() for attachment_id in values.get('attachment_ids', [])])

    def _customer_mail_message(self, values):
        """The mail_message columns of a mail generate_email rendered (`values`): with no sender
        of its own, the mail is from the user, as mail.message.create would have it."""
        return {'res_id': values['res_id'], 'subject': values.get('subject'), 'body': values.get('body') or '',
                'email_from': values.get('email_from') or self.env['mail.message']._get_default_from(),
                'reply_to': values.get('reply_to'),
                'mail_server_id': values.get('mail_server_id')}

    def _customer_reissue(self):
        """A new key and certificate in the same CA order (a lost or compromised key), for free."""
        self.ensure_one()
        if not self.term_ends_at or self.term_ends_at <= fields.Datetime.now():
            raise UserError(_('%s: the term has ended; a new certificate needs a new order.') % self.name)
        if not self._lock_for_ca(lifecycle.TRANSITIONS['start_reissue'][0]):
            raise UserError(_('%s cannot be reissued now: a reissue may already be under way.') % self.name)
        self._start_reissue(_('asked by the customer'))

    def _set_auto_renew(self, auto_renew):
        """Turned off, a renewal invoiced and not paid yet is cancelled with its invoice."""
        self.ensure_one()
        if auto_renew and not self.auto_renew and self._current_renewal_state() == 'lost':
            # One renewal per term (unique renewal_of_id): once it is cancelled, nothing can renew it.
            raise UserError(_('%s: the renewal of this term was cancelled, so it can no longer be '
                              'renewed. Order a new certificate for %s instead.') % (self.name, self.domain))
        self.auto_renew = auto_renew
        if auto_renew:
            return
        for renewal in self.renewal_ids.filtered(lambda order: order.state == 'awaiting_payment'):
            renewal._cancel(_('Auto-renewal turned off'), _('Auto-renewal turned off: the renewal is cancelled.'))

import logging

import psycopg2
from odoo import _, api, fields, models
from odoo.addons.queue_job.job import job
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from ..comodo_client import ComodoError, ReportStatus, TransientError
from .. import lifecycle
from ..lifecycle import CA_CHANNEL
from .comodo_certificate_order_ca import FOLLOW_DECISIONS_LATER

_logger = logging.getLogger(__name__)

# What the bulk report may say of an order that leaves it waiting as it was (anything else, issued,
# rejected, revoked, or a row it cannot read, is asked again with the order's own CollectSSL).
REPORTED_WAITING = (ReportStatus.PENDING, ReportStatus.AWAITING_PAYMENT)
# What the bulk report may decide by itself, for an order waiting for its first certificate: its row
# says all CollectSSL would (the CA's status; neither call gives a rejection's reason beyond its
# status text). An issued order is always collected (its certificate is needed), and so is a reissue
# (the report's row may speak of the certificate it replaces).
REPORTED_FINAL = (ReportStatus.REJECTED, ReportStatus.REVOKED)
# Orders per WebHostReport call: a poll batch (comodo_poll_run.CHECK_BATCH_SIZE) is one page. The
# notes give the report no maximum; 250 a page asks 40 times for 10,000 orders.
REPORT_PAGE_SIZE = 250
# What a batch reads of each of its orders before it knows which changed: read in one query for the
# batch (the first field read of an order would otherwise fetch every field of every order in it).
BATCH_FIELDS = ['state', 'company_id', 'next_check_at', 'ca_order_number', 'certificate_id', 'last_report_answer',
                'validation_mail_sent_at']


class ComodoCertificateOrder(models.Model):
    """The scheduled poll of the orders waiting for the CA: a batch of due orders per job, one bulk
    report per batch, and CollectSSL only for the orders the report says changed (comodo.poll.run
    queues the batches)."""

    _inherit = 'comodo.certificate.order'

    poll_run_id = fields.Many2one('comodo.poll.run', readonly=True, copy=False, index=True,
                                  ondelete='set null')
    check_queued_at = fields.Datetime(
        readonly=True, copy=False,
        help='When the scheduled poll last queued a check of this order: not queued again for the '
             'same due time.')
    last_report_answer = fields.Char(
        readonly=True, copy=False,
        help="What Comodo's bulk report last said of the order (its status and validation state): "
             "the poll asks Comodo for the order itself only when the report says something else.")

    @job(default_channel=CA_CHANNEL)
    def _job_check_due(self):
        """Poll Comodo for a batch of due orders over one connection: one bulk report about all
        of them, then CollectSSL one after another for those the report says changed and cannot
        decide by itself (an issued certificate is collected; a rejection is taken from the report).
        What follows each decision (mail, billing, install) is a job of its own (_follow_decision).

        Orders another worker holds, or no longer due (checked since they were queued), are left
        alone, so that a batch queued twice costs no second call. The orders the report says are
        unchanged are recorded together (their rows are locked by this job from the start). Each
        order asked with CollectSSL is checked in a savepoint of its own: a concurrency error on
        one (another job writing the same sale) undoes that order alone, which a check job of its own asks again, instead of queue_job
        retrying the whole batch and asking the CA again for every order. A CA that does not
        answer stops the batch: the orders not yet asked are postponed, so a batch lasts about
        one client time-out per call kind, not one per order, when the CA is down.
        """
        now = fields.Datetime.now()
        # What follows each decision it learns is queued, not done in this batch.
        batch = self.with_context(**{FOLLOW_DECISIONS_LATER: True})
        locked = batch._lock_for_ca(lifecycle.CA_WORK_STATES['check'])
        locked.read(BATCH_FIELDS)
        orders = locked.filtered(lambda order: order.next_check_at and order.next_check_at <= now)
        checked = self.browse()
        for company in orders.mapped('company_id'):
            company_orders = orders.filtered(lambda order: order.company_id == company)
            with company._comodo_client() as client:
                to_collect, answers = company_orders._ask_report(client)
                checked |= company_orders - to_collect
                for index, order in enumerate(to_collect):
                    checked |= order
                    # Its own prefetch: what the check writes is read again for this order
                    # alone, not for the whole batch after each order.
                    error = order.with_prefetch()._poll_ca_alone(client, answers.get(order.id))
                    if isinstance(error, TransientError):
                        to_collect[index + 1:]._postpone_unasked(error)
                        break
        return _('%d of %d orders checked; %d postponed unasked (Comodo did not answer)') % (
            len(checked), len(self), len(orders - checked))

    def _ask_report(self, client):
        """Ask the CA's bulk report about these orders (a call per page), record as checked
        those it says are still waiting as before, and decide those it says were rejected or
        revoked before their first certificate; returns (the orders to ask one by one with
        CollectSSL, {order id: the report's answer to remember once it is asked}).

        The orders the report says changed go to CollectSSL, and so do those it cannot tell about
        (a row it cannot read, an order it does not list, a report that fails as a whole): the
        order's own answer is what decides it, so nothing is lost.
        """
        if not client.reports_in_bulk:
            return self, {}
        numbered = self.filtered(lambda order: (order.ca_order_number or '').strip().isdigit())
        try:
            reported = client.report_statuses(numbered.mapped('ca_order_number'), page_size=REPORT_PAGE_SIZE)
        except ComodoError as error:
            _logger.info('Bulk report about %d orders failed (%s): asking for each order', len(numbered), error)
            return self, {}
        to_collect, answers, still_waiting, final = self - numbered, {}, {}, []
        for order in numbered:
            status = reported[order.ca_order_number.strip()]
            answer = '%s: %s' % (status.status, status.validation or '-')
            if status.status in REPORTED_FINAL and not order.certificate_id:
                final.append((order, status, answer))
            elif status.status not in REPORTED_WAITING:
                to_collect |= order
            elif order.last_report_answer and order.last_report_answer != answer:
                # The validation moved (a name validated, a callback done): CollectSSL says how.
                to_collect |= order
                answers[order.id] = answer
            else:
                # Unchanged, or first reported (the CollectSSL that placed it had the last word).
                still_waiting[order.id] = answer
        unchanged = self.browse(list(still_waiting))
        unchanged._on_still_waiting(still_waiting)
        for order in unchanged.filtered(lambda order: not order.validation_mail_sent_at):
            if reported[order.ca_order_number.strip()].status == ReportStatus.PENDING:
                order._alone(lambda order=order: order._after_ca_outcome(
                    _('emailing the customer'), order._ask_customer_to_validate))
        if final:
            self._decide_reported_final({order.id: (status, answer) for order, status, answer in final})
        return to_collect, answers

    def _decide_reported_final(self, reported):
        """Record the rejections and revocations the bulk report decided ({order id: (its row,
        what it said)}) together, in a savepoint; a concurrency error there records them again
        order by order, each in a savepoint of its own (`_alone`), so it undoes one order alone."""
        decided = self.browse(list(reported))
        try:
            with self.env.cr.savepoint():
                decided._on_reported_final(reported)
                decided.recompute()
        except psycopg2.OperationalError as error:
            if error.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                raise
            self.env.clear()
            for order in decided:
                # Its own prefetch: what the decision writes is read again for this order alone.
                alone = order.with_prefetch()
                alone._alone(lambda: alone._on_reported_final({alone.id: reported[alone.id]}))

    def _on_still_waiting(self, answers):
        """These orders wait as they did, says the bulk report ({order id: what it said}): checked,
        next check at the regular interval, as a CollectSSL answering "pending" would."""
        if not self:
            return
        self._record_reported(answers, {order.id: order._next_regular_check() for order in self})

    def _record_reported(self, answers, next_checks=None, ca_answers=None):
        """Record that the bulk report answered for these orders ({order id: what it said}), as a
        CollectSSL's answer would, with their next checks and the CA's status words ({order id:
        value}; an order not in them keeps its own). One UPDATE for all of them rather than an
        ORM write per order (no stored field depends on these, and the poll holds their rows' locks).
        """
        next_checks, ca_answers = next_checks or {}, ca_answers or {}
        # The time as the ORM writes it (the transaction's now() is when the job began).
        now = fields.Datetime.now()
        self.env.cr.execute("""
            UPDATE comodo_certificate_order o
               SET last_check_at = %s,
                   attempts = coalesce(o.attempts, 0) + 1,
                   next_check_at = coalesce(v.next_check_at, o.next_check_at),
                   last_ca_answer = coalesce(v.ca_answer, o.last_ca_answer),
                   transient_failures = 0, last_error = NULL, last_report_answer = v.answer,
                   write_uid = %s, write_date = %s
              FROM unnest(%s::integer[], %s::varchar[], %s::timestamp[], %s::varchar[])
                   AS v(id, answer, next_check_at, ca_answer)
             WHERE o.id = v.id""", (now, self.env.uid, now, self.ids, [answers[order_id] for order_id in self.ids],
                                    [next_checks.get(order_id) for order_id in self.ids],
                                    [ca_answers.get(order_id) for order_id in self.ids]))
        self.invalidate_cache(['last_check_at', 'attempts', 'next_check_at', 'last_ca_answer', 'transient_failures',
                               'last_error', 'last_report_answer', 'write_uid', 'write_date'], self.ids)

    def _on_reported_final(self, reported):
        """The bulk report says Comodo rejected (or revoked) these orders, which waited for their
        first certificate ({order id: (its row, what it said)}): checked, and decided as
        CollectSSL's answers would have decided them, a statement or two for all of them.

        Their state changes untracked, each order's note saying what the tracking line would
        (one chatter line an order, not two); what follows a rejection is queued with it.
        """
        self._record_reported({order_id: answer for order_id, (_row, answer) in reported.items()},
                              ca_answers={order_id: row.ca_status for order_id, (row, _answer) in reported.items()})
        rejected = self.filtered(lambda order: reported[order.id][0].status == ReportStatus.REJECTED)
        revoked = self - rejected
        # Neither the report nor CollectSSL gives a rejection's reason beyond its status.
        reason = _('Rejected by Comodo')
        if rejected:
            rejected.with_context(tracking_disable=True)._set_state('rejected', {'rejection_reason': reason})
        if revoked:
            revoked.with_context(tracking_disable=True)._set_state('revoked_by_ca')
        notes = {order: _('Comodo rejected the certificate request: %s') % reason for order in rejected}
        notes.update({order: _('Comodo reports the certificate as revoked.') for order in revoked})
        self._post_staff_notes(notes)
        for order in rejected:
            order._follow_decision('rejected')

    def _poll_ca_alone(self, client, report_answer=None):
        """_poll_ca in a savepoint; returns the client's error, if any. Once the CA answered,
        `report_answer` (what the bulk report said) is remembered for the next poll to compare."""
        def poll():
            error = self._poll_ca(client)
            if report_answer and not error:
                self.last_report_answer = report_answer
            return error
        return self._alone(poll)

    def _alone(self, check):
        """Run `check` in a savepoint, the recomputations it causes included; returns what it
        returns. A concurrency error undoes this order's check alone and queues a check job of
        its own for it (the CA is asked again: nothing is lost)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                result = check()
                self.recompute()
            return result
        except psycopg2.OperationalError as error:
            if error.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                raise
            # The savepoint undid the check in the database: the cache and the pending
            # recomputations must forget it too.
            self.env.clear()
            _logger.info('Certificate order %s: concurrent update while checking (%s); its own '
                         'check job asks again', self.name, error.pgcode)
            self._enqueue_ca_work()
            return None

    def _postpone_unasked(self, error):
        """Postpone orders of a batch the CA was not asked about, after it failed to answer."""
        unasked = TransientError(_('not asked, Comodo did not answer an earlier check of the same '
                                   'batch (%s)') % error, error.code)
        for order in self:
            order._postpone(unasked)

    @api.model
    def _cron_poll_pending(self):
        self.env['comodo.poll.run']._run()

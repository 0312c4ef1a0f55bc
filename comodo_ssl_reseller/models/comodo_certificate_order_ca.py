import logging
from datetime import datetime, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.tools import split_every
from odoo.addons.queue_job.job import job

from ..comodo_client import ComodoError, OrderStatus, TransientError
from .. import lifecycle
from ..groups import SSL_MANAGERS
from ..lifecycle import CA_CHANNEL
from .comodo_certificate_order import VALIDATION_MAIL_LATER, VALIDATION_MAIL_TEMPLATE

_logger = logging.getLogger(__name__)

# Sectigo's status pushes for one order are acted upon at most once a minute: a burst of them (its
# retries, a replayed call) costs one CA call. The 4-hour poll remains the backstop.
PUSH_MIN_INTERVAL_SECONDS = 60
# A pushed order's check goes ahead of the poll's batches (priority 10) in the channel.
PUSH_CHECK_PRIORITY = 5
# What follows a decision (customer mail, billing, install, refund) comes after the poll's batches
# in the channel: the poll learns every decision first, at C calls in flight, then these run.
AFTER_DECISION_PRIORITY = 20
# A follow-up that finds its order locked (a button, a check on it) waits this long and tries again.
AFTER_DECISION_RETRY_SECONDS = 10
# Context key of a poll batch: what follows each decision it learns is left to a job of its own.
FOLLOW_DECISIONS_LATER = 'comodo_follow_decisions_later'
# New orders' keys made by one job: ten keys take about a second.
KEYS_PER_JOB = 10


class ComodoCertificateOrder(models.Model):
    """The calls to the CA: placing, polling and reissuing in queue jobs, each under the order's row
    lock; a status push; the Async Manager's buttons. What an answer means for the order is in the
    core file (_on_placed, _on_issued, ...); the scheduled poll's batches are in the _poll file."""

    _inherit = 'comodo.certificate.order'

    last_check_at = fields.Datetime(string='Last Check', readonly=True, copy=False)
    next_check_at = fields.Datetime(string='Next Check', readonly=True, copy=False, index=True)
    attempts = fields.Integer(readonly=True, copy=False, help='Checks since the wait began.')
    transient_failures = fields.Integer(
        readonly=True, copy=False, help='Failed calls to Comodo in a row (timeouts, busy CA).')
    push_received_at = fields.Datetime(
        readonly=True, copy=False, help='When Sectigo last pushed a status change that was acted upon.')

    def _start_ca_work(self):
        """After confirmation: order from Comodo now, or once the invoice is paid, as the company chose.

        A renewal always waits for its invoice to be paid: the customer may not want the next term.
        """
        ordering_now = self.filtered(lambda order: order.company_id.comodo_order_trigger != 'payment'
                                     and not order.renewal_of_id)
        for order in self - ordering_now:
            order._set_state('await_payment')
            order.message_post(body=_('Waiting for the invoice to be paid before ordering from Comodo.'))
            # Validated now, so that the customer can pay it (a free one is paid at once, which
            # starts the CA order through _on_invoice_paid).
            order._validate_invoices_if_configured()
        ordering_now._enqueue_ca_work()

    def _enqueue_ca_work(self):
        """One job per order: place a new order, or poll a pending one; new orders' keys are made
        KEYS_PER_JOB to a job (a job's own cost is more than one key's), each queuing the
        placements of its orders.

        The identity key names the order and the time its work fell due, so the cron, a retry and
        a confirmation never queue the same work twice.
        """
        # The CA work is the company's, not the user's who confirmed the sale: the jobs run as
        # superuser. Their queue.job records need no chatter tracking (it triples the cost).
        orders = self.sudo().with_context(tracking_disable=True)
        keyless = orders.filtered(lambda order: order._ca_work_kind() == 'key')
        for batch in split_every(KEYS_PER_JOB, keyless.ids, lambda ids: orders.browse(list(ids))):
            batch.with_delay(channel=CA_CHANNEL, identity_key=batch._ca_work_identity_key())._job_make_key()
        for order in orders - keyless:
            order._delay_ca_work(order.with_delay(channel=CA_CHANNEL, identity_key=order._ca_work_identity_key()))

    def _ca_work_kind(self):
        kind = lifecycle.ca_work(self.state) or 'place'
        # A new order's key is made by a job of its own, which then queues the placement.
        return 'key' if kind == 'place' and not self.csr_pem else kind

    def _delay_ca_work(self, delayed):
        kind = self._ca_work_kind()
        if kind == 'check':
            delayed._job_check()
        elif kind == 'reissue':
            delayed._job_reissue()
        elif kind == 'key':
            delayed._job_make_key()
        else:
            delayed._job_place()

    @job(default_channel=CA_CHANNEL)
    def _job_make_key(self):
        """Make the key and CSR of a new order (unless the customer brought a CSR), then queue its
        placement: the key is committed with this job before any CA sees the CSR, so a placement
        retried after a crash orders, or finds its CA order, with the key the CA saw. Not made by the
        sale's confirmation: 100 keys would keep the confirming user waiting."""
        orders = self._lock_for_ca(lifecycle.CA_WORK_STATES['place'])
        refused = orders.browse()
        for order in orders.filtered(lambda order: not order.csr_pem):
            try:
                order._prepare_key_material()
            except ComodoError as error:
                order._refused(error)
                refused |= order
        (orders - refused)._enqueue_ca_work()
        return _('%d keys made, their placement queued; %d refused') % (len(orders - refused), len(refused))

    @job(default_channel=CA_CHANNEL)
    def _job_place(self):
        """Place the order with Comodo once, then ask for its status right away."""
        order = self._lock_for_ca(lifecycle.CA_WORK_STATES['place'])
        if not order:
            return _('Nothing to do: already placed, or being placed by another worker.')
        if not order.csr_pem:
            # Never a key made and sent in one transaction: a crash after the CA call would lose it.
            order._enqueue_ca_work()
            return _('The key is made first, by a job of its own that then queues the placement.')
        with order.company_id._comodo_client() as client:
            try:
                order._place(client)
            except TransientError as error:
                if not client.finds_lost_orders:
                    # The order may exist at the CA and could not be found again: a retry might
                    # order twice, so a person checks the CA's own console first.
                    order._refused(TransientError(_(
                        'No answer from Comodo (%s). The order may have been placed: check the '
                        'Certificate Manager before pressing Check.') % error.message, error.code))
                    return _('No answer from Comodo: left to a person')
                order._postpone(error)
                return _('Comodo unavailable, retrying later: %s') % error
            except ComodoError as error:
                # Request and configuration errors, and codes of no known family: a person acts.
                order._refused(error)
                return _('Comodo refused the order: %s') % error
            # The customer's "please validate" mail is not what a placement waits for: a sale of a
            # hundred certificates is placed first, the mails follow (_job_validation_mail).
            order.with_context(**{VALIDATION_MAIL_LATER: True})._poll_ca(client)
        return _('Placed as CA order %s') % order.ca_order_number

    def _queue_validation_mail(self):
        """The customer's "please validate" mail for the CSR the order waits with, by a job behind
        the channel's placements and checks."""
        self.ensure_one()
        self.with_context(tracking_disable=True).with_delay(
            channel=CA_CHANNEL, priority=AFTER_DECISION_PRIORITY,
            identity_key='comodo-validation-mail-%d-%s' % (self.id, self.validation_mail_sent_at),
            description=_('Comodo: ask the customer of %s to validate') % self.name,
        )._job_validation_mail(self.validation_mail_sent_at)

    @job(default_channel=CA_CHANNEL)
    def _job_validation_mail(self, asked_at):
        """Send the mail a check asked for at `asked_at`, unless the order moved on since (decided,
        or a new CSR whose own check asks again).

        Without the order's row lock: a Check pressed meanwhile is not refused, and a check or
        placement holding the order does not hold the mail up. It reads the committed order and
        writes none of its rows, but to record a failure: the mail is then asked for again at the
        next check, as when it failed inside the check."""
        if self.state != 'pending' or self.validation_mail_sent_at != asked_at:
            return _('Nothing sent: the order moved on (%s)') % self.state
        sent = []
        self._after_ca_outcome(_('emailing the customer'),
                               lambda: sent.append(self._notify_customer(VALIDATION_MAIL_TEMPLATE)))
        if not sent:
            self.validation_mail_sent_at = False
            return _('Failed: %s') % self.last_error
        return _('Sent')

    def _place(self, client):
        """Place with the CA, unless an earlier attempt already did and crashed before recording it."""
        self.ensure_one()
        ca_order_number = client.find_order(self.foreign_order_number)
        total_cost = None
        if ca_order_number:
            _logger.info('Certificate order %s: found CA order %s placed by an earlier attempt',
                         self.name, ca_order_number)
        else:
            placed = client.place_order(
                self.type_id.product_code, self._days_to_order(datetime.utcnow()), self.csr_pem, self._domains(),
                dcv_method=self.dcv_method,
                dcv_emails=[self.dcv_email] if self.dcv_email else None,
                unique_value=self.unique_value,
                foreign_order_number=self.foreign_order_number)
            ca_order_number, total_cost = placed.order_number, placed.total_cost
        # What follows the placement (the CA order, its charge, the temporary certificate) is one
        # chatter message for staff.
        with self._staff_notes_together() as placing:
            placing._on_placed(ca_order_number, total_cost)

    @job(default_channel=CA_CHANNEL)
    def _job_reissue(self):
        """Ask Comodo for the new certificate (AutoReplaceSSL), then for its status right away."""
        order = self._lock_for_ca(lifecycle.CA_WORK_STATES['reissue'])
        if not order:
            return _('Nothing to do: already sent, or being sent by another worker.')
        with order.company_id._comodo_client() as client:
            try:
                order._replace(client)
            except TransientError as error:
                # Sending the same CSR again is harmless: the CA keeps one reissue per order.
                order._postpone(error)
                return _('Comodo unavailable, retrying later: %s') % error
            except ComodoError as error:
                order._reissue_failed(str(error))
                return _('Comodo refused the reissue: %s') % error
            order._poll_ca(client)
        return _('Reissue of CA order %s sent') % order.ca_order_number

    def _replace(self, client):
        self.ensure_one()
        client.replace(self.ca_order_number, self.csr_pem, dcv_method=self.dcv_method,
                       dcv_email=self.dcv_email or None, unique_value=self.unique_value)
        self._start_waiting_for_ca('reissue_sent', new_csr=True)
        self.message_post(body=_('Reissue sent to Comodo for CA order %s.') % self.ca_order_number)

    @job(default_channel=CA_CHANNEL)
    def _job_check(self):
        """Poll Comodo for one pending order; a worker already on it makes this a no-op."""
        order = self._lock_for_ca(lifecycle.CA_WORK_STATES['check'])
        if not order:
            return _('Nothing to do: decided, or being checked by another worker.')
        with order.company_id._comodo_client() as client:
            order._poll_ca(client)
        return _('Status: %s') % order.state

    def _poll_ca(self, client):
        """Ask the CA for the order's status (CollectSSL) and act on its answer; returns the
        client's error when the call failed (the order is then postponed), else None."""
        self.ensure_one()
        checked = {'last_check_at': fields.Datetime.now(), 'attempts': self.attempts + 1}
        # None of what a check records is tracked in the chatter: its writes skip the tracking's
        # reads (a decision's own state change is tracked, as ever).
        record_check = self.with_context(tracking_disable=True).write
        try:
            result = client.collect(self.ca_order_number, csr_pem=self.csr_pem)
        except ComodoError as error:
            # Every failure only postpones the order: its status at the CA is not lost.
            record_check(checked)
            self._postpone(error)
            return error
        if self._is_replaced_certificate(result):
            # Right after a reissue the CA may still answer with the certificate it replaces.
            checked['next_check_at'] = self._next_regular_check()
            record_check(checked)
            return
        if result.status == OrderStatus.ISSUED and not result.certificate_pem:
            # Code 1, "issued, not attached": issued only once we hold the certificate.
            record_check(checked)
            self._postpone(TransientError(_('Issued, but the certificate was not sent yet.'), result.ca_code))
            return
        checked.update({'ca_status_code': result.ca_code, 'last_ca_answer': result.message or result.status,
                        'transient_failures': 0, 'last_error': False})
        if result.status in (OrderStatus.PENDING, OrderStatus.AWAITING_PAYMENT):
            checked['next_check_at'] = self._next_regular_check()
        if result.status == OrderStatus.ISSUED and self._is_certificate_for_our_key(result.certificate_pem):
            # The check is recorded by the issuance's own write of the order.
            self._on_issued(result, checked)
            return
        record_check(checked)
        if result.status == OrderStatus.PENDING:
            self._after_ca_outcome(_('emailing the customer'), self._ask_customer_to_validate)
        elif result.status == OrderStatus.ISSUED:
            self._on_foreign_certificate(result)
        elif result.status == OrderStatus.REJECTED:
            self._on_rejected(result.message)
        elif result.status == OrderStatus.REVOKED:
            self._on_revoked(result.message)

    def _follow_decision(self, decision, message=None):
        """What follows Comodo's `decision` ('issued': `message` for the sale; 'rejected').

        A poll batch (context FOLLOW_DECISIONS_LATER) queues it, in the transaction that records the
        decision: the batch stays short (it learns a few hundred orders' decisions), and nothing is
        lost if it fails, since the job is undone with the decision. A check of this order alone
        (the Check button, a status push, its own check job) does it at once, as part of the
        check: whoever pressed Check sees the credit note or the install it led to.
        """
        self.ensure_one()
        if not self.env.context.get(FOLLOW_DECISIONS_LATER):
            return self._after_decision(decision, message)
        self.sudo().with_context(tracking_disable=True).with_delay(
            channel=CA_CHANNEL, priority=AFTER_DECISION_PRIORITY,
            identity_key='comodo-after-%s-%d-%d' % (decision, self.id, self.certificate_id.id),
            description=_('Comodo: after %s was %s') % (self.name, decision),
        )._job_after_decision(decision, message)

    @job(default_channel=CA_CHANNEL)
    def _job_after_decision(self, decision, message=None):
        """What a poll batch left to follow a decision, under the order's row lock (not beside a
        button's work on it); skipped if the order has moved on since (reset, reissued: what
        follows then is that step's)."""
        order = self._lock_for_ca()
        if not order:
            raise RetryableJobError(_('%s is being worked on: trying again shortly') % self.name,
                                    seconds=AFTER_DECISION_RETRY_SECONDS, ignore_retry=True)
        if order.state != decision:
            return _('Nothing done: the order is %s now, no longer %s') % (order.state, decision)
        order._after_decision(decision, message)
        return _('Done after %s') % decision

    def _after_decision(self, decision, message=None):
        """The customer mail, billing, install and refund that follow a decision."""
        if decision == 'issued':
            self._after_issued(message)
        else:
            self._after_rejected()

    @api.model
    def _on_status_push(self, company, ca_order_number):
        """Sectigo says this CA order changed status: queue a CollectSSL for it, and say what was done.

        The push's own content is never trusted: only the check's answer changes the order. Pushes
        repeated within PUSH_MIN_INTERVAL_SECONDS, and those for orders not waiting, do nothing.
        """
        order = self.search([('company_id', '=', company.id), ('ca_order_number', '=', ca_order_number)],
                            limit=1)
        if not order:
            return 'unknown order'
        if order.state != 'pending':
            return 'not waiting for a decision'
        # SKIP LOCKED: a worker checking the order right now must not make Sectigo wait; the
        # check is queued all the same (it may have asked before the change).
        self.env.cr.execute("""
            SELECT push_received_at > (now() at time zone 'UTC') - %s * interval '1 second'
              FROM comodo_certificate_order WHERE id = %s FOR UPDATE SKIP LOCKED""",
                            (PUSH_MIN_INTERVAL_SECONDS, order.id))
        row = self.env.cr.fetchone()
        if row and row[0]:
            return 'already queued within the last minute'
        if row:
            self.env.cr.execute("UPDATE comodo_certificate_order SET push_received_at = "
                                "(now() at time zone 'UTC') WHERE id = %s", (order.id,))
            order.invalidate_cache(['push_received_at'])
        order.with_context(tracking_disable=True).with_delay(
            channel=CA_CHANNEL, priority=PUSH_CHECK_PRIORITY, identity_key='comodo-push-%d' % order.id,
            description=_('Comodo status push: check %s') % order.name)._job_check()
        return 'check queued'

    def _is_replaced_certificate(self, result):
        return bool(result.status == OrderStatus.ISSUED and result.serial_number and self.certificate_id
                    and result.serial_number == self.certificate_id.serial_number)

    def _next_regular_check(self):
        return fields.Datetime.to_string(
            datetime.utcnow() + timedelta(hours=self.company_id.comodo_poll_interval_hours))

    def _postpone(self, error):
        """Record the failure and try again later: soon for a passing fault, else at the next poll."""
        failures = self.transient_failures + 1
        regular = timedelta(hours=self.company_id.comodo_poll_interval_hours)
        delay = lifecycle.backoff(failures, regular) if isinstance(error, TransientError) else regular
        retry_soon = delay < regular
        next_check = datetime.utcnow() + delay
        self.write({
            'transient_failures': failures,
            'last_error': str(error),
            'ca_status_code': error.code or 0,
            'next_check_at': fields.Datetime.to_string(next_check),
        })
        _logger.info('Certificate order %s: %s; next try at %s', self.name, error, next_check)
        if failures == 1:
            # Once per run of failures: the chatter says why the order waits, not one line per retry.
            self.message_post(body=_('Comodo did not answer as expected: %s. Next try at %s (UTC).')
                              % (error, fields.Datetime.to_string(next_check)))
        if retry_soon:
            # The order keeps this retry, not queue_job's RetryableJobError: next_check_at is stored
            # with the failure above (a job that raises has its transaction undone), staff see it in
            # the Async Manager, and the poll asks again by it if this job is ever lost.
            # The same instant as next_check_at (both UTC, as Odoo runs), not "now + delay" taken again.
            self._delay_ca_work(self.with_context(tracking_disable=True).with_delay(
                channel=CA_CHANNEL, eta=next_check, identity_key=self._ca_work_identity_key()))

    def _ca_work_identity_key(self):
        """The work due on these orders (a batch of key jobs: named by its orders, all due together)."""
        return 'comodo-%s-%s-%s' % (self[:1]._ca_work_kind(), '-'.join(str(id_) for id_ in self.ids),
                                    self[:1].next_check_at)

    def _lock_for_ca(self, states=None):
        """Lock these orders (those in `states`, if given) for work on them, skipping those another
        transaction holds.

        The row lock lasts until the transaction ends, so a button and a job (or two workers) never
        call Comodo, or bill, for the same order at once.
        """
        if not self.ids:
            return self.browse()
        query = 'SELECT id FROM comodo_certificate_order WHERE id IN %s'
        params = [tuple(self.ids)]
        if states is not None:
            query += ' AND state IN %s'
            params.append(tuple(states))
        self.env.cr.execute(query + ' FOR UPDATE SKIP LOCKED', params)
        locked = self.browse([row[0] for row in self.env.cr.fetchall()])
        locked.invalidate_cache()
        return locked

    def _as_ssl_manager(self):
        """These orders as superuser, once the user is known to be an SSL manager.

        The controls are also reachable from the Action menu and RPC, not only through buttons.
        Their consequences reach billing, which an SSL manager need not have rights on.
        """
        if not self.env.user.has_group(SSL_MANAGERS):
            raise AccessError(_('Only SSL managers may check, reset or cancel certificate orders.'))
        return self.sudo()

    @api.multi
    def action_check(self):
        """Poll Comodo now (or retry placing an order Comodo refused or could not take)."""
        busy_words = {
            'place': _('%s is being ordered right now: try again in a moment.'),
            'reissue': _('%s is being reissued right now: try again in a moment.'),
            'check': _('%s is being checked right now, or is no longer waiting: try again in a moment.'),
        }
        for order in self._as_ssl_manager():
            if order.state == 'awaiting_payment':
                raise UserError(_('%s is ordered from Comodo once its invoice is paid.') % order.name)
            # An order needing no CA work (issued, decided) is told apart as "no longer waiting".
            kind = lifecycle.ca_work(order.state) or 'check'
            locked = order._lock_for_ca(lifecycle.CHECK_BY_HAND_STATES[kind])
            if not locked:
                raise UserError(busy_words[kind] % order.name)
            before = (order.state, order.certificate_id)
            if kind == 'place':
                locked._job_place()
            elif kind == 'reissue':
                locked._job_reissue()
            else:
                with order.company_id._comodo_client() as client:
                    locked._poll_ca(client)
            order._tell_check_answer(*before)
        return True

    def _tell_check_answer(self, state_before, certificate_before):
        """Tell the user who pressed Check what Comodo answered, in plain words: the row may leave
        the Async Manager at once (issued, rejected), and the detail is in the chatter."""
        sentence, good_news = self._check_answer(state_before, certificate_before)
        title = _('Check of %s (%s)') % (self.name, self.domain)
        if good_news:
            self.env.user.notify_info(sentence, title=title)
        else:
            self.env.user.notify_warning(sentence, title=title, sticky=True)

    def _check_answer(self, state_before, certificate_before):
        """(What Comodo answered, whether all is well) for an order just placed, polled or reissued."""
        self.ensure_one()
        if self.state == 'issued' and self.certificate_id != certificate_before:
            return _('Comodo issued the certificate.'), True
        if self.state == 'issued' and state_before == 'reissue':
            return self.last_error, False
        if self.state == 'rejected':
            return _('Comodo rejected the order: %s') % (self.rejection_reason or _('no reason given')), False
        if self.state == 'revoked':
            return _('Comodo revoked the certificate.'), False
        if self.state == 'error':
            return _('Comodo refused the order: %s') % self.last_error, False
        next_check = self._staff_time(self.next_check_at)
        if self.last_error:
            return _('Comodo could not be asked: %s. Next try at %s.') % (self.last_error, next_check), False
        return _('Comodo has not decided yet; next check at %s.') % next_check, True

    def _staff_time(self, value):
        """A stored UTC time as the user reads it: in their time zone, to the minute."""
        if not value:
            return _('the next scheduled poll')
        return fields.Datetime.context_timestamp(self, fields.Datetime.from_string(value)).strftime(
            '%Y-%m-%d %H:%M %Z').strip()

    @api.multi
    def action_reset(self):
        """Restart the wait for Comodo's decision: a timed-out order is polled again."""
        orders = self._as_ssl_manager()
        for order in orders:
            if order.state not in lifecycle.WAITING_FOR_CA:
                raise UserError(_('Only orders waiting for Comodo can be reset (%s is %s).')
                                % (order.name, order.state))
        for order in orders:
            order._start_waiting_for_ca('reset', next_check_at=order._next_regular_check())
            order.message_post(body=_('Waiting time reset by %s; next check at %s.')
                               % (self.env.user.name, order.next_check_at))
        return True

    @api.multi
    def action_ask_cancel(self):
        """The Cancel button: a dialog saying what cancelling these orders does, which cancels them
        only once confirmed (Odoo 11's lists ignore a button's `confirm`)."""
        self._as_ssl_manager()._check_cancellable()
        dialog = self.env['comodo.certificate.order.cancel'].create({'order_ids': [(6, 0, self.ids)]})
        return {
            'type': 'ir.actions.act_window',
            'name': _('Cancel Certificate Order'),
            'res_model': dialog._name,
            'res_id': dialog.id,
            'view_mode': 'form',
            'target': 'new',
        }

    def _check_cancellable(self):
        """Refuse orders staff may not cancel: issued, or decided (lifecycle.CANCELLABLE)."""
        for order in self:
            if order.certificate_id:
                raise UserError(_('%s has an issued certificate: revoke it rather than cancel the '
                                  'order.') % order.name)
            if order.state not in lifecycle.CANCELLABLE:
                raise UserError(_('%s is %s: only an order not issued nor decided can be cancelled.')
                                % (order.name, lifecycle.STATE_LABELS[order.state]))

    def _cancel_consequences(self):
        """What cancelling this order does, in words for staff, as action_cancel does it."""
        self.ensure_one()
        if self.ca_order_number:
            at_ca = _('Comodo is asked to cancel CA order %s') % self.ca_order_number
        else:
            at_ca = _('nothing was ordered from Comodo yet, so Comodo is not asked')
        billing = self._cancel_billing_words() or [_('there is no invoice to settle')]
        return _('Cancel certificate order %s (%s) for customer %s: %s, and %s.') % (
            self.name, self.domain, self.partner_id.display_name, at_ca, _(', and ').join(billing))

    @api.multi
    def action_cancel(self):
        """The customer gave up: cancel the billing entry, and the order at the CA when it allows."""
        for order in self._as_ssl_manager():
            order._check_cancellable()
            if not order._lock_for_ca(lifecycle.CANCELLABLE):
                raise UserError(_('%s is being worked on right now: try again in a moment.') % order.name)
            order._cancel(_('Certificate order cancelled'),
                          _('Certificate order cancelled by %s.') % self.env.user.name)
            order._after_ca_outcome(_('restoring the site\'s certificate'), order._restore_after_temporary)
            # The CA last: nothing in Odoo can fail after Comodo was told.
            if order.ca_order_number:
                order._cancel_at_ca()
                order._after_ca_outcome(_('asking Comodo for a refund'), order._refund_ca_charge)
        return True

    def _cancel_at_ca(self):
        # Comodo marks a certificate that is not issued yet as rejected when asked to revoke it.
        try:
            with self.company_id._comodo_client() as client:
                client.revoke(self.ca_order_number, reason='Cancelled by the customer')
        except ComodoError as error:
            self.message_post(body=_('Comodo did not cancel CA order %s: %s. The billing entry is '
                                     'cancelled anyway.') % (self.ca_order_number, error))

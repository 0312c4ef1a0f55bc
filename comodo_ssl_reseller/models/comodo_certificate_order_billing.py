import logging

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import job
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from .. import lifecycle
from ..lifecycle import CA_CHANNEL

_logger = logging.getLogger(__name__)

BILLING_STEPS = [
    ('validate', 'Validate the Invoice'),
    ('settle', 'Cancel or Credit the Invoice'),
]
# Another worker numbering an invoice at the same moment holds the journal's sequence: the step
# is tried again this many seconds later, in a transaction of its own.
BILLING_RETRY_SECONDS = 10


class ComodoCertificateOrder(models.Model):
    """The billing a CA outcome calls for (validating the invoice once ordered, cancelling or
    crediting it once rejected), done until it is done: a step that fails stays on the order, in
    the Async Manager, and is tried again."""

    _inherit = 'comodo.certificate.order'

    billing_step = fields.Selection(
        BILLING_STEPS, string='Billing Step Due', readonly=True, copy=False, index=True,
        help='What Comodo\'s answer calls for on the invoice and is not done yet: tried again until '
             'it is (a job, then each scheduled poll).')
    billing_error = fields.Text(readonly=True, copy=False,
                                help='Why the billing step due failed the last time it was tried.')

    def _bill_after_ca(self, step):
        """Do the billing step `step` now; if it cannot be done, leave it due on the order.

        Comodo has already acted, so a failure here must not undo the CA outcome: a concurrency
        error (the journal's sequence taken by another worker) is retried by a job of its own,
        any other failure waits for staff and the poll.
        """
        try:
            self._try_billing_step(step)
        except psycopg2.OperationalError as error:
            if error.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                raise
            self._leave_billing_step(step, _('busy (%s): tried again in a moment') % error.pgerror)
            # Always a queued job, also where this step ran inline (tests run jobs at once: this
            # one must wait for the numbering to be free).
            self.with_context(test_queue_job_no_delay=False)._queue_billing_step()

    def _try_billing_step(self, step):
        """True once done; False if it failed (recorded on the order). Concurrency errors are raised."""
        self.ensure_one()
        if step == 'validate' and self.state in lifecycle.UNDELIVERED:
            step = 'settle'
        try:
            with self.env.cr.savepoint():
                if step == 'validate':
                    self._validate_invoices_if_configured()
                else:
                    self._cancel_billing(self._settle_reason())
        except psycopg2.OperationalError as error:
            if error.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                raise
            self._billing_step_failed(step, error)
            return False
        except Exception as error:  # noqa: left on the order for staff; the CA outcome stands
            self._billing_step_failed(step, error)
            return False
        if self.billing_step:
            self.write({'billing_step': False, 'billing_error': False})
            self.message_post(body=_('%s: done.') % dict(BILLING_STEPS)[step])
        return True

    def _settle_reason(self):
        if self.state == 'rejected':
            return _('Certificate request rejected by Comodo')
        return _('Certificate order cancelled')

    def _billing_step_failed(self, step, error):
        _logger.exception('Certificate order %s: %s failed', self.name, step)
        self._leave_billing_step(step, str(error))
        self.message_post(body=_('%s failed: %s. It is tried again at each scheduled poll; the order '
                                 'shows it in the Async Manager until it is done.')
                          % (dict(BILLING_STEPS)[step], error))

    def _leave_billing_step(self, step, reason):
        self.write({'billing_step': step, 'billing_error': reason})

    def _queue_billing_step(self):
        for order in self.sudo().with_context(tracking_disable=True):
            order.with_delay(channel=CA_CHANNEL, identity_key='comodo-billing-%d' % order.id,
                             description=_('Comodo: billing step of %s') % order.name)._job_billing_step()

    @job(default_channel=CA_CHANNEL)
    def _job_billing_step(self):
        """Do the billing step due, in a transaction of its own; busy means later, never skipped."""
        if not self._lock_for_ca():
            raise RetryableJobError(_('The order is being worked on'), seconds=BILLING_RETRY_SECONDS)
        if not self.billing_step:
            return _('Nothing to do: the billing step was done')
        try:
            done = self._try_billing_step(self.billing_step)
        except psycopg2.OperationalError as error:
            raise RetryableJobError(_('Busy: %s') % error.pgerror, seconds=BILLING_RETRY_SECONDS)
        return _('Done') if done else _('Failed: %s') % self.billing_error

    def _queue_due_billing_steps(self):
        """The scheduled poll tries every billing step still due once more."""
        self.search([('billing_step', '!=', False)])._queue_billing_step()

    @api.multi
    def action_check(self):
        """Check also does the billing step due (the only thing left to do on a decided order)."""
        billed = self._as_ssl_manager().filtered('billing_step')
        for order in billed:
            if not order._lock_for_ca():
                raise UserError(_('%s is being worked on right now: try again in a moment.') % order.name)
            order._bill_after_ca(order.billing_step)
        # An order with no CA work left (decided, or issued) needed only its billing step.
        undecided = self - billed.filtered(lambda order: not lifecycle.ca_work(order.state))
        return super(ComodoCertificateOrder, undecided).action_check() if undecided else True

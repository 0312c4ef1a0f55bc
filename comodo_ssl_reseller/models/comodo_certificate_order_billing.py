import logging
from datetime import datetime

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
    """The customer's invoices of an order: paid before ordering (when the company wants it), named
    after the CA order, and the billing a CA outcome calls for (validating the invoice once ordered,
    cancelling or crediting it once rejected), done until it is done: a step that fails stays on the
    order, in the Async Manager, and is tried again. What the CA charges is beside it, in _charge."""

    _inherit = 'comodo.certificate.order'

    billing_step = fields.Selection(
        BILLING_STEPS, string='Billing Step Due', readonly=True, copy=False, index=True,
        help='What Comodo\'s answer calls for on the invoice and is not done yet: tried again until '
             'it is (a job, then each scheduled poll).')
    billing_error = fields.Text(readonly=True, copy=False,
                                help='Why the billing step due failed the last time it was tried.')
    invoice_ids = fields.Many2many('account.invoice', string='Billing', compute='_compute_invoice_ids',
                                   help='Its own invoice (or the sale\'s, billing it on a line of its own) '
                                        'and credit notes.')
    invoice_count = fields.Integer(compute='_compute_invoice_count')

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
            with self._all_or_nothing():
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
        # A charge made while its booking job was already running waits for the next one.
        self.env['comodo.ca.charge'].sudo().search([('bill_line_due', '=', True)])._queue_vendor_lines()

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

    # -- the customer's invoices ------------------------------------------------------------------

    def _compute_invoice_ids(self):
        invoices = self.env['account.invoice'].sudo()
        named = invoices.search([('comodo_order_id', 'in', self.ids)])
        lines = self.env['account.invoice.line'].sudo().search([('comodo_order_id', 'in', self.ids)])
        for order in self:
            billing = named.filtered(lambda inv: inv.comodo_order_id == order) | lines.filtered(
                lambda line: line.comodo_order_id == order).mapped('invoice_id')
            order.invoice_ids = billing.with_env(self.env).sorted('id')

    def _compute_invoice_count(self):
        for order in self:
            order.invoice_count = len(order.invoice_ids)

    def _on_invoice_paid(self):
        waiting = self.filtered(lambda order: order.state == 'awaiting_payment')
        paid = waiting.filtered(lambda order: order._paid_in_full())
        for order in waiting - paid:
            # Staff read why nothing happened: the reseller's credit is spent on money received only.
            order.message_post(body=_(
                'An invoice of this order is settled, but not the certificate\'s own invoice by payments '
                'for its amount (a credit note or another invoice does not count): not ordering from '
                'Comodo.'))
        now = datetime.utcnow()
        paid._set_state('paid', {'next_check_at': fields.Datetime.to_string(now)})
        for order in paid:
            if order.renewal_of_id:
                order._start_renewal_term(now)
                order.message_post(body=_('Invoice paid: ordering the renewal from Comodo for the term from '
                                          '%s to %s.') % (order.term_starts_at, order.term_ends_at))
            else:
                order.message_post(body=_('Invoice paid: ordering from Comodo.'))
        paid._enqueue_ca_work()

    def _paid_in_full(self):
        """The invoice made with the certificate's sale line is paid, for the line's amount, by
        payments: a credit note reconciled with it, or another invoice linked to the order (a 0.00
        one is paid as soon as it is validated), pays nothing.

        Its own invoice is the first one billing the sale line; a later one billing the line too
        is not it.
        """
        self.ensure_one()
        line = self.sudo().sale_line_id
        invoice = line.invoice_lines.mapped('invoice_id').filtered(
            lambda inv: inv.type == 'out_invoice' and inv in self.sudo().invoice_ids).sorted('id')[:1]
        if not invoice or invoice.state != 'paid':
            return False
        billed = sum(invoice.invoice_line_ids.filtered(lambda inv_line: line in inv_line.sale_line_ids)
                     .mapped('price_total'))
        currency = invoice.currency_id
        return (currency.compare_amounts(billed, line.price_total) >= 0
                and currency.compare_amounts(invoice._comodo_amount_paid(), invoice.amount_total) >= 0)

    def _name_ca_order_on_invoices(self):
        for order in self.sudo():
            for line in order.sale_line_id.invoice_lines.filtered(lambda l: l.invoice_id.state == 'draft'):
                line.name = order._invoice_line_label()

    def _invoice_line_label(self):
        label = '%s\n%s: %s' % (self.term_id.name, _('Domain'), ', '.join(self._domains()))
        if self.ca_order_number:
            label += '\n%s: %s' % (_('Comodo order'), self.ca_order_number)
        if self.renewal_of_id:
            label += '\n%s: %s\n%s: %s' % (_('Renews Comodo order'), self.renewal_of_id.ca_order_number,
                                           _('Period'), self.renewal_period)
        return label

    def _validate_invoices_if_configured(self):
        # A renewal's invoice is there to be paid before anything is ordered: always validated.
        if self.company_id.comodo_invoice_policy == 'open' or self.renewal_of_id:
            drafts = self.sudo().invoice_ids.filtered(lambda inv: inv.state == 'draft')
            shared = drafts.filtered(lambda inv: inv._comodo_bills_others(self))
            (drafts - shared).action_invoice_open()
            shared._queue_comodo_validation()

    def _placements_on_their_way(self):
        """These orders have a placement job (or the key job before it) queued or running."""
        jobs = self.env['queue.job'].sudo().search([
            ('model_name', '=', self._name), ('method_name', 'in', ('_job_make_key', '_job_place')),
            ('state', 'in', ('pending', 'enqueued', 'started'))])
        return bool(set(self.ids) & {record_id for job in jobs for record_id in job.record_ids})

    def _cancel_billing(self, reason):
        """Cancel a draft invoice; credit a posted one (reconciled with it while it is unpaid).

        As superuser: an SSL manager cancelling an order needs no accounting rights for it.
        """
        for invoice in self.sudo().invoice_ids.filtered(lambda inv: inv.type == 'out_invoice'):
            if invoice.state == 'draft' and invoice._comodo_bills_others(self):
                self._leave_shared_draft(invoice)
            elif invoice.state == 'draft':
                invoice.action_invoice_cancel()
            elif invoice.state in ('open', 'paid') and not self._credited(invoice):
                self._credit(invoice, reason)

    def _leave_shared_draft(self, invoice):
        """Take this certificate's lines off the sale's draft invoice; validated now if it only
        waited for this one."""
        invoice.invoice_line_ids.filtered(lambda line: line.comodo_order_id == self).unlink()
        invoice.compute_taxes()
        if not invoice._comodo_orders_to_place():
            (invoice.invoice_line_ids.mapped('comodo_order_id') - self)[:1]._validate_invoices_if_configured()

    def _credited(self, invoice):
        """A credit note already settles this certificate on `invoice`: any credit note of its own
        invoice, or one for this certificate of an invoice billing others too."""
        refunds = invoice.refund_invoice_ids
        if invoice._comodo_bills_others(self):
            refunds = refunds.filtered(lambda refund: refund.comodo_order_id == self)
        return bool(refunds)

    def _cancel_billing_words(self):
        """What _cancel_billing does to this order's invoices, one phrase each, for staff."""
        words = []
        for invoice in self.sudo().invoice_ids.filtered(lambda inv: inv.type == 'out_invoice'):
            if invoice.state == 'draft' and invoice._comodo_bills_others(self):
                words.append(_('its line is taken off the sale\'s draft invoice (not validated yet)'))
            elif invoice.state == 'draft':
                words.append(_('its draft invoice is cancelled (it was not validated yet)'))
            elif invoice.state == 'open' and not self._credited(invoice):
                words.append(_('invoice %s is credited (a credit note settles it, as it is unpaid)') % invoice.number)
            elif invoice.state == 'paid' and not self._credited(invoice):
                words.append(_('invoice %s is credited (it is paid: the credit note is owed to the customer)')
                             % invoice.number)
        return words

    def _credit(self, invoice, reason):
        refund = invoice.refund(description=reason)
        refund.comodo_order_id = self
        if invoice._comodo_bills_others(self):
            # The sale's invoice: the credit note credits this certificate's line, nothing else.
            refund.invoice_line_ids.filtered(lambda line: line.comodo_order_id != self).unlink()
            refund.compute_taxes()
        refund.action_invoice_open()
        if invoice.state == 'open':
            receivables = (invoice.move_id.line_ids | refund.move_id.line_ids).filtered(
                lambda line: line.account_id == invoice.account_id and not line.reconciled)
            receivables.reconcile()
        self.message_post(body=_('Credit note %s issued for invoice %s.') % (refund.number, invoice.number))

    @api.multi
    def action_view_invoices(self):
        action = self.env.ref('account.action_invoice_tree1').read()[0]
        action['domain'] = [('comodo_order_id', 'in', self.ids)]
        action['context'] = {'default_type': 'out_invoice'}
        return action

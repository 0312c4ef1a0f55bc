from odoo import _, api, fields, models
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import job

from .. import lifecycle
from ..lifecycle import CA_CHANNEL
from .comodo_certificate_order import STATES

# A sale's invoice waiting for a placement under way is looked at again this many seconds later,
# up to this many times (the placement of an order that waits longer queues it again).
VALIDATION_RETRY_SECONDS = 30
VALIDATION_MAX_RETRIES = 20


class AccountInvoice(models.Model):
    """Certificate invoices and credit notes point at their certificate order, for reconciliation."""

    _inherit = 'account.invoice'

    comodo_order_id = fields.Many2one('comodo.certificate.order', string='Certificate Order',
                                      readonly=True, copy=False, index=True, ondelete='set null')
    comodo_certificate_state = fields.Selection(
        STATES, string='Certificate State', related='comodo_order_id.status', store=True, readonly=True)
    comodo_ca_daily = fields.Boolean(
        string='Daily CA Bill', readonly=True, copy=False, index=True,
        help="The day's draft vendor bill (or refund) collecting what the CA charged (or gave back).")
    comodo_credited = fields.Boolean(
        string='Credited', compute='_compute_comodo_credited',
        help='A customer invoice settled by credit notes alone, or a credit note that settled customer '
             'invoices alone: "paid" would tell the customer money changed hands.')

    def _compute_comodo_credited(self):
        # Only the words change: the accounting state stays "paid".
        settling_type = {'out_invoice': 'out_refund', 'out_refund': 'out_invoice'}
        for invoice in self:
            settled_by = invoice.sudo().payment_move_line_ids
            invoice.comodo_credited = (
                invoice.type in settling_type and invoice.state == 'paid' and bool(settled_by)
                and all(line.invoice_id.type == settling_type[invoice.type] for line in settled_by))

    def _comodo_amount_paid(self):
        """What payments settled of this customer invoice, in its currency: credit notes
        reconciled with it are not payments."""
        self.ensure_one()
        refunds = self.sudo().payment_move_line_ids.mapped('invoice_id').filtered(
            lambda invoice: invoice.type == 'out_refund')
        return sum(value['amount'] for value in self.sudo()._get_payments_vals()
                   if value['invoice_id'] not in refunds.ids)

    def _comodo_bills_others(self, order):
        """This invoice bills certificates other than `order` (one invoice for a whole sale).

        Counted in the database: a placement asks this of its sale's invoice, and reading every
        line with its certificate order made each of a sale's N placements cost O(N)."""
        self.ensure_one()
        return bool(self.env['account.invoice.line'].sudo().search_count([
            ('invoice_id', '=', self.id), ('comodo_order_id', '!=', False), ('comodo_order_id', '!=', order.id)]))

    def _comodo_untaxed_for(self, order):
        """What this invoice bills for `order`, untaxed: all of it, or that certificate's lines
        of a sale's invoice."""
        if not self._comodo_bills_others(order):
            return self.amount_untaxed
        return sum(self.invoice_line_ids.filtered(lambda line: line.comodo_order_id == order).mapped('price_subtotal'))

    def _comodo_orders_to_place(self):
        """The certificates this invoice bills that Comodo has not taken yet: a sale's invoice is
        validated once each line can name its CA order."""
        return self.invoice_line_ids.mapped('comodo_order_id').filtered(
            lambda order: order.state in lifecycle.TO_PLACE and not order.ca_order_number)

    def _queue_comodo_validation(self):
        """Validate these sale invoices once Comodo has taken each of their certificates, in a job
        of its own: two placements finishing together each see the other unplaced in their own
        transaction, while the job runs after both (behind the placements of its channel)."""
        for invoice in self.sudo():
            invoice.with_delay(channel=CA_CHANNEL, priority=20, identity_key='comodo-sale-invoice-%d' % invoice.id,
                               max_retries=VALIDATION_MAX_RETRIES,
                               description=_('Comodo: validate invoice of %s') % invoice.origin,
                               )._job_validate_comodo_invoice()

    @job(default_channel=CA_CHANNEL)
    def _job_validate_comodo_invoice(self):
        # The row lock orders two of these jobs: the second one finds the invoice validated.
        self.env.cr.execute('SELECT id FROM account_invoice WHERE id = %s FOR UPDATE', [self.id])
        self.invalidate_cache()
        if self.state != 'draft':
            return _('Nothing to do: the invoice is %s') % self.state
        waiting = self._comodo_orders_to_place()
        words = _('Waiting for Comodo to take %s') % ', '.join(waiting.mapped('name'))
        if waiting._placements_on_their_way():
            # A placement running now, unseen by this transaction, may have found this job queued
            # and left the validation to it: looked at again once that placement is committed.
            raise RetryableJobError(words, seconds=VALIDATION_RETRY_SECONDS)
        if waiting:
            # Refused by Comodo, or not placed yet: the order's placement queues this again.
            return words
        self.action_invoice_open()
        return _('Validated')

    @api.multi
    def action_invoice_paid(self):
        result = super(AccountInvoice, self).action_invoice_paid()
        # "Order from Comodo when the invoice is paid": this is that moment.
        paid = self.filtered(lambda invoice: invoice.type == 'out_invoice' and invoice.state == 'paid').sudo()
        (paid.mapped('comodo_order_id') | paid.mapped('invoice_line_ids.comodo_order_id'))._on_invoice_paid()
        return result


class AccountInvoiceLine(models.Model):
    """A certificate's invoice line names its certificate order: one invoice may bill a whole sale,
    and a rejection credits that certificate's line alone."""

    _inherit = 'account.invoice.line'

    comodo_order_id = fields.Many2one('comodo.certificate.order', string='Certificate Order',
                                      readonly=True, index=True, ondelete='set null')

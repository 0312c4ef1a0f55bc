from odoo import api, fields, models

from .comodo_certificate_order import STATES


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

    @api.multi
    def action_invoice_paid(self):
        result = super(AccountInvoice, self).action_invoice_paid()
        # "Order from Comodo when the invoice is paid": this is that moment.
        paid = self.filtered(lambda invoice: invoice.type == 'out_invoice' and invoice.state == 'paid')
        paid.sudo().mapped('comodo_order_id')._on_invoice_paid()
        return result

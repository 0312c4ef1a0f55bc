from odoo import api, models


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    @api.multi
    def action_confirm(self):
        certificate_lines = self.mapped('order_line').filtered('comodo_term_id')
        certificate_lines.mapped('order_id.partner_id')._check_comodo_ssl()
        certificate_lines._check_comodo_line_complete()
        result = super(SaleOrder, self).action_confirm()
        certificate_lines.filtered(lambda line: not line.comodo_order_ids)._create_comodo_orders()
        return result

    def _invoice_comodo_line(self, line):
        """Each certificate gets its own invoice: one billing entry to cancel or credit on its own."""
        invoice = self.env['account.invoice'].create(self._prepare_invoice())
        line.invoice_line_create(invoice.id, line.qty_to_invoice)
        invoice.compute_taxes()
        return invoice


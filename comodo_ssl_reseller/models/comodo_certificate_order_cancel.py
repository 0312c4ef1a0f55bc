from odoo import _, api, fields, models


class ComodoCertificateOrderCancel(models.TransientModel):
    """The question the Cancel button asks: what cancelling the orders does (at Comodo, and to
    their invoices), cancelling nothing until the person confirms."""

    _name = 'comodo.certificate.order.cancel'
    _description = 'Cancel Certificate Orders'

    order_ids = fields.Many2many('comodo.certificate.order', string='Certificate Orders', required=True,
                                 readonly=True)
    consequences = fields.Text(compute='_compute_consequences', readonly=True)

    @api.depends('order_ids')
    def _compute_consequences(self):
        for dialog in self:
            # As superuser: an SSL manager need not read invoices to be told what happens to them.
            dialog.consequences = '\n\n'.join(order._cancel_consequences() for order in dialog.order_ids.sudo())

    @api.multi
    def action_confirm(self):
        self.ensure_one()
        self.order_ids.action_cancel()
        for order in self.order_ids:
            self.env.user.notify_info(_('%s is cancelled.') % order.name, title=_('Certificate order cancelled'))
        return {'type': 'ir.actions.act_window_close'}

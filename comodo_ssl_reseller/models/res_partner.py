from odoo import _, fields, models
from odoo.exceptions import UserError

from ..exceptions import ComodoRefusal


class ResPartner(models.Model):
    """What a customer may do with SSL follows from the hosting plans it holds."""

    _inherit = 'res.partner'

    def _running_hosting_plans(self):
        """The plans of the customer's (its company's) subscriptions running today."""
        self.ensure_one()
        subscriptions = self.env['account.analytic.account'].sudo().search([
            ('partner_id', 'child_of', self.commercial_partner_id.id),
            ('hosting_plan_id', '!=', False),
            ('recurring_invoices', '=', True),
            ('date_start', '<=', fields.Date.context_today(self)),
            '|', ('date_end', '=', False), ('date_end', '>=', fields.Date.context_today(self)),
        ])
        return subscriptions.mapped('hosting_plan_id')

    def _ssl_plans(self):
        return self._running_hosting_plans().filtered('ssl_module')

    def _comodo_ssl_plans(self):
        return self._ssl_plans().filtered('comodo_ssl')

    def _check_ssl_module(self):
        """Refuse any SSL action, with the reason, when no plan of the customer has the SSL module."""
        for partner in self:
            if not partner._ssl_plans():
                raise ComodoRefusal(_('%s cannot use SSL: none of its hosting plans includes the '
                                      'SSL module.') % partner.commercial_partner_id.display_name)

    def _check_comodo_ssl(self):
        """Refuse buying Comodo certificates, with the reason, unless a plan allows it."""
        self._check_ssl_module()
        for partner in self:
            if not partner._comodo_ssl_plans():
                raise ComodoRefusal(_('%s cannot buy Comodo certificates: none of its hosting '
                                      'plans includes Comodo SSL.') % partner.commercial_partner_id.display_name)

    def _check_comodo_unpaid_limit(self):
        """Refuse another portal purchase while the customer has too many unpaid certificates."""
        self.ensure_one()
        limit = self.env.user.company_id.comodo_max_unpaid_orders
        if not limit:
            return
        orders = self.env['comodo.certificate.order'].sudo().search([
            ('partner_id', 'child_of', self.commercial_partner_id.id),
            ('state', 'not in', ('rejected', 'cancelled', 'revoked')),
        ])
        unpaid = orders.filtered(lambda order: order.invoice_ids.filtered(
            lambda invoice: invoice.type == 'out_invoice' and invoice.state in ('draft', 'open')))
        if len(unpaid) >= limit:
            raise UserError(_('You have %d certificates whose invoice is not paid yet. Please pay them '
                              '(Your Documents > Invoices) before buying another one.') % len(unpaid))

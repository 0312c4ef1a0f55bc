from odoo import models


class AccountAnalyticContractLine(models.Model):
    _inherit = 'account.analytic.contract.line'

    def _prepare_subscription_line(self):
        """The values of a subscription's line copied from this plan (contract template) line."""
        self.ensure_one()
        return {
            'product_id': self.product_id.id,
            'name': self.name,
            'quantity': self.quantity,
            'uom_id': self.uom_id.id,
            'automatic_price': self.automatic_price,
            'specific_price': self.specific_price,
            'discount': self.discount,
            'sequence': self.sequence,
        }

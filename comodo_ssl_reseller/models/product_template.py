from odoo import fields, models


class ProductTemplate(models.Model):
    """A certificate term is sold through its own service product."""

    _inherit = 'product.template'

    comodo_term_id = fields.Many2one(
        'comodo.certificate.term', string='Comodo Certificate Term', readonly=True, index=True,
        ondelete='restrict')
    comodo_type_id = fields.Many2one(
        related='comodo_term_id.type_id', store=True, readonly=True, string='Comodo Certificate Type')
    comodo_days = fields.Integer(
        related='comodo_term_id.days', store=True, readonly=True, string='Comodo Term (days)')

from odoo import fields, models
from odoo.addons import decimal_precision as dp


class HostingPlanCertificatePrice(models.Model):
    """A plan's own price for a certificate term, instead of the reseller price."""

    _name = 'hosting.plan.certificate.price'
    _description = 'Hosting Plan Certificate Price'
    _order = 'plan_id, term_id'

    plan_id = fields.Many2one('hosting.plan', required=True, ondelete='cascade', index=True)
    term_id = fields.Many2one('comodo.certificate.term', string='Certificate', required=True,
                              ondelete='cascade', domain=[('available', '=', True)])
    reseller_price = fields.Float(related='term_id.reseller_price', readonly=True, string='Default Sale Price',
                                  group_operator=False)
    price = fields.Float(string="Plan's Sale Price", required=True, digits=dp.get_precision('Product Price'),
                         group_operator=False, help='What customers on this plan pay for the term.')

    _sql_constraints = [
        ('plan_term_unique', 'unique(plan_id, term_id)', 'A plan prices each certificate term once.'),
        ('price_not_negative', 'CHECK(price >= 0)', 'A price cannot be negative.'),
    ]

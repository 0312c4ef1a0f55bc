from odoo import fields, models


class AccountAnalyticAccount(models.Model):
    _inherit = 'account.analytic.account'

    hosted_domain_ids = fields.One2many('comodo.hosted.domain', 'subscription_id', string='Hosted Domains',
                                        help='The domains this hosting holds: certificates are sold for them.')

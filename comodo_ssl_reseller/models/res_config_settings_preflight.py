from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    comodo_preflight_scope = fields.Selection(related='company_id.comodo_preflight_scope')

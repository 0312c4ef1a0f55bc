from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = 'res.partner'

    hosted_domain_ids = fields.One2many('comodo.hosted.domain', 'partner_id', string='Hosted Domains')
    hosted_domain_count = fields.Integer(compute='_compute_hosted_domain_count', string='Domains')

    def _compute_hosted_domain_count(self):
        for partner in self:
            partner.hosted_domain_count = self.env['comodo.hosted.domain'].search_count(
                [('partner_id', 'child_of', partner.commercial_partner_id.id)])

    @api.multi
    def action_view_hosted_domains(self):
        """The customer's hosted domains (its smart button): the company's and its contacts'."""
        self.ensure_one()
        action = self.env.ref('comodo_ssl_reseller.comodo_hosted_domain_action').read()[0]
        action.update({
            'domain': [('partner_id', 'child_of', self.commercial_partner_id.id)],
            'context': {'default_partner_id': self.commercial_partner_id.id},
        })
        return action

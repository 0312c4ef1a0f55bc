from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    comodo_allow_external_domains = fields.Boolean(
        string='Allow Certificates for Domains Hosted Elsewhere', default=True,
        help='Customers may also order certificates for names no customer\'s hosting holds here. '
             'Nothing is installed or validated automatically for them: the customer validates the '
             'domain with the certificate authority. Never with the Certificate Manager API, whose '
             'pre-validated domains would let anyone get a certificate for them.')

    def _comodo_allows_external_domains(self):
        self.ensure_one()
        return self.comodo_allow_external_domains and self.comodo_api_type == 'reseller'


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    comodo_allow_external_domains = fields.Boolean(related='company_id.comodo_allow_external_domains')

from odoo import fields, models

PREFLIGHT_SCOPES = [
    ('hosted', 'Names on our DNS servers'),
    ('all', 'Every name'),
    ('off', 'Never'),
]


class ResCompany(models.Model):
    _inherit = 'res.company'

    comodo_preflight_scope = fields.Selection(
        PREFLIGHT_SCOPES, string='Pre-flight Before Ordering', required=True, default='hosted',
        help='Which names are checked as the CA will check them (the name resolves, CAA allows Sectigo, '
             'the DNSSEC chain validates) before an order or a reissue goes to the CA; an order that '
             'fails waits, is checked again, and goes to the CA by itself once the cause is fixed. Names '
             'on our DNS servers (a hosted domain whose zone is known there) are asked at that server; '
             'every other name through the resolver the pre-flight\'s system parameters name.')

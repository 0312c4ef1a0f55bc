from odoo import fields, models


class ComodoCertificateOrder(models.Model):
    """The hosted domain an order's certificate is for: it says where the certificate is installed
    and where the proof of control is published."""

    _inherit = 'comodo.certificate.order'

    hosted_domain_id = fields.Many2one(
        'comodo.hosted.domain', string='Hosted Domain', readonly=True, index=True, ondelete='restrict',
        help='The customer\'s hosted domain for the certificate\'s name; empty for a name hosted '
             'elsewhere.')

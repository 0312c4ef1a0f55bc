from odoo import api, fields, models


class ComodoCertificateOrder(models.Model):
    """The hosted domain an order's certificate is for: it says where the certificate is installed
    and where the proof of control is published."""

    _inherit = 'comodo.certificate.order'

    hosted_domain_id = fields.Many2one(
        'comodo.hosted.domain', string='Hosted Domain', readonly=True, index=True, ondelete='restrict',
        help='The customer\'s hosted domain for the certificate\'s name; empty for a name hosted '
             'elsewhere.')

    @api.model
    def create(self, vals):
        order = super(ComodoCertificateOrder, self).create(vals)
        # Whatever made the order (a sale, a renewal, a script), its names pass the same rule.
        order.hosted_domain_id = order._check_held_names()
        return order

    def _check_held_names(self, domains=None):
        """The hosted domain for the order's names (or `domains`, e.g. a corrected one), once each
        is one the customer may order a certificate for; else a refusal."""
        self.ensure_one()
        return self.env['comodo.hosted.domain']._check_certificate_names(
            self.partner_id, self.company_id, domains or self._domains())

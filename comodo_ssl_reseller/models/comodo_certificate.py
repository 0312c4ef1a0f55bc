from datetime import datetime

from odoo import api, fields, models

CERTIFICATE_STATES = [
    ('issued', 'Issued'),
    ('installed', 'Installed'),
    ('superseded', 'Superseded'),
    ('revoked', 'Revoked'),
    ('expired', 'Expired'),
]
# A certificate in one of these may be served on a web site.
LIVE_STATES = ('issued', 'installed')


class ComodoCertificate(models.Model):
    """One certificate issued inside a certificate order's term.

    The order is what the customer bought (type, term, price, invoice); since certificates may
    last at most 200 days (CA/Browser Forum ballot SC-081v3, shorter from 2027), a term of one or
    two years holds several of them: the first, then each free reissue (same CA order number, new
    key and serial).
    """

    _name = 'comodo.certificate'
    _description = 'Certificate Issued in a Term'
    _order = 'valid_from desc, id desc'
    _rec_name = 'serial_number'

    order_id = fields.Many2one('comodo.certificate.order', string='Certificate Order', required=True,
                               readonly=True, index=True, ondelete='cascade')
    partner_id = fields.Many2one(related='order_id.partner_id', store=True, readonly=True)
    domain = fields.Char(related='order_id.domain', readonly=True)
    ca_order_number = fields.Char(related='order_id.ca_order_number', readonly=True)
    state = fields.Selection(CERTIFICATE_STATES, default='issued', required=True, readonly=True,
                             index=True)
    serial_number = fields.Char(readonly=True)
    certificate_pem = fields.Text(string='Certificate', readonly=True)
    chain_pem = fields.Text(string='CA Chain', readonly=True)
    valid_from = fields.Datetime(readonly=True)
    valid_until = fields.Datetime(readonly=True, index=True)
    issued_at = fields.Datetime(readonly=True)

    @api.model
    def _cron_expire(self, now=None):
        """Live certificates whose end has passed are shown expired (`now`: tests travel in time)."""
        now = now or datetime.utcnow()
        expired = self.search([('state', 'in', LIVE_STATES),
                               ('valid_until', '<=', fields.Datetime.to_string(now))])
        expired.write({'state': 'expired'})
        return expired

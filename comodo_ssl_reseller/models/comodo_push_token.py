import hmac
import secrets

from odoo import api, fields, models

PUSH_PATH = '/comodo/push/'


def _new_token():
    return secrets.token_urlsafe(32)


def tokens_match(expected, given):
    """Constant-time comparison of a stored token with one from a request, whatever it holds.

    Compared as UTF-8 bytes: Odoo's consteq (hmac.compare_digest on str) raises TypeError for a
    non-ASCII str, which would turn a caller's odd token into an error page instead of a refusal.
    """
    if not isinstance(expected, str) or not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.encode('utf-8'), given.encode('utf-8', 'surrogatepass'))


class ComodoPushToken(models.Model):
    """The secret in the URL Sectigo calls when one of the company's orders changes status.

    Sectigo's certificate issuance push carries no signature: the secret path is what tells its
    calls from anyone's. Only settings administrators may read it (this model's access list).
    """

    _name = 'comodo.push.token'
    _description = 'Comodo Status Push Token'
    _rec_name = 'company_id'

    company_id = fields.Many2one('res.company', required=True, ondelete='cascade',
                                 default=lambda self: self.env.user.company_id)
    token = fields.Char(required=True, copy=False, default=lambda self: _new_token())
    push_url = fields.Char(string='Push URL', compute='_compute_push_url',
                           help='Give this URL to your Sectigo account manager for the certificate '
                                'issuance push.')

    _sql_constraints = [
        ('company_unique', 'unique(company_id)', 'A company has one push URL.'),
    ]

    @api.depends('token')
    def _compute_push_url(self):
        base_url = self.env['ir.config_parameter'].sudo().get_param('web.base.url', '')
        for record in self:
            record.push_url = '%s%s%s' % (base_url.rstrip('/'), PUSH_PATH, record.token)

    @api.multi
    def action_regenerate(self):
        """A new secret: the old URL stops working at once."""
        for record in self:
            record.token = _new_token()
        return True

    @api.model
    def _company_for_token(self, token):
        """The company whose push token this is, or an empty recordset; compares in constant time
        (every token is compared, so the time says nothing about which one nearly matched)."""
        found = self.env['res.company']
        for record in self.sudo().search([]):
            if tokens_match(record.token, token) and not found:
                found = record.company_id
        return found

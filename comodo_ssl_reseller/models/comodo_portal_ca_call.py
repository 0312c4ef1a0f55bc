from datetime import datetime, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

# Namespace of the advisory lock that makes a customer's calls count one at a time.
RATE_LOCK_NAMESPACE = 0x434f4d4f  # "COMO"
WINDOW = timedelta(hours=1)


class ComodoPortalCaCall(models.Model):
    """A portal action of a customer that called Comodo: the hourly limit counts these.

    Each such call costs the reseller a request on its account (and Comodo limits resellers), so a
    customer scripting the portal must not be able to make them without end.
    """

    _name = 'comodo.portal.ca.call'
    _description = 'Portal Call to Comodo'
    _order = 'id desc'

    partner_id = fields.Many2one('res.partner', string='Customer', required=True, index=True,
                                 ondelete='cascade')
    action = fields.Char(required=True)
    # The company whose reseller account the call uses (the customer's): its staff read its calls only.
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True, ondelete='cascade')

    @api.model
    def _reserve(self, partner, action):
        """Count one call to Comodo for the customer's company, or refuse it (UserError, nothing
        written) when the hour's limit is reached."""
        customer = partner.commercial_partner_id
        company = self.env.user.company_id  # the customer's: the portal calls this as the customer
        limit = company.comodo_portal_ca_calls_per_hour
        if not limit:
            return
        # Two requests of one customer at once must not both take the last call of the hour.
        self.env.cr.execute('SELECT pg_advisory_xact_lock(%s, %s)', (RATE_LOCK_NAMESPACE, customer.id))
        since = fields.Datetime.to_string(datetime.utcnow() - WINDOW)
        calls = self.sudo().search([('partner_id', '=', customer.id)])
        recent = calls.filtered(lambda call: call.create_date >= since)
        if len(recent) >= limit:
            raise UserError(_('You have reached the limit of %d requests to the certificate authority '
                              'in an hour. Please try again later.') % limit)
        (calls - recent).unlink()
        self.sudo().create({'partner_id': customer.id, 'action': action, 'company_id': company.id})

from odoo import _, fields, models
from odoo.exceptions import AccessError

from ..comodo_client import ComodoError
from ..exceptions import ComodoRefusal
from .res_company import RESELLER_PROGRAM_URL


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    comodo_api_type = fields.Selection(related='company_id.comodo_api_type')
    # Read as the user, not as superuser (related fields' default): the company's fields then
    # apply their own group checks to whoever opens the settings.
    comodo_wsdl_url = fields.Char(related='company_id.comodo_wsdl_url', related_sudo=False)
    comodo_customer_uri = fields.Char(related='company_id.comodo_customer_uri', related_sudo=False)
    comodo_org_id = fields.Integer(related='company_id.comodo_org_id', related_sudo=False)
    comodo_secret_key = fields.Char(related='company_id.comodo_secret_key', related_sudo=False,
                                    groups='base.group_system')
    comodo_login = fields.Char(related='company_id.comodo_login', related_sudo=False)
    comodo_password = fields.Char(related='company_id.comodo_password', related_sudo=False,
                                  groups='base.group_system')
    comodo_api_url = fields.Char(related='company_id.comodo_api_url', related_sudo=False)
    comodo_test_mode = fields.Boolean(related='company_id.comodo_test_mode')
    comodo_timeout = fields.Integer(related='company_id.comodo_timeout')
    comodo_invoice_policy = fields.Selection(related='company_id.comodo_invoice_policy')
    comodo_poll_interval_hours = fields.Integer(related='company_id.comodo_poll_interval_hours')
    comodo_timeout_hours = fields.Integer(related='company_id.comodo_timeout_hours')
    comodo_reissue_days = fields.Integer(related='company_id.comodo_reissue_days')
    comodo_renewal_days = fields.Integer(related='company_id.comodo_renewal_days')
    comodo_order_trigger = fields.Selection(related='company_id.comodo_order_trigger')
    comodo_keep_private_keys = fields.Boolean(related='company_id.comodo_keep_private_keys')
    comodo_max_unpaid_orders = fields.Integer(related='company_id.comodo_max_unpaid_orders')
    comodo_max_free_orders = fields.Integer(related='company_id.comodo_max_free_orders')
    comodo_portal_ca_calls_per_hour = fields.Integer(related='company_id.comodo_portal_ca_calls_per_hour')
    comodo_reseller_program_url = fields.Char(
        string='Comodo Reseller Program',
        default=RESELLER_PROGRAM_URL,
        readonly=True)

    def action_comodo_test_connection(self):
        """Ask Comodo for a one-line report: it checks the login without ordering anything."""
        self.ensure_one()
        # The button is also reachable over RPC: it sends the reseller password to the CA.
        if not self.env.user.has_group('base.group_system'):
            raise AccessError(_('Only settings administrators may test the Comodo connection.'))
        try:
            with self.company_id._comodo_client() as client:
                client.check_login()
        except ComodoError as error:
            raise ComodoRefusal(_('Comodo refused the connection: %s') % error)
        # A success is news, not an error: a notification (OCA web_notify), not an error dialog.
        self.env.user.notify_info(_('Connection to Comodo succeeded: the reseller login is accepted.'),
                                  title=_('Comodo SSL'))
        return True

    # -- the CA as a vendor (issue 16) ---------------------------------------------------------------
    comodo_ca_partner_id = fields.Many2one(related='company_id.comodo_ca_partner_id')
    comodo_ca_currency_id = fields.Many2one(related='company_id.comodo_ca_currency_id')
    comodo_refund_window_days = fields.Integer(related='company_id.comodo_refund_window_days')

    def action_comodo_rotate_encryption(self):
        """Re-encrypt every key and password with the first key of comodo_key_encryption_key."""
        self.ensure_one()
        if not self.env.user.has_group('base.group_system'):
            raise AccessError(_('Only settings administrators may re-encrypt the secrets.'))
        count = self.env['comodo.encryption']._rotate()
        self.env.user.notify_info(_('%d secrets re-encrypted with the current key.') % count)

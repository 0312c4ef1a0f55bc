from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..comodo_client import ComodoError
from ..exceptions import ComodoRefusal
from .res_company import API_TYPES, CONNECTION_KEYS, RESELLER_PROGRAM_URL

SECRET_FIELDS = ('comodo_password', 'comodo_secret_key')


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    # The connection to the CA is kept here until Save (set_values) writes it to the company: Test
    # connection tries what is typed, and Discard leaves the stored account as it was. (Related
    # fields would write the company as soon as the web client saves the settings, which it does
    # before running any of their buttons.)
    comodo_api_type = fields.Selection(API_TYPES, string='Comodo API')
    comodo_wsdl_url = fields.Char(string='Certificate Manager WSDL')
    comodo_customer_uri = fields.Char(string='Customer URI')
    comodo_org_id = fields.Integer(string='Organization ID')
    # Never sent to the browser; left empty, the stored one is kept (and tested).
    comodo_secret_key = fields.Char(string='Organization Secret Key', groups='base.group_system')
    comodo_login = fields.Char(string='Comodo Reseller Login')
    comodo_password = fields.Char(string='Comodo Reseller Password', groups='base.group_system')
    comodo_password_stored = fields.Boolean(readonly=True)
    comodo_connection_result = fields.Char(readonly=True, help='What the last Test connection found.')
    comodo_api_url = fields.Char(string='Comodo API URL')
    comodo_test_mode = fields.Boolean(string='Comodo Test Mode')
    comodo_timeout = fields.Integer(string='Comodo Request Timeout')
    comodo_invoice_policy = fields.Selection(related='company_id.comodo_invoice_policy')
    comodo_invoice_grouping = fields.Selection(related='company_id.comodo_invoice_grouping')
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

    @api.model
    def get_values(self):
        values = super(ResConfigSettings, self).get_values()
        company = self.env.user.company_id
        values.update({name: company[name] for name in CONNECTION_KEYS if name not in SECRET_FIELDS})
        values['comodo_password_stored'] = bool(company.sudo()._comodo_connection()['password'])
        return values

    def set_values(self):
        super(ResConfigSettings, self).set_values()
        self.company_id.write({name: self[name] for name in self._comodo_typed_connection()})

    def _comodo_typed_connection(self):
        """The connection's fields as typed: the secrets only where something was typed."""
        return [name for name in CONNECTION_KEYS if name not in SECRET_FIELDS or self[name]]

    def action_comodo_test_connection(self):
        """Ask Comodo for a one-line report with what is typed: it checks the login without
        ordering anything, and nothing is saved."""
        self.ensure_one()
        # The button is also reachable over RPC: it sends the reseller password to the CA.
        if not self.env.user.has_group('base.group_system'):
            raise AccessError(_('Only settings administrators may test the Comodo connection.'))
        typed = {CONNECTION_KEYS[name]: self[name] for name in self._comodo_typed_connection()}
        try:
            with self.company_id._comodo_client(**typed) as client:
                client.check_login()
        except ComodoError as error:
            raise ComodoRefusal(_('Comodo refused the connection: %s. Nothing was saved: the stored '
                                  'settings are unchanged.') % error)
        # A success is news, not an error: said beside the button and in a notification (OCA
        # web_notify), not in an error dialog.
        result = _('Connection to Comodo succeeded: the reseller login is accepted. Press Save to keep '
                   'these settings.')
        self.comodo_connection_result = result
        self.env.user.notify_info(result, title=_('Comodo SSL'))
        return True

    # -- the CA as a vendor: its charges become vendor bills ------------------------------------------
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

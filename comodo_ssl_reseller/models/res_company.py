from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..comodo_client import ComodoClient, ComodoSoapClient

COMODO_PRODUCTION_URL = 'https://secure.trust-provider.com/products/'
CERTIFICATE_MANAGER_WSDL = 'https://cert-manager.com/ws/EPKIManagerSSL?wsdl'
API_TYPES = [
    ('reseller', 'Web Host Reseller API'),
    ('certificate_manager', 'Certificate Manager (SOAP)'),
]
RESELLER_PROGRAM_URL = 'https://www.sectigo.com/partners'


class ResCompany(models.Model):
    """The company's Comodo Web Host Reseller account: the customers never see it."""

    _inherit = 'res.company'

    comodo_api_type = fields.Selection(
        API_TYPES, string='Comodo API', default='reseller', required=True,
        help='The Web Host Reseller API (the reseller programme), or the Certificate Manager SOAP '
             'service of an enterprise account. The Certificate Manager cannot validate domains '
             'for customers nor find an order whose answer was lost: its orders that get no '
             'answer are left to a person.')
    comodo_login = fields.Char(
        string='Comodo Reseller Login',
        help='The login of your Comodo (Sectigo) Web Host Reseller account.')
    comodo_password = fields.Char(
        string='Comodo Reseller Password',
        groups='base.group_system',
        copy=False)
    comodo_api_url = fields.Char(
        string='Comodo API URL',
        default=COMODO_PRODUCTION_URL,
        required=True,
        help='Base URL of the Comodo reseller API (ends with /products/). '
             'Point it at the local sandbox CA to try the product without ordering for real.')
    comodo_wsdl_url = fields.Char(
        string='Certificate Manager WSDL', default=CERTIFICATE_MANAGER_WSDL,
        help='The EPKIManagerSSL WSDL; its calls go to the same address without "?wsdl".')
    comodo_customer_uri = fields.Char(
        string='Customer URI', help='The customer slug of your Certificate Manager URL (/customer/<slug>).')
    comodo_org_id = fields.Integer(string='Organization ID')
    comodo_secret_key = fields.Char(string='Organization Secret Key', groups='base.group_system', copy=False)
    comodo_test_mode = fields.Boolean(
        string='Comodo Test Mode',
        help='Send test=Y with each order: Comodo does not bill test orders and signs them with '
             'an untrusted chain. Comodo must enable test mode on your account.')
    comodo_timeout = fields.Integer(
        string='Comodo Request Timeout',
        default=30,
        help='Seconds to wait for each answer from Comodo before retrying later.')

    comodo_invoice_policy = fields.Selection(
        [('draft', 'Leave in draft'), ('open', 'Validate')],
        string='Certificate Invoices',
        default='open',
        required=True,
        help='Certificate lines are invoiced when the sale is confirmed; the invoice names the CA '
             'order number once Comodo has taken the order, and is then validated or left in draft.')
    comodo_poll_interval_hours = fields.Integer(
        string='Poll Interval (hours)',
        default=4,
        help='How long to wait between two checks of a pending order. Comodo asks for no more than '
             'one check every three hours.')
    comodo_timeout_hours = fields.Integer(
        string='Give Up After (hours)',
        default=48,
        help='An order undecided after this long is marked timed out and no longer polled until reset.')

    @api.constrains('comodo_timeout')
    def _check_comodo_timeout(self):
        for company in self:
            if not 1 <= company.comodo_timeout <= 600:
                raise ValidationError(_('The Comodo request timeout must be between 1 and 600 seconds.'))

    @api.constrains('comodo_poll_interval_hours', 'comodo_timeout_hours')
    def _check_comodo_polling(self):
        for company in self:
            if company.comodo_poll_interval_hours < 1 or company.comodo_timeout_hours < 1:
                raise ValidationError(_('The poll interval and the time-out are at least one hour.'))

    def _comodo_client(self):
        """The CA client for this company's reseller account: the one entry point to Comodo."""
        self.ensure_one()
        account = self.sudo()
        if not account.comodo_login or not account.comodo_password:
            raise UserError(_('Enter the Comodo reseller login and password in '
                              'Settings > Comodo SSL first.'))
        if account.comodo_api_type == 'certificate_manager':
            return ComodoSoapClient(
                account.comodo_wsdl_url,
                account.comodo_login,
                account.comodo_password,
                account.comodo_customer_uri,
                org_id=account.comodo_org_id,
                secret_key=account.comodo_secret_key,
                timeout=account.comodo_timeout,
            )
        return ComodoClient(
            account.comodo_api_url,
            account.comodo_login,
            account.comodo_password,
            timeout=account.comodo_timeout,
            test_mode=account.comodo_test_mode,
        )

    # -- the CA as a vendor (issue 16) ---------------------------------------------------------------
    comodo_ca_partner_id = fields.Many2one(
        'res.partner', string='CA Vendor',
        help='The partner the CA charges come from (e.g. Sectigo Ltd): each charge is a line on '
             'that day\'s draft vendor bill from this partner.')
    comodo_ca_currency_id = fields.Many2one(
        'res.currency', string='CA Currency',
        help='The currency of the reseller account at the CA, in which it states its costs. '
             'Empty: the company\'s currency.')
    comodo_refund_window_days = fields.Integer(
        string='CA Refund Window (days)', default=30,
        help='A rejected or cancelled order placed less than this many days ago is refunded by the '
             'CA (!AutoRefund); after that the CA keeps the charge.')

    @api.constrains('comodo_refund_window_days')
    def _check_comodo_refund_window_days(self):
        for company in self:
            if company.comodo_refund_window_days < 0:
                raise ValidationError(_('The CA refund window cannot be negative.'))

    def _comodo_ca_currency(self):
        self.ensure_one()
        return self.comodo_ca_currency_id or self.currency_id

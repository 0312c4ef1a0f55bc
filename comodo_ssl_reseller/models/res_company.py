from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..comodo_client import ComodoClient, ComodoSoapClient
from ..exceptions import ComodoRefusal

# Company field -> (account field, the group that may read it). Staff may see where and as whom
# we order; only settings administrators see the secrets. Writing any of them is theirs alone.
ACCOUNT_FIELDS = {
    'comodo_login': ('login', 'base.group_user'),
    'comodo_api_url': ('api_url', 'base.group_user'),
    'comodo_wsdl_url': ('wsdl_url', 'base.group_user'),
    'comodo_customer_uri': ('customer_uri', 'base.group_user'),
    'comodo_org_id': ('org_id', 'base.group_user'),
    'comodo_password': ('password', 'base.group_system'),
    'comodo_secret_key': ('secret_key', 'base.group_system'),
}
ACCOUNT_WRITERS = 'base.group_system'
# Company field -> its key in a connection to the CA (res.company._comodo_client): the account's
# fields and the company's own.
CONNECTION_KEYS = dict({name: account_field for name, (account_field, _group) in ACCOUNT_FIELDS.items()},
                       comodo_api_type='api_type', comodo_test_mode='test_mode', comodo_timeout='timeout')


def _account_field(field_type, name, **attrs):
    """A company field showing a value of its comodo.reseller.account, guarded by its group.

    Each has its own inverse: the fields share one compute, which would overwrite the other
    fields' new values if one inverse read them all.
    """
    def inverse(companies):
        companies._write_comodo_account(name)
    return field_type(compute='_compute_comodo_account', inverse=inverse, search='_search_comodo_account',
                      groups=ACCOUNT_FIELDS[name][1], **attrs)


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
    # The account at the CA lives in comodo.reseller.account (see there why); these fields show it.
    comodo_login = _account_field(
        fields.Char, 'comodo_login', string='Comodo Reseller Login',
        help='The login of your Comodo (Sectigo) Web Host Reseller account.')
    comodo_password = _account_field(fields.Char, 'comodo_password', string='Comodo Reseller Password')
    comodo_api_url = _account_field(
        fields.Char, 'comodo_api_url', string='Comodo API URL',
        help='Base URL of the Comodo reseller API (ends with /products/). Point it at the local '
             'sandbox CA to try the product without ordering for real. Anything but https:// is '
             'refused unless test mode is on: the password would travel in clear.')
    comodo_wsdl_url = _account_field(
        fields.Char, 'comodo_wsdl_url', string='Certificate Manager WSDL',
        help='The EPKIManagerSSL WSDL; its calls go to the same address without "?wsdl".')
    comodo_customer_uri = _account_field(
        fields.Char, 'comodo_customer_uri', string='Customer URI',
        help='The customer slug of your Certificate Manager URL (/customer/<slug>).')
    comodo_org_id = _account_field(fields.Integer, 'comodo_org_id', string='Organization ID')
    comodo_secret_key = _account_field(fields.Char, 'comodo_secret_key', string='Organization Secret Key')
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
    comodo_invoice_grouping = fields.Selection(
        [('certificate', 'One invoice per certificate'), ('sale', 'One invoice per sale')],
        string='Certificates per Invoice',
        default='certificate',
        required=True,
        help='One invoice per sale bills all the certificates of a sale together, a line each (faster '
             'for sales of many certificates); it is validated once Comodo has taken every one of them. '
             'A certificate rejected or cancelled leaves the draft invoice, or gets a credit note for '
             'its own line.')
    comodo_poll_interval_hours = fields.Integer(
        string='Poll Interval (hours)',
        default=4,
        help='How long to wait between two checks of a pending order. Comodo asks for no more than '
             'one check every three hours.')
    comodo_timeout_hours = fields.Integer(
        string='Give Up After (hours)',
        default=48,
        help='An order undecided after this long is marked timed out and no longer polled until reset.')

    comodo_keep_private_keys = fields.Boolean(
        string='Keep Private Keys', default=True,
        help='Keep the private keys Odoo makes (encrypted) after their customer has downloaded them. '
             'Off: a key is deleted once its customer downloads it (the key or the .pfx file); '
             'customers are told before they buy.')
    comodo_reissue_days = fields.Integer(
        string='Reissue at Least Days Before Expiry', default=7,
        help='A certificate is reissued (new key, same CA order, free) two thirds into its life when '
             'the term the customer paid for runs longer than it, leaving its last third to retry; '
             'earlier if that would leave fewer than these days, but never before half its life.')

    comodo_renewal_days = fields.Integer(
        string='Invoice Renewals Days Before the Term Ends', default=30,
        help='The next term is invoiced this many days before a term with auto-renewal ends; Comodo '
             'is ordered from once that invoice is paid (at once when the plan bills certificates '
             'at zero). Unpaid, the renewal lapses when the term ends.')

    # The reseller's credit at the CA, guarded against customers who script the portal.
    comodo_order_trigger = fields.Selection(
        [('confirmation', 'When the sale is confirmed'), ('payment', 'When the invoice is paid')],
        string='Order from Comodo', default='confirmation', required=True,
        help='When the certificate is ordered from Comodo (and charged to the reseller account). '
             'After payment, the invoice is validated at confirmation and the order waits for it '
             'to be paid; a free certificate is ordered at once.')
    comodo_max_unpaid_orders = fields.Integer(
        string='Unpaid Certificates per Customer', default=3,
        help='A portal customer with this many certificate orders whose invoice is not paid cannot '
             'buy another one on the portal until they pay. 0: no limit. Staff can still confirm sales.')
    comodo_max_free_orders = fields.Integer(
        string='Free Certificates per Customer per 30 Days', default=5,
        help='On a plan that bills certificates at zero, each one still costs the reseller its CA '
             'order: a portal customer who had this many free certificates in the last 30 days '
             'cannot buy another free one there. 0: no limit. Staff can still confirm sales.')
    comodo_portal_ca_calls_per_hour = fields.Integer(
        string='Portal Calls to Comodo per Hour', default=10,
        help='How many portal actions that call Comodo (listing approver addresses, resending the '
             'validation email, changing the validation method) a customer may make in an hour. '
             '0: no limit.')

    @api.constrains('comodo_max_unpaid_orders', 'comodo_max_free_orders', 'comodo_portal_ca_calls_per_hour')
    def _check_comodo_portal_limits(self):
        for company in self:
            if min(company.comodo_max_unpaid_orders, company.comodo_max_free_orders,
                   company.comodo_portal_ca_calls_per_hour) < 0:
                raise ValidationError(_('The portal limits are 0 (no limit) or more.'))

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

    @api.constrains('comodo_reissue_days', 'comodo_renewal_days')
    def _check_comodo_reissue_days(self):
        for company in self:
            if company.comodo_reissue_days < 1 or company.comodo_renewal_days < 1:
                raise ValidationError(_('Reissues and renewals start at least one day ahead.'))

    # -- the account at the CA ----------------------------------------------------------------------

    def _comodo_account(self):
        """This company's comodo.reseller.account (as superuser), or an empty recordset."""
        self.ensure_one()
        return self.env['comodo.reseller.account'].sudo().search([('company_id', '=', self.id)])

    def _compute_comodo_account(self):
        accounts = self.env['comodo.reseller.account'].sudo()
        defaults = accounts.default_get([account_field for account_field, _group in ACCOUNT_FIELDS.values()])
        # Checked here, not only by groups=: computed fields are also read by export_data and by
        # related fields, which do not look at groups=.
        readable = {name for name, (_field, group) in ACCOUNT_FIELDS.items() if self.env.user.has_group(group)}
        for company in self:
            account = company._comodo_account() if readable else accounts
            for name, (account_field, _group) in ACCOUNT_FIELDS.items():
                if name not in readable:
                    company[name] = False
                else:
                    company[name] = account[account_field] if account else defaults.get(account_field, False)

    def _write_comodo_account(self, name):
        if not self.env.user.has_group(ACCOUNT_WRITERS):
            raise AccessError(_('Only settings administrators may change the Comodo reseller account.'))
        account_field = ACCOUNT_FIELDS[name][0]
        for company in self:
            account = company._comodo_account()
            if account:
                account[account_field] = company[name]
            else:
                account.create({'company_id': company.id, account_field: company[name]})

    def _search_comodo_account(self, operator, value):
        # A search would answer, one guess at a time, what a read refuses.
        raise AccessError(_('The Comodo reseller account cannot be searched.'))

    def _comodo_client(self, **typed):
        """The CA client for this company's reseller account: the one entry point to Comodo.

        `typed`: connection values to try instead of the stored ones (the settings' Test connection),
        keyed as CONNECTION_KEYS; the stored account is not changed.
        """
        self.ensure_one()
        connection = self._comodo_connection()
        connection.update(typed)
        if not connection['login'] or not connection['password']:
            raise ComodoRefusal(_('Enter the Comodo reseller login and password in '
                                  'Settings > General Settings > Comodo SSL first.'))
        certificate_manager = connection['api_type'] == 'certificate_manager'
        url = connection['wsdl_url'] if certificate_manager else connection['api_url']
        if not connection['test_mode'] and not (url or '').lower().startswith('https://'):
            # Refused before the client exists, so no credential ever leaves in clear.
            raise ComodoRefusal(_('The Comodo address %s is not https://: the reseller password would '
                                  'travel in clear. Use https, or turn on test mode for a local sandbox.')
                                % url)
        if certificate_manager:
            return ComodoSoapClient(
                connection['wsdl_url'],
                connection['login'],
                connection['password'],
                connection['customer_uri'],
                org_id=connection['org_id'],
                secret_key=connection['secret_key'],
                timeout=connection['timeout'],
            )
        return ComodoClient(
            connection['api_url'],
            connection['login'],
            connection['password'],
            timeout=connection['timeout'],
            test_mode=connection['test_mode'],
        )

    def _comodo_connection(self):
        """The stored connection to the CA, keyed as CONNECTION_KEYS."""
        account = self._comodo_account()
        connection = {account_field: account[account_field] for account_field, _group in ACCOUNT_FIELDS.values()}
        connection.update(api_type=self.comodo_api_type, test_mode=self.comodo_test_mode,
                          timeout=self.comodo_timeout)
        return connection

    # -- the CA as a vendor -------------------------------------------------------------------------
    # Its charges become vendor bills, so that a certificate's margin is what the customer paid less
    # what the CA kept.
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

    def _hosting_today(self):
        """Today in the company's calendar (the time zone of its address, else UTC).

        Subscriptions start and end on the company's dates. Read in each user's own zone, a plan
        started today by staff east of UTC was not yet running for a customer or salesperson
        without one, for the hours the two dates differ.
        """
        self.ensure_one()
        return fields.Date.context_today(self.with_context(tz=self.sudo().partner_id.tz or 'UTC'))

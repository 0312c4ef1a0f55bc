from odoo import api, fields, models

COMODO_PRODUCTION_URL = 'https://secure.trust-provider.com/products/'
CERTIFICATE_MANAGER_WSDL = 'https://cert-manager.com/ws/EPKIManagerSSL?wsdl'


class ComodoResellerAccount(models.Model):
    """A company's account at the CA: where it is, how we log in, and the secrets.

    A model of its own because its access list, settings administrators only, is what guards the
    values on every path: Odoo 11 checks a field's groups= in read() and write() only, not in
    read_group, search domains, ordering or export_data. The company shows these values through
    non-stored fields that check the reader's group first (res.company).
    """

    _name = 'comodo.reseller.account'
    _description = 'Comodo Reseller Account'
    _rec_name = 'company_id'

    company_id = fields.Many2one('res.company', required=True, index=True, ondelete='cascade')
    login = fields.Char()
    # Fernet tokens (comodo.encryption): a database dump carries no secret in clear.
    encrypted_password = fields.Char(readonly=True, copy=False)
    encrypted_secret_key = fields.Char(readonly=True, copy=False)
    password = fields.Char(compute='_compute_password', inverse='_inverse_password')
    api_url = fields.Char(string='API URL', default=COMODO_PRODUCTION_URL, required=True)
    wsdl_url = fields.Char(string='Certificate Manager WSDL', default=CERTIFICATE_MANAGER_WSDL)
    customer_uri = fields.Char(string='Customer URI')
    org_id = fields.Integer(string='Organization ID')
    secret_key = fields.Char(string='Organization Secret Key', compute='_compute_secret_key',
                             inverse='_inverse_secret_key')

    _sql_constraints = [
        ('company_unique', 'unique(company_id)', 'A company has one Comodo reseller account.'),
    ]

    # One compute per secret: writing one encrypted column must not recompute (and so forget the
    # new value of) the other while its inverse has yet to run.
    @api.depends('encrypted_password')
    def _compute_password(self):
        for account in self:
            account.password = self.env['comodo.encryption']._decrypt(
                account, 'encrypted_password', account.encrypted_password)

    @api.depends('encrypted_secret_key')
    def _compute_secret_key(self):
        for account in self:
            account.secret_key = self.env['comodo.encryption']._decrypt(
                account, 'encrypted_secret_key', account.encrypted_secret_key)

    def _inverse_password(self):
        for account in self:
            account.encrypted_password = self.env['comodo.encryption']._encrypt(
                account, 'encrypted_password', account.password)

    def _inverse_secret_key(self):
        for account in self:
            account.encrypted_secret_key = self.env['comodo.encryption']._encrypt(
                account, 'encrypted_secret_key', account.secret_key)

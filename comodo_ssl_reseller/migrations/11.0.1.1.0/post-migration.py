"""11.0.1.1.0: secrets move out of widely readable tables.

The reseller account (login, password, addresses, Certificate Manager secret) leaves res_company
for comodo_reseller_account, and private keys leave comodo_certificate_order for
comodo_certificate_key: the new tables' access lists protect them where groups= could not, and the
password, secret key and private keys are encrypted on the way (comodo.encryption: the Odoo
configuration must hold comodo_key_encryption_key, or the update stops saying so). The old columns
are dropped once copied, so no secret stays behind in them (Odoo never drops a column of a field
that stopped being stored).
"""
import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

# Old res_company column -> comodo_reseller_account column.
ACCOUNT_COLUMNS = {
    'comodo_login': 'login',
    'comodo_password': 'password',
    'comodo_api_url': 'api_url',
    'comodo_wsdl_url': 'wsdl_url',
    'comodo_customer_uri': 'customer_uri',
    'comodo_org_id': 'org_id',
    'comodo_secret_key': 'secret_key',
}
PRODUCTION_URL = 'https://secure.trust-provider.com/products/'


def existing_columns(cr, table, columns):
    cr.execute("""SELECT column_name FROM information_schema.columns
                   WHERE table_name = %s AND column_name IN %s""", (table, tuple(columns)))
    return {row[0] for row in cr.fetchall()}


def move_reseller_accounts(env):
    cr = env.cr
    old = [column for column in ACCOUNT_COLUMNS if column in existing_columns(cr, 'res_company', ACCOUNT_COLUMNS)]
    if not old:
        return
    # Column names come from the constant above, never from input.
    cr.execute('SELECT id, %s FROM res_company' % ', '.join(old))
    accounts = env['comodo.reseller.account']
    for row in cr.dictfetchall():
        if accounts.search([('company_id', '=', row['id'])]):
            continue
        values = {ACCOUNT_COLUMNS[column]: row[column] for column in old if row[column]}
        values.setdefault('api_url', PRODUCTION_URL)
        # Through the ORM: the password and secret key are encrypted on the way in.
        accounts.create(dict(values, company_id=row['id']))
    for column in old:
        cr.execute('ALTER TABLE res_company DROP COLUMN %s' % column)
    _logger.info('Moved the Comodo reseller accounts out of res_company')


def move_private_keys(env):
    cr = env.cr
    if not existing_columns(cr, 'comodo_certificate_order', ['private_key_pem']):
        return
    cr.execute("""SELECT o.id, o.private_key_pem FROM comodo_certificate_order o
                   WHERE o.private_key_pem IS NOT NULL
                     AND NOT EXISTS (SELECT 1 FROM comodo_certificate_key k WHERE k.order_id = o.id)""")
    rows = cr.fetchall()
    keys = env['comodo.certificate.key']
    for order_id, private_key_pem in rows:
        keys.create({'order_id': order_id, 'private_key_pem': private_key_pem})
    cr.execute('ALTER TABLE comodo_certificate_order DROP COLUMN private_key_pem')
    _logger.info('Moved and encrypted %d private keys', len(rows))


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    move_reseller_accounts(env)
    move_private_keys(env)

"""11.0.1.1.0: secrets move out of widely readable tables.

The reseller account (login, password, addresses, Certificate Manager secret) leaves res_company
for comodo_reseller_account, and private keys leave comodo_certificate_order for
comodo_certificate_key: the new tables' access lists protect them where groups= could not. The old
columns are dropped once copied, so no secret stays behind in them (Odoo never drops a column of a
field that stopped being stored).
"""
import logging

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


def move_reseller_accounts(cr):
    old = existing_columns(cr, 'res_company', ACCOUNT_COLUMNS)
    if not old:
        return
    moved = [column for column in ACCOUNT_COLUMNS if column in old]
    # Column names come from the constant above, never from input.
    cr.execute("""
        INSERT INTO comodo_reseller_account (company_id, {new}, create_uid, create_date, write_uid, write_date)
        SELECT c.id, {old}, 1, now() at time zone 'UTC', 1, now() at time zone 'UTC'
          FROM res_company c
         WHERE NOT EXISTS (SELECT 1 FROM comodo_reseller_account a WHERE a.company_id = c.id)
    """.format(new=', '.join(ACCOUNT_COLUMNS[column] for column in moved),
               old=', '.join('c.%s' % column for column in moved)))
    _logger.info('Moved the Comodo reseller account of %d companies', cr.rowcount)
    # api_url is required on the new model.
    cr.execute('UPDATE comodo_reseller_account SET api_url = %s WHERE api_url IS NULL', (PRODUCTION_URL,))
    for column in moved:
        cr.execute('ALTER TABLE res_company DROP COLUMN %s' % column)


def move_private_keys(cr):
    if not existing_columns(cr, 'comodo_certificate_order', ['private_key_pem']):
        return
    cr.execute("""
        INSERT INTO comodo_certificate_key (order_id, private_key_pem, create_uid, create_date, write_uid, write_date)
        SELECT o.id, o.private_key_pem, 1, now() at time zone 'UTC', 1, now() at time zone 'UTC'
          FROM comodo_certificate_order o
         WHERE o.private_key_pem IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM comodo_certificate_key k WHERE k.order_id = o.id)
    """)
    _logger.info('Moved %d private keys', cr.rowcount)
    cr.execute('ALTER TABLE comodo_certificate_order DROP COLUMN private_key_pem')


def migrate(cr, version):
    if not version:
        return
    move_reseller_accounts(cr)
    move_private_keys(cr)

"""11.0.1.4.0: every encrypted value is bound to its record, and web servers' SSH keys move to a
model no user may read.

Values encrypted before this version name no record: each is decrypted and encrypted again with its
model, column and record inside (comodo.encryption), so that a token copied into another record
opens nothing. The SSH key column of comodo_deploy_target moves to comodo_deploy_target_key (the
server keeps the key's type, fingerprint and public half) and is dropped, so no key stays behind in
a table that deployment administrators read. Running it again changes nothing.
"""
import logging

from odoo import SUPERUSER_ID, api
from odoo.addons.comodo_ssl_reseller.models.comodo_encryption import BINDING_PREFIX, ENCRYPTED_FIELDS
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)


def has_column(cr, table, column):
    cr.execute("""SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s""",
               (table, column))
    return bool(cr.fetchone())


def move_ssh_keys(env):
    cr = env.cr
    if not has_column(cr, 'comodo_deploy_target', 'encrypted_private_key'):
        return
    encryption, keys = env['comodo.encryption'], env['comodo.deploy.target.key']
    cr.execute('SELECT id, encrypted_private_key FROM comodo_deploy_target WHERE encrypted_private_key IS NOT NULL')
    rows = cr.fetchall()
    for target_id, token in rows:
        target = env['comodo.deploy.target'].browse(target_id)
        if keys.search([('target_id', '=', target_id)]):
            continue
        private_key_pem = encryption._open(token)
        try:
            target._store_private_key(private_key_pem)
        except ValidationError as error:
            # Kept as it was: installs with it fail as before, and the form says there is no summary.
            _logger.warning('Web server #%d: its SSH key is not one Odoo can use (%s); moved all the same',
                            target_id, error.name)
            keys._store(target, private_key_pem)
    cr.execute('ALTER TABLE comodo_deploy_target DROP COLUMN encrypted_private_key')
    _logger.info('Moved %d SSH keys of web servers to comodo_deploy_target_key', len(rows))


def bind_tokens(env):
    cr, encryption = env.cr, env['comodo.encryption']
    bound = 0
    for model, column in ENCRYPTED_FIELDS:
        # Table and column names come from the constant list, never from input.
        table = env[model]._table
        cr.execute('SELECT id, %s FROM %s WHERE %s IS NOT NULL' % (column, table, column))
        for record_id, token in cr.fetchall():
            plaintext = encryption._open(token)
            if plaintext.startswith(BINDING_PREFIX):
                continue
            token = encryption._encrypt(env[model].browse(record_id), column, plaintext)
            cr.execute('UPDATE %s SET %s = %%s WHERE id = %%s' % (table, column), (token, record_id))
            bound += 1
    env.cache.invalidate()
    _logger.info('Bound %d encrypted values to their records', bound)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    move_ssh_keys(env)
    bind_tokens(env)

import logging
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from odoo import _, api, models, tools
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

CONFIG_OPTION = 'comodo_key_encryption_key'
ENVIRONMENT_VARIABLE = 'COMODO_KEY_ENCRYPTION_KEY'
# (model, stored column) of every value kept encrypted, for rotation.
ENCRYPTED_FIELDS = [
    ('comodo.certificate.key', 'encrypted_private_key'),
    ('comodo.reseller.account', 'encrypted_password'),
    ('comodo.reseller.account', 'encrypted_secret_key'),
    ('comodo.deploy.target.key', 'encrypted_private_key'),
    ('comodo.certificate.install', 'encrypted_private_key'),
    ('comodo.temporary.ca', 'encrypted_private_key'),
    ('comodo.dns.server.key', 'encrypted_secret'),
]
# Every plaintext starts with the record it belongs to: "comodo-bound:<model>/<column>/<id>\n".
BINDING_PREFIX = 'comodo-bound:'


def binding(model, column, record_id):
    return '%s%s/%s/%d\n' % (BINDING_PREFIX, model, column, record_id)


class ComodoEncryption(models.AbstractModel):
    """Secrets at rest: private keys and the reseller's password, encrypted with Fernet.

    The key lives outside the database (a database dump or a staging copy must not carry what
    opens it): `comodo_key_encryption_key` in the Odoo configuration file, or the environment
    variable COMODO_KEY_ENCRYPTION_KEY. Several keys, comma-separated, allow rotation: the first
    encrypts, every one decrypts, and _rotate re-encrypts everything with the first.

    Each value is bound to its model, column and record: the plaintext starts with them, and
    decrypting for any other record refuses. A token copied from one record into another (the
    temporary CA's key into a web server's, one company's password into another's) opens nothing.
    """

    _name = 'comodo.encryption'
    _description = 'Encryption of Comodo Secrets'

    @api.model
    def _fernet(self):
        configured = tools.config.get(CONFIG_OPTION) or os.environ.get(ENVIRONMENT_VARIABLE) or ''
        keys = [key.strip() for key in configured.split(',') if key.strip()]
        if not keys:
            raise UserError(_(
                'Private keys and the Comodo password are stored encrypted, with a key kept outside '
                'the database, and none is set. Add "%s = <key>" to the Odoo configuration file (or '
                'set %s) and restart Odoo; make a key with: python3 -c "from cryptography.fernet '
                'import Fernet; print(Fernet.generate_key().decode())"') % (CONFIG_OPTION, ENVIRONMENT_VARIABLE))
        try:
            return MultiFernet([Fernet(key.encode('ascii')) for key in keys])
        except (ValueError, UnicodeEncodeError):
            raise UserError(_('%s is not a valid encryption key: each key is 32 url-safe base64-encoded '
                              'bytes, as Fernet.generate_key() makes.') % CONFIG_OPTION)

    @api.model
    def _encrypt(self, record, column, text):
        """A token of `text` that only `record`'s `column` opens (the record must exist)."""
        if not text:
            return False
        record.ensure_one()
        plaintext = binding(record._name, column, record.id) + text
        return self._fernet().encrypt(plaintext.encode('utf-8')).decode('ascii')

    @api.model
    def _decrypt(self, record, column, token):
        """The text of `token`, stored in `record`'s `column`; refuses a token made for another."""
        if not token:
            return False
        record.ensure_one()
        plaintext = self._open(token)
        expected = binding(record._name, column, record.id)
        if not plaintext.startswith(expected):
            _logger.warning('Refused to decrypt %s of %s #%d: the value was encrypted for another '
                            'record', column, record._name, record.id)
            raise UserError(_('The secret stored in %s of %s #%d was not encrypted for this record: '
                              'it was copied from elsewhere, and is refused. Enter it again.')
                            % (column, record._name, record.id))
        return plaintext[len(expected):]

    @api.model
    def _open(self, token):
        try:
            return self._fernet().decrypt(token.encode('ascii')).decode('utf-8')
        except InvalidToken:
            raise UserError(_('A secret was encrypted with a key that %s does not hold: put that key '
                              'back (after the current one) to read it.') % CONFIG_OPTION)

    @api.model
    def _rotate(self):
        """Re-encrypt every secret with the first configured key; returns how many were."""
        fernet = self._fernet()
        rotated = 0
        for model, column in ENCRYPTED_FIELDS:
            records = self.env[model].sudo().search([(column, '!=', False)])
            for record in records:
                try:
                    record[column] = fernet.rotate(record[column].encode('ascii')).decode('ascii')
                except InvalidToken:
                    raise UserError(_('%s #%d was encrypted with a key that %s does not hold: add '
                                      'it after the new key, then rotate again.') % (model, record.id, CONFIG_OPTION))
                rotated += 1
        return rotated

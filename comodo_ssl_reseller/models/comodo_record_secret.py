from odoo import api, models


class ComodoRecordSecret(models.AbstractModel):
    """One record's secret in a model of its own, encrypted at rest and bound to its row.

    A model using it grants nothing in its access list: Odoo 11 checks a field's groups= in read()
    and write() only, never in read_group, domains or order, so only the code reaches the secret, as
    superuser. It names the field of the record the secret belongs to (`_secret_owner_field`, unique)
    and the column holding the token (`_secret_column`).
    """

    _name = 'comodo.record.secret'
    _description = 'Encrypted Secret of a Record'
    _secret_owner_field = None
    _secret_column = None

    @api.model
    def _store(self, owner, text):
        row = self.search([(self._secret_owner_field, '=', owner.id)]) \
            or self.create({self._secret_owner_field: owner.id})
        row[self._secret_column] = self.env['comodo.encryption']._encrypt(row, self._secret_column, text)
        return row

    @api.model
    def _secret_of(self, owner):
        row = self.search([(self._secret_owner_field, '=', owner.id)])
        return row and self.env['comodo.encryption']._decrypt(row, self._secret_column, row[self._secret_column])

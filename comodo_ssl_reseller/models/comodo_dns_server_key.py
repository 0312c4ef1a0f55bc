from odoo import api, fields, models


class ComodoDnsServerKey(models.Model):
    """The TSIG secret of a DNS server, encrypted at rest and bound to this record.

    A model of its own that no user may read or write (its access list grants nothing): Odoo 11
    checks a field's groups= in read() and write() only, never in read_group, domains or order.
    Only the code reaches it, as superuser, where a DNS update is signed. The DNS server's form sets
    the secret and says whether one is set, never what it is.
    """

    _name = 'comodo.dns.server.key'
    _description = 'TSIG Secret of a DNS Server'
    _rec_name = 'server_id'

    server_id = fields.Many2one('comodo.dns.server', required=True, index=True, ondelete='cascade')
    encrypted_secret = fields.Text(readonly=True, copy=False)

    _sql_constraints = [
        ('server_unique', 'unique(server_id)', 'A DNS server has one TSIG secret.'),
    ]

    @api.model
    def _store(self, server, secret):
        key = self.search([('server_id', '=', server.id)]) or self.create({'server_id': server.id})
        key.encrypted_secret = self.env['comodo.encryption']._encrypt(key, 'encrypted_secret', secret)
        return key

    @api.model
    def _secret(self, server):
        key = self.search([('server_id', '=', server.id)])
        return key and self.env['comodo.encryption']._decrypt(key, 'encrypted_secret', key.encrypted_secret)

    @api.model
    def _is_set(self, server):
        return bool(self.search_count([('server_id', '=', server.id), ('encrypted_secret', '!=', False)]))

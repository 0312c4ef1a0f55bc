from odoo import api, fields, models


class ComodoDnsServerKey(models.Model):
    """The TSIG secret of a DNS server, encrypted at rest and bound to this record.

    A model of its own that no user may read or write (its access list grants nothing): only the
    code reaches it, as superuser, where a DNS update is signed. The DNS server's form sets the
    secret and says whether one is set, never what it is.
    """

    _name = 'comodo.dns.server.key'
    _inherit = 'comodo.record.secret'
    _description = 'TSIG Secret of a DNS Server'
    _rec_name = 'server_id'
    _secret_owner_field = 'server_id'
    _secret_column = 'encrypted_secret'

    server_id = fields.Many2one('comodo.dns.server', required=True, index=True, ondelete='cascade')
    encrypted_secret = fields.Text(readonly=True, copy=False)

    _sql_constraints = [
        ('server_unique', 'unique(server_id)', 'A DNS server has one TSIG secret.'),
    ]

    @api.model
    def _is_set(self, server):
        return bool(self.search_count([('server_id', '=', server.id), ('encrypted_secret', '!=', False)]))

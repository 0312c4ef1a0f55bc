from odoo import api, fields, models


class ComodoDeployTargetKey(models.Model):
    """The SSH private key of a web server, encrypted at rest.

    A model of its own that no user may read or write (its access list grants nothing): only the
    code reaches it, as superuser, where the installer needs the key. The web server's form sets it
    and shows its type and fingerprint, never the key.
    """

    _name = 'comodo.deploy.target.key'
    _inherit = 'comodo.record.secret'
    _description = 'SSH Private Key of a Web Server'
    _rec_name = 'target_id'
    _secret_owner_field = 'target_id'
    _secret_column = 'encrypted_private_key'

    target_id = fields.Many2one('comodo.deploy.target', required=True, index=True, ondelete='cascade')
    encrypted_private_key = fields.Text(readonly=True, copy=False)

    _sql_constraints = [
        ('target_unique', 'unique(target_id)', 'A web server has one SSH private key.'),
    ]

    @api.model
    def _private_key_pem(self, target):
        return self._secret_of(target)

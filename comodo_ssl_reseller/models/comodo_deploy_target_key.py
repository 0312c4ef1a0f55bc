from odoo import api, fields, models


class ComodoDeployTargetKey(models.Model):
    """The SSH private key of a web server, encrypted at rest.

    A model of its own that no user may read or write (its access list grants nothing): only the
    code reaches it, as superuser, where the installer needs the key. The web server's form sets it
    and shows its type and fingerprint, never the key.
    """

    _name = 'comodo.deploy.target.key'
    _description = 'SSH Private Key of a Web Server'
    _rec_name = 'target_id'

    target_id = fields.Many2one('comodo.deploy.target', required=True, index=True, ondelete='cascade')
    encrypted_private_key = fields.Text(readonly=True, copy=False)

    _sql_constraints = [
        ('target_unique', 'unique(target_id)', 'A web server has one SSH private key.'),
    ]

    @api.model
    def _store(self, target, private_key_pem):
        key = self.search([('target_id', '=', target.id)]) or self.create({'target_id': target.id})
        key.encrypted_private_key = self.env['comodo.encryption']._encrypt(
            key, 'encrypted_private_key', private_key_pem)
        return key

    @api.model
    def _private_key_pem(self, target):
        key = self.search([('target_id', '=', target.id)])
        return key and self.env['comodo.encryption']._decrypt(key, 'encrypted_private_key', key.encrypted_private_key)

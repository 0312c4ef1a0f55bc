from odoo import _, api, fields, models
from odoo.exceptions import UserError


class ComodoDeployTargetHostKey(models.TransientModel):
    """A host key read from a web server, waiting for a person to confirm its fingerprint: it is
    pinned only when they do. Trusting whichever server answers first would send the customers'
    keys to anyone who can intercept that first connection."""

    _name = 'comodo.deploy.target.host.key'
    _description = 'Host Key to Confirm'

    target_id = fields.Many2one('comodo.deploy.target', required=True, readonly=True, ondelete='cascade')
    host = fields.Char(readonly=True)
    port = fields.Integer(readonly=True)
    key_type = fields.Char(readonly=True)
    fingerprint = fields.Char(readonly=True)

    @api.multi
    def action_pin(self):
        self.ensure_one()
        target = self.target_id
        if (target.host, target.port) != (self.host, self.port):
            raise UserError(_('The server\'s address changed since its host key was read: fetch it again.'))
        target.host_fingerprint = self.fingerprint
        self.env.user.notify_info(_('%s: host key %s pinned.') % (target.name, self.fingerprint))
        return {'type': 'ir.actions.act_window_close'}

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..deploy import KINDS, DeployTarget

KIND_SELECTION = [('nginx', 'nginx'), ('apache', 'Apache')]
assert {code for code, _label in KIND_SELECTION} == set(KINDS)


class ComodoDeployTarget(models.Model):
    """A web server certificates are installed on, over SSH with a key.

    Only SSL managers may access this model: its access list is what guards the SSH private key on
    every path (see comodo.certificate.key why a field's groups= is not enough in Odoo 11). The
    key's column holds a Fernet token (comodo.encryption), never the PEM. The server's host key is
    pinned on first use and checked at every later connection.
    """

    _name = 'comodo.deploy.target'
    _description = 'Deployment Target (Web Server)'

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.user.company_id)
    kind = fields.Selection(KIND_SELECTION, required=True, default='nginx')
    host = fields.Char(required=True, help='Name or address of the server for SSH.')
    port = fields.Integer(string='SSH Port', required=True, default=22)
    user = fields.Char(string='SSH User', required=True)
    encrypted_private_key = fields.Text(readonly=True, copy=False)
    private_key_pem = fields.Text(string='SSH Private Key', compute='_compute_private_key_pem',
                                  inverse='_inverse_private_key_pem',
                                  help='Unencrypted RSA, ECDSA or Ed25519 key whose public half is in '
                                       'the user\'s authorized_keys. Stored encrypted.')
    host_fingerprint = fields.Char(
        string='Pinned Host Key', copy=False,
        help='SHA-256 fingerprint of the server\'s SSH host key, recorded at the first connection '
             'and required at every later one. Empty it to trust a new host key.')
    certificate_folder = fields.Char(
        required=True, default='/etc/ssl/comodo',
        help='Where <domain>.fullchain.pem and <domain>.key are written; the server\'s configuration '
             'names these files. The SSH user must be able to write here.')
    test_command = fields.Char(help='Configuration test; empty for the kind\'s default '
                                    '(nginx -t, apache2ctl configtest).')
    reload_command = fields.Char(help='Reload (never a restart); empty for the kind\'s default '
                                      '(nginx -s reload, apache2ctl graceful).')
    use_sudo = fields.Boolean(string='Use sudo -n', help='Run the test and reload commands through '
                                                         '"sudo -n" (a NOPASSWD rule for them).')
    check_host = fields.Char(help='Where the live check connects for the TLS handshake; empty for '
                                  'the SSH host.')
    check_port = fields.Integer(default=443)
    verify_attempts = fields.Integer(default=5, help='Handshakes tried before the install is failed.')
    verify_delay = fields.Float(string='Seconds Between Checks', default=2.0)

    @api.depends('encrypted_private_key')
    def _compute_private_key_pem(self):
        encryption = self.env['comodo.encryption']
        for target in self:
            target.private_key_pem = encryption._decrypt(target.encrypted_private_key)

    def _inverse_private_key_pem(self):
        encryption = self.env['comodo.encryption']
        for target in self:
            target.encrypted_private_key = encryption._encrypt(target.private_key_pem)

    def _deploy_target(self):
        """The plain-Python view of this target for the installer."""
        self.ensure_one()
        if not self.encrypted_private_key:
            raise UserError(_('The deployment target %s has no SSH private key.') % self.name)
        return DeployTarget(
            host=self.host, port=self.port, user=self.user, private_key_pem=self.private_key_pem,
            kind=self.kind, certificate_folder=self.certificate_folder,
            host_fingerprint=self.host_fingerprint or None, test_command=self.test_command or None,
            reload_command=self.reload_command or None, use_sudo=self.use_sudo,
            check_host=self.check_host or None, check_port=self.check_port,
            verify_attempts=self.verify_attempts, verify_delay=self.verify_delay)

    def _pin_host_key(self, fingerprint):
        """Trust on first use: the first fingerprint seen is kept."""
        if fingerprint and not self.host_fingerprint:
            self.host_fingerprint = fingerprint

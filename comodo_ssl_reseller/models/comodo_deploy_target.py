from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..deploy import (KINDS, DeployError, DeployTarget, check_connection, describe_private_key,
                      fetch_host_key, generate_private_key)
from ..groups import SSL_USERS

KIND_SELECTION = [('nginx', 'nginx'), ('apache', 'Apache')]
assert {code for code, _label in KIND_SELECTION} == set(KINDS)
MASK = '\u2022\u2022\u2022\u2022'


class ComodoDeployTarget(models.Model):
    """A web server certificates are installed on, over SSH with a key.

    Only deployment administrators may access this model: whoever sets a server's user, host,
    fingerprint or commands runs commands there, often as root. Its access list is what guards
    these on every path (Odoo 11 checks a field's groups= in read() and write() only); others see a
    server's name on the records that name it. The SSH private key lives in
    comodo.deploy.target.key, which no user may read: here it is write-only, shown by its type and
    fingerprint. No connection logs in before a person has pinned the server's host key.
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
    # Write-only: reads answer nothing; a value written replaces the stored key.
    private_key_pem = fields.Text(string='SSH Private Key', compute='_compute_private_key_pem',
                                  inverse='_inverse_private_key_pem')
    generate_key_pair = fields.Boolean(
        string='Generate a Key Pair', compute='_compute_generate_key_pair', inverse='_inverse_generate_key_pair',
        help='Odoo makes a new Ed25519 key; add its public half to the SSH user\'s authorized_keys.')
    ssh_key_summary = fields.Char(string='SSH Key', compute='_compute_ssh_key_summary')
    ssh_public_key = fields.Char(string='SSH Public Key', readonly=True, copy=False,
                                 help='The line to add to the SSH user\'s authorized_keys on the server.')
    ssh_key_fingerprint = fields.Char(readonly=True, copy=False)
    ssh_key_type = fields.Char(readonly=True, copy=False)
    host_fingerprint = fields.Char(
        string='Pinned Host Key', copy=False,
        help='SHA-256 fingerprint of the server\'s SSH host key, required at every connection. Set it '
             'with Fetch host key once the fingerprint is confirmed.')
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
    connection_tested_at = fields.Datetime(string='Connection Tested', readonly=True, copy=False)
    connection_test_result = fields.Text(readonly=True, copy=False)

    def _compute_private_key_pem(self):
        for target in self:
            target.private_key_pem = False

    def _inverse_private_key_pem(self):
        for target in self.filtered('private_key_pem'):
            target._store_private_key(target.private_key_pem)
        # Not even the cache keeps the key written: a read in the same transaction answers nothing.
        self.invalidate_cache(['private_key_pem'], self.ids)

    def _compute_generate_key_pair(self):
        for target in self:
            target.generate_key_pair = False

    def _inverse_generate_key_pair(self):
        for target in self.filtered('generate_key_pair'):
            target._store_private_key(generate_private_key())

    @api.depends('ssh_key_fingerprint', 'ssh_key_type')
    def _compute_ssh_key_summary(self):
        for target in self:
            target.ssh_key_summary = target.ssh_key_fingerprint and _('%s set (%s, %s)') % (
                MASK, target.ssh_key_type, target.ssh_key_fingerprint) or _('No key')

    @api.model
    def name_search(self, name='', args=None, operator='ilike', limit=100):
        # SSL users see servers' names on installations and search them by name (e.g. the
        # installations' "Web Server" search); by name only: a domain on other fields could tell
        # them a host or a user.
        if not args and self.env.user.has_group(SSL_USERS) \
                and not self.check_access_rights('read', raise_exception=False):
            return self._name_search(name, [], operator, limit=limit, name_get_uid=SUPERUSER_ID)
        return super(ComodoDeployTarget, self).name_search(name, args, operator, limit)

    @api.model
    def create(self, vals):
        if not vals.get('private_key_pem') and not vals.get('generate_key_pair'):
            raise ValidationError(_('A web server needs the SSH private key Odoo logs in with: paste one, '
                                    'or create the server with "Generate a key pair" ticked.'))
        return super(ComodoDeployTarget, self).create(vals)

    def _store_private_key(self, private_key_pem):
        self.ensure_one()
        try:
            key_type, fingerprint, public_key = describe_private_key(private_key_pem)
        except DeployError as error:
            raise ValidationError(_('The SSH private key of %s is refused: %s.') % (self.name, error.message))
        self.env['comodo.deploy.target.key'].sudo()._store(self, private_key_pem)
        self.write({'ssh_key_type': key_type, 'ssh_key_fingerprint': fingerprint, 'ssh_public_key': public_key})

    def _deploy_target(self):
        """The plain-Python view of this target for the installer, with the decrypted key."""
        self.ensure_one()
        private_key_pem = self.env['comodo.deploy.target.key'].sudo()._private_key_pem(self)
        if not private_key_pem:
            raise UserError(_('The deployment target %s has no SSH private key.') % self.name)
        return DeployTarget(
            host=self.host, port=self.port, user=self.user, private_key_pem=private_key_pem,
            kind=self.kind, certificate_folder=self.certificate_folder,
            host_fingerprint=self.host_fingerprint or None, test_command=self.test_command or None,
            reload_command=self.reload_command or None, use_sudo=self.use_sudo,
            check_host=self.check_host or None, check_port=self.check_port,
            verify_attempts=self.verify_attempts, verify_delay=self.verify_delay)

    # -- buttons (deployment administrators: the access list stops everyone else) ---------------

    @api.multi
    def action_fetch_host_key(self):
        """Reads the server's host key without logging in and asks a person to confirm it."""
        self.ensure_one()
        self._check_deploy_admin()
        try:
            key_type, fingerprint = fetch_host_key(self.host, self.port)
        except DeployError as error:
            raise UserError(_('Fetching the host key of %s failed: %s') % (self.name, error.message))
        confirmation = self.env['comodo.deploy.target.host.key'].create({
            'target_id': self.id, 'host': self.host, 'port': self.port, 'key_type': key_type,
            'fingerprint': fingerprint})
        return {
            'type': 'ir.actions.act_window', 'res_model': confirmation._name, 'res_id': confirmation.id,
            'view_mode': 'form', 'target': 'new', 'name': _('Confirm the host key of %s') % self.name,
        }

    @api.multi
    def action_test_connection(self):
        """Logs in with the key and the pinned host key, checks the folder, runs the config test."""
        self.ensure_one()
        self._check_deploy_admin()
        try:
            lines = check_connection(self._deploy_target())
        except DeployError as error:
            raise UserError(_('Testing the connection to %s failed: %s\n%s') % (
                self.name, error.message, error.output))
        self.write({'connection_tested_at': fields.Datetime.now(), 'connection_test_result': '\n'.join(lines)})
        self.env.user.notify_info(_('%s: the connection works.') % self.name)
        return True

    @api.multi
    def action_generate_key_pair(self):
        """Replaces the SSH key with a new Ed25519 key; its public half is shown for authorized_keys."""
        self.ensure_one()
        self._check_deploy_admin()
        self._store_private_key(generate_private_key())
        return True

    def _check_deploy_admin(self):
        # A button is a method call: RPC checks no access right before running it.
        self.check_access_rights('write')
        self.check_access_rule('write')

from odoo import _, api, fields, models
from odoo.exceptions import UserError

SSL_MANAGERS = 'comodo_ssl_reseller.group_ssl_manager'
SSL_USERS = 'comodo_ssl_reseller.group_ssl_user'


class ComodoCertificateOrder(models.Model):
    """Installing an order's certificates on the customer's web server (comodo.certificate.install).

    Kept apart from comodo_certificate_order.py: the order's CA life calls in here through one hook
    per outcome."""

    _inherit = 'comodo.certificate.order'

    deploy_target_id = fields.Many2one(
        'comodo.deploy.target', string='Install On', readonly=True, copy=False,
        help='The web server the certificate goes on; taken from the customer\'s hosting when issued.')
    install_ids = fields.One2many('comodo.certificate.install', 'order_id', string='Installations',
                                  readonly=True, groups=SSL_USERS)
    install_state = fields.Selection(related='install_ids.state', string='Installation', readonly=True,
                                     groups=SSL_USERS)

    def _install_issued(self):
        """After issuance: the new certificate goes on the customer's server, if it names one."""
        self._install_certificate(self.certificate_pem, self.chain_pem, self.sudo().private_key_pem)

    def _install_temporary(self):
        """At placement: a certificate from the order's own key, signed by the company's temporary
        CA, so the site has TLS while Comodo validates."""
        target = self._find_deploy_target()
        private_key_pem = self.sudo().private_key_pem
        if not target or not private_key_pem:
            return self.env['comodo.certificate.install']
        temporary_ca = self.env['comodo.temporary.ca']._for_company(self.company_id)
        certificate_pem = temporary_ca._sign(private_key_pem, self._domains())
        return self.env['comodo.certificate.install']._start(
            self, target, certificate_pem, temporary_ca.certificate_pem, private_key_pem, purpose='temporary')

    def _restore_after_temporary(self):
        """Rejected or cancelled: the server gets back what it served before the temporary
        certificate. One that was never installed is simply not installed any more."""
        latest = self.sudo().install_ids[:1]
        if latest.purpose != 'temporary':
            return
        if latest.state in ('queued', 'postponed'):
            latest._supersede()
        elif latest.state == 'verified':
            self.env['comodo.certificate.install']._start(self, latest.target_id, purpose='restore')

    def _install_certificate(self, certificate_pem, chain_pem, private_key_pem):
        """Installs this certificate (or a later one of this order: reissue, renewal) on the order's
        deployment target, in the background. Does nothing if there is no target."""
        self.ensure_one()
        target = self._find_deploy_target()
        if not target:
            return self.env['comodo.certificate.install']
        if not private_key_pem:
            self.message_post(body=_('Not installed on %s: the customer brought its own CSR, so Odoo '
                                     'has no private key to install.') % target.name)
            return self.env['comodo.certificate.install']
        return self.env['comodo.certificate.install']._start(self, target, certificate_pem, chain_pem,
                                                            private_key_pem)

    def _find_deploy_target(self):
        """The order's own target, else the one the customer's hosting names (remembered)."""
        if not self.deploy_target_id:
            hostings = self.env['account.analytic.account'].sudo().search([
                ('partner_id', 'child_of', self.partner_id.commercial_partner_id.id),
                ('deploy_target_id', '!=', False),
                ('company_id', 'in', [self.company_id.id, False]),
            ], limit=1)
            if hostings:
                self.sudo().deploy_target_id = hostings.deploy_target_id
        return self.sudo().deploy_target_id

    def _install_words(self):
        """What the portal tells the customer about its site, in plain words: (tone, text), tone
        a Bootstrap alert kind; None when nothing was installed. Called on the order as sudo."""
        latest = self.install_ids.filtered(lambda install: install.state != 'superseded')[:1]
        if not latest:
            return None
        if latest.purpose == 'restore':
            if latest.state == 'rolled_back':
                return 'info', _('The certificate your site had before was put back.')
            return 'warning', _('We are putting back the certificate your site had before.')
        if latest.state == 'verified' and latest.purpose == 'temporary':
            return 'info', _('A temporary certificate is on your site while the certificate authority '
                             'checks your domain. Browsers warn about it; the real certificate replaces '
                             'it automatically once issued.')
        if latest.state == 'verified':
            return 'success', _('Installed on your site and verified: your web server serves this certificate.')
        if latest.state == 'postponed':
            return 'warning', _('We could not reach your web server yet; we will try again at %s (UTC).') % (
                latest.next_try_at)
        if latest.state in ('failed', 'rolled_back'):
            return 'danger', _('We could not install the certificate on your site: %s Your site keeps '
                               'the certificate it had before.') % self._install_failure_words(latest.failed_step)
        return 'info', _('Being installed on your site.')

    def _install_failure_words(self, step):
        """The step that failed, as a customer would say it."""
        if step == 'stage':
            return _('the certificate files could not be written on your web server.')
        if step == 'validate':
            return _('your web server did not accept the new certificate.')
        if step == 'activate':
            return _('your web server did not reload.')
        if step == 'verify':
            return _('your web server did not serve the new certificate after reloading.')
        return _('we could not connect to your web server, or its configuration did not pass its own '
                 'check before we changed anything.')

    @api.multi
    def action_reinstall(self):
        self._check_install_manager()
        for order in self:
            if order.state != 'issued' or not order._find_deploy_target():
                raise UserError(_('%s has no issued certificate or no deployment target.') % order.name)
            order._install_issued()
        return True

    @api.multi
    def action_restore_previous(self):
        self._check_install_manager()
        for order in self:
            target = order._find_deploy_target()
            if not target:
                raise UserError(_('%s has no deployment target.') % order.name)
            self.env['comodo.certificate.install']._start(order, target, purpose='restore')
        return True

    def _check_install_manager(self):
        if not self.env.user.has_group(SSL_MANAGERS):
            raise UserError(_('Only SSL managers install or restore certificates.'))

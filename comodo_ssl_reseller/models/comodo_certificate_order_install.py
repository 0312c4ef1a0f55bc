from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import customer_words
from ..groups import SSL_MANAGERS, SSL_USERS


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
        """After issuance: the new certificate goes on the web server of the order's hosted domain."""
        self._install_certificate(self.certificate_pem, self.chain_pem, self.sudo().private_key_pem)

    def _install_temporary(self):
        """At placement: a certificate from the order's own key, signed by the company's temporary
        CA, so the site has TLS while Comodo validates. Only where it cannot hurt: for a hosted
        domain of the ordering customer, never for a renewal (the current certificate serves until
        the renewed one is issued); the install job also checks the site serves no valid
        certificate and that no other order's kept pair is there (deploy.installer)."""
        target = self._find_deploy_target()
        private_key_pem = self.sudo().private_key_pem
        if not target or not private_key_pem:
            if not self.sudo().hosted_domain_id:
                self._note_for_staff(_('No temporary certificate and no automatic installation: %s '
                                       'is not a domain hosted with us for this customer.') % self.domain)
            return self.env['comodo.certificate.install']
        if self.renewal_of_id:
            self._note_for_staff(_('No temporary certificate for a renewal: %s keeps the certificate '
                                   'it serves until the renewed one is issued.') % self.domain)
            return self.env['comodo.certificate.install']
        temporary_ca = self.env['comodo.temporary.ca']._for_company(self.company_id)
        certificate_pem = temporary_ca._sign(private_key_pem, self._domains())
        return self.env['comodo.certificate.install']._start(
            self, target, certificate_pem, temporary_ca.certificate_pem, private_key_pem, purpose='temporary')

    def _restore_after_temporary(self):
        """Rejected, cancelled, timed out or its domain corrected: the server gets back what it
        served before this order's temporary certificate, where that certificate was installed, and
        only while it is still there. One that was never installed is simply not installed any more."""
        latest = self.sudo().install_ids[:1]
        if latest.purpose != 'temporary':
            return
        if latest.state in ('queued', 'postponed'):
            latest._supersede()
        elif latest.state == 'verified':
            self.env['comodo.certificate.install']._start(
                self, latest.target_id, purpose='restore', domain=latest.domain,
                # Records older than per-customer folders have none: their files are in the server's.
                certificate_folder=latest.certificate_folder or latest.target_id.sudo().certificate_folder,
                replaced_sha256=latest.expected_sha256)

    def _install_certificate(self, certificate_pem, chain_pem, private_key_pem):
        """Installs this certificate (or a later one of this order: reissue, renewal) on the web
        server of the order's hosted domain, in the background. A name hosted elsewhere is never
        installed automatically."""
        self.ensure_one()
        target = self._find_deploy_target()
        if not target:
            if not self.sudo().hosted_domain_id:
                self.message_post(body=_('Not installed automatically: %s is not a domain hosted with us '
                                         'for this customer, who installs the certificate.') % self.domain)
            return self.env['comodo.certificate.install']
        if not private_key_pem:
            self.message_post(body=_('Not installed on %s: the customer brought its own CSR, so Odoo '
                                     'has no private key to install.') % target.name)
            return self.env['comodo.certificate.install']
        return self.env['comodo.certificate.install']._start(self, target, certificate_pem, chain_pem,
                                                            private_key_pem)

    def _find_deploy_target(self):
        """The web server of the order's hosted domain (remembered on the order); none for a name
        hosted elsewhere or a hosted domain that is not the ordering customer's."""
        hosted = self._own_hosted_domain()
        if hosted.deploy_target_id and self.sudo().deploy_target_id != hosted.deploy_target_id:
            self.sudo().deploy_target_id = hosted.deploy_target_id
        return hosted.deploy_target_id

    def _own_hosted_domain(self):
        hosted = self.sudo().hosted_domain_id
        if hosted.company_id != self.company_id or (
                hosted.partner_id.commercial_partner_id != self.partner_id.commercial_partner_id):
            return self.env['comodo.hosted.domain'].sudo()
        return hosted

    def _install_folder(self, target):
        """The folder on `target` for this order's files: its customer's own."""
        hosted = self._own_hosted_domain()
        return hosted._install_folder_of(target) if hosted else False

    def _install_words(self):
        """What the portal tells the customer about its site, in plain words (customer_words.py):
        (tone, text), tone a Bootstrap alert kind; None when nothing was installed. Called on the
        order as sudo."""
        latest = self.install_ids.filtered(lambda install: install.state not in ('superseded', 'skipped'))[:1]
        if not latest:
            return None
        if latest.purpose == 'restore':
            return self._told(customer_words.INSTALL_RESTORED if latest.state == 'rolled_back'
                              else customer_words.INSTALL_RESTORING)
        if latest.state == 'verified':
            return self._told(customer_words.INSTALL_TEMPORARY if latest.purpose == 'temporary'
                              else customer_words.INSTALL_VERIFIED)
        if latest.state == 'replaced':
            return self._told(customer_words.INSTALL_REPLACED)
        if latest.state == 'postponed':
            return self._told(customer_words.INSTALL_POSTPONED, latest.next_try_at)
        if latest.state in ('failed', 'rolled_back'):
            return self._told(customer_words.INSTALL_FAILED, self._install_failure_words(latest.failed_step))
        return self._told(customer_words.INSTALL_UNDERWAY)

    def customer_install_plan(self):
        """Whether the issued certificate goes on the customer's site: 'install', or why it does not:
        'own_csr' (no private key of ours) or 'no_server' (no web server of ours for the domain).
        Public: the issued mail's template asks it."""
        self.ensure_one()
        order = self.sudo()
        if not order.key_generated:
            return 'own_csr'
        if not order._own_hosted_domain().deploy_target_id:
            return 'no_server'
        return 'install'

    def _issued_next_step(self):
        """What the customer does now with its issued certificate, in plain words (customer_words.py):
        nothing where it is (being) installed; otherwise why not, and the download."""
        latest = self.sudo().install_ids.filtered(lambda install: install.purpose == 'install'
                                                  and install.state not in ('superseded', 'skipped'))[:1]
        if latest.state == 'verified':
            return _(customer_words.NEXT_STEP_INSTALLED)
        if latest.state == 'replaced':
            return _(customer_words.NEXT_STEP_REPLACED)
        if latest.state in ('failed', 'rolled_back'):
            return _(customer_words.NEXT_STEP_NOT_INSTALLED['failed'])
        plan = self.customer_install_plan()
        if latest or plan == 'install':
            return _(customer_words.NEXT_STEP_INSTALLING)
        return _(customer_words.NEXT_STEP_NOT_INSTALLED[plan])

    def _told(self, tone_and_words, *values):
        """(tone, words translated into the reader's language, `values` put in)."""
        tone, words = tone_and_words
        return tone, (_(words) % values if values else _(words))

    def _install_failure_words(self, step):
        """The step that failed, as a customer would say it."""
        return _(customer_words.INSTALL_FAILED_STEPS.get(step, customer_words.INSTALL_FAILED_BEFORE_CHANGE))

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

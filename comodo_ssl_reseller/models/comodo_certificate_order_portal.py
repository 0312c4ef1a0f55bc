import uuid

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..comodo_client import build_pkcs12, dcv_instructions, full_chain_pem
from ..comodo_client.keys import normalise_domain
from .. import lifecycle
from ..groups import SSL_MANAGERS
from .comodo_certificate import LIVE_STATES
from .comodo_certificate_order import DCV_METHOD_SELECTION

# Who may read the private keys Odoo made.
KEY_READERS = SSL_MANAGERS


class ComodoCertificateOrder(models.Model):
    """The customer's own actions on an order (called by the portal after its checks; never over
    RPC), the downloads, and the custody of the private key Odoo made."""

    _inherit = 'comodo.certificate.order'

    # Stored in comodo.certificate.key, which only SSL managers may read (see there why).
    private_key_pem = fields.Text(string='Private Key', compute='_compute_private_key_pem',
                                  search='_search_private_key_pem', groups=KEY_READERS)
    dcv_instructions_html = fields.Html(
        string='Validation Instructions', compute='_compute_dcv_instructions_html',
        help='The file or DNS record the customer publishes for each domain, for the validation mail.')
    customer_has_ssl_module = fields.Boolean(
        compute='_compute_customer_has_ssl_module',
        help='A hosting plan of the customer includes the SSL module: the portal lets them act on this '
             'certificate (validation, auto-renewal, reissue).')
    customer_page_url = fields.Char(
        compute='_compute_customer_page_url',
        help='The full address of this certificate\'s page on the customer portal, for mails.')

    def _compute_private_key_pem(self):
        # Checked here, not only by groups=: computed fields are also read by export_data and by
        # related fields, which do not look at groups=.
        keys = self.env['comodo.certificate.key']
        if self.env.user.has_group(KEY_READERS):
            keys = keys.sudo().search([('order_id', 'in', self.ids)], order='id')
        for order in self:
            order.private_key_pem = order._current_key(keys.filtered(lambda key: key.order_id == order))

    def _current_key(self, keys):
        """The key of the current certificate (even while a reissue waits for its new one), else the
        latest key (a CSR waiting for its first certificate)."""
        if self.certificate_id:
            keys = keys.filtered(lambda key: key.certificate_id == self.certificate_id)
        return keys[-1:].private_key_pem or False

    def _search_private_key_pem(self, operator, value):
        # A search would answer, one guess at a time, what a read refuses.
        raise AccessError(_('Private keys cannot be searched.'))

    @api.multi
    def _compute_portal_url(self):
        for order in self:
            order.portal_url = '/my/certificates/%d' % order.id

    def _compute_customer_page_url(self):
        base_url = self.env['ir.config_parameter'].sudo().get_param('web.base.url', '').rstrip('/')
        for order in self:
            order.customer_page_url = base_url + order.portal_url

    def _compute_dcv_instructions_html(self):
        for order in self:
            instructions = order._dcv_instructions()
            order.dcv_instructions_html = instructions and self.env['ir.qweb'].render(
                'comodo_ssl_reseller.mail_dcv_instructions', {'instructions': instructions}).decode()

    def _compute_customer_has_ssl_module(self):
        # A batch of one customer's orders (the term cron's mails) asks for its plans once.
        has_module = {}
        for order in self:
            if order.partner_id not in has_module:
                has_module[order.partner_id] = bool(order.partner_id._ssl_plans())
            order.customer_has_ssl_module = has_module[order.partner_id]

    def _dcv_instructions(self):
        """What the customer publishes for each domain, for file or DNS validation."""
        self.ensure_one()
        if self.dcv_method == 'EMAIL' or not self.csr_pem or self._domains_validated_by_account():
            return []
        return [(domain, dcv_instructions(self.csr_pem, self.dcv_method, domain, self.unique_value))
                for domain in self._domains()]

    def _domains_validated_by_account(self):
        # Certificate Manager accounts validate their domains once, for every order.
        return self.company_id.comodo_api_type == 'certificate_manager'

    def _resend_dcv_email(self, author=None):
        """Ask Comodo to send the validation email again; `author` (a partner, e.g. the portal
        customer who asked) is credited in the chatter instead of the current user."""
        self.ensure_one()
        self._check_waiting_for_validation()
        with self.company_id._comodo_client() as client:
            client.resend_dcv(self.ca_order_number, self.dcv_email or None)
        self.message_post(body=_('Validation email sent again to %s.') % (self.dcv_email or _('the approver')),
                          author_id=author.id if author else None)

    def _change_dcv(self, method, email=None, author=None):
        """Switch to another validation method (or approver address) while Comodo waits; `author` as
        in _resend_dcv_email."""
        self.ensure_one()
        self._check_waiting_for_validation()
        self.term_id._check_validation_method(self._domains(), method, email)
        with self.company_id._comodo_client() as client:
            for domain in self._domains():
                client.update_dcv(self.ca_order_number, method, email=email if method == 'EMAIL' else None,
                                  domain=domain if self.extra_domains else None)
        # Recorded once Comodo accepted it: a refusal (raised) leaves the order as it was.
        self.write({'dcv_method': method, 'dcv_email': email if method == 'EMAIL' else False})
        self.message_post(body=_('Validation method changed to %s.') % dict(DCV_METHOD_SELECTION)[method],
                          author_id=author.id if author else None)

    def _fix_domain(self, domain):
        """Correct the domain of an order Comodo has not decided yet, in the same CA order: a new key
        and CSR for it, sent with AutoReplaceSSL. Multi-domain orders and CSRs the customer brought
        are not fixed here (the customer's new CSR would be needed)."""
        self.ensure_one()
        self._check_waiting_for_validation()
        domain = normalise_domain(domain)
        if self.certificate_id:
            raise UserError(_('%s was issued for %s: its domain stays.') % (self.name, self.domain))
        if self.extra_domains or not self.key_generated:
            raise UserError(_('%s: contact us to change the domains of this order.') % self.name)
        if not domain or domain == self.domain:
            raise UserError(_('Enter the corrected domain.'))
        self.env['sale.order.line']._check_comodo_request(self.term_id, [domain], self.dcv_method,
                                                          self.dcv_email, None)
        hosted_domain = self._check_held_names([domain])
        previous = self.domain
        self.write({'domain': domain, 'unique_value': uuid.uuid4().hex[:20], 'hosted_domain_id': hosted_domain.id})
        self._prepare_key_material()
        with self.company_id._comodo_client() as client:
            client.replace(self.ca_order_number, self.csr_pem, dcv_method=self.dcv_method,
                           dcv_email=self.dcv_email or None, unique_value=self.unique_value)
        # Recorded once Comodo accepted it: a refusal (raised) rolls the request back. A new CSR: the
        # customer is emailed how to validate it at the next check that finds the CA waiting.
        self._start_waiting_for_ca(new_csr=True)
        self.message_post(body=_('Domain corrected from %s to %s in CA order %s.')
                          % (previous, domain, self.ca_order_number))
        # The temporary certificate was for the wrong name: that site gets back what it served.
        self._after_ca_outcome(_('restoring the site\'s certificate'), self._restore_after_temporary)

    def _customer_revoke(self, reason=None):
        """Revoke the certificate at Comodo; the term ends with it (no reissue, no renewal)."""
        self.ensure_one()
        if not self.certificate_id or not self._lock_for_ca(lifecycle.SERVING):
            raise UserError(_('%s has no certificate to revoke right now.') % self.name)
        with self.company_id._comodo_client() as client:
            client.revoke(self.ca_order_number, reason=reason or 'Revoked by the customer')
        # Recorded once Comodo accepted it: a refusal (raised) leaves the order as it was.
        self.certificate_ids.filtered(lambda cert: cert.state in LIVE_STATES).write({'state': 'revoked'})
        self._set_state('revoked_by_customer')
        self._set_auto_renew(False)
        self.message_post(body=_('Certificate revoked at the customer\'s request (CA order %s).')
                          % self.ca_order_number)

    def _check_waiting_for_validation(self):
        if self.state != 'pending' or not self.ca_order_number:
            raise UserError(_('%s is not waiting for validation.') % self.name)

    def _serves_a_certificate(self):
        # While a reissue waits for the CA, the certificate it replaces is still the one to use.
        return bool(self.certificate_pem) and self.state in lifecycle.SERVING

    def _certificate_bundle(self, kind):
        """The PEM text of 'certificate', 'chain', 'fullchain' or (if Odoo made it) 'key'."""
        self.ensure_one()
        if not self._serves_a_certificate():
            raise UserError(_('%s is not issued.') % self.name)
        if kind == 'certificate':
            return self.certificate_pem
        if kind == 'chain':
            return self.chain_pem or ''
        if kind == 'fullchain':
            return full_chain_pem(self.certificate_pem, self.chain_pem)
        if kind == 'key' and self.key_generated:
            return self._kept_private_key()
        raise UserError(_('No such download.'))

    def _certificate_pkcs12(self, password):
        self.ensure_one()
        if not self._serves_a_certificate() or not self.key_generated:
            raise UserError(_('A .pfx file needs an issued certificate whose key Odoo made.'))
        return build_pkcs12(self._kept_private_key(), self.certificate_pem, self.chain_pem,
                            password, self.domain)

    def _kept_private_key(self):
        private_key_pem = self.sudo().private_key_pem
        if not private_key_pem:
            raise UserError(_('The private key of this certificate is no longer kept: it was deleted '
                              'once downloaded. Use the copy you saved.'))
        return private_key_pem

    def _forget_private_key_unless_kept(self):
        """After the customer downloaded its key: delete it where the company keeps no keys."""
        self.ensure_one()
        if self.company_id.comodo_keep_private_keys:
            return
        # The downloaded key only: a reissue in flight keeps the new key it waits with.
        key = self.env['comodo.certificate.key'].sudo().search([
            ('order_id', '=', self.id), ('certificate_id', '=', self.certificate_id.id)])
        if key:
            key.unlink()
            self.message_post(body=_('The private key was deleted once the customer downloaded it: '
                                     'the company keeps no private keys.'))

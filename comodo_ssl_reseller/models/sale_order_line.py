from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import format_date

from ..comodo_client import RequestError, check_csr, check_domains, refuse_private_key, repeated_domains
from ..comodo_client.keys import normalise_domain
from .. import lifecycle
from ..exceptions import ComodoRefusal
from ..groups import SSL_MANAGERS
from .comodo_certificate_order import DCV_METHOD_SELECTION

# What the line sends to Comodo: once its certificate is ordered, changing them would change nothing
# at the CA, so they stay as they were sent.
COMODO_REQUEST_FIELDS = ('comodo_domain', 'comodo_extra_domains', 'comodo_dcv_method', 'comodo_dcv_email',
                         'comodo_csr')


class SaleOrderLine(models.Model):
    """A certificate line names what Comodo needs: the domain(s) and how they are validated."""

    _inherit = 'sale.order.line'

    comodo_term_id = fields.Many2one(related='product_id.comodo_term_id', readonly=True)
    comodo_domain = fields.Char(string='Certificate Domain', help='e.g. www.example.com, or *.example.com for a wildcard')
    comodo_extra_domains = fields.Text(string='Further Domains', help='Multi-domain certificates: one domain per line.')
    comodo_dcv_method = fields.Selection(DCV_METHOD_SELECTION, string='Validation Method', default='HTTP_CSR_HASH')
    comodo_dcv_email = fields.Char(string='Approver Email')
    comodo_csr = fields.Text(string='Customer CSR', help='Leave empty and Odoo generates the key and CSR.')
    comodo_order_ids = fields.One2many('comodo.certificate.order', 'sale_line_id', string='Certificate Orders')
    comodo_renewal_of_id = fields.Many2one(
        'comodo.certificate.order', string='Renews', readonly=True, copy=False,
        help='The certificate order whose term this line renews (a new CA order, ordered once paid).')
    comodo_second_certificate = fields.Boolean(
        string='Second Certificate Wanted', copy=False,
        help='Sell this certificate although the customer already has one for its domain, on its way or '
             'issued (e.g. another type, or another server with its own key). Without it, Confirm Sale '
             'refuses and names the certificate to reissue or renew instead.')

    @api.constrains('product_id')
    def _check_comodo_term_offered(self):
        """A certificate term without a reseller price is never sold, whatever the UI showed."""
        for line in self:
            term = line.product_id.comodo_term_id
            if term and not term.available:
                raise ValidationError(
                    _('%s is not offered: it has no reseller price.') % term.name)

    @api.constrains('comodo_csr')
    def _check_comodo_csr_holds_no_key(self):
        for line in self:
            try:
                refuse_private_key(line.comodo_csr)
            except RequestError as error:
                raise ValidationError(error.message)

    @api.constrains('comodo_renewal_of_id', 'order_id')
    def _check_comodo_renewal_customer(self):
        """A line renews a term of its own customer only, whoever links it."""
        for line in self.filtered('comodo_renewal_of_id'):
            renewed = line.sudo().comodo_renewal_of_id
            if renewed.partner_id.commercial_partner_id != line.order_id.partner_id.commercial_partner_id:
                raise ValidationError(_('%s: certificate order %s is another customer\'s: a line renews a '
                                        'certificate of its own customer only.') % (line.name, renewed.name))

    def _check_may_link_renewal(self, vals):
        """Linking a line to the term it renews takes that term's only renewal and orders from Comodo
        once paid: the renewal cron does it, and SSL managers (who follow terms); not salesmen."""
        if vals.get('comodo_renewal_of_id') and not self.env.user.has_group(SSL_MANAGERS):
            raise AccessError(_('Only SSL managers may make a sale order line renew a certificate: '
                                'renewals are invoiced automatically before a term ends.'))

    @api.model
    def create(self, vals):
        self._check_may_link_renewal(vals)
        return super(SaleOrderLine, self).create(vals)

    @api.multi
    def write(self, vals):
        self._check_may_link_renewal(vals)
        for line in self.filtered('comodo_order_ids'):
            changed = [name for name in COMODO_REQUEST_FIELDS
                       if name in vals and (vals[name] or False) != (line[name] or False)]
            if changed:
                raise ComodoRefusal(_(
                    '%s: the certificate is already ordered from Comodo, so its %s can no longer change '
                    'here. While Comodo waits, the customer corrects the domain or changes the '
                    'validation method on the certificate\'s portal page.')
                    % (line.name, ', '.join(line._fields[name].string for name in changed)))
        return super(SaleOrderLine, self).write(vals)

    @api.onchange('comodo_domain', 'comodo_extra_domains', 'comodo_second_certificate')
    def _onchange_comodo_domain_certified(self):
        """Warn as the domain is entered, not only at Confirm Sale, that the customer has its certificate."""
        if not self.order_id.partner_id or not self.comodo_term_id:
            return None
        existing = self._comodo_existing_certificate()[:1]
        if existing:
            return {'warning': {'title': _('This customer already has a certificate for this domain'),
                                'message': self._comodo_existing_certificate_words(existing)}}
        return None

    @api.onchange('product_id')
    def _onchange_product_id_comodo_ssl(self):
        """Warn at once, not only at Confirm, when the customer may not buy this certificate."""
        if not self.product_id.comodo_term_id or not self.order_id.partner_id:
            return None
        try:
            self.order_id.partner_id._check_comodo_ssl()
        except UserError as error:
            return {'warning': {'title': _('This customer cannot buy certificates'),
                                'message': _('%s The quotation can be saved, but not confirmed.') % error.name}}
        return None

    def _get_display_price(self, product):
        # Certificates cost what the customer's plan says (Odoo calls this for new lines too).
        term = product.comodo_term_id
        if term:
            order = self.order_id
            return term._sale_price(order.partner_id, order.pricelist_id, order.company_id, order.date_order)
        return super(SaleOrderLine, self)._get_display_price(product)

    def _check_comodo_line_complete(self):
        """What confirmation needs on a certificate line, in words the salesperson can act on."""
        # The quotation's customer may have changed since the line was linked to the term it renews.
        self._check_comodo_renewal_customer()
        for line in self.filtered('comodo_term_id'):
            if line.product_uom_qty != 1:
                raise ComodoRefusal(_('%s: a certificate line orders exactly one certificate.') % line.name)
            if line.price_unit < 0:
                raise ComodoRefusal(_('%s: a certificate cannot be sold at a negative price.') % line.name)
            if not (line.comodo_domain or '').strip():
                raise ComodoRefusal(_('%s: enter the domain the certificate is for.') % line.name)
            self._check_comodo_request(line.comodo_term_id, line._comodo_domains(), line.comodo_dcv_method,
                                       line.comodo_dcv_email, line.comodo_csr)
            self.env['comodo.hosted.domain']._check_certificate_names(
                line.order_id.partner_id, line.order_id.company_id, line._comodo_domains())
            line._check_comodo_not_certified_yet()

    def _check_comodo_not_certified_yet(self):
        """Refuse a second certificate for a domain the customer already has one for (on its way or
        issued), unless the salesperson ticked Second Certificate Wanted: a lost key is a free
        reissue, a term ending is a renewal, and neither should be sold again by mistake. A renewal
        line is that term's own renewal."""
        existing = self._comodo_existing_certificate()
        if existing:
            raise ComodoRefusal('%s: %s' % (self.name, self._comodo_existing_certificate_words(existing[:1])))

    def _comodo_existing_certificate(self):
        """The customer's certificate order, on its way or issued, for one of this line's domains
        (none for a renewal line, or one whose salesperson ticked Second Certificate Wanted)."""
        self.ensure_one()
        if self.comodo_renewal_of_id or self.comodo_second_certificate or not (self.comodo_domain or '').strip():
            return self.env['comodo.certificate.order']
        return self._comodo_certificates_holding(
            self.order_id.partner_id, self.order_id.company_id, self._comodo_domains()) - self.comodo_order_ids

    def _comodo_existing_certificate_words(self, existing):
        states = dict(existing._fields['status']._description_selection(self.env))
        return _('%s already has certificate %s for %s (%s, ordered on %s). Reissue it (a new key, free) '
                 'or renew it from its form instead. To sell a second certificate for this domain all the '
                 'same (another type, another server with its own key), tick Second Certificate Wanted on '
                 'this line.') % (
            self.order_id.partner_id.commercial_partner_id.name, existing.name, existing.domain,
            states[existing.status], format_date(self.env, existing.create_date))

    @api.model
    def _comodo_certificates_holding(self, partner, company, domains):
        """`partner`'s certificate orders in `company`, on their way or issued, that carry one of
        `domains`, oldest first (as superuser: customers cannot read orders). A term whose renewal
        did not go ahead is not one: its customer is told to order a new certificate to follow it."""
        wanted = set(domains)
        orders = self.env['comodo.certificate.order'].sudo().search([
            ('partner_id', 'child_of', partner.commercial_partner_id.id),
            ('company_id', '=', company.id),
            ('state', 'in', lifecycle.HOLDS_ITS_NAMES),
            '|', ('domain', 'in', list(wanted)), ('extra_domains', '!=', False)], order='id')
        return orders.filtered(lambda order: wanted.intersection(order._domains())
                               and order._current_renewal_state() != 'lost')

    @api.model
    def _check_comodo_request(self, term, domains, dcv_method, dcv_email, csr):
        """Refuse, saying what to change, a certificate request Comodo would refuse.

        Checked before anything is created (by sale confirmation, and by the portal before it
        makes the sale), so that a refusal leaves nothing behind.
        """
        cert_type = term.type_id
        # The counts first: they bound the work of every check after them.
        if len(domains) > 1 and not cert_type.multi_domain:
            raise ComodoRefusal(_('%s covers one domain only: remove the further domains.') % cert_type.name)
        if len(domains) > cert_type.max_domains:
            raise ComodoRefusal(_('%s covers at most %d domains.') % (cert_type.name, cert_type.max_domains))
        repeated = repeated_domains(domains)
        if repeated:
            # Each name is one SAN the CA lists (and may charge for): a repeat is a typing mistake.
            raise ComodoRefusal(_('%s is entered more than once: name each domain once.') % ', '.join(repeated))
        term._check_validation_method(domains, dcv_method, dcv_email)
        try:
            check_domains(domains, wildcard=cert_type.wildcard, multi_domain=cert_type.multi_domain)
            if csr:
                check_csr(csr, domains, wildcard=cert_type.wildcard, multi_domain=cert_type.multi_domain)
        except RequestError as error:
            # The client's words already name the domain or the CSR ("x is not a valid public ...").
            raise ComodoRefusal(error.message)

    def _comodo_domains(self):
        return self._split_domains(self.comodo_domain, self.comodo_extra_domains)

    @api.model
    def _split_domains(self, domain, extra_domains):
        """The primary domain then the further ones (one per line or space-separated), normalised."""
        return [normalise_domain(domain)] + [normalise_domain(name) for name in (extra_domains or '').split()]

    def _prepare_comodo_order(self):
        self.ensure_one()
        return {
            'sale_line_id': self.id,
            'partner_id': self.order_id.partner_id.id,
            'company_id': self.order_id.company_id.id,
            'term_id': self.comodo_term_id.id,
            'domain': self._comodo_domains()[0],
            'extra_domains': '\n'.join(self._comodo_domains()[1:]) or False,
            'dcv_method': self.comodo_dcv_method,
            'dcv_email': self.comodo_dcv_email,
            'renewal_of_id': self.comodo_renewal_of_id.id,
        }

    def _create_comodo_orders(self):
        # Whoever may confirm the sale gets its certificate ordered: the order and its key are
        # system records, made as superuser (the salesperson cannot read the private key).
        orders = self.env['comodo.certificate.order'].sudo()
        # The sale's invoicing figures are computed once for all its lines, not again per invoice
        # (each recomputation reads every invoice made before it).
        with self.env.norecompute():
            for line in self:
                # Nothing to track on a record being made (its first chatter line is its placement),
                # and the confirming user need not follow each certificate: 100 lines, 100 times less.
                order = orders.with_context(tracking_disable=True).create(line._prepare_comodo_order())
                if line.comodo_csr:
                    # The customer's CSR is checked now; a key Odoo makes is made by the placement.
                    try:
                        order._prepare_key_material(line.comodo_csr)
                    except RequestError as error:
                        raise ComodoRefusal(_('%s: %s') % (line.comodo_domain, error.message))
                orders |= order
            for sale in self.mapped('order_id'):
                sale._invoice_comodo_lines(self.filtered(lambda line: line.order_id == sale))
        self.recompute()
        orders._start_ca_work()
        return orders

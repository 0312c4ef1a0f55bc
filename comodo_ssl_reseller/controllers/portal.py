"""The customer's certificates on the Odoo portal: list, follow, buy, validate, download.

Every page needs the customer's login (there are no share links), and everything that changes
something (the key's download too, which may delete it) is a POST carrying Odoo's CSRF token.
"""
import logging

from odoo import _, fields, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request
from odoo.tools.misc import format_date

from odoo.addons.portal.controllers.portal import CustomerPortal, pager as portal_pager

from .. import customer_words, lifecycle
from ..comodo_client import MAX_CSR_BYTES, ComodoError, RequestError, TransientError
from ..comodo_client.keys import normalise_domain
from ..models.comodo_certificate_order import DCV_METHOD_SELECTION

PEM_DOWNLOADS = {
    'certificate': '%s.crt',
    'chain': '%s.chain.pem',
    'fullchain': '%s.fullchain.pem',
    'key': '%s.key',
}
# The buy form's largest honest body: a CSR (16 KB, somewhat more once URL-encoded) and a few hundred
# names. A larger one is refused before any of its fields is looked at.
MAX_BUY_FORM_BYTES = 48 * 1024
# What a GET may fetch: public material only. The private key is a POST (it may be deleted once
# downloaded), as is the .pfx that holds it.
PUBLIC_DOWNLOADS = ('certificate', 'chain', 'fullchain')

_logger = logging.getLogger(__name__)


def state_words():
    """The order's status in plain words, by state (a function: translated when the page is rendered)."""
    return {state: _(words) for state, words in customer_words.STATES.items()}


def notice_words():
    """What a finished action says on the certificate's page, by the code its redirect carries
    (?message=...). Only these sentences are ever shown: an unknown code shows nothing, and no text
    of the address reaches the page."""
    return {code: _(words) for code, words in customer_words.NOTICES.items()}


class CertificatePortal(CustomerPortal):

    # -- access ------------------------------------------------------------------------------------

    def _prepare_portal_layout_values(self):
        values = super(CertificatePortal, self)._prepare_portal_layout_values()
        values['certificate_count'] = self._own_orders().search_count(self._own_orders_domain())
        # A customer whose plan sells certificates finds the page before owning any.
        values['certificates_offered'] = bool(self._customer()._comodo_ssl_plans())
        return values

    def _own_orders(self):
        # As superuser: customers have no access to the model itself, so that no CA internals
        # (errors, codes, the reseller's account) reach them over RPC. _own_orders_domain is their
        # access rule, applied by every route here. Their dates are shown in the customer's zone,
        # not the superuser's.
        return request.env['comodo.certificate.order'].sudo().with_context(tz=self._viewer_zone())

    def _viewer_zone(self):
        return request.env.user.tz or 'UTC'

    def _own_orders_domain(self):
        return [('partner_id', 'child_of', self._customer().commercial_partner_id.id)]

    def _certificate_order(self, order_id):
        """The order, as superuser, once the logged-in customer is found to own it."""
        order = self._own_orders().browse(order_id).exists()
        if order and self._is_owner(order):
            return order
        raise AccessError(_('This certificate order is not yours.'))

    def _customer(self):
        return request.env.user.partner_id

    def _company_contact(self, company=None):
        """How a customer reaches us, for pages that say "contact us": the email and phone of the
        company selling (an order's, else the customer's own)."""
        company = (company or request.env.user.company_id).sudo()
        return ', '.join(filter(None, [company.email, company.phone])) or company.name

    def _refusal(self, message, status=403):
        values = self._prepare_portal_layout_values()
        values.update({'message': message, 'page_name': 'certificates', 'contact': self._company_contact()})
        return request.render('comodo_ssl_reseller.portal_certificate_refused', values, status=status)

    def _not_found(self):
        """Another customer's certificate, or none at all: the portal's own page, in its layout."""
        values = self._prepare_portal_layout_values()
        values['page_name'] = 'certificates'
        return request.render('comodo_ssl_reseller.portal_certificate_not_found', values, status=404)

    def _gate(self, check):
        """None when the customer's plans allow it, else the refusal page saying why."""
        try:
            check()
        except UserError as error:
            return self._refusal(error.name)
        return None

    # -- list and detail ---------------------------------------------------------------------------

    @http.route(['/my/certificates', '/my/certificates/page/<int:page>'], type='http', auth='user',
                website=True)
    def portal_my_certificates(self, page=1, search=None, **kw):
        orders = self._own_orders()
        domain = self._own_orders_domain()
        if search and search.strip():
            domain += [('domain', 'ilike', search.strip())]
        total = orders.search_count(domain)
        if not total and not search:
            # A customer never allowed SSL has no page; one who owns certificates always sees them.
            refusal = self._gate(self._customer()._check_ssl_module)
            if refusal:
                return refusal
        pager = portal_pager(url='/my/certificates', url_args={'search': search} if search else None,
                             total=total, page=page, step=self._items_per_page)
        values = self._prepare_portal_layout_values()
        values.update({
            'orders': orders.search(domain, limit=self._items_per_page, offset=pager['offset']),
            'pager': pager,
            'search': search or '',
            'page_name': 'certificates',
            'default_url': '/my/certificates',
            'state_words': state_words(),
            'can_buy': bool(self._customer()._comodo_ssl_plans()),
            'hosted_domains': self._hosted_domains(),
        })
        return request.render('comodo_ssl_reseller.portal_my_certificates', values)

    @http.route(['/my/certificates/<int:order_id>'], type='http', auth='user', website=True)
    def portal_my_certificate(self, order_id, message=None, **kw):
        try:
            order = self._certificate_order(order_id)
        except AccessError:
            return self._not_found()
        return self._certificate_page(order, notice=notice_words().get(message))

    def _certificate_page(self, order, notice=None, error=None, status=200):
        """The order's page; `notice` (green) and `error` (red) are sentences of ours, never the URL's."""
        values = self._prepare_portal_layout_values()
        values.update({
            'order': order,
            'delay_notice': self._delay_notice(order),
            'page_name': 'certificate',
            'state_words': state_words(),
            # The groups of states the page's forms are offered in (lifecycle.py).
            'lifecycle': lifecycle,
            'timeline': self._timeline(order),
            'valid_from': self._local_time(order, order.valid_from),
            'valid_until': self._local_time(order, order.valid_until),
            # For every other time on the page (the term's certificates): the same zone, labelled.
            'local_time': lambda value: self._local_time(order, value),
            'next_step': self._next_step(order),
            'dcv': order._dcv_instructions() if order.state == 'pending' else [],
            'dcv_methods': DCV_METHOD_SELECTION,
            'invoices': order.invoice_ids.filtered(lambda inv: inv.state in ('open', 'paid')),
            'ssl_module': bool(order.partner_id._ssl_plans()),
            'current_while_reissuing': _(customer_words.CURRENT_WHILE_REISSUING),
            'message': notice,
            'error': error,
        })
        return request.render('comodo_ssl_reseller.portal_my_certificate', values, status=status)

    def _is_owner(self, order):
        return order.partner_id.commercial_partner_id == self._customer().commercial_partner_id

    def _local_time(self, order, value):
        """A stored (UTC) datetime as the viewer's local time, with its zone (UTC for a viewer
        without one), so that no time on the page leaves the reader guessing."""
        if not value:
            return ''
        # (The order is read as superuser: without tz= here, the administrator's zone would be used.)
        local = fields.Datetime.context_timestamp(order.with_context(tz=self._viewer_zone()),
                                                  fields.Datetime.from_string(value))
        return local.strftime('%Y-%m-%d %H:%M %Z')

    def _timeline(self, order):
        """(label, local time, status) steps, status one of done / current / failed / todo."""
        steps = self._timeline_steps(order)
        return [(label, self._local_time(order, value), status) for label, value, status in steps]

    def _timeline_steps(self, order):
        state = order.state
        steps = [(_(customer_words.TIMELINE_ORDERED), order.placed_at or order.create_date,
                  'done' if order.placed_at else 'current')]
        if state in lifecycle.STOPPED_UNISSUED:
            steps.append((_(customer_words.TIMELINE_ENDS[state]), order.write_date, 'failed'))
            return steps
        waiting = state in lifecycle.WAITING_FOR_CA
        steps.append((_(customer_words.TIMELINE_VALIDATION), order.placed_at,
                      'current' if waiting else ('done' if order.placed_at else 'todo')))
        # A term whose certificate is being reissued or has expired was issued all the same.
        steps.append((_(customer_words.TIMELINE_ISSUED), order.issued_at,
                      'done' if state in lifecycle.CERTIFICATE_MADE or order.certificate_id else 'todo'))
        if state == 'revoked':
            steps.append((_(customer_words.TIMELINE_ENDS[state]), order.write_date, 'failed'))
        return steps

    def _delay_notice(self, order):
        """Customer words for a passing CA failure; staff see the CA's code in the chatter."""
        if order.transient_failures and order.state in lifecycle.AWAITING_CA_ANSWER:
            return _(customer_words.DELAYS[lifecycle.ca_work(order.state)])
        return ''

    def _next_step(self, order):
        """What the customer must do now, in words."""
        if order.state == 'pending':
            if order._domains_validated_by_account() or not order._names_for_the_customer():
                return _(customer_words.NEXT_STEP_VALIDATED_FOR_YOU)
            words = _(customer_words.NEXT_STEP_BY_DCV_METHOD.get(order.dcv_method, customer_words.NEXT_STEP_FILE))
            return words % order.dcv_email if order.dcv_method == 'EMAIL' else words
        if order.state == 'issued':
            return order._issued_next_step()
        if order.state == 'error':
            return _(customer_words.NEXT_STEP_REFUSED) % self._company_contact(order.company_id)
        if order.state == 'rejected':
            return _(customer_words.NEXT_STEP_REJECTED) % self._company_contact(order.company_id)
        return ''

    # -- buying ------------------------------------------------------------------------------------

    def _offered_terms(self, partner):
        terms = request.env['comodo.certificate.term'].sudo().search([('available', '=', True)])
        pricelist, company = partner.sudo().property_product_pricelist, request.env.user.company_id
        return [(term, term._sale_price(partner, pricelist, company)) for term in terms]

    def _buy_values(self, partner, form, error=None, approvers=None, existing=None):
        """The buy form's values; `existing`: the certificate the refusal in `error` links to."""
        values = self._prepare_portal_layout_values()
        values.update({
            'existing': existing,
            'page_name': 'certificate_buy',
            'offers': self._offered_terms(partner),
            'dcv_methods': DCV_METHOD_SELECTION,
            'form': form,
            'error': error,
            'approvers': approvers,
            'currency': partner.sudo().property_product_pricelist.currency_id,
            'keys_kept': request.env.user.company_id.comodo_keep_private_keys,
            'domain_choices': self._domain_choices(self._hosted_domains()),
            'external_allowed': request.env.user.company_id.sudo()._comodo_allows_external_domains(),
        })
        return values

    def _hosted_domains(self):
        """The customer's own domains (as superuser: customers have no access to the model)."""
        return request.env['comodo.hosted.domain'].sudo()._held_by(self._customer(), request.env.user.company_id)

    def _domain_choices(self, hosted_domains):
        """(kind, label, [(value, label)]) groups for the buy form's list of domains: each domain
        ('single'); the www and bare names together ('pair', multi-domain certificates); a wildcard
        over each domain ('wildcard', wildcard certificates). The form offers the kinds the chosen
        certificate can carry."""
        names = hosted_domains.mapped('name')
        pairs = [('%s %s' % (name, name[4:]), _('%s and %s') % (name, name[4:]))
                 for name in names if name.startswith('www.') and name[4:] in names]
        wildcards = [('*.' + name, '*.' + name) for name in names if not name.startswith('www.')]
        return [('single', _('Your domains'), [(name, name) for name in names]),
                ('pair', _('Both names (multi-domain certificates)'), pairs),
                ('wildcard', _('Every name under a domain (wildcard certificates)'), wildcards)]

    def _requested_names(self, form):
        """The names asked for: one of the customer's domains (or its www / bare pair) from the list,
        or one hosted elsewhere typed in its own box."""
        chosen = (form.get('domain') or '').strip().lower()
        external = normalise_domain(form.get('external_domain'))
        if chosen and external:
            raise UserError(_('Choose one of your domains or enter a domain hosted elsewhere, not both.'))
        pair = chosen.split()
        if len(pair) == 2 and pair[0] == 'www.' + pair[1]:
            return pair
        return [name for name in (chosen or external,) if name]

    @http.route(['/my/certificates/buy'], type='http', auth='user', website=True, methods=['GET'])
    def portal_certificate_buy_form(self, **kw):
        partner = self._customer()
        refusal = self._gate(partner._check_comodo_ssl)
        if refusal:
            return refusal
        return request.render('comodo_ssl_reseller.portal_certificate_buy',
                              self._buy_values(partner, {'dcv_method': 'HTTP_CSR_HASH'}))

    @http.route(['/my/certificates/buy'], type='http', auth='user', website=True, methods=['POST'])
    def portal_certificate_buy(self, **form):
        partner = self._customer()
        size = request.httprequest.content_length or 0
        if size > MAX_BUY_FORM_BYTES:
            # Nothing of it is sent back: the form starts again empty.
            message = _('This order form is %d KB, far more than a certificate order needs (a CSR has %d KB '
                        'at most): nothing was ordered. Check what was pasted into it.') % (
                            -(-size // 1024), MAX_CSR_BYTES // 1024)
            return request.render('comodo_ssl_reseller.portal_certificate_buy', self._buy_values(
                partner, {'dcv_method': 'HTTP_CSR_HASH'}, error=message), status=413)
        refusal = self._gate(partner._check_comodo_ssl)
        if refusal:
            return refusal
        try:
            term = self._chosen_term(form)
            existing = request.env['sale.order.line']._comodo_certificates_holding(
                partner, request.env.user.company_id, self._requested_line_names(form))[:1]
            if existing:
                return request.render('comodo_ssl_reseller.portal_certificate_buy', self._buy_values(
                    partner, form, error=self._already_certified_words(existing, form), existing=existing),
                    status=409)
            partner._check_comodo_purchase_limits(term._customer_price(partner))
            if form.get('dcv_method') == 'EMAIL' and not form.get('dcv_email'):
                # Email validation needs an approver address, which only the CA can list.
                approvers = self._approvers(self._requested_names(form)[0])
                return request.render('comodo_ssl_reseller.portal_certificate_buy',
                                      self._buy_values(partner, form, approvers=approvers))
            order = self._place_purchase(partner, term, form)
        except (UserError, ValidationError) as error:
            if 'PRIVATE KEY' in (form.get('csr') or ''):
                # Not even sent back to the browser: the refusal says to keep it on the server.
                form = dict(form, csr='')
            return request.render('comodo_ssl_reseller.portal_certificate_buy',
                                  self._buy_values(partner, form, error=error.name), status=400)
        return request.redirect(order.portal_url)

    def _already_certified_words(self, existing, form):
        """Why nothing was sold: the customer's certificate for the name, and what to do with it."""
        name = next(name for name in self._requested_line_names(form) if name in existing._domains())
        if existing.state in lifecycle.IN_TERM or existing.certificate_id:
            next_step = customer_words.ALREADY_CERTIFIED_NEXT['live']
        elif existing.state == 'awaiting_payment':
            next_step = customer_words.ALREADY_CERTIFIED_NEXT['awaiting_payment']
        else:
            next_step = customer_words.ALREADY_CERTIFIED_NEXT['ordering']
        return '%s %s' % (_(customer_words.ALREADY_CERTIFIED) % (
            name, existing.name, format_date(request.env, existing.create_date)), _(next_step))

    def _requested_line_names(self, form):
        """Every name the purchase asks for, normalised as its sale line will hold them."""
        primary, extra_domains = self._requested_line_domains(form)
        return request.env['sale.order.line']._split_domains(primary, extra_domains)

    def _requested_line_domains(self, form):
        """(the line's domain, its further domains): the names chosen, then those typed."""
        names = self._requested_names(form)
        return names[0], '\n'.join(names[1:] + (form.get('extra_domains') or '').split()) or False

    def _chosen_term(self, form):
        try:
            term_id = int(form.get('term_id') or 0)
        except ValueError:
            term_id = 0
        term = request.env['comodo.certificate.term'].sudo().browse(term_id).exists()
        if not term or not term.available:
            raise UserError(_('Choose one of the certificates offered.'))
        if not self._requested_names(form):
            raise UserError(_('Choose or enter the domain the certificate is for.'))
        if form.get('dcv_method') not in dict(DCV_METHOD_SELECTION):
            raise UserError(_('Choose how the domain is validated.'))
        return term

    def _approvers(self, domain):
        company = request.env.user.company_id.sudo()
        request.env['comodo.portal.ca.call']._reserve(self._customer(), 'approver list')
        try:
            with company._comodo_client() as client:
                return client.dcv_emails(normalise_domain(domain))
        except RequestError as error:
            # The CA's own text may quote its parameters: the log has it, the customer plain words.
            _logger.info('The CA listed no approver address for %s: %s', domain, error)
            raise UserError(_('%s: the certificate authority lists no approver address for this domain. '
                              'Check the domain, or choose validation by file or DNS.') % domain)
        except ComodoError:
            raise UserError(_('The certificate authority cannot list approver addresses right now; '
                              'choose validation by file or DNS, or try again later.'))

    def _place_purchase(self, partner, term, form):
        """A confirmed sale order for the certificate: it invoices it and starts the CA order.

        Everything the customer could get wrong is checked first, so a refusal leaves nothing
        behind (no quotation, no half-made order).
        """
        lines = request.env['sale.order.line'].sudo()
        primary, extra_domains = self._requested_line_domains(form)
        line_values = {
            'product_id': term.product_id.id,
            'comodo_domain': primary,
            'comodo_extra_domains': extra_domains,
            'comodo_dcv_method': form['dcv_method'],
            'comodo_dcv_email': form.get('dcv_email') or False,
            'comodo_csr': (form.get('csr') or '').strip() or False,
        }
        lines._check_comodo_request(
            term, lines._split_domains(line_values['comodo_domain'], line_values['comodo_extra_domains']),
            line_values['comodo_dcv_method'], line_values['comodo_dcv_email'], line_values['comodo_csr'])
        request.env['comodo.hosted.domain']._check_certificate_names(
            partner, request.env.user.company_id,
            lines._split_domains(line_values['comodo_domain'], line_values['comodo_extra_domains']))
        # The customer's own company sells, on its reseller account: request.env.user is the
        # customer here (a superuser environment's user would be the administrator).
        sale = request.env['sale.order']._create_in_company(request.env.user.company_id, {
            'partner_id': partner.id,
            'origin': _('Customer portal'),
            'order_line': [(0, 0, line_values)],
        }, bought_by=request.env.user.partner_id)
        # The customer confirmed it, not the superuser this runs as: no tracking line in its name.
        sale.with_context(mail_notrack=True).action_confirm()
        return sale.order_line.comodo_order_ids

    # -- validation actions ------------------------------------------------------------------------

    def _owned_order_or_refusal(self, order_id):
        """(order, None) for the owner whose plan still has the SSL module, else (None, response)."""
        try:
            order = self._certificate_order(order_id)
        except AccessError:
            return None, self._not_found()
        return order, self._gate(self._customer()._check_ssl_module)

    def _back(self, order, notice):
        """After an action: its page, saying the sentence of `notice` (a key of notice_words)."""
        return request.redirect('%s?message=%s' % (order.portal_url, notice))

    def _failed(self, order, error, action):
        """The order's page saying, in the customer's words, why `action` did not happen. The CA's own
        code and text (about the reseller's account, its parameters, its network) go to the staff, in
        the order's chatter."""
        if isinstance(error, (UserError, ValidationError)):
            # Our own words, written for the customer.
            words = error.name
        else:
            order.message_post(body=_('The customer asked to %s; the certificate authority answered: %s')
                               % (action, error))
            words = self._ca_failure_words(error)
        return self._certificate_page(order, error=words, status=400)

    def _ca_failure_words(self, error):
        if isinstance(error, TransientError):
            return _('The certificate authority could not be reached just now. Please try again in a few '
                     'minutes.')
        if isinstance(error, RequestError):
            return _('The certificate authority did not accept this request. Check what you entered, or '
                     'contact us: %s.') % self._company_contact()
        return _('This cannot be done right now; our staff has been told. Contact us if it is urgent: '
                 '%s.') % self._company_contact()

    @http.route(['/my/certificates/<int:order_id>/dcv/resend'], type='http', auth='user', website=True,
                methods=['POST'])
    def portal_certificate_resend_dcv(self, order_id, **kw):
        order, refusal = self._owned_order_or_refusal(order_id)
        if refusal:
            return refusal
        try:
            request.env['comodo.portal.ca.call']._reserve(self._customer(), 'resend validation email')
            # The order is read as superuser: the chatter credits the customer who asked.
            order._resend_dcv_email(author=self._customer())
        except (UserError, ComodoError) as error:
            return self._failed(order, error, _('resend the validation email'))
        return self._back(order, 'dcv_resent')

    @http.route(['/my/certificates/<int:order_id>/dcv/change'], type='http', auth='user', website=True,
                methods=['POST'])
    def portal_certificate_change_dcv(self, order_id, dcv_method=None, dcv_email=None, **kw):
        order, refusal = self._owned_order_or_refusal(order_id)
        if refusal:
            return refusal
        try:
            request.env['comodo.portal.ca.call']._reserve(self._customer(), 'change validation method')
            order._change_dcv(dcv_method, dcv_email or None, author=self._customer())
        except (UserError, ComodoError) as error:
            return self._failed(order, error, _('change the validation method'))
        return self._back(order, 'dcv_changed')

    @http.route(['/my/certificates/<int:order_id>/domain/fix'], type='http', auth='user', website=True,
                methods=['POST'])
    def portal_certificate_fix_domain(self, order_id, domain=None, **kw):
        order, refusal = self._owned_order_or_refusal(order_id)
        if refusal:
            return refusal
        try:
            request.env['comodo.portal.ca.call']._reserve(self._customer(), 'fix domain')
            with request.env.cr.savepoint():
                order._fix_domain(domain)
        except (UserError, ValidationError, ComodoError) as error:
            return self._failed(order, error, _('correct the domain'))
        return self._back(order, 'domain_fixed')

    # -- the term: reissue, revoke, auto-renewal ---------------------------------------------------

    @http.route(['/my/certificates/<int:order_id>/reissue/confirm'], type='http', auth='user', website=True,
                methods=['GET'])
    def portal_certificate_reissue_confirm(self, order_id, **kw):
        """Asked before a reissue: what will happen, and the button that does it (a POST)."""
        order, refusal = self._owned_order_or_refusal(order_id)
        if refusal:
            return refusal
        if order.state not in lifecycle.TRANSITIONS['start_reissue'][0]:
            return self._certificate_page(order, error=_('%s cannot be reissued now: only an issued '
                                                         'certificate is.') % order.name, status=409)
        values = self._prepare_portal_layout_values()
        values.update({'order': order, 'page_name': 'certificate',
                       'consequences': self._reissue_consequences(order)})
        return request.render('comodo_ssl_reseller.portal_certificate_reissue_confirm', values)

    def _reissue_consequences(self, order):
        """What a reissue with a new key does, one sentence each, in the customer's words."""
        words = customer_words
        validation = (words.REISSUE_CONFIRM_VALIDATED_FOR_YOU if order._domains_validated_by_account()
                      else words.REISSUE_CONFIRM_VALIDATION)
        after = 'install' if order._own_hosted_domain().deploy_target_id else 'download'
        return [_(words.REISSUE_CONFIRM_NEW_KEY) % (order.domain, self._local_time(order, order.term_ends_at)),
                _(validation),
                _(words.REISSUE_CONFIRM_CURRENT),
                _(words.REISSUE_CONFIRM_AFTER[after]),
                _(words.REISSUE_CONFIRM_NOT_REVOKED) % self._company_contact(order.company_id)]

    @http.route(['/my/certificates/<int:order_id>/reissue'], type='http', auth='user', website=True,
                methods=['POST'])
    def portal_certificate_reissue(self, order_id, **kw):
        order, refusal = self._owned_order_or_refusal(order_id)
        if refusal:
            return refusal
        try:
            request.env['comodo.portal.ca.call']._reserve(self._customer(), 'reissue')
            order._customer_reissue()
        except (UserError, ComodoError) as error:
            return self._failed(order, error, _('reissue the certificate'))
        return self._back(order, 'reissue_started')

    @http.route(['/my/certificates/<int:order_id>/revoke'], type='http', auth='user', website=True,
                methods=['POST'])
    def portal_certificate_revoke(self, order_id, reason=None, **kw):
        order, refusal = self._owned_order_or_refusal(order_id)
        if refusal:
            return refusal
        try:
            request.env['comodo.portal.ca.call']._reserve(self._customer(), 'revoke')
            order._customer_revoke((reason or '').strip()[:512] or None)
        except (UserError, ComodoError) as error:
            return self._failed(order, error, _('revoke the certificate'))
        return self._back(order, 'revoked')

    @http.route(['/my/certificates/<int:order_id>/auto-renew'], type='http', auth='user', website=True,
                methods=['POST'])
    def portal_certificate_auto_renew(self, order_id, auto_renew=None, **kw):
        order, refusal = self._owned_order_or_refusal(order_id)
        if refusal:
            return refusal
        try:
            order._set_auto_renew(auto_renew == '1')
        except UserError as error:
            return self._failed(order, error, _('change auto-renewal'))
        return self._back(order, 'auto_renew_on' if order.auto_renew else 'auto_renew_off')

    # -- downloads ---------------------------------------------------------------------------------

    @http.route(['/my/certificates/<int:order_id>/download/<string:kind>'], type='http', auth='user',
                website=True, methods=['GET'])
    def portal_certificate_download(self, order_id, kind, **kw):
        if kind not in PUBLIC_DOWNLOADS:
            return self._not_found()
        return self._pem_download(order_id, kind)

    @http.route(['/my/certificates/<int:order_id>/download/key'], type='http', auth='user', website=True,
                methods=['POST'])
    def portal_certificate_key(self, order_id, **kw):
        return self._pem_download(order_id, 'key')

    def _pem_download(self, order_id, kind):
        order, refusal = self._owned_order_or_refusal(order_id)
        if refusal:
            return refusal
        try:
            content = order._certificate_bundle(kind)
        except UserError as error:
            return self._refusal(error.name, status=404)
        if kind == 'key':
            order._forget_private_key_unless_kept()
        return self._attachment(content.encode('ascii'), PEM_DOWNLOADS[kind] % order.domain.replace('*', 'wildcard'),
                                'application/x-pem-file')

    @http.route(['/my/certificates/<int:order_id>/download/pfx'], type='http', auth='user', website=True,
                methods=['POST'])
    def portal_certificate_pfx(self, order_id, password=None, **kw):
        order, refusal = self._owned_order_or_refusal(order_id)
        if refusal:
            return refusal
        try:
            pfx = order._certificate_pkcs12(password or '')
        except UserError as error:
            return self._failed(order, error, _('download a .pfx file'))
        except RequestError as error:
            # Raised by our own check of the password (the CA is not asked): the customer's words.
            return self._certificate_page(order, error=error.message, status=400)
        order._forget_private_key_unless_kept()
        return self._attachment(pfx, '%s.pfx' % order.domain.replace('*', 'wildcard'), 'application/x-pkcs12')

    def _attachment(self, content, filename, mimetype):
        return request.make_response(content, headers=[
            ('Content-Type', mimetype),
            ('Content-Disposition', 'attachment; filename="%s"' % filename),
            ('Cache-Control', 'no-store'),
        ])

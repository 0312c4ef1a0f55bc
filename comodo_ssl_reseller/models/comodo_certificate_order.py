import logging
import uuid
from datetime import datetime, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.addons.queue_job.job import job

from ..comodo_client import (
    DCV_METHODS, ComodoError, OrderStatus, RequestError, TransientError, build_csr, build_pkcs12,
    certificate_matches_csr, check_csr, clean_csr, dcv_instructions, full_chain_pem, generate_private_key)
from .. import lifecycle
from ..groups import SSL_MANAGERS
from ..lifecycle import CA_CHANNEL, STATES
from .comodo_certificate import LIVE_STATES

_logger = logging.getLogger(__name__)

DCV_METHOD_SELECTION = [
    ('EMAIL', 'Email to an approver address'),
    ('HTTP_CSR_HASH', 'File on the web site (HTTP)'),
    ('HTTPS_CSR_HASH', 'File on the web site (HTTPS)'),
    ('CNAME_CSR_HASH', 'DNS CNAME record'),
]
assert {code for code, _label in DCV_METHOD_SELECTION} == set(DCV_METHODS)
# Who may read the private keys Odoo made.
KEY_READERS = SSL_MANAGERS
# Reminders to pay a renewal, by days left in the term: each sent once.
RENEWAL_REMINDER_DAYS = (15, 7, 1)
# Notices that a term ends with nothing renewing it, by days left in the term: each sent once.
EXPIRY_NOTICE_DAYS = (30, 7, 1)
# What the CA answers when it gives no reason for a rejection: saying it again tells the customer
# nothing ("Reason given: The certificate request has been rejected!").
REJECTIONS_WITHOUT_REASON = ('the certificate request has been rejected!', 'rejected by comodo')
# Sectigo's status pushes for one order are acted upon at most once a minute: a burst of them (its
# retries, a replayed call) costs one CA call. The 4-hour poll remains the backstop.
PUSH_MIN_INTERVAL_SECONDS = 60
# A pushed order's check goes ahead of the poll's batches (priority 10) in the channel.
PUSH_CHECK_PRIORITY = 5


def calendar_days_left(moment, now):
    """Whole days from `now`'s day to the day of `moment` (UTC): what "15 days left" means to a
    customer, whatever the hour the daily cron runs or the second a certificate was issued."""
    return (fields.Datetime.from_string(moment).date() - now.date()).days


class ComodoCertificateOrder(models.Model):
    """One certificate ordered from Comodo for one sale order line, followed until it is decided."""

    _name = 'comodo.certificate.order'
    _description = 'Comodo Certificate Order'
    _inherit = ['mail.thread', 'portal.mixin']
    _order = 'id desc'

    name = fields.Char(
        string='Reference', required=True, readonly=True, copy=False, default='/', index=True)
    state = fields.Selection(STATES, default='draft', required=True, readonly=True, copy=False,
                             index=True, track_visibility='onchange')
    company_id = fields.Many2one('res.company', required=True, readonly=True,
                                 default=lambda self: self.env.user.company_id)
    partner_id = fields.Many2one('res.partner', string='Customer', required=True, readonly=True,
                                 index=True)
    sale_line_id = fields.Many2one('sale.order.line', string='Sale Order Line', readonly=True,
                                   ondelete='restrict', copy=False)
    sale_order_id = fields.Many2one(related='sale_line_id.order_id', store=True, readonly=True)
    term_id = fields.Many2one('comodo.certificate.term', string='Certificate', required=True,
                              readonly=True, ondelete='restrict')
    type_id = fields.Many2one(related='term_id.type_id', store=True, readonly=True)
    domain = fields.Char(required=True, readonly=True, index=True,
                         help='The domain the certificate is for (its common name).')
    extra_domains = fields.Text(
        readonly=True, help='Further domains of a multi-domain certificate, one per line.')
    dcv_method = fields.Selection(DCV_METHOD_SELECTION, string='Validation Method', required=True,
                                  default='EMAIL', readonly=True)
    dcv_email = fields.Char(string='Approver Email', readonly=True)

    csr_pem = fields.Text(string='CSR', readonly=True, copy=False)
    # Stored in comodo.certificate.key, which only SSL managers may read (see there why).
    private_key_pem = fields.Text(string='Private Key', compute='_compute_private_key_pem',
                                  search='_search_private_key_pem', groups=KEY_READERS)
    key_generated = fields.Boolean(
        readonly=True, copy=False, help='Odoo generated the private key (the customer did not bring a CSR).')

    ca_order_number = fields.Char(string='CA Order Number', readonly=True, copy=False, index=True)
    foreign_order_number = fields.Char(
        readonly=True, copy=False, index=True,
        help='Our own reference sent with the order: finds the CA order again after a crash.')
    unique_value = fields.Char(readonly=True, copy=False,
                               help='The uniqueValue sent to Comodo; part of the DCV values.')
    ca_status_code = fields.Integer(string='Last CA Code', readonly=True, copy=False)
    last_ca_answer = fields.Char(string='Last CA Answer', readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)
    rejection_reason = fields.Text(readonly=True, copy=False)
    stated_rejection_reason = fields.Text(
        compute='_compute_stated_rejection_reason',
        help='The reason for the rejection when the CA gave one, for the customer\'s mail and page.')

    placed_at = fields.Datetime(readonly=True, copy=False)
    waiting_since = fields.Datetime(
        readonly=True, copy=False, help='Start of the wait for a decision; reset restarts it.')
    last_check_at = fields.Datetime(string='Last Check', readonly=True, copy=False)
    next_check_at = fields.Datetime(string='Next Check', readonly=True, copy=False, index=True)
    attempts = fields.Integer(readonly=True, copy=False, help='Checks since the wait began.')
    transient_failures = fields.Integer(
        readonly=True, copy=False, help='Failed calls to Comodo in a row (timeouts, busy CA).')
    poll_run_id = fields.Many2one('comodo.poll.run', readonly=True, copy=False, index=True,
                                  ondelete='set null')
    push_received_at = fields.Datetime(
        readonly=True, copy=False, help='When Sectigo last pushed a status change that was acted upon.')
    check_queued_at = fields.Datetime(
        readonly=True, copy=False,
        help='When the scheduled poll last queued a check of this order: not queued again for the '
             'same due time.')

    # The current certificate, as issued: each certificate of the term is also kept on its own
    # (certificate_ids), with the key it was issued for.
    certificate_pem = fields.Text(string='Certificate', readonly=True, copy=False)
    chain_pem = fields.Text(string='CA Chain', readonly=True, copy=False)
    serial_number = fields.Char(readonly=True, copy=False)
    valid_from = fields.Datetime(readonly=True, copy=False)
    valid_until = fields.Datetime(readonly=True, copy=False)
    issued_at = fields.Datetime(readonly=True, copy=False)
    certificate_ids = fields.One2many('comodo.certificate', 'order_id', string='Certificates',
                                      readonly=True)
    certificate_id = fields.Many2one('comodo.certificate', string='Current Certificate', readonly=True,
                                     copy=False)
    term_starts_at = fields.Datetime(
        string='Term Starts', readonly=True, copy=False,
        help='The first certificate was issued: the term the customer paid for runs from here.')
    term_ends_at = fields.Datetime(string='Term Ends', readonly=True, copy=False, index=True)
    auto_renew = fields.Boolean(
        default=True, track_visibility='onchange',
        help='Invoice the next term before this one ends; Comodo is ordered from once it is paid.')
    renewal_of_id = fields.Many2one('comodo.certificate.order', string='Renewal Of', readonly=True,
                                    copy=False, index=True, ondelete='restrict')
    renewal_ids = fields.One2many('comodo.certificate.order', 'renewal_of_id', string='Renewal',
                                  readonly=True)
    renewal_state = fields.Selection(
        [('none', 'Not Renewed Yet'), ('coming', 'Renewal on Its Way'), ('lost', 'Renewal Did Not Go Ahead')],
        compute='_compute_renewal_state',
        help='One renewal per term: once it is cancelled, rejected or revoked, nothing renews the term.')
    renewal_period = fields.Char(compute='_compute_renewal_period',
                                 help='The dates a renewal covers: from the end of the term it renews.')
    renewal_reminders_sent = fields.Char(
        readonly=True, copy=False, help='Days left at which a reminder to pay this renewal was sent, e.g. "15,7".')
    expiry_notices_sent = fields.Char(
        readonly=True, copy=False,
        help='Days left at which the customer was told that this term ends with nothing renewing it, '
             'e.g. "30,7".')
    validation_mail_sent_at = fields.Datetime(
        readonly=True, copy=False,
        help='When the customer was emailed how to validate the domains for the current CSR; cleared '
             'when a new CSR goes to Comodo (reissue, corrected domain).')
    dcv_instructions_html = fields.Html(
        string='Validation Instructions', compute='_compute_dcv_instructions_html',
        help='The file or DNS record the customer publishes for each domain, for the validation mail.')
    customer_has_ssl_module = fields.Boolean(
        compute='_compute_customer_has_ssl_module',
        help='A hosting plan of the customer includes the SSL module: the portal lets them act on this '
             'certificate (validation, auto-renewal, reissue).')

    invoice_ids = fields.One2many('account.invoice', 'comodo_order_id', string='Billing', readonly=True)
    invoice_count = fields.Integer(compute='_compute_invoice_count')
    customer_page_url = fields.Char(
        compute='_compute_customer_page_url',
        help='The full address of this certificate\'s page on the customer portal, for mails.')

    _sql_constraints = [
        # One CA order per sale order line, whatever clicks, retries or workers race.
        ('sale_line_unique', 'unique(sale_line_id)', 'This sale order line already has its certificate order.'),
        # One renewal per term, whatever crons race: one invoicing source, never two invoices.
        ('renewal_of_unique', 'unique(renewal_of_id)', 'This term already has its renewal.'),
    ]

    @api.depends('invoice_ids')
    def _compute_invoice_count(self):
        for order in self:
            order.invoice_count = len(order.invoice_ids)

    def _compute_private_key_pem(self):
        # Checked here, not only by groups=: computed fields are also read by export_data and by
        # related fields, which do not look at groups=.
        keys = self.env['comodo.certificate.key']
        if self.env.user.has_group(KEY_READERS):
            keys = keys.sudo().search([('order_id', 'in', self.ids)], order='id')
        for order in self:
            order.private_key_pem = order._current_key(keys.filtered(lambda key: key.order_id == order))

    @api.depends('renewal_of_id.term_ends_at', 'term_id.days')
    def _compute_renewal_state(self):
        # For the portal page and the mails; the model's own decisions read the renewals afresh.
        for order in self:
            order.renewal_state = order._current_renewal_state()

    def _current_renewal_state(self):
        self.ensure_one()
        if not self.renewal_ids:
            return 'none'
        if any(renewal.state not in lifecycle.RENEWAL_LOST for renewal in self.renewal_ids):
            return 'coming'
        return 'lost'

    def _compute_renewal_period(self):
        for order in self:
            if not order.renewal_of_id.term_ends_at:
                order.renewal_period = False
                continue
            starts = fields.Datetime.from_string(order.renewal_of_id.term_ends_at)
            order.renewal_period = '%s - %s' % (fields.Date.to_string(starts), fields.Date.to_string(
                starts + timedelta(days=order.term_id.days)))

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

    @api.depends('rejection_reason')
    def _compute_stated_rejection_reason(self):
        for order in self:
            reason = (order.rejection_reason or '').strip()
            stated = reason and reason.lower() not in REJECTIONS_WITHOUT_REASON
            order.stated_rejection_reason = reason if stated else False

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
        for order in self:
            order.customer_has_ssl_module = bool(order.partner_id._ssl_plans())

    # -- the one writer of state -------------------------------------------------------------------

    def _set_state(self, transition, values=None):
        """Move these orders through `transition` (a name in lifecycle.TRANSITIONS), writing `values`
        with it: the only place that writes `state`.

        An order not in one of the transition's starting states is refused (a bug, or a race the
        row locks should have prevented). Orders the poll no longer looks at get no next check.
        """
        sources, target = lifecycle.TRANSITIONS[transition]
        for order in self:
            if order.state not in sources:
                raise UserError(_('%s cannot go from %s to %s.') % (
                    order.name, lifecycle.STATE_LABELS[order.state], lifecycle.STATE_LABELS[target]))
        values = dict(values or {}, state=target)
        if target not in lifecycle.POLLED:
            values.setdefault('next_check_at', False)
        return self.write(values)

    def _start_waiting_for_ca(self, transition=None, next_check_at=None, new_csr=False):
        """Comodo has a request to decide (again): the wait, its counters and its last error start
        over, through `transition` (None: the order stays pending). With `new_csr`, the customer is
        emailed how to validate the new CSR once a check finds the CA waiting."""
        now = fields.Datetime.now()
        values = {'waiting_since': now, 'attempts': 0, 'transient_failures': 0, 'last_error': False,
                  'next_check_at': next_check_at or now}
        if new_csr:
            values['validation_mail_sent_at'] = False
        if transition:
            return self._set_state(transition, values)
        return self.write(values)

    def _cancel(self, billing_reason, message):
        """Cancel the order and its billing (a draft invoice cancelled, a posted one credited)."""
        self._set_state('cancelled')
        for order in self:
            order._cancel_billing(billing_reason)
            order.message_post(body=message)

    def _tell_ssl_managers(self, message):
        """A note on the order that notifies the SSL managers: something waits for a person."""
        managers = self.env.ref(SSL_MANAGERS).users.filtered('active')
        self.message_post(body=message, subtype='mail.mt_note', partner_ids=managers.mapped('partner_id').ids)

    # -- CRUD ---------------------------------------------------------------------------------------

    @api.model
    def create(self, vals):
        if vals.get('name', '/') == '/':
            vals['name'] = self.env['ir.sequence'].next_by_code('comodo.certificate.order') or '/'
        order = super(ComodoCertificateOrder, self).create(vals)
        order.write({
            # Random, not derived from the database: a copy of the database (a staging server on
            # the same reseller account) must never mistake another database's CA order for its own.
            'foreign_order_number': 'odoo-%s' % uuid.uuid4().hex,
            # Sent as uniqueValue: it makes this order's DCV values its own (notes, section 5).
            'unique_value': uuid.uuid4().hex[:20],
            'next_check_at': fields.Datetime.now(),
        })
        return order

    # -- domains and key material ------------------------------------------------------------------

    def _domains(self):
        self.ensure_one()
        extra = [line.strip().lower() for line in (self.extra_domains or '').splitlines() if line.strip()]
        return [self.domain.strip().lower()] + [d for d in extra if d != self.domain.strip().lower()]

    def _prepare_key_material(self, csr_pem=None):
        """Odoo makes the key and CSR unless the customer brought a CSR; either way it is checked."""
        self.ensure_one()
        cert_type = self.type_id
        private_key = None
        if csr_pem:
            # Only the CSR itself is kept and sent: never what was pasted around it.
            csr_pem = clean_csr(csr_pem)
        else:
            private_key = generate_private_key()
            try:
                csr_pem = build_csr(private_key, self._domains())
            except ValueError:
                # x509 refuses names it cannot encode (non-ASCII, a label or name too long).
                raise RequestError(_('%s is not a domain name a certificate can carry (use its '
                                     'xn-- form for international names).') % ', '.join(self._domains()))
        check_csr(csr_pem, self._domains(), wildcard=cert_type.wildcard, multi_domain=cert_type.multi_domain)
        self.sudo().write({'csr_pem': csr_pem, 'key_generated': bool(private_key)})
        if private_key:
            self.env['comodo.certificate.key'].sudo().create({'order_id': self.id, 'private_key_pem': private_key})

    # -- placing the order -------------------------------------------------------------------------

    def _start_ca_work(self):
        """After confirmation: order from Comodo now, or once the invoice is paid, as the company chose.

        A renewal always waits for its invoice to be paid: the customer may not want the next term.
        """
        ordering_now = self.filtered(lambda order: order.company_id.comodo_order_trigger != 'payment'
                                     and not order.renewal_of_id)
        for order in self - ordering_now:
            order._set_state('await_payment')
            order.message_post(body=_('Waiting for the invoice to be paid before ordering from Comodo.'))
            # Validated now, so that the customer can pay it (a free one is paid at once, which
            # starts the CA order through _on_invoice_paid).
            order._validate_invoices_if_configured()
        ordering_now._enqueue_ca_work()

    def _on_invoice_paid(self):
        waiting = self.filtered(lambda order: order.state == 'awaiting_payment')
        paid = waiting.filtered(lambda order: order._paid_in_full())
        for order in waiting - paid:
            # Staff read why nothing happened: the reseller's credit is spent on money received only.
            order.message_post(body=_(
                'An invoice of this order is settled, but not the certificate\'s own invoice by payments '
                'for its amount (a credit note or another invoice does not count): not ordering from '
                'Comodo.'))
        paid._set_state('paid', {'next_check_at': fields.Datetime.now()})
        for order in paid:
            order.message_post(body=_('Invoice paid: ordering from Comodo.'))
        paid._enqueue_ca_work()

    def _paid_in_full(self):
        """The invoice made with the certificate's sale line is paid, for the line's amount, by
        payments: a credit note reconciled with it, or another invoice linked to the order (a 0.00
        one is paid as soon as it is validated), pays nothing.

        Its own invoice is the first one billing the sale line; a later one billing the line too
        is not it.
        """
        self.ensure_one()
        line = self.sudo().sale_line_id
        invoice = line.invoice_lines.mapped('invoice_id').filtered(
            lambda inv: inv.type == 'out_invoice' and inv.comodo_order_id == self).sorted('id')[:1]
        if not invoice or invoice.state != 'paid':
            return False
        billed = sum(invoice.invoice_line_ids.filtered(lambda inv_line: line in inv_line.sale_line_ids)
                     .mapped('price_total'))
        currency = invoice.currency_id
        return (currency.compare_amounts(billed, line.price_total) >= 0
                and currency.compare_amounts(invoice._comodo_amount_paid(), invoice.amount_total) >= 0)

    def _enqueue_ca_work(self):
        """One job per order: place a new order, or poll a pending one.

        The identity key names the order and the time its work fell due, so the cron, a retry and
        a confirmation never queue the same work twice.
        """
        # The CA work is the company's, not the user's who confirmed the sale: the jobs run as
        # superuser. Their queue.job records need no chatter tracking (it triples the cost).
        for order in self.sudo().with_context(tracking_disable=True):
            order._delay_ca_work(order.with_delay(channel=CA_CHANNEL, identity_key=order._ca_work_identity_key()))

    def _ca_work_kind(self):
        return lifecycle.ca_work(self.state) or 'place'

    def _delay_ca_work(self, delayed):
        kind = self._ca_work_kind()
        if kind == 'check':
            delayed._job_check()
        elif kind == 'reissue':
            delayed._job_reissue()
        else:
            delayed._job_place()

    @job(default_channel=CA_CHANNEL)
    def _job_place(self):
        """Place the order with Comodo once, then ask for its status right away."""
        order = self._lock_for_ca(lifecycle.CA_WORK_STATES['place'])
        if not order:
            return _('Nothing to do: already placed, or being placed by another worker.')
        with order.company_id._comodo_client() as client:
            try:
                order._place(client)
            except TransientError as error:
                if not client.finds_lost_orders:
                    # The order may exist at the CA and could not be found again: a retry might
                    # order twice, so a person checks the CA's own console first.
                    order._refused(TransientError(_(
                        'No answer from Comodo (%s). The order may have been placed: check the '
                        'Certificate Manager before pressing Check.') % error.message, error.code))
                    return _('No answer from Comodo: left to a person')
                order._postpone(error)
                return _('Comodo unavailable, retrying later: %s') % error
            except ComodoError as error:
                # Request and configuration errors, and codes of no known family: a person acts.
                order._refused(error)
                return _('Comodo refused the order: %s') % error
            order._poll_ca(client)
        return _('Placed as CA order %s') % order.ca_order_number

    def _place(self, client):
        """Place with the CA, unless an earlier attempt already did and crashed before recording it."""
        self.ensure_one()
        ca_order_number = client.find_order(self.foreign_order_number)
        total_cost = None
        if ca_order_number:
            _logger.info('Certificate order %s: found CA order %s placed by an earlier attempt',
                         self.name, ca_order_number)
        else:
            placed = client.place_order(
                self.type_id.product_code, self.term_id.days, self.csr_pem, self._domains(),
                dcv_method=self.dcv_method,
                dcv_emails=[self.dcv_email] if self.dcv_email else None,
                unique_value=self.unique_value,
                foreign_order_number=self.foreign_order_number)
            ca_order_number, total_cost = placed.order_number, placed.total_cost
        self._on_placed(ca_order_number, total_cost)

    def _on_placed(self, ca_order_number, total_cost=None):
        self.write({'ca_order_number': ca_order_number, 'placed_at': fields.Datetime.now()})
        self._start_waiting_for_ca('placed')
        self.message_post(body=_('Ordered from Comodo: CA order number %s.') % ca_order_number)
        self._after_ca_outcome(_('naming the CA order on the invoice'), self._name_ca_order_on_invoices)
        self._bill_after_ca('validate')
        self._after_ca_outcome(_('booking the CA charge'), lambda: self._book_ca_charge(total_cost))
        self._after_ca_outcome(_('installing a temporary certificate'), self._install_temporary)

    def _refused(self, error):
        self._set_state('refused', {'last_error': str(error), 'ca_status_code': error.code or 0})
        self.message_post(body=_('Comodo refused the order: %s') % error)

    # -- reissues inside the term ------------------------------------------------------------------

    def _start_reissue(self, reason):
        """New key and CSR, then AutoReplaceSSL in a job: the current certificate serves until the
        new one is issued. The caller holds the order's row lock (state 'issued')."""
        self.ensure_one()
        # The customer may have given up the domain since the certificate was ordered.
        self._check_held_names()
        self._prepare_key_material()
        self._set_state('start_reissue', {
            # A new value makes this CSR's DCV values its own; file and DNS validation start over.
            'unique_value': uuid.uuid4().hex[:20],
            'next_check_at': fields.Datetime.now(),
            'transient_failures': 0,
            'last_error': False,
        })
        self.message_post(body=_('Reissue started (%s): new key and CSR, same CA order %s.')
                          % (reason, self.ca_order_number))
        self._enqueue_ca_work()

    @job(default_channel=CA_CHANNEL)
    def _job_reissue(self):
        """Ask Comodo for the new certificate (AutoReplaceSSL), then for its status right away."""
        order = self._lock_for_ca(lifecycle.CA_WORK_STATES['reissue'])
        if not order:
            return _('Nothing to do: already sent, or being sent by another worker.')
        with order.company_id._comodo_client() as client:
            try:
                order._replace(client)
            except TransientError as error:
                # Sending the same CSR again is harmless: the CA keeps one reissue per order.
                order._postpone(error)
                return _('Comodo unavailable, retrying later: %s') % error
            except ComodoError as error:
                order._reissue_failed(str(error))
                return _('Comodo refused the reissue: %s') % error
            order._poll_ca(client)
        return _('Reissue of CA order %s sent') % order.ca_order_number

    def _replace(self, client):
        self.ensure_one()
        client.replace(self.ca_order_number, self.csr_pem, dcv_method=self.dcv_method,
                       dcv_email=self.dcv_email or None, unique_value=self.unique_value)
        self._start_waiting_for_ca('reissue_sent', new_csr=True)
        self.message_post(body=_('Reissue sent to Comodo for CA order %s.') % self.ca_order_number)

    def _reissue_failed(self, reason):
        """The current certificate stays; the SSL managers are told (the cron tries again tomorrow)."""
        message = _('Comodo did not reissue the certificate for %s (CA order %s): %s. The current '
                    'certificate stays in use.') % (self.domain, self.ca_order_number, reason)
        self._set_state('reissue_failed', {'last_error': message})
        self._tell_ssl_managers(message)

    @api.model
    def _cron_after_issuance(self, now=None):
        """The daily look after issued certificates: expired ones shown so, due reissues started.

        `now` (a datetime, default the present) lets tests travel in time.
        """
        now = now or datetime.utcnow()
        self.env['comodo.certificate']._cron_expire(now)
        self._expire_ended_terms(now)
        self._start_due_reissues(now)
        self._start_due_renewals(now)
        self._send_due_renewal_reminders(now)
        self._send_due_expiry_notices(now)

    def _expire_ended_terms(self, now):
        """Ended terms are shown expired; a renewal still unpaid lapses, and nothing is ordered."""
        ended = self.search([('state', 'in', lifecycle.IN_TERM),
                             ('term_ends_at', '<=', fields.Datetime.to_string(now))])
        ended._set_state('term_ended')
        for order in ended:
            order.message_post(body=_('The term ended on %s: the certificate for %s has expired.')
                               % (order.term_ends_at, order.domain))
        for renewal in ended.mapped('renewal_ids').filtered(lambda order: order.state == 'awaiting_payment'):
            renewal._cancel(_('Renewal not paid before the term ended'),
                            _('Not paid before %s: the renewal lapsed, nothing was ordered from Comodo.')
                            % renewal.renewal_of_id.term_ends_at)
        return ended

    def _start_due_reissues(self, now):
        """Certificates with the company's reissue days left, in a term that runs longer.

        SKIP LOCKED, and only orders still 'issued': two crons (or a cron and a customer) never
        start two reissues for one term.
        """
        self.env.cr.execute("""
            SELECT o.id FROM comodo_certificate_order o
              JOIN res_company c ON c.id = o.company_id
             WHERE o.state = 'issued'
               AND o.valid_until::date <= %s::date + c.comodo_reissue_days
               AND o.term_ends_at > o.valid_until
               FOR UPDATE OF o SKIP LOCKED""", (fields.Datetime.to_string(now),))
        due = self.browse([row[0] for row in self.env.cr.fetchall()])
        for order in due:
            try:
                with self.env.cr.savepoint():
                    order._start_reissue(_('the certificate expires on %s, the term runs until %s')
                                         % (order.valid_until, order.term_ends_at))
            except Exception as error:  # noqa: one order's problem must not stop the others'
                _logger.exception('Certificate order %s: the reissue could not start', order.name)
                order.message_post(body=_('The reissue could not start: %s') % error)
        return due

    # -- renewal: a new term, a new CA order --------------------------------------------------------

    def _start_due_renewals(self, now):
        """Invoice the next term of each term ending within the company's renewal days.

        SKIP LOCKED and the unique renewal_of_id: two crons never invoice one renewal twice.
        """
        self.env.cr.execute("""
            SELECT o.id FROM comodo_certificate_order o
              JOIN res_company c ON c.id = o.company_id
             WHERE o.state IN %s AND o.auto_renew
               AND o.term_ends_at > %s
               AND o.term_ends_at::date <= %s::date + c.comodo_renewal_days
               AND NOT EXISTS (SELECT 1 FROM comodo_certificate_order r WHERE r.renewal_of_id = o.id)
               FOR UPDATE OF o SKIP LOCKED""",
                            (lifecycle.SERVING, fields.Datetime.to_string(now), fields.Datetime.to_string(now)))
        due = self.browse([row[0] for row in self.env.cr.fetchall()])
        for order in due:
            try:
                with self.env.cr.savepoint():
                    order._create_renewal()
            except Exception as error:  # noqa: one customer's problem must not stop the others'
                _logger.exception('Certificate order %s: the renewal could not be invoiced', order.name)
                order.message_post(body=_('The renewal could not be invoiced: %s') % error)
        return due

    def _create_renewal(self):
        """A renewal sale order and its invoice at the current price of the customer's plan."""
        self.ensure_one()
        sale = self.env['sale.order']._create_in_company(self.company_id, {
            'partner_id': self.partner_id.id,
            'origin': self.name,
            'order_line': [(0, 0, self._prepare_renewal_line())],
        })
        sale.action_confirm()
        renewal = sale.order_line.comodo_order_ids
        self.message_post(body=_('Renewal invoiced: %s (sale order %s), ordered from Comodo once paid.')
                          % (renewal.name, sale.name))
        return renewal

    def _prepare_renewal_line(self):
        return {
            'product_id': self.term_id.product_id.id,
            'price_unit': self.term_id._sale_price(self.partner_id, self.partner_id.property_product_pricelist,
                                                   self.company_id),
            'product_uom_qty': 1,
            'comodo_domain': self.domain,
            'comodo_extra_domains': self.extra_domains,
            'comodo_dcv_method': self.dcv_method,
            'comodo_dcv_email': self.dcv_email,
            'comodo_renewal_of_id': self.id,
        }

    def _send_due_renewal_reminders(self, now):
        """Remind customers of unpaid renewals at 15, 7 and 1 days left, each reminder once."""
        template = self.env.ref('comodo_ssl_reseller.mail_template_renewal_reminder')
        self.env.cr.execute("""
            SELECT r.id FROM comodo_certificate_order r
              JOIN comodo_certificate_order o ON o.id = r.renewal_of_id
             WHERE r.state = 'awaiting_payment'
               AND o.term_ends_at > %s
               AND o.term_ends_at::date <= %s::date + %s
               FOR UPDATE OF r SKIP LOCKED""",
                            (fields.Datetime.to_string(now), fields.Datetime.to_string(now),
                             max(RENEWAL_REMINDER_DAYS)))
        for renewal in self.browse([row[0] for row in self.env.cr.fetchall()]):
            days_left = calendar_days_left(renewal.renewal_of_id.term_ends_at, now)
            if renewal._take_due_thresholds('renewal_reminders_sent', RENEWAL_REMINDER_DAYS, days_left):
                renewal.with_context(days_left=days_left).message_post_with_template(
                    template.id, composition_mode='comment')

    def _send_due_expiry_notices(self, now):
        """Tell customers whose term ends with nothing renewing it, at 30, 7 and 1 days left, each
        notice once. A term with a renewal on its way gets the renewal reminders instead."""
        template = self.env.ref('comodo_ssl_reseller.mail_template_certificate_expiring')
        self.env.cr.execute("""
            SELECT o.id FROM comodo_certificate_order o
             WHERE o.state IN %s
               AND o.term_ends_at > %s
               AND o.term_ends_at::date <= %s::date + %s
               FOR UPDATE OF o SKIP LOCKED""",
                            (lifecycle.SERVING, fields.Datetime.to_string(now), fields.Datetime.to_string(now),
                             max(EXPIRY_NOTICE_DAYS)))
        for order in self.browse([row[0] for row in self.env.cr.fetchall()]):
            if order._renewal_on_its_way():
                continue
            days_left = calendar_days_left(order.term_ends_at, now)
            if order._take_due_thresholds('expiry_notices_sent', EXPIRY_NOTICE_DAYS, days_left):
                order.message_post_with_template(template.id, composition_mode='comment')

    def _renewal_on_its_way(self):
        """A renewal is invoiced, paid or ordered for this term, or auto-renewal will invoice one."""
        self.ensure_one()
        renewal_state = self._current_renewal_state()
        return renewal_state == 'coming' or (renewal_state == 'none' and self.auto_renew)

    def _take_due_thresholds(self, sent_field, thresholds, days_left):
        """The thresholds (days left) that `days_left` has reached and `sent_field` (e.g. "15,7") does
        not list yet, now listed there. "Reached", not "equal": a cron that skipped days still sends
        its notice, and thresholds reached together make one notice, not several alike."""
        self.ensure_one()
        sent = set(int(days) for days in (self[sent_field] or '').split(',') if days)
        due = [days for days in thresholds if days_left <= days and days not in sent]
        if due:
            self[sent_field] = ','.join(str(days) for days in sorted(sent.union(due), reverse=True))
        return due

    # -- polling -----------------------------------------------------------------------------------

    @job(default_channel=CA_CHANNEL)
    def _job_check(self):
        """Poll Comodo for one pending order; a worker already on it makes this a no-op."""
        order = self._lock_for_ca(lifecycle.CA_WORK_STATES['check'])
        if not order:
            return _('Nothing to do: decided, or being checked by another worker.')
        with order.company_id._comodo_client() as client:
            order._poll_ca(client)
        return _('Status: %s') % order.state

    @job(default_channel=CA_CHANNEL)
    def _job_check_due(self):
        """Poll Comodo for a batch of due orders, one after another over one connection.

        Orders another worker holds, or no longer due (checked since they were queued), are left
        alone, so that a batch queued twice costs no second call.
        """
        now = fields.Datetime.now()
        orders = self._lock_for_ca(lifecycle.CA_WORK_STATES['check']).filtered(
            lambda order: order.next_check_at and order.next_check_at <= now)
        for company in orders.mapped('company_id'):
            with company._comodo_client() as client:
                for order in orders.filtered(lambda order: order.company_id == company):
                    order._poll_ca(client)
        return _('%d of %d orders checked') % (len(orders), len(self))

    def _poll_ca(self, client):
        """Ask the CA for the order's status (CollectSSL) and act on its answer."""
        self.ensure_one()
        checked = {'last_check_at': fields.Datetime.now(), 'attempts': self.attempts + 1}
        try:
            result = client.collect(self.ca_order_number, csr_pem=self.csr_pem)
        except ComodoError as error:
            # Every failure only postpones the order: its status at the CA is not lost.
            self.write(checked)
            self._postpone(error)
            return
        if self._is_replaced_certificate(result):
            # Right after a reissue the CA may still answer with the certificate it replaces.
            checked['next_check_at'] = self._next_regular_check()
            self.write(checked)
            return
        if result.status == OrderStatus.ISSUED and not result.certificate_pem:
            # Code 1, "issued, not attached": issued only once we hold the certificate.
            self.write(checked)
            self._postpone(TransientError(_('Issued, but the certificate was not sent yet.'), result.ca_code))
            return
        checked.update({'ca_status_code': result.ca_code, 'last_ca_answer': result.message or result.status,
                        'transient_failures': 0, 'last_error': False})
        if result.status in (OrderStatus.PENDING, OrderStatus.AWAITING_PAYMENT):
            checked['next_check_at'] = self._next_regular_check()
        self.write(checked)
        if result.status == OrderStatus.PENDING:
            self._after_ca_outcome(_('emailing the customer'), self._ask_customer_to_validate)
        elif result.status == OrderStatus.ISSUED and not self._is_certificate_for_our_key(result.certificate_pem):
            self._on_foreign_certificate(result)
        elif result.status == OrderStatus.ISSUED:
            self._on_issued(result)
        elif result.status == OrderStatus.REJECTED:
            self._on_rejected(result.message)
        elif result.status == OrderStatus.REVOKED:
            self._on_revoked(result.message)

    @api.model
    def _on_status_push(self, company, ca_order_number):
        """Sectigo says this CA order changed status: queue a CollectSSL for it, and say what was done.

        The push's own content is never trusted: only the check's answer changes the order. Pushes
        repeated within PUSH_MIN_INTERVAL_SECONDS, and those for orders not waiting, do nothing.
        """
        order = self.search([('company_id', '=', company.id), ('ca_order_number', '=', ca_order_number)],
                            limit=1)
        if not order:
            return 'unknown order'
        if order.state != 'pending':
            return 'not waiting for a decision'
        # SKIP LOCKED: a worker checking the order right now must not make Sectigo wait; the
        # check is queued all the same (it may have asked before the change).
        self.env.cr.execute("""
            SELECT push_received_at > (now() at time zone 'UTC') - %s * interval '1 second'
              FROM comodo_certificate_order WHERE id = %s FOR UPDATE SKIP LOCKED""",
                            (PUSH_MIN_INTERVAL_SECONDS, order.id))
        row = self.env.cr.fetchone()
        if row and row[0]:
            return 'already queued within the last minute'
        if row:
            self.env.cr.execute("UPDATE comodo_certificate_order SET push_received_at = "
                                "(now() at time zone 'UTC') WHERE id = %s", (order.id,))
            order.invalidate_cache(['push_received_at'])
        order.with_context(tracking_disable=True).with_delay(
            channel=CA_CHANNEL, priority=PUSH_CHECK_PRIORITY, identity_key='comodo-push-%d' % order.id,
            description=_('Comodo status push: check %s') % order.name)._job_check()
        return 'check queued'

    def _is_replaced_certificate(self, result):
        return bool(result.status == OrderStatus.ISSUED and result.serial_number and self.certificate_id
                    and result.serial_number == self.certificate_id.serial_number)

    def _next_regular_check(self):
        return fields.Datetime.to_string(
            datetime.utcnow() + timedelta(hours=self.company_id.comodo_poll_interval_hours))

    def _postpone(self, error):
        """Record the failure and try again later: soon for a passing fault, else at the next poll."""
        failures = self.transient_failures + 1
        regular = timedelta(hours=self.company_id.comodo_poll_interval_hours)
        delay = lifecycle.backoff(failures, regular) if isinstance(error, TransientError) else regular
        retry_soon = delay < regular
        next_check = datetime.utcnow() + delay
        self.write({
            'transient_failures': failures,
            'last_error': str(error),
            'ca_status_code': error.code or 0,
            'next_check_at': fields.Datetime.to_string(next_check),
        })
        _logger.info('Certificate order %s: %s; next try at %s', self.name, error, next_check)
        if failures == 1:
            # Once per run of failures: the chatter says why the order waits, not one line per retry.
            self.message_post(body=_('Comodo did not answer as expected: %s. Next try at %s (UTC).')
                              % (error, fields.Datetime.to_string(next_check)))
        if retry_soon:
            # The same instant as next_check_at (both UTC, as Odoo runs), not "now + delay" taken again.
            self._delay_ca_work(self.with_context(tracking_disable=True).with_delay(
                channel=CA_CHANNEL, eta=next_check, identity_key=self._ca_work_identity_key()))

    def _ca_work_identity_key(self):
        return 'comodo-%s-%d-%s' % (self._ca_work_kind(), self.id, self.next_check_at)

    def _lock_for_ca(self, states=None):
        """Lock these orders (those in `states`, if given) for work on them, skipping those another
        transaction holds.

        The row lock lasts until the transaction ends, so a button and a job (or two workers) never
        call Comodo, or bill, for the same order at once.
        """
        if not self.ids:
            return self.browse()
        query = 'SELECT id FROM comodo_certificate_order WHERE id IN %s'
        params = [tuple(self.ids)]
        if states is not None:
            query += ' AND state IN %s'
            params.append(tuple(states))
        self.env.cr.execute(query + ' FOR UPDATE SKIP LOCKED', params)
        locked = self.browse([row[0] for row in self.env.cr.fetchall()])
        locked.invalidate_cache()
        return locked

    # -- outcomes ----------------------------------------------------------------------------------

    def _on_issued(self, result):
        certificate_values = {
            'certificate_pem': result.certificate_pem,
            'chain_pem': '\n'.join(pem.strip() for pem in result.chain_pem) + '\n' if result.chain_pem else False,
            'serial_number': result.serial_number,
            'valid_from': result.not_before and fields.Datetime.to_string(result.not_before),
            'valid_until': result.not_after and fields.Datetime.to_string(result.not_after),
            'issued_at': fields.Datetime.now(),
        }
        reissued = bool(self.certificate_id)
        self._set_state('issued', dict(certificate_values,
                                       certificate_id=self._record_certificate(certificate_values).id))
        if not self.term_starts_at and self.valid_from:
            self.write({'term_starts_at': self.valid_from, 'term_ends_at': fields.Datetime.to_string(
                fields.Datetime.from_string(self.valid_from) + timedelta(days=self.term_id.days))})
        template = _('Certificate reissued for %s (CA order %s), valid until %s.') if reissued else _(
            'Certificate issued for %s (CA order %s), valid until %s.')
        message = template % (self.domain, self.ca_order_number, self.valid_until)
        self.message_post(body=message)
        if self.sale_order_id:
            self.sale_order_id.message_post(body=message)
        self._deliver_sale_line()
        self._after_ca_outcome(_('emailing the customer'), lambda: self._notify_customer(
            'comodo_ssl_reseller.mail_template_certificate_issued'))
        self._after_ca_outcome(_('installing the certificate'), self._install_issued)

    def _record_certificate(self, values):
        """Keep the new certificate with the key it was issued for; the one it replaces is superseded."""
        self.certificate_ids.filtered(lambda cert: cert.state in LIVE_STATES).write({'state': 'superseded'})
        certificate = self.env['comodo.certificate'].sudo().create(dict(values, order_id=self.id))
        key = self.env['comodo.certificate.key'].sudo().search(
            [('order_id', '=', self.id), ('certificate_id', '=', False)], order='id desc', limit=1)
        if key and self.key_generated:
            key.certificate_id = certificate
        return certificate

    def _deliver_sale_line(self):
        # Issuance is the delivery: the sale line reads Delivered 1, as a shipped product would.
        self.sudo().sale_line_id.write({'qty_delivered': self.sale_line_id.sudo().product_uom_qty})

    def _is_certificate_for_our_key(self, certificate_pem):
        try:
            return certificate_matches_csr(certificate_pem, self.csr_pem)
        except (ValueError, RequestError):
            return False

    def _on_foreign_certificate(self, result):
        """Comodo sent a certificate for another key: it would never work with ours, so it is not
        stored as issued; the order waits for a person, and the SSL managers are told."""
        message = _('Comodo sent a certificate (serial %s) whose public key does not match this '
                    'order\'s key: it was not stored. Check CA order %s with Comodo before pressing '
                    'Check again.') % (result.serial_number or '?', self.ca_order_number)
        self._set_state('foreign_certificate', {'last_error': message})
        self._tell_ssl_managers(message)

    def _on_rejected(self, reason):
        if self.certificate_id:
            # A reissue was refused: the term and its current certificate (and the invoice) stand.
            self._reissue_failed(reason or _('Rejected by Comodo'))
            return
        self._set_state('rejected', {'rejection_reason': reason or _('Rejected by Comodo')})
        self.message_post(body=_('Comodo rejected the certificate request: %s') % self.rejection_reason)
        self._bill_after_ca('settle')
        self._after_ca_outcome(_('asking Comodo for a refund'), self._refund_ca_charge)
        self._after_ca_outcome(_('emailing the customer'), lambda: self._notify_customer(
            'comodo_ssl_reseller.mail_template_certificate_rejected'))
        self._after_ca_outcome(_('restoring the site\'s certificate'), self._restore_after_temporary)

    def _on_revoked(self, reason):
        self._set_state('revoked_by_ca')
        self.message_post(body=_('Comodo reports the certificate as revoked: %s') % (reason or ''))

    def _after_ca_outcome(self, what, step):
        """Run a consequence of a CA outcome without risking the outcome itself.

        Comodo has already acted: if billing or mail fails, the order keeps its new state and the
        failure is left on it (log and chatter) for a person to finish by hand.
        """
        try:
            with self.env.cr.savepoint():
                step()
        except Exception as error:  # noqa: any failure here must not roll back the CA outcome
            _logger.exception('Certificate order %s: failed %s', self.name, what)
            self.write({'last_error': _('Failed %s: %s') % (what, error)})
            self.message_post(body=_('Failed %s: %s. Please finish it by hand.') % (what, error))

    def _ask_customer_to_validate(self):
        """Comodo waits for the domains to be validated: the customer is told what to do, once per
        CSR, unless the reseller's account validates its domains itself.

        Every check holds the order's row lock (_lock_for_ca, which reads it afresh): a worker that
        checks it after another one sees the mail recorded as sent.
        """
        if self.validation_mail_sent_at or self.state != 'pending' or self._domains_validated_by_account():
            return
        self.validation_mail_sent_at = fields.Datetime.now()
        self._notify_customer('comodo_ssl_reseller.mail_template_validation_needed')

    def _notify_customer(self, template_xmlid):
        template = self.env.ref(template_xmlid)
        # The template sends the message through the chatter, so the customer follows it there too.
        self.message_post_with_template(template.id, composition_mode='comment')

    # -- billing -----------------------------------------------------------------------------------

    def _name_ca_order_on_invoices(self):
        for line in self.sudo().sale_line_id.invoice_lines.filtered(lambda l: l.invoice_id.state == 'draft'):
            line.name = self._invoice_line_label()

    def _invoice_line_label(self):
        label = '%s\n%s: %s' % (self.term_id.name, _('Domain'), ', '.join(self._domains()))
        if self.ca_order_number:
            label += '\n%s: %s' % (_('Comodo order'), self.ca_order_number)
        if self.renewal_of_id:
            label += '\n%s: %s\n%s: %s' % (_('Renews Comodo order'), self.renewal_of_id.ca_order_number,
                                           _('Period'), self.renewal_period)
        return label

    def _validate_invoices_if_configured(self):
        # A renewal's invoice is there to be paid before anything is ordered: always validated.
        if self.company_id.comodo_invoice_policy == 'open' or self.renewal_of_id:
            self.sudo().invoice_ids.filtered(lambda inv: inv.state == 'draft').action_invoice_open()

    def _cancel_billing(self, reason):
        """Cancel a draft invoice; credit a posted one (reconciled with it while it is unpaid).

        As superuser: an SSL manager cancelling an order needs no accounting rights for it.
        """
        for invoice in self.sudo().invoice_ids.filtered(lambda inv: inv.type == 'out_invoice'):
            if invoice.state == 'draft':
                invoice.action_invoice_cancel()
            elif invoice.state in ('open', 'paid') and not invoice.refund_invoice_ids:
                self._credit(invoice, reason)

    def _credit(self, invoice, reason):
        refund = invoice.refund(description=reason)
        refund.comodo_order_id = self
        refund.action_invoice_open()
        if invoice.state == 'open':
            receivables = (invoice.move_id.line_ids | refund.move_id.line_ids).filtered(
                lambda line: line.account_id == invoice.account_id and not line.reconciled)
            receivables.reconcile()
        self.message_post(body=_('Credit note %s issued for invoice %s.') % (refund.number, invoice.number))

    # -- Async Manager controls --------------------------------------------------------------------

    def _as_ssl_manager(self):
        """These orders as superuser, once the user is known to be an SSL manager.

        The controls are also reachable from the Action menu and RPC, not only through buttons.
        Their consequences reach billing, which an SSL manager need not have rights on.
        """
        if not self.env.user.has_group(SSL_MANAGERS):
            raise AccessError(_('Only SSL managers may check, reset or cancel certificate orders.'))
        return self.sudo()

    @api.multi
    def action_check(self):
        """Poll Comodo now (or retry placing an order Comodo refused or could not take)."""
        busy_words = {
            'place': _('%s is being ordered right now: try again in a moment.'),
            'reissue': _('%s is being reissued right now: try again in a moment.'),
            'check': _('%s is being checked right now, or is no longer waiting: try again in a moment.'),
        }
        for order in self._as_ssl_manager():
            if order.state == 'awaiting_payment':
                raise UserError(_('%s is ordered from Comodo once its invoice is paid.') % order.name)
            # An order needing no CA work (issued, decided) is told apart as "no longer waiting".
            kind = lifecycle.ca_work(order.state) or 'check'
            locked = order._lock_for_ca(lifecycle.CHECK_BY_HAND_STATES[kind])
            if not locked:
                raise UserError(busy_words[kind] % order.name)
            if kind == 'place':
                locked._job_place()
            elif kind == 'reissue':
                locked._job_reissue()
            else:
                with order.company_id._comodo_client() as client:
                    locked._poll_ca(client)
        return True

    @api.multi
    def action_reset(self):
        """Restart the wait for Comodo's decision: a timed-out order is polled again."""
        orders = self._as_ssl_manager()
        for order in orders:
            if order.state not in lifecycle.WAITING_FOR_CA:
                raise UserError(_('Only orders waiting for Comodo can be reset (%s is %s).')
                                % (order.name, order.state))
        for order in orders:
            order._start_waiting_for_ca('reset', next_check_at=order._next_regular_check())
            order.message_post(body=_('Waiting time reset by %s; next check at %s.')
                               % (self.env.user.name, order.next_check_at))
        return True

    @api.multi
    def action_cancel(self):
        """The customer gave up: cancel the billing entry, and the order at the CA when it allows."""
        for order in self._as_ssl_manager():
            if order.certificate_id:
                raise UserError(_('%s has an issued certificate: revoke it rather than cancel the '
                                  'order.') % order.name)
            if order.state not in lifecycle.CANCELLABLE:
                raise UserError(_('%s is already %s.') % (order.name, lifecycle.STATE_LABELS[order.state]))
            if not order._lock_for_ca(lifecycle.CANCELLABLE):
                raise UserError(_('%s is being worked on right now: try again in a moment.') % order.name)
            order._cancel(_('Certificate order cancelled'),
                          _('Certificate order cancelled by %s.') % self.env.user.name)
            order._after_ca_outcome(_('restoring the site\'s certificate'), order._restore_after_temporary)
            # The CA last: nothing in Odoo can fail after Comodo was told.
            if order.ca_order_number:
                order._cancel_at_ca()
                order._after_ca_outcome(_('asking Comodo for a refund'), order._refund_ca_charge)
        return True

    def _cancel_at_ca(self):
        # Comodo marks a certificate that is not issued yet as rejected when asked to revoke it.
        try:
            with self.company_id._comodo_client() as client:
                client.revoke(self.ca_order_number, reason='Cancelled by the customer')
        except ComodoError as error:
            self.message_post(body=_('Comodo did not cancel CA order %s: %s. The billing entry is '
                                     'cancelled anyway.') % (self.ca_order_number, error))

    # -- the customer's own actions (called by the portal after its checks; never over RPC) --------

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
        if method not in DCV_METHODS:
            raise UserError(_('Unknown validation method.'))
        if method == 'EMAIL' and self.extra_domains:
            raise UserError(_('Validate several domains with a file or a DNS record, not by email.'))
        if method == 'EMAIL' and not email:
            raise UserError(_('Choose the approver address for validation by email.'))
        if self.type_id.wildcard and method in ('HTTP_CSR_HASH', 'HTTPS_CSR_HASH'):
            raise UserError(_('Wildcard certificates cannot be validated with a file on the web site.'))
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
        domain = (domain or '').strip().lower()
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

    def _customer_reissue(self):
        """A new key and certificate in the same CA order (a lost or compromised key), for free."""
        self.ensure_one()
        if not self.term_ends_at or self.term_ends_at <= fields.Datetime.now():
            raise UserError(_('%s: the term has ended; a new certificate needs a new order.') % self.name)
        if not self._lock_for_ca(lifecycle.TRANSITIONS['start_reissue'][0]):
            raise UserError(_('%s cannot be reissued now: a reissue may already be under way.') % self.name)
        self._start_reissue(_('asked by the customer'))

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

    def _set_auto_renew(self, auto_renew):
        """Turned off, a renewal invoiced and not paid yet is cancelled with its invoice."""
        self.ensure_one()
        if auto_renew and not self.auto_renew and self._current_renewal_state() == 'lost':
            # One renewal per term (unique renewal_of_id): once it is cancelled, nothing can renew it.
            raise UserError(_('%s: the renewal of this term was cancelled, so it can no longer be '
                              'renewed. Order a new certificate for %s instead.') % (self.name, self.domain))
        self.auto_renew = auto_renew
        if auto_renew:
            return
        for renewal in self.renewal_ids.filtered(lambda order: order.state == 'awaiting_payment'):
            renewal._cancel(_('Auto-renewal turned off'), _('Auto-renewal turned off: the renewal is cancelled.'))

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

    @api.multi
    def action_view_invoices(self):
        action = self.env.ref('account.action_invoice_tree1').read()[0]
        action['domain'] = [('comodo_order_id', 'in', self.ids)]
        action['context'] = {'default_type': 'out_invoice'}
        return action

    # -- scheduled poll ----------------------------------------------------------------------------

    @api.model
    def _cron_poll_pending(self):
        self.env['comodo.poll.run']._run()

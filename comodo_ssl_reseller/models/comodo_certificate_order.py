import base64
import logging
import uuid
from contextlib import contextmanager

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import generate_tracking_message_id, html_escape

from ..comodo_client import (
    DCV_METHODS, RequestError, build_csr, certificate_matches_csr, check_csr, clean_csr, generate_private_key)
from ..comodo_client.keys import normalise_domain
from .. import lifecycle
from ..groups import SSL_MANAGERS
from ..lifecycle import STATES
from .comodo_certificate import LIVE_STATES

_logger = logging.getLogger(__name__)

DCV_METHOD_SELECTION = [
    ('EMAIL', 'Email to an approver address'),
    ('HTTP_CSR_HASH', 'File on the web site (HTTP)'),
    ('HTTPS_CSR_HASH', 'File on the web site (HTTPS)'),
    ('CNAME_CSR_HASH', 'DNS CNAME record'),
]
assert {code for code, _label in DCV_METHOD_SELECTION} == set(DCV_METHODS)
# Where the chatter lines a placement writes wait to be posted as one message (a list in the context).
STAFF_NOTES_CONTEXT = 'comodo_staff_notes'
# What the CA answers when it gives no reason for a rejection: saying it again tells the customer
# nothing ("Reason given: The certificate request has been rejected!").
REJECTIONS_WITHOUT_REASON = ('the certificate request has been rejected!', 'rejected by comodo')
# Context key of a placement: its first check leaves the "please validate" mail to a job of its own.
VALIDATION_MAIL_LATER = 'comodo_validation_mail_later'
VALIDATION_MAIL_TEMPLATE = 'comodo_ssl_reseller.mail_template_validation_needed'
# The template's fields Odoo's composer renders for a message posted on one record.
COMPOSER_FIELDS = ['subject', 'body_html', 'email_from', 'email_to', 'partner_to', 'email_cc', 'reply_to',
                   'attachment_ids', 'mail_server_id']


def insert_rows(model, rows, returning):
    """INSERT `rows` (dicts of field name: value, the same fields in each) into `model`'s table in
    one statement, as its create would store them: the other fields' defaults (one default_get
    for all rows), who created them and when, and each value converted by its field (an HTML body
    sanitized, no value NULL). Returns the `returning` columns of each row inserted."""
    defaults = model.default_get([name for name, field in model._fields.items()
                                  if field.store and field.column_type and name not in rows[0]])
    if model._log_access:
        now = fields.Datetime.now()
        defaults.update(create_uid=model.env.uid, write_uid=model.env.uid, create_date=now, write_date=now)
    rows = [dict(defaults, **row) for row in rows]
    fields_ = [model._fields[name] for name in sorted(rows[0])]
    row_sql = '(%s)' % ', '.join(['%s'] * len(fields_))
    values = ', '.join(model.env.cr.mogrify(row_sql, [
        field.convert_to_column(row[field.name], model) for field in fields_]).decode() for row in rows)
    model.env.cr.execute('INSERT INTO %s (%s) VALUES %s RETURNING %s' % (
        model._table, ', '.join('"%s"' % field.name for field in fields_), values, returning))
    return model.env.cr.fetchall()


def insert_links(model, field_name, pairs):
    """Link each record of `model` to another by its many2many `field_name` (pairs of their ids),
    in one statement; a link already there is kept."""
    if pairs:
        field = model._fields[field_name]
        model.env.cr.execute('INSERT INTO {0} ({1}, {2}) SELECT * FROM unnest(%s::int[], %s::int[]) '
                             'ON CONFLICT DO NOTHING'.format(field.relation, field.column1, field.column2),
                             ([pair[0] for pair in pairs], [pair[1] for pair in pairs]))


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
    status = fields.Selection(
        STATES, compute='_compute_status', store=True, index=True,
        help='What staff, customers and invoices read: the state, except that a live certificate being '
             'reissued reads Reissuing until its new one is issued, also while Comodo validates it.')
    company_id = fields.Many2one('res.company', required=True, readonly=True,
                                 default=lambda self: self.env.user.company_id)
    partner_id = fields.Many2one('res.partner', string='Customer', required=True, readonly=True,
                                 index=True)
    sale_line_id = fields.Many2one('sale.order.line', string='Sale Order Line', readonly=True,
                                   ondelete='restrict', copy=False)
    sale_order_id = fields.Many2one(related='sale_line_id.order_id', store=True, readonly=True)
    # The catalogue line ordered (a type for a number of days, at a price); "the term" of an order is
    # the period the customer paid for (term_starts_at to term_ends_at).
    term_id = fields.Many2one('comodo.certificate.term', string='Product', required=True,
                              readonly=True, ondelete='restrict',
                              help='The certificate type and the number of days ordered, from the catalogue.')
    type_id = fields.Many2one(related='term_id.type_id', store=True, readonly=True)
    domain = fields.Char(required=True, readonly=True, index=True,
                         help='The domain the certificate is for (its common name).')
    extra_domains = fields.Text(
        readonly=True, help='Further domains of a multi-domain certificate, one per line.')
    dcv_method = fields.Selection(DCV_METHOD_SELECTION, string='Validation Method', required=True,
                                  default='EMAIL', readonly=True)
    dcv_email = fields.Char(string='Approver Email', readonly=True)
    csr_pem = fields.Text(string='CSR', readonly=True, copy=False)
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

    # The current certificate, read from its record (certificate_id): each certificate of the term
    # is kept on its own (certificate_ids), with the key it was issued for. Its validity is stored
    # too, as the ORM keeps it, because the daily term cron selects by it in SQL and the stored
    # reissue point is computed from it.
    certificate_pem = fields.Text(related='certificate_id.certificate_pem', string='Certificate',
                                  readonly=True)
    chain_pem = fields.Text(related='certificate_id.chain_pem', string='CA Chain', readonly=True)
    serial_number = fields.Char(related='certificate_id.serial_number', readonly=True)
    valid_from = fields.Datetime(related='certificate_id.valid_from', store=True, readonly=True)
    valid_until = fields.Datetime(related='certificate_id.valid_until', store=True, readonly=True)
    issued_at = fields.Datetime(readonly=True, copy=False)
    certificate_ids = fields.One2many('comodo.certificate', 'order_id', string='Certificates',
                                      readonly=True)
    certificate_id = fields.Many2one('comodo.certificate', string='Current Certificate', readonly=True,
                                     copy=False)
    validation_mail_sent_at = fields.Datetime(
        readonly=True, copy=False,
        help='When the customer was emailed how to validate the domains for the current CSR; cleared '
             'when a new CSR goes to Comodo (reissue, corrected domain).')

    _sql_constraints = [
        # One CA order per sale order line, whatever clicks, retries or workers race.
        ('sale_line_unique', 'unique(sale_line_id)', 'This sale order line already has its certificate order.'),
        # One renewal per term, whatever crons race: one invoicing source, never two invoices.
        ('renewal_of_unique', 'unique(renewal_of_id)', 'This term already has its renewal.'),
    ]

    @api.depends('state', 'certificate_id')
    def _compute_status(self):
        for order in self:
            order.status = lifecycle.shown_state(order.state, bool(order.certificate_id))

    @api.depends('rejection_reason')
    def _compute_stated_rejection_reason(self):
        for order in self:
            reason = (order.rejection_reason or '').strip()
            stated = reason and reason.lower() not in REJECTIONS_WITHOUT_REASON
            order.stated_rejection_reason = reason if stated else False

    @api.model
    def _get_tracked_fields(self, updated_fields):
        """Nothing to track in a write that changes no tracked field: the order's tracked fields
        all track changes ('onchange'), so the mail thread would read and compare them in vain
        (most writes on an order are a job's bookkeeping: a check's time, a key, a CA number)."""
        if not any(getattr(self._fields.get(name), 'track_visibility', False) for name in updated_fields):
            return {}
        return super(ComodoCertificateOrder, self)._get_tracked_fields(updated_fields)

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

    def _start_waiting_for_ca(self, transition=None, next_check_at=None, new_csr=False, placed=None):
        """Comodo has a request to decide (again): the wait, its counters and its last error start
        over, through `transition` (None: the order stays pending). With `new_csr`, the customer is
        emailed how to validate the new CSR once a check finds the CA waiting. `placed`: what a
        placement records, written with it."""
        now = fields.Datetime.now()
        values = dict(placed or {}, waiting_since=now, attempts=0, transient_failures=0, last_error=False,
                      next_check_at=next_check_at or now)
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

    def _note_for_staff(self, body):
        """A chatter line for staff; inside _staff_notes_together, posted with the others there."""
        notes = self.env.context.get(STAFF_NOTES_CONTEXT)
        if notes is None:
            return self.message_post(body=body)
        notes.append(body)

    @contextmanager
    def _staff_notes_together(self):
        """Yields this order whose chatter lines for staff (_note_for_staff) are posted together,
        as one message, once the block is done: each message costs its notification's reads and
        writes, and a placement says four things (its CA order, the charge, the temporary
        certificate, the validation)."""
        self.ensure_one()
        notes = []
        yield self.with_context(**{STAFF_NOTES_CONTEXT: notes})
        if notes:
            self.message_post(body=''.join('<p>%s</p>' % note for note in notes))

    def _tell_ssl_managers(self, message):
        """A note on the order that notifies the SSL managers: something waits for a person."""
        managers = self.env.ref(SSL_MANAGERS).users.filtered('active')
        self.message_post(body=message, subtype='mail.mt_note', partner_ids=managers.mapped('partner_id').ids)

    def _post_staff_notes(self, bodies):
        """An internal note on each order of `bodies` (order: its plain text), written for all of
        them in one statement. message_post costs tens of milliseconds an order, more than a batch
        of hundreds (a day's ending terms, a poll's rejections) can afford, to notify the followers
        subscribed to notes: none unless one chose to (notes are internal), and orders with such a
        follower get theirs through it."""
        note = self.env.ref('mail.mt_note')
        self.env.cr.execute("""
            SELECT DISTINCT f.res_id FROM mail_followers f
              JOIN mail_followers_mail_message_subtype_rel r ON r.mail_followers_id = f.id
             WHERE f.res_model = %s AND f.res_id IN %s AND r.mail_message_subtype_id = %s""",
                            (self._name, tuple(order.id for order in bodies) or (0,), note.id))
        followed = {row[0] for row in self.env.cr.fetchall()}
        for order, body in bodies.items():
            if order.id in followed:
                order.message_post(body=body)
        sender = self.env['mail.message']._get_default_from()
        notes = [{'res_id': order.id, 'body': '<p>%s</p>' % html_escape(body), 'message_type': 'notification',
                  'subtype_id': note.id, 'email_from': sender, 'reply_to': sender}
                 for order, body in bodies.items() if order.id not in followed]
        if notes:
            self._insert_messages(notes)

    def _insert_messages(self, messages):
        """Store `messages` (dicts of mail_message columns, each about another of these orders:
        its res_id) in one statement, with what mail.message.create adds (the record's name, a
        Message-Id, the defaults), and return {res_id: message id}. Nobody is notified: the
        callers decide who is told."""
        names = dict(self.browse([message['res_id'] for message in messages]).sudo().name_get())
        rows = [dict({
            'model': self._name, 'record_name': names[message['res_id']],
            'message_id': generate_tracking_message_id('%d-%s' % (message['res_id'], self._name)),
        }, **message) for message in messages]
        inserted = dict(insert_rows(self.env['mail.message'], rows, 'res_id, id'))
        self.browse(list(inserted)).invalidate_cache(['message_ids'])
        return inserted

    # -- CRUD, domains and key material -------------------------------------------------------------

    @api.model
    def create(self, vals):
        vals = dict(vals, **{
            # Random, not derived from the database: a copy of the database (a staging server on
            # the same reseller account) must never mistake another database's CA order for its own.
            'foreign_order_number': 'odoo-%s' % uuid.uuid4().hex,
            # Sent as uniqueValue: the CA mixes it into the file name and CNAME it checks, so two
            # orders for one domain never ask for the same proof.
            'unique_value': uuid.uuid4().hex[:20],
            'next_check_at': fields.Datetime.now(),
        })
        if vals.get('name', '/') == '/':
            vals['name'] = self.env['ir.sequence'].next_by_code('comodo.certificate.order') or '/'
        return super(ComodoCertificateOrder, self).create(vals)

    def _domains(self):
        self.ensure_one()
        primary = normalise_domain(self.domain)
        extra = [normalise_domain(line) for line in (self.extra_domains or '').splitlines() if line.strip()]
        return [primary] + [name for name in extra if name != primary]

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

    # -- what the CA's answers mean for the order ------------------------------------------------------

    def _on_placed(self, ca_order_number, total_cost=None):
        self._start_waiting_for_ca('placed', placed={'ca_order_number': ca_order_number,
                                                     'placed_at': fields.Datetime.now()})
        self._note_for_staff(_('Ordered from Comodo: CA order number %s.') % ca_order_number)
        self._after_ca_outcome(_('naming the CA order on the invoice'), self._name_ca_order_on_invoices)
        self._bill_after_ca('validate')
        self._after_ca_outcome(_('booking the CA charge'), lambda: self._book_ca_charge(total_cost))
        self._after_ca_outcome(_('installing a temporary certificate'), self._install_temporary)

    def _refused(self, error):
        self._set_state('refused', {'last_error': str(error), 'ca_status_code': error.code or 0})
        self.message_post(body=_('Comodo refused the order: %s') % error)

    def _reissue_failed(self, reason):
        """The current certificate stays; the SSL managers are told (the cron tries again tomorrow)."""
        message = _('Comodo did not reissue the certificate for %s (CA order %s): %s. The current '
                    'certificate stays in use.') % (self.domain, self.ca_order_number, reason)
        self._set_state('reissue_failed', {'last_error': message})
        self._tell_ssl_managers(message)

    def _on_issued(self, result, checked=None):
        """Record the certificate Comodo issued, with what the check that learnt it records
        (`checked`): one write of the order, no tracking line (its note says it is issued)."""
        certificate_values = {
            'certificate_pem': result.certificate_pem,
            'chain_pem': '\n'.join(pem.strip() for pem in result.chain_pem) + '\n' if result.chain_pem else False,
            'serial_number': result.serial_number,
            'valid_from': result.not_before and fields.Datetime.to_string(result.not_before),
            'valid_until': result.not_after and fields.Datetime.to_string(result.not_after),
            'issued_at': fields.Datetime.now(),
        }
        reissued = bool(self.certificate_id)
        values = dict(checked or {}, issued_at=certificate_values['issued_at'],
                      certificate_id=self._record_certificate(certificate_values).id)
        if not self.term_starts_at and certificate_values['valid_from']:
            # The term runs from its first certificate (term_ends_at follows from it).
            values['term_starts_at'] = certificate_values['valid_from']
        self.with_context(tracking_disable=True)._set_state('issued', values)
        template = _('Certificate reissued for %s (CA order %s), valid until %s.') if reissued else _(
            'Certificate issued for %s (CA order %s), valid until %s.')
        message = template % (self.domain, self.ca_order_number, certificate_values['valid_until'])
        self._post_staff_notes({self: message})
        self._follow_decision('issued', message)

    def _after_issued(self, message):
        """What follows an issuance, once it is recorded: the sale says so (`message`), the line
        is delivered, the customer is emailed and the certificate installed."""
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
        self._follow_decision('rejected')

    def _after_rejected(self):
        """What follows a rejection, once it is recorded: the invoice settled, the CA charge
        refunded, the customer emailed and the site's earlier certificate restored."""
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
        notes = self.env.context.get(STAFF_NOTES_CONTEXT)
        noted = len(notes) if notes is not None else 0
        try:
            with self._all_or_nothing():
                step()
        except Exception as error:  # noqa: any failure here must not roll back the CA outcome
            if notes is not None:
                # What the failed step noted was undone with it.
                del notes[noted:]
            _logger.exception('Certificate order %s: failed %s', self.name, what)
            self.write({'last_error': _('Failed %s: %s') % (what, error)})
            self.message_post(body=_('Failed %s: %s. Please finish it by hand.') % (what, error))

    @contextmanager
    def _all_or_nothing(self):
        """A savepoint whose failure the ORM forgets too: the database is rolled back to it, and the
        values and recomputations its writes left in Odoo's cache are dropped with it.

        Odoo 11 keeps both after a rolled-back savepoint. A write whose UPDATE failed (a concurrent
        update of the row) leaves its records marked for recomputation: the next write recomputes
        them with values the database never kept; when that write fails as well, Odoo retries the
        whole RPC call in the same thread, whose environments still hold those records, bound to the
        failed try's closed cursor ("Unable to use a closed cursor").
        """
        pending = {field: list(records) for field, records in self.env.all.todo.items()}
        try:
            with self.env.cr.savepoint():
                yield
        except Exception:
            self.env.clear()
            # What was to be recomputed before the savepoint still is.
            self.env.all.todo.update(pending)
            raise

    def _ask_customer_to_validate(self):
        """Comodo waits for the domains to be validated: the customer is told what to do, once per
        CSR, unless the reseller's account validates its domains itself.

        Every check holds the order's row lock (_lock_for_ca, which reads it afresh): a worker that
        checks it after another one sees the mail recorded as sent.
        """
        if self.validation_mail_sent_at or self.state != 'pending' or self._domains_validated_by_account():
            return
        self.validation_mail_sent_at = fields.Datetime.now()
        if self.env.context.get(VALIDATION_MAIL_LATER):
            self._queue_validation_mail()
        else:
            self._notify_customer(VALIDATION_MAIL_TEMPLATE)

    def _notify_customer(self, template_xmlid):
        """The customer's mail of the template, posted in the order's chatter (so the customer
        follows it there too) with what Odoo's composer (message_post_with_template) would post:
        the same subject, body, sender, recipients and attachments. Without the composer: its
        record, the onchange that renders the template into it and its write cost a third of the
        mail, in every placement's first check."""
        self.ensure_one()
        template = self.env.ref(template_xmlid)
        values = template.with_context(tpl_partners_only=True).generate_email(self.id, fields=COMPOSER_FIELDS)
        record = self.with_context(mail_notify_user_signature=False, mail_auto_delete=template.auto_delete)
        record.message_post(
            subject=values.get('subject') or False, body=values.get('body_html') or '',
            message_type='notification', subtype_id=self.env.ref('mail.mt_comment').id,
            partner_ids=values.get('partner_ids') or [], author_id=self.env.user.partner_id.id,
            email_from=values.get('email_from') or self.env['mail.message']._get_default_from(),
            record_name=self.display_name, mail_server_id=values.get('mail_server_id') or False,
            attachment_ids=self._template_attachment_copies(values.get('attachment_ids') or []),
            attachments=[(name, base64.b64decode(data)) for name, data in values.get('attachments') or []])

    def _template_attachment_copies(self, attachment_ids):
        """Copies of a template's own attachments for one message, as the composer makes them: the
        message takes them over, the template keeps its own."""
        return [attachment.copy({'res_model': 'mail.compose.message', 'res_id': 0}).id
                for attachment in self.env['ir.attachment'].browse(attachment_ids)]

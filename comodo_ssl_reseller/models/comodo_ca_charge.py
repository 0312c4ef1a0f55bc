import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date
from odoo.addons.queue_job.job import job

from ..lifecycle import CA_CHANNEL

_logger = logging.getLogger(__name__)

REFUND_STATES = [
    ('none', 'Charged'),
    ('refunded', 'Refunded by the CA'),
    ('refused', 'Refund refused by the CA'),
    ('outside_window', 'Outside the refund window'),
]
# Two names for one pg_advisory_xact_lock key space: the day's draft bill and refund are made once,
# however many jobs book charges at the same moment.
DAILY_DOCUMENT_LOCK = 'comodo_ca_daily_document'


class ComodoCaCharge(models.Model):
    """What the CA charged the reseller account for one CA order, and the vendor lines booking it.

    Keyed by CA order number: a reissue keeps its order number and adds nothing, a renewal is a new
    CA order and so a new charge.
    """

    _name = 'comodo.ca.charge'
    _description = 'Comodo CA Charge'
    _order = 'charged_on desc, id desc'
    _rec_name = 'ca_order_number'

    company_id = fields.Many2one('res.company', required=True, readonly=True,
                                 default=lambda self: self.env.user.company_id)
    ca_order_number = fields.Char(string='CA Order Number', required=True, readonly=True, index=True)
    order_id = fields.Many2one('comodo.certificate.order', string='Certificate Order', readonly=True,
                               index=True, ondelete='set null',
                               help='Empty for a CA order Odoo never placed (found by a reconciliation).')
    partner_id = fields.Many2one(related='order_id.partner_id', string='Customer', readonly=True)
    description = fields.Char(required=True, readonly=True)
    charged_on = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    currency_id = fields.Many2one('res.currency', string='CA Currency', required=True, readonly=True)
    amount = fields.Monetary(string='CA Cost', readonly=True, help="The CA's totalCost, in its currency.")
    company_currency_id = fields.Many2one(related='company_id.currency_id', readonly=True)
    amount_company = fields.Monetary(
        string='CA Cost (Company Currency)', currency_field='company_currency_id',
        compute='_compute_amount_company', store=True,
        help="The CA cost converted at Odoo's rate of the charge's date.")
    bill_line_id = fields.Many2one('account.invoice.line', string='Vendor Bill Line', readonly=True,
                                   ondelete='set null', copy=False)
    bill_id = fields.Many2one(related='bill_line_id.invoice_id', string='Vendor Bill', readonly=True)
    bill_line_due = fields.Boolean(readonly=True, copy=False, index=True,
                                   help='To be put on its vendor bill by the next booking job.')
    # A draft bill has no number: Odoo names it "Vendor Bill", which tells nothing.
    bill_reference = fields.Char(string='Vendor Bill', compute='_compute_bill_reference',
                                 help="The bill's number, or its date while in draft, and its state.")
    refund_state = fields.Selection(REFUND_STATES, default='none', required=True, readonly=True)
    refund_note = fields.Char(readonly=True, help='Why the CA kept the charge.')
    refund_line_id = fields.Many2one('account.invoice.line', string='Vendor Refund Line', readonly=True,
                                     ondelete='set null', copy=False)
    refund_bill_id = fields.Many2one(related='refund_line_id.invoice_id', string='Vendor Refund',
                                     readonly=True)

    # What the reseller owes the CA for this order: nothing once the CA refunded it. The list's total.
    amount_owed = fields.Monetary(string='Owed', compute='_compute_amount_owed', store=True,
                                  help='The CA cost, or 0 once the CA refunded it.')
    amount_owed_company = fields.Monetary(
        string='Owed (Company Currency)', currency_field='company_currency_id',
        compute='_compute_amount_owed', store=True)

    _sql_constraints = [
        ('ca_order_unique', 'unique(company_id, ca_order_number)',
         'The CA charged this order once: it already has its charge.'),
    ]

    @api.depends('amount', 'currency_id', 'charged_on', 'company_id.currency_id')
    def _compute_amount_company(self):
        for charge in self:
            charge.amount_company = charge.currency_id.with_context(date=charge.charged_on).compute(
                charge.amount, charge.company_id.currency_id)

    @api.depends('amount', 'amount_company', 'refund_state')
    def _compute_amount_owed(self):
        for charge in self:
            refunded = charge.refund_state == 'refunded'
            charge.amount_owed = 0.0 if refunded else charge.amount
            charge.amount_owed_company = 0.0 if refunded else charge.amount_company

    @api.depends('bill_id.number', 'bill_id.state', 'bill_id.date_invoice')
    def _compute_bill_reference(self):
        for charge in self:
            bill = charge.sudo().bill_id
            if bill.number:
                states = dict(bill._fields['state']._description_selection(self.env))
                charge.bill_reference = '%s (%s)' % (bill.number, states[bill.state])
            elif bill:
                charge.bill_reference = _('Draft of %s') % format_date(self.env, bill.date_invoice)

    # -- vendor bills ------------------------------------------------------------------------------

    @api.multi
    def action_book_vendor_line(self):
        """Put each charge not booked yet on its day's draft vendor bill. The bill's totals are
        computed once for all the lines, not again after each one (a booking job of 90 charges
        spent most of its time recomputing a bill that grew by a line each time)."""
        with self.env.norecompute():
            for charge in self.filtered(lambda charge: not charge.bill_line_id and charge.amount):
                charge.bill_line_id = charge._add_line('in_invoice')
        self.recompute()
        return True

    def _queue_vendor_lines(self):
        """Book these charges on their vendor bill in a job after the placement's transaction: the
        day's bill stays locked while a line is added to it, and placements finishing together
        would wait for each other's CA calls. One job per company books every charge due by then."""
        self.sudo().write({'bill_line_due': True})
        for company in self.sudo().mapped('company_id'):
            self.with_delay(channel=CA_CHANNEL, priority=20, identity_key='comodo-ca-vendor-lines-%d' % company.id,
                            description=_('Comodo: book CA charges on the vendor bill'),
                            )._job_book_vendor_lines(company.id)

    @job(default_channel=CA_CHANNEL)
    def _job_book_vendor_lines(self, company_id):
        charges = self.sudo().search([('company_id', '=', company_id), ('bill_line_due', '=', True)])
        # A charge the CA refunded meanwhile is owed nothing: neither a line nor its refund line.
        charges.filtered(lambda charge: charge.refund_state != 'refunded').action_book_vendor_line()
        charges.write({'bill_line_due': False})
        return _('%d charges booked on the vendor bill') % len(charges)

    def _book_refund(self):
        """The CA gave the money back: a line on the day's draft vendor refund cancels the charge."""
        self.ensure_one()
        values = {'refund_state': 'refunded', 'refund_note': False}
        if self.bill_line_id:
            values['refund_line_id'] = self._add_line('in_refund', fields.Date.context_today(self)).id
        self.write(values)

    def _add_line(self, invoice_type, day=None):
        """A vendor line for this charge on the draft bill (or refund) of `day` (its charge date)."""
        self.ensure_one()
        document = self._daily_document(invoice_type, day or self.charged_on)
        product = self.order_id.term_id.product_id
        account = self.env['account.invoice.line'].get_invoice_line_account(
            invoice_type, product, document.fiscal_position_id, self.company_id) \
            or document.journal_id.default_debit_account_id
        return self.env['account.invoice.line'].create({
            'invoice_id': document.id,
            'name': self.description,
            'product_id': product.id or False,
            'account_id': account.id,
            'quantity': 1,
            'price_unit': self.amount,
        })

    def _daily_document(self, invoice_type, day):
        """The company's draft vendor bill (or refund) from the CA for `day`, made if none is open.

        A bill the accountants already validated is left alone: later charges of that day start a
        new draft.
        """
        company = self.company_id
        vendor = company.comodo_ca_partner_id
        if not vendor:
            raise UserError(_('Choose the CA vendor in Settings > General Settings > Comodo SSL first.'))
        self.env.cr.execute('SELECT pg_advisory_xact_lock(hashtext(%s), %s)',
                            (DAILY_DOCUMENT_LOCK, company.id))
        invoices = self.env['account.invoice']
        document = invoices.search([
            ('comodo_ca_daily', '=', True), ('type', '=', invoice_type), ('state', '=', 'draft'),
            ('company_id', '=', company.id), ('partner_id', '=', vendor.id),
            ('currency_id', '=', self.currency_id.id), ('date_invoice', '=', day),
        ], limit=1)
        return document or invoices.create(self._prepare_daily_document(invoice_type, day))

    def _prepare_daily_document(self, invoice_type, day):
        company = self.company_id
        vendor = company.comodo_ca_partner_id
        journal = self.env['account.journal'].search(
            [('type', '=', 'purchase'), ('company_id', '=', company.id)], limit=1)
        if not journal:
            raise UserError(_('%s has no purchase journal for the CA vendor bills.') % company.name)
        return {
            'type': invoice_type,
            'comodo_ca_daily': True,
            'partner_id': vendor.id,
            'account_id': vendor.with_context(force_company=company.id).property_account_payable_id.id,
            'company_id': company.id,
            'journal_id': journal.id,
            'currency_id': self.currency_id.id,
            'date_invoice': day,
            'origin': _('Comodo SSL charges of %s') % day,
        }

from odoo import _, api, fields, models
from odoo.exceptions import UserError

MISMATCH_KINDS = [
    ('unknown_to_odoo', 'Ordered at the CA, unknown to Odoo'),
    ('not_invoiced', 'Charged by the CA, not invoiced'),
    ('not_booked', 'Charged by the CA, no vendor bill line'),
    ('no_ca_order', 'Invoiced, no CA order'),
    ('cost_differs', 'Cost in Odoo differs from the CA'),
    ('refunded_still_billed', 'Refunded by the CA, still invoiced'),
    ('credited_not_refunded', 'Credited to the customer, not refunded by the CA'),
]

# The mismatches whose fix is booking what the CA charged on a vendor bill.
BOOKABLE_KINDS = ('not_booked', 'unknown_to_odoo')


class ComodoReconciliationLine(models.Model):
    """One mismatch between Odoo and the CA's report, with the way to fix it."""

    _name = 'comodo.reconciliation.line'
    _description = 'CA Reconciliation Mismatch'
    _order = 'kind, ca_order_number'

    reconciliation_id = fields.Many2one('comodo.reconciliation', required=True, ondelete='cascade',
                                        index=True)
    company_id = fields.Many2one(related='reconciliation_id.company_id', store=True, readonly=True)
    kind = fields.Selection(MISMATCH_KINDS, string='Mismatch', required=True, readonly=True)
    kind_label = fields.Char(compute='_compute_kind_label', string='Mismatch Label',
                             help='The mismatch in words (for the mail and the CSV file).')
    ca_order_number = fields.Char(string='CA Order Number', readonly=True)
    order_id = fields.Many2one('comodo.certificate.order', string='Certificate Order', readonly=True,
                               ondelete='set null')
    partner_id = fields.Many2one(related='order_id.partner_id', string='Customer', readonly=True)
    charge_id = fields.Many2one('comodo.ca.charge', string='CA Charge', readonly=True, ondelete='set null')
    invoice_id = fields.Many2one('account.invoice', string='Customer Invoice', readonly=True,
                                 ondelete='set null')
    domain = fields.Char(readonly=True)
    ca_date = fields.Datetime(string='CA Date', readonly=True)
    currency_id = fields.Many2one('res.currency', compute='_compute_currency_id')
    ca_cost = fields.Monetary(string='CA Cost', readonly=True)
    ca_refunded = fields.Boolean(string='Refunded by the CA', readonly=True)
    odoo_cost = fields.Monetary(string='Odoo Cost', readonly=True)
    note = fields.Char(readonly=True)
    fixed = fields.Boolean(readonly=True, help='The missing vendor line was booked from here.')

    @api.depends('kind')
    def _compute_kind_label(self):
        labels = dict(self._fields['kind']._description_selection(self.env))
        for line in self:
            line.kind_label = labels.get(line.kind)

    @api.depends('company_id')
    def _compute_currency_id(self):
        for line in self:
            line.currency_id = line.company_id._comodo_ca_currency()

    # -- fixes -------------------------------------------------------------------------------------

    @api.multi
    def action_book_vendor_line(self):
        """Book what the CA charged on a vendor bill: the missing charge is made from the CA's report."""
        for line in self:
            if line.kind not in BOOKABLE_KINDS or line.fixed:
                raise UserError(_('Only a charge missing from the vendor bills can be booked here.'))
            charge = line.charge_id or self.env['comodo.ca.charge'].create(line._prepare_charge())
            charge.action_book_vendor_line()
            line.write({'charge_id': charge.id, 'fixed': True,
                        'note': _('Booked on %s.') % charge.bill_id.display_name})
        return True

    def _prepare_charge(self):
        description = _('%s (Comodo order %s, found by reconciliation)') % (
            self.domain or _('Certificate'), self.ca_order_number)
        if self.order_id:
            description = self.order_id._ca_charge_description()
        return {
            'company_id': self.company_id.id,
            'order_id': self.order_id.id,
            'ca_order_number': self.ca_order_number,
            'description': description,
            'charged_on': fields.Date.to_string(fields.Datetime.from_string(self.ca_date))
            if self.ca_date else fields.Date.context_today(self),
            'currency_id': self.currency_id.id,
            'amount': self.ca_cost,
        }

    @api.multi
    def action_open_invoice(self):
        self.ensure_one()
        return self._open(self.invoice_id, 'account.invoice_form')

    @api.multi
    def action_open_order(self):
        self.ensure_one()
        return self._open(self.order_id, 'comodo_ssl_reseller.comodo_certificate_order_view_form')

    @api.multi
    def action_open_charge(self):
        self.ensure_one()
        return self._open(self.charge_id, 'comodo_ssl_reseller.comodo_ca_charge_view_form')

    def _open(self, record, view_xmlid):
        if not record:
            raise UserError(_('Nothing to open for this mismatch.'))
        return {
            'type': 'ir.actions.act_window',
            'res_model': record._name,
            'res_id': record.id,
            'view_mode': 'form',
            'views': [(self.env.ref(view_xmlid).id, 'form')],
        }

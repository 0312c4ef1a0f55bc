import base64
import csv
import io
import logging
import threading
from datetime import datetime, time, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..comodo_client import ComodoError, report_cost, report_refunded
from ..comodo_client.client import REPORT_PAGE_SIZE

_logger = logging.getLogger(__name__)

CSV_COLUMNS = ['Mismatch', 'CA Order Number', 'Certificate Order', 'Customer', 'Domain', 'CA Date',
               'CA Cost', 'Odoo Cost', 'Currency', 'Customer Invoice', 'Note']
# A spreadsheet reads a cell starting with one of these as a formula (tab and CR too, once it trims
# them): customer names and the CA's report are anyone's text.
FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')


def csv_text_cell(value):
    """`value` as a cell a spreadsheet shows as text: a leading quote before a would-be formula."""
    value = value or ''
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class ComodoReconciliation(models.Model):
    """One comparison of Odoo's books with the CA's own report (WebHostReport with its costs)
    for the orders placed in a date range, and the mismatches it found."""

    _name = 'comodo.reconciliation'
    _description = 'Reconciliation with the CA'
    _order = 'date_from desc, id desc'

    name = fields.Char(compute='_compute_name', store=True)
    company_id = fields.Many2one('res.company', required=True, readonly=True,
                                 default=lambda self: self.env.user.company_id)
    date_from = fields.Date(required=True, states={'done': [('readonly', True)]},
                            default=lambda self: self._default_date_from())
    date_to = fields.Date(required=True, states={'done': [('readonly', True)]},
                          default=lambda self: self._default_date_to())
    state = fields.Selection([('draft', 'To Run'), ('done', 'Done')], default='draft', required=True,
                             readonly=True)
    run_at = fields.Datetime(readonly=True)
    ca_order_count = fields.Integer(string='CA Orders', readonly=True,
                                    help='Orders the CA reported for the date range.')
    odoo_order_count = fields.Integer(string='Odoo Orders', readonly=True,
                                      help='Certificate orders Odoo placed (or tried to) in the date range.')
    line_ids = fields.One2many('comodo.reconciliation.line', 'reconciliation_id', string='Mismatches',
                               readonly=True)
    mismatch_count = fields.Integer(compute='_compute_mismatch_count', store=True)
    mail_partner_ids = fields.Many2many('res.partner', compute='_compute_mail_partner_ids',
                                        help='The accountants (billing advisers) with an email address.')

    @api.depends('date_from', 'date_to')
    def _compute_name(self):
        for reconciliation in self:
            reconciliation.name = _('CA reconciliation %s to %s') % (
                reconciliation.date_from, reconciliation.date_to)

    @api.depends('line_ids')
    def _compute_mismatch_count(self):
        for reconciliation in self:
            reconciliation.mismatch_count = len(reconciliation.line_ids)

    def _compute_mail_partner_ids(self):
        accountants = self.env.ref('account.group_account_manager').users
        for reconciliation in self:
            reconciliation.mail_partner_ids = accountants.filtered(
                lambda user: reconciliation.company_id in user.company_ids
            ).mapped('partner_id').filtered('email')

    # One made by hand compares this month (what an accountant checks before the month
    # closes; the monthly run compares the month just closed).
    @api.model
    def _default_date_from(self):
        return fields.Date.to_string(self._today().replace(day=1))

    @api.model
    def _default_date_to(self):
        return fields.Date.to_string(_last_of_month(self._today()))

    def _today(self):
        return fields.Date.from_string(fields.Date.context_today(self))

    @api.constrains('date_from', 'date_to')
    def _check_dates(self):
        for reconciliation in self:
            if reconciliation.date_from > reconciliation.date_to:
                raise ValidationError(_('The reconciliation ends before it starts.'))

    # -- actions -----------------------------------------------------------------------------------

    @api.multi
    def action_run(self):
        for reconciliation in self:
            try:
                reconciliation._run()
            except ComodoError as error:
                raise UserError(_('Comodo did not send its report: %s') % error)
        return True

    @api.multi
    def action_export_csv(self):
        self.ensure_one()
        attachment = self.env['ir.attachment'].create({
            'name': '%s.csv' % self.name,
            'datas_fname': 'comodo-reconciliation-%s-%s.csv' % (self.date_from, self.date_to),
            'datas': base64.b64encode(self._csv().encode('utf-8')),
            'res_model': self._name,
            'res_id': self.id,
            'mimetype': 'text/csv',
        })
        return {
            'type': 'ir.actions.act_url',
            'url': '/web/content/%d?download=true' % attachment.id,
            'target': 'self',
        }

    # -- the comparison ----------------------------------------------------------------------------

    def _run(self, page_size=REPORT_PAGE_SIZE):
        """Pull the CA's report for the range, page by page, and record every mismatch.

        Orders are matched by CA order number. An order one side dates inside the range and the
        other just outside it is looked up by number, so it is never reported missing.
        """
        self.ensure_one()
        start = datetime.combine(fields.Date.from_string(self.date_from), time.min)
        end = datetime.combine(fields.Date.from_string(self.date_to), time.max)
        in_range = self._odoo_orders(start, end)
        ca_entries, ca_by_number = self._ca_orders(start, end, in_range, page_size)
        numbers = set(ca_by_number) | set(number for number in in_range.mapped('ca_order_number') if number)
        orders = in_range | self._orders_by_number(numbers)
        charges = self.env['comodo.ca.charge'].search([
            ('company_id', '=', self.company_id.id), ('ca_order_number', 'in', list(numbers))])
        order_by_number = {order.ca_order_number: order for order in orders if order.ca_order_number}
        charge_by_number = {charge.ca_order_number: charge for charge in charges}
        lines = []
        for number, entry in ca_by_number.items():
            lines += self._ca_side_mismatches(entry, order_by_number.get(number), charge_by_number.get(number))
        lines += self._odoo_side_mismatches(in_range, ca_by_number)
        self.line_ids.unlink()
        self.write({
            'line_ids': [(0, 0, values) for values in lines],
            'state': 'done',
            'run_at': fields.Datetime.now(),
            'ca_order_count': len(ca_entries),
            'odoo_order_count': len(in_range),
        })
        _logger.info('CA reconciliation %s: %d CA orders, %d mismatches', self.name, len(ca_entries),
                     len(lines))

    def _ca_orders(self, start, end, orders, page_size):
        """The CA's orders of the range, and by number those plus the orders Odoo dates in the range."""
        with self.company_id._comodo_client() as client:
            ca_entries = client.report_all(page_size=page_size, notBefore=start, notAfter=end,
                                           showCost=True)
            ca_by_number = {entry.order_number: entry for entry in ca_entries}
            elsewhere = [number for number in orders.mapped('ca_order_number')
                         if number and number not in ca_by_number]
            if elsewhere:
                ca_by_number.update((entry.order_number, entry) for entry in client.report_all(
                    page_size=page_size, orderNumber=elsewhere, showCost=True))
        return ca_entries, ca_by_number

    def _odoo_orders(self, start, end):
        """Certificate orders placed in the range, or made in it and never placed."""
        start_text, end_text = fields.Datetime.to_string(start), fields.Datetime.to_string(end)
        return self.env['comodo.certificate.order'].sudo().search([
            ('company_id', '=', self.company_id.id),
            '|', '&', ('placed_at', '>=', start_text), ('placed_at', '<=', end_text),
            '&', '&', ('placed_at', '=', False), ('create_date', '>=', start_text),
            ('create_date', '<=', end_text),
        ])

    def _orders_by_number(self, numbers):
        return self.env['comodo.certificate.order'].sudo().search([
            ('company_id', '=', self.company_id.id), ('ca_order_number', 'in', list(numbers))])

    def _ca_side_mismatches(self, entry, order, charge):
        """The mismatches of one CA order: its charge, its refund and its customer invoice."""
        ca_cost = report_cost(entry) or 0
        refunded = report_refunded(entry)
        ca_net = 0 if refunded else ca_cost
        common = {'entry': entry, 'order': order, 'charge': charge}
        if not order and ca_net and not (charge and charge.bill_line_id):
            # Ordered in the CA's own console: one line says it all, and books the charge.
            return [self._prepare_line('unknown_to_odoo', note=_(
                'The CA charged %.2f for %s, an order Odoo does not know: no customer invoice, no '
                'vendor bill line.') % (ca_cost, _entry_domain(entry) or entry.order_number), **common)]
        lines = []
        if ca_net and not (charge and charge.bill_line_id):
            lines.append(self._prepare_line('not_booked', note=_(
                'The CA charged %.2f: no vendor bill line in Odoo.') % ca_cost, **common))
        if charge:
            odoo_net = 0 if charge.refund_state == 'refunded' else charge.amount
            if charge.currency_id.compare_amounts(odoo_net, float(ca_net)):
                lines.append(self._prepare_line('cost_differs', note=_(
                    'Odoo books %.2f, the CA %.2f%s.') % (odoo_net, ca_net,
                                                     _(' (refunded)') if refunded else ''), **common))
        billed = order._billed_amount() > 0 if order else False
        if refunded and billed:
            lines.append(self._prepare_line('refunded_still_billed', note=_(
                'The CA refunded this order, the customer is still invoiced.'), **common))
        elif ca_net and not billed:
            if order and order.sudo().invoice_ids:
                if not (charge and charge.refund_state in ('refused', 'outside_window')):
                    lines.append(self._prepare_line('credited_not_refunded', note=_(
                        'The customer was credited, the CA kept its %.2f.') % ca_cost, **common))
            else:
                lines.append(self._prepare_line('not_invoiced', note=_(
                    'The CA charged %.2f for %s; no customer invoice.') % (
                        ca_cost, _entry_domain(entry) or entry.order_number), **common))
        return lines

    def _odoo_side_mismatches(self, orders, ca_by_number):
        """Orders invoiced to a customer that the CA does not know."""
        states = dict(self.env['comodo.certificate.order']._fields['state']._description_selection(self.env))
        return [self._prepare_line('no_ca_order', order=order, note=_(
            'Invoiced to the customer, but the CA has no order %s.') % (
                order.ca_order_number or _('(never placed: %s)') % states[order.state]))
            for order in orders
            if order._billed_amount() > 0 and order.ca_order_number not in ca_by_number]

    def _prepare_line(self, kind, entry=None, order=None, charge=None, note=''):
        invoice = order.sudo().invoice_ids.filtered(lambda inv: inv.type == 'out_invoice')[:1] \
            if order else self.env['account.invoice']
        return {
            'kind': kind,
            'ca_order_number': entry.order_number if entry else order.ca_order_number,
            'order_id': order.id if order else False,
            'charge_id': charge.id if charge else False,
            'invoice_id': invoice.id,
            'domain': (_entry_domain(entry) if entry else None) or (order.domain if order else False),
            'ca_date': entry.date_time and fields.Datetime.to_string(entry.date_time) if entry else False,
            'ca_cost': float(report_cost(entry) or 0) if entry else 0.0,
            'ca_refunded': report_refunded(entry) if entry else False,
            'odoo_cost': charge.amount if charge else 0.0,
            'note': note,
        }

    def _csv(self):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for line in self.line_ids:
            # The amounts are ours ('%.2f'): a negative one stays a number.
            writer.writerow([
                csv_text_cell(line.kind_label), csv_text_cell(line.ca_order_number),
                csv_text_cell(line.order_id.name), csv_text_cell(line.partner_id.display_name),
                csv_text_cell(line.domain), csv_text_cell(line.ca_date),
                '%.2f' % line.ca_cost, '%.2f' % line.odoo_cost, csv_text_cell(line.currency_id.name),
                csv_text_cell(line.invoice_id.number), csv_text_cell(line.note),
            ])
        return buffer.getvalue()

    # -- the monthly run ---------------------------------------------------------------------------

    @api.model
    def _cron_reconcile_last_month(self):
        """Reconcile last month for every company reselling through the reseller API; mail the
        accountants what it found."""
        # Filtered in Python: the reseller account's fields need not be stored on the company.
        companies = self.env['res.company'].sudo().search([]).filtered(
            lambda company: company.comodo_api_type == 'reseller' and company.comodo_login)
        template = self.env.ref('comodo_ssl_reseller.mail_template_reconciliation')
        last_month_end = self._today().replace(day=1) - timedelta(days=1)
        for company in companies:
            reconciliation = self.create({
                'company_id': company.id, 'date_from': fields.Date.to_string(last_month_end.replace(day=1)),
                'date_to': fields.Date.to_string(last_month_end)})
            try:
                reconciliation._run()
            except ComodoError as error:
                _logger.warning('CA reconciliation of %s failed: %s', company.name, error)
                continue
            template.send_mail(reconciliation.id)
            self._commit_if_allowed()

    def _commit_if_allowed(self):
        # One company's reconciliation is kept even if the next fails; tests run the cron inside
        # their own transaction and must not commit it.
        if not getattr(threading.currentThread(), 'testing', False):
            self.env.cr.commit()


def _last_of_month(day):
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _order_date(order):
    return fields.Datetime.from_string(order.placed_at or order.create_date)


def _entry_domain(entry):
    return entry.certificates[0].domain if entry.certificates else None


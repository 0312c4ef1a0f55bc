import logging
from datetime import datetime, timedelta

import psycopg2

from odoo import _, fields, models
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import job
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools.misc import formatLang

from ..comodo_client import ComodoError, parse_cost, report_cost
from ..lifecycle import CA_CHANNEL
from .comodo_certificate_order_ca import AFTER_DECISION_PRIORITY

_logger = logging.getLogger(__name__)

ACCOUNTING_GROUPS = 'account.group_account_invoice'
# A refund that met the charge's booking job asks the CA again this many seconds later.
REFUND_RETRY_SECONDS = 10


class ComodoCertificateOrder(models.Model):
    """The CA's side of a certificate order: what the CA charged, its refund, and the margin.

    Kept apart from the order's lifecycle: the lifecycle calls _book_ca_charge when the CA takes the
    order and _refund_ca_charge when the order is rejected or cancelled.
    """

    _inherit = 'comodo.certificate.order'

    ca_charge_ids = fields.One2many('comodo.ca.charge', 'order_id', string='CA Charges', readonly=True,
                                    groups=ACCOUNTING_GROUPS)
    company_currency_id = fields.Many2one(related='company_id.currency_id', readonly=True)
    sale_price = fields.Monetary(compute='_compute_margin', currency_field='company_currency_id',
                                 groups=ACCOUNTING_GROUPS,
                                 help='Invoiced to the customer, less credit notes (posted, untaxed).')
    ca_cost = fields.Monetary(string='CA Cost', compute='_compute_margin',
                              currency_field='company_currency_id', groups=ACCOUNTING_GROUPS,
                              help='What the CA charged and did not refund, in the company currency.')
    margin = fields.Monetary(compute='_compute_margin', currency_field='company_currency_id',
                             groups=ACCOUNTING_GROUPS)

    def _compute_margin(self):
        # One definition of the margin: the report's SQL, which the pivot view reads too.
        rows = self.env['comodo.margin.report'].sudo().search([('order_id', 'in', self.ids)])
        by_order = {row.order_id.id: row for row in rows}
        for order in self:
            row = by_order.get(order.id)
            order.sale_price = row.sale_price if row else 0.0
            order.ca_cost = row.ca_cost if row else 0.0
            order.margin = row.margin if row else 0.0

    # -- the charge --------------------------------------------------------------------------------

    def _book_ca_charge(self, total_cost):
        """Record what the CA charged for this order (its totalCost) and put it on a vendor bill.

        total_cost is None when the order was found again after a lost answer: the CA's report
        then says what it cost.
        """
        self.ensure_one()
        order = self.sudo()
        if order.company_id.comodo_api_type == 'certificate_manager':
            # Certificate Manager accounts are billed by contract, not per order: no cost to book.
            return
        charges = self.env['comodo.ca.charge'].sudo()
        if charges.search_count([('company_id', '=', order.company_id.id),
                                 ('ca_order_number', '=', order.ca_order_number)]):
            return
        cost = parse_cost(total_cost) if total_cost is not None else order._ca_reported_cost()
        if cost is None:
            order._note_for_staff(_('Comodo stated no cost for CA order %s: no charge booked.')
                                  % order.ca_order_number)
            return
        charge = charges.create(order._prepare_ca_charge(cost))
        if order.company_id.comodo_ca_partner_id:
            charge._queue_vendor_lines()
        order._note_for_staff(_('Comodo charged %s for CA order %s (%s).') % (
            order._ca_money(charge), order.ca_order_number, order.term_id.name))

    def _ca_reported_cost(self):
        with self.company_id._comodo_client() as client:
            entries = client.report(orderNumber=self.ca_order_number, showCost=True)
        costs = [report_cost(entry) for entry in entries if entry.order_number == self.ca_order_number]
        return costs[0] if costs else None

    def _prepare_ca_charge(self, cost):
        return {
            'company_id': self.company_id.id,
            'order_id': self.id,
            'ca_order_number': self.ca_order_number,
            'description': self._ca_charge_description(),
            'charged_on': fields.Date.context_today(self),
            'currency_id': self.company_id._comodo_ca_currency().id,
            'amount': float(cost),
        }

    def _ca_charge_description(self):
        return _('%s for %s, %s (Comodo order %s)') % (
            self.term_id.name, ', '.join(self._domains()), self.partner_id.display_name,
            self.ca_order_number)

    # -- the refund --------------------------------------------------------------------------------

    def _refund_ca_charge(self):
        """Ask the CA for the charge back if the order is within its refund window, and book it.

        Outside the window, or when the CA refuses, the charge stays and the order says why.
        """
        self.ensure_one()
        charge = self._charge_to_refund()
        if not charge:
            return
        if not self._within_refund_window():
            note = _('Placed on %s, more than %d days ago: the CA keeps the charge.') % (
                self.placed_at, self.company_id.comodo_refund_window_days)
            self._keep_ca_charge(charge, 'outside_window', note)
            return
        if not self._lock_charge(charge):
            # A booking job is on the charge: the CA is asked by a job of its own once it is done
            # (a real job also where tests run jobs at once: it must run after the booking).
            self.with_context(test_queue_job_no_delay=False)._queue_refund()
            return
        self._ask_ca_refund(charge)

    def _charge_to_refund(self):
        return self.sudo().ca_charge_ids.filtered(lambda c: c.refund_state in ('none', 'refused'))[:1]

    def _lock_charge(self, charge):
        """Lock the charge before the CA is asked, so that a booking job cannot change it after the
        refund; False, with nothing asked, when a booking job holds it or changed it since this
        transaction began."""
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute('SELECT id FROM comodo_ca_charge WHERE id = %s FOR UPDATE NOWAIT',
                                    (charge.id,))
        except psycopg2.OperationalError as error:
            if error.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                raise
            return False
        return True

    def _queue_refund(self):
        for order in self.sudo().with_context(tracking_disable=True):
            order.with_delay(channel=CA_CHANNEL, priority=AFTER_DECISION_PRIORITY, eta=REFUND_RETRY_SECONDS,
                             identity_key='comodo-refund-%d' % order.id,
                             description=_('Comodo: refund of %s') % order.name)._job_refund_ca_charge()

    @job(default_channel=CA_CHANNEL)
    def _job_refund_ca_charge(self):
        """Ask the CA for the charge back once no booking job is on it; busy means later."""
        order = self._lock_for_ca()
        charge = order._charge_to_refund()
        if order and not charge:
            return _('Nothing to do: the charge was refunded, or kept')
        if not order or not order._lock_charge(charge):
            raise RetryableJobError(_('The charge of %s is being booked: trying again shortly') % self.name,
                                    seconds=REFUND_RETRY_SECONDS)
        order._ask_ca_refund(charge)
        return _('Refund asked for')

    def _ask_ca_refund(self, charge):
        try:
            with self.company_id._comodo_client() as client:
                client.refund(self.ca_order_number)
        except ComodoError as error:
            self._keep_ca_charge(charge, 'refused', _('Comodo refused the refund: %s') % error)
            return
        charge._book_refund()
        self.message_post(body=_('Comodo refunded %s for CA order %s (%s).') % (
            self._ca_money(charge), self.ca_order_number, self.term_id.name))

    def _ca_money(self, charge):
        """The charge's amount as staff read money: its currency's symbol, in their language."""
        return formatLang(self.env, charge.amount, currency_obj=charge.currency_id)

    def _within_refund_window(self):
        window = timedelta(days=self.company_id.comodo_refund_window_days)
        return bool(self.placed_at) and fields.Datetime.from_string(self.placed_at) + window > datetime.utcnow()

    def _keep_ca_charge(self, charge, state, note):
        charge.write({'refund_state': state, 'refund_note': note})
        _logger.info('Certificate order %s: no refund from the CA (%s)', self.name, note)
        self.message_post(body=_('No refund of CA order %s: %s') % (self.ca_order_number, note))

    # -- what the customer is billed ---------------------------------------------------------------

    def _billed_amount(self):
        """Invoiced to the customer less credit notes, untaxed, drafts included (not cancelled)."""
        self.ensure_one()
        invoices = self.sudo().invoice_ids.filtered(lambda inv: inv.state != 'cancel')
        return sum(inv._comodo_untaxed_for(self) * (-1 if inv.type == 'out_refund' else 1) for inv in invoices
                   if inv.type in ('out_invoice', 'out_refund'))

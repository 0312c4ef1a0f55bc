import re
import time
import unittest
import uuid
from datetime import datetime, timedelta

import psycopg2
from mock import patch

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tests import common
from odoo.tools.misc import format_date

from ..models.comodo_ca_charge import DAILY_DOCUMENT_LOCK
from .common import ComodoCase, unique_domain

# The sandbox's cost of PositiveSSL (287) for one year: its totalCost.
POSITIVESSL_COST = 12.5
DAY = 86400


class CaChargeCase(ComodoCase):
    """The company buys from a CA vendor in its own currency, with a 30-day refund window."""

    @classmethod
    def setUpClass(cls):
        super(CaChargeCase, cls).setUpClass()
        cls.vendor = cls.env['res.partner'].create({'name': 'Test CA Vendor', 'supplier': True})
        cls.company.write({
            'comodo_ca_partner_id': cls.vendor.id,
            'comodo_ca_currency_id': cls.company.currency_id.id,
            'comodo_refund_window_days': 30,
        })

    def _owed_for(self, charge):
        """What stays owed to the CA for one charge: its bill line less its refund line."""
        return charge.bill_line_id.price_subtotal - charge.refund_line_id.price_subtotal


class TestCaCharges(CaChargeCase):
    """What the CA charged, on the day's vendor bill; refunds inside and outside the window."""

    def test_issued_order_is_one_line_on_the_days_vendor_bill(self):
        domain = unique_domain('instant')
        order = self._buy(domain)
        self.assertEqual(order.state, 'issued')
        charge = order.ca_charge_ids
        self.assertEqual(len(charge), 1)
        self.assertEqual((charge.ca_order_number, charge.amount), (order.ca_order_number, POSITIVESSL_COST))
        bill = charge.bill_id
        self.assertEqual((bill.type, bill.state, bill.partner_id), ('in_invoice', 'draft', self.vendor))
        self.assertTrue(bill.comodo_ca_daily)
        self.assertEqual(bill.date_invoice, fields.Date.context_today(bill))
        self.assertIn(domain, charge.bill_line_id.name)
        self.assertIn(order.ca_order_number, charge.bill_line_id.name)
        self.assertEqual(charge.bill_line_id.price_subtotal, POSITIVESSL_COST)
        # The day's next charge joins the same bill; booking one CA order again adds nothing.
        second = self._buy(unique_domain('never'))
        self.assertEqual(second.ca_charge_ids.bill_id, bill)
        order._book_ca_charge('99.00')
        self.assertEqual(len(bill.invoice_line_ids), 2)
        self.assertEqual(bill.amount_untaxed, 2 * POSITIVESSL_COST)
        # A validated bill is left alone: the day's later charges start a new draft.
        bill.action_invoice_open()
        third = self._buy(unique_domain('never'))
        self.assertNotEqual(third.ca_charge_ids.bill_id, bill)
        self.assertEqual(third.ca_charge_ids.bill_id.state, 'draft')

    def test_margin_of_an_order(self):
        order = self._buy(unique_domain('instant'))
        self.assertEqual(order.sale_price, 10.0)
        self.assertEqual(order.ca_cost, POSITIVESSL_COST)
        self.assertEqual(order.margin, 10.0 - POSITIVESSL_COST)
        report = self.env['comodo.margin.report'].search([('order_id', '=', order.id)])
        self.assertEqual((report.product_id, report.partner_id), (self.term.product_id, self.customer))
        self.assertEqual(report.margin, order.margin)

    def test_accountants_see_the_margin_by_product_customer_and_month(self):
        order = self._buy(unique_domain('instant'))
        accountant = self.env['res.users'].create({
            'name': 'Billing Clerk', 'login': 'margin-clerk',
            'groups_id': [(6, 0, [self.env.ref('account.group_account_invoice').id])]})
        seen = order.sudo(accountant)
        self.assertEqual((seen.sale_price, seen.ca_cost), (10.0, POSITIVESSL_COST))
        groups = self.env['comodo.margin.report'].sudo(accountant).read_group(
            [('order_id', '=', order.id)], ['margin', 'sale_price', 'ca_cost', 'product_id', 'partner_id', 'date'],
            ['product_id', 'partner_id', 'date:month'], lazy=False)
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0]['margin'], 10.0 - POSITIVESSL_COST)
        self.assertEqual(groups[0]['product_id'][0], self.term.product_id.id)
        self.assertEqual(groups[0]['partner_id'][0], self.customer.id)
        salesman = self.env['res.users'].create({
            'name': 'SSL Seller', 'login': 'margin-seller',
            'groups_id': [(6, 0, [self.env.ref('comodo_ssl_reseller.group_ssl_user').id])]})
        with self.assertRaises(AccessError):
            order.sudo(salesman).read(['ca_cost'])
        with self.assertRaises(AccessError):
            self.env['comodo.ca.charge'].sudo(salesman).search([])

    def test_second_ca_order_for_the_same_domain_is_charged_again(self):
        # A renewal is a new CA order for the same domain and customer: a new charge.
        domain = unique_domain('instant')
        first = self._buy(domain)
        second = self._buy(domain, comodo_second_certificate=True)
        self.assertNotEqual(first.ca_order_number, second.ca_order_number)
        charges = first.ca_charge_ids | second.ca_charge_ids
        self.assertEqual(len(charges), 2)
        self.assertEqual(sum(charges.mapped('bill_line_id.price_subtotal')), 2 * POSITIVESSL_COST)

    def test_the_chatter_says_the_charge_as_staff_read_money(self):
        order = self._buy(unique_domain('www'))
        symbol = order.ca_charge_ids.currency_id.symbol
        charged = 'Comodo charged %s 12.50 for CA order %s (PositiveSSL, 1 year).' % (symbol, order.ca_order_number)
        self.assertIn(charged, '\n'.join(order.message_ids.mapped('body')))
        self.sandbox.reject(order.ca_order_number)
        order.action_check()
        refunded = 'Comodo refunded %s 12.50 for CA order %s (PositiveSSL, 1 year).' % (symbol, order.ca_order_number)
        self.assertIn(refunded, '\n'.join(order.message_ids.mapped('body')))

    def test_the_placement_is_one_chatter_message_for_staff(self):
        order = self._buy(unique_domain('www'))
        symbol = order.ca_charge_ids.currency_id.symbol
        placed = order.message_ids.filtered(lambda message: 'Ordered from Comodo' in (message.body or ''))
        self.assertEqual(len(placed), 1)
        for said in ('Ordered from Comodo: CA order number %s.' % order.ca_order_number,
                     'Comodo charged %s 12.50 for CA order %s (PositiveSSL, 1 year).' % (symbol, order.ca_order_number),
                     'No temporary certificate and no automatic installation: %s is not a domain hosted '
                     'with us for this customer.' % order.domain):
            self.assertIn(said, placed.body)
        others = order.message_ids - placed
        for said in ('Comodo charged', 'No temporary certificate'):
            self.assertFalse(others.filtered(lambda message: said in (message.body or '')),
                             'said once, in the placement\'s message')

    def test_rejection_within_the_window_is_refunded(self):
        order = self._buy(unique_domain('www'))
        self.sandbox.reject(order.ca_order_number)
        order.action_check()
        self.assertEqual(order.state, 'rejected')
        charge = order.ca_charge_ids
        self.assertEqual(charge.refund_state, 'refunded')
        refund = charge.refund_bill_id
        self.assertEqual((refund.type, refund.partner_id, refund.state), ('in_refund', self.vendor, 'draft'))
        self.assertIn(order.ca_order_number, charge.refund_line_id.name)
        self.assertEqual(self._owed_for(charge), 0.0)
        self.assertTrue(self.sandbox.find_orders(orderNumber=order.ca_order_number)[0]['refundedAt'])
        self.assertEqual(order.ca_cost, 0.0)

    def test_the_lists_total_is_what_is_owed(self):
        kept = self._buy(unique_domain('never')) | self._buy(unique_domain('never'))
        refunded = self._buy(unique_domain('www'))
        self.sandbox.reject(refunded.ca_order_number)
        refunded.action_check()
        charges = (kept | refunded).mapped('ca_charge_ids')
        self.assertEqual(charges.mapped('refund_state').count('refunded'), 1)
        # The CA Charges list sums the column its view gives a total: the web client's read_group.
        tree = self.env['comodo.ca.charge'].fields_view_get(view_type='tree')['arch']
        totals = re.findall(r'<field name="(\w+)" sum=', tree)
        self.assertIn('amount_owed', totals)
        self.assertNotIn('amount', totals, 'the CA cost of refunded charges is not added up')
        group = self.env['comodo.ca.charge'].read_group([('id', 'in', charges.ids)], totals, [])[0]
        self.assertEqual((group['amount_owed'], group['amount_owed_company']),
                         (2 * POSITIVESSL_COST, 2 * POSITIVESSL_COST), 'three charged, one refunded')

    def test_the_vendor_bill_column_names_the_bill(self):
        charge = self._buy(unique_domain('never')).ca_charge_ids
        bill = charge.bill_id
        self.assertEqual(charge.bill_reference, 'Draft of %s' % format_date(self.env, bill.date_invoice))
        bill.action_invoice_open()
        charge.invalidate_cache()
        self.assertEqual(charge.bill_reference, '%s (Open)' % bill.number)
        tree = self.env['comodo.ca.charge'].fields_view_get(view_type='tree')['arch']
        self.assertIn('<field name="bill_reference"', tree)
        self.assertNotIn('<field name="bill_id"', tree)

    def test_cancellation_within_the_window_is_refunded(self):
        order = self._buy(unique_domain('never'))
        order.action_cancel()
        charge = order.ca_charge_ids
        self.assertEqual(charge.refund_state, 'refunded')
        self.assertEqual(self._owed_for(charge), 0.0)
        self.assertEqual(len(self.sandbox.find_calls('AutoRefund', order.ca_order_number)), 1)

    def test_rejection_outside_the_window_keeps_the_charge_without_asking(self):
        order = self._buy(unique_domain('www'))
        order.placed_at = fields.Datetime.to_string(datetime.utcnow() - timedelta(days=31))
        self.sandbox.reject(order.ca_order_number)
        order.action_check()
        self.assertEqual(order.state, 'rejected')
        charge = order.ca_charge_ids
        self.assertEqual(charge.refund_state, 'outside_window')
        self.assertIn('30 days', charge.refund_note)
        self.assertFalse(charge.refund_line_id)
        self.assertEqual(self._owed_for(charge), POSITIVESSL_COST)
        self.assertEqual(self.sandbox.find_calls('AutoRefund', order.ca_order_number), [])
        self.assertTrue(order.message_ids.filtered(lambda m: 'No refund' in (m.body or '')))

    def test_cancellation_the_ca_refuses_to_refund_keeps_the_charge(self):
        order = self._buy(unique_domain('never'))
        # Odoo still counts the order as recent; the CA's own clock says otherwise.
        self.sandbox.move_placement(order.ca_order_number, time.time() - 31 * DAY)
        order.action_cancel()
        self.assertEqual(order.state, 'cancelled')
        charge = order.ca_charge_ids
        self.assertEqual(charge.refund_state, 'refused')
        self.assertIn('-91', charge.refund_note)
        self.assertEqual(self._owed_for(charge), POSITIVESSL_COST)

    def test_cost_of_an_order_found_again_comes_from_the_report(self):
        order = self._buy_queued(unique_domain('never'))
        model = type(self.env['comodo.certificate.order'])
        with patch.object(model, '_on_placed', side_effect=RuntimeError('worker killed')):
            with self.assertRaises(RuntimeError), self.cr.savepoint():
                order._job_place()
        order.invalidate_cache()
        order._job_place()
        self.assertEqual(order.ca_charge_ids.amount, POSITIVESSL_COST)

    def test_without_a_vendor_the_charge_waits_for_its_bill(self):
        self.company.comodo_ca_partner_id = False
        order = self._buy(unique_domain('never'))
        charge = order.ca_charge_ids
        self.assertEqual(charge.amount, POSITIVESSL_COST)
        self.assertFalse(charge.bill_line_id)
        self.company.comodo_ca_partner_id = self.vendor
        charge.action_book_vendor_line()
        self.assertEqual(charge.bill_id.partner_id, self.vendor)


class TestCaChargeCurrency(CaChargeCase):
    """A CA billing in another currency than the company's: Odoo's rates convert it."""

    def test_charge_in_the_ca_currency_converted_by_odoo(self):
        company_currency = self.company.currency_id
        ca_currency = self.env.ref('base.EUR' if company_currency.name != 'EUR' else 'base.USD')
        ca_currency.active = True
        # 1 unit of the company's currency buys 0.5 of the CA's: the CA's 12.50 is 25.00 here.
        self.env['res.currency.rate'].search(
            [('currency_id', 'in', (ca_currency | company_currency).ids)]).unlink()
        self.env['res.currency.rate'].create({
            'currency_id': ca_currency.id, 'rate': 0.5, 'company_id': self.company.id,
            'name': fields.Date.context_today(self.company)})
        self.company.comodo_ca_currency_id = ca_currency
        order = self._buy(unique_domain('instant'))
        charge = order.ca_charge_ids
        self.assertEqual((charge.currency_id, charge.amount), (ca_currency, POSITIVESSL_COST))
        self.assertEqual(charge.amount_company, 2 * POSITIVESSL_COST)
        self.assertEqual(order.ca_cost, 2 * POSITIVESSL_COST)
        bill = charge.bill_id
        self.assertEqual(bill.currency_id, ca_currency)
        bill.action_invoice_open()
        expense = bill.move_id.line_ids.filtered(lambda line: line.debit)
        self.assertEqual(expense.debit, 2 * POSITIVESSL_COST)
        self.assertEqual(expense.amount_currency, POSITIVESSL_COST)


class TestDailyBillLock(unittest.TestCase):
    """Two transactions booking charges at once: the first holds the day's bill until it ends."""

    def _environment(self):
        cr = odoo.registry(common.get_db_name()).cursor()
        self.addCleanup(cr.close)
        self.addCleanup(cr.rollback)
        return api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True})

    def _lock_is_free(self, env, company):
        env.cr.execute('SELECT pg_try_advisory_xact_lock(hashtext(%s), %s)', (DAILY_DOCUMENT_LOCK, company.id))
        return env.cr.fetchone()[0]

    def test_one_transaction_at_a_time_finds_or_makes_the_days_bill(self):
        first, second = self._environment(), self._environment()
        company = first.ref('base.main_company')
        company.comodo_ca_partner_id = first['res.partner'].create({'name': 'Lock Test CA'})
        charge = first['comodo.ca.charge'].create({
            'company_id': company.id, 'ca_order_number': 'LOCK-%s' % uuid.uuid4().hex[:10],
            'description': 'Lock test', 'currency_id': company.currency_id.id, 'amount': 1.0})
        bill = charge._daily_document('in_invoice', fields.Date.context_today(charge))
        self.assertTrue(bill)
        self.assertFalse(self._lock_is_free(second, company), 'the second waits for the first')
        first.cr.rollback()
        self.assertTrue(self._lock_is_free(second, company), 'and goes on once the first has ended')


class TestRefundMeetingABookingJob(unittest.TestCase):
    """A Check refunds a charge that the vendor-bill booking job changed (and committed) since the
    Check's transaction began: the refund's write fails, and Odoo runs the RPC call again in the
    same thread. Nothing of the failed try may reach the next one.

    Both transactions must see the charge, so it is committed here and removed afterwards.
    """

    @classmethod
    def setUpClass(cls):
        cls.registry = odoo.registry(common.get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True})
            company = env.ref('base.main_company')
            order = env['comodo.certificate.order'].create({
                'partner_id': env.ref('base.partner_demo_portal').id,
                'term_id': env.ref('comodo_ssl_reseller.certificate_term_positivessl_365').id,
                'domain': unique_domain('never'), 'dcv_method': 'CNAME_CSR_HASH'})
            charge = env['comodo.ca.charge'].create({
                'company_id': company.id, 'order_id': order.id,
                'ca_order_number': 'RETRY-%s' % uuid.uuid4().hex[:10], 'description': 'Retry test',
                'currency_id': company.currency_id.id, 'amount': POSITIVESSL_COST})
            cls.order_id, cls.charge_id = order.id, charge.id

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env['comodo.ca.charge'].browse(cls.charge_id).unlink()
            env['comodo.certificate.order'].browse(cls.order_id).unlink()

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True})

    def test_a_call_retried_after_a_failed_refund_does_not_reach_the_failed_trys_cursor(self):
        failed_try = self.registry.cursor()
        order = self._env(failed_try)['comodo.certificate.order'].browse(self.order_id)
        charge = order.ca_charge_ids
        self.assertEqual(charge.refund_state, 'none')  # the Check's snapshot starts here

        with self.registry.cursor() as booking_job:
            self._env(booking_job)['comodo.ca.charge'].browse(self.charge_id).write({'bill_line_due': True})
            booking_job.commit()

        # The refund's UPDATE meets the booking job's committed one; the Check goes on to record
        # the failure, or fails whole on the same row, as Odoo's RPC then retries it.
        try:
            order._after_ca_outcome('asking Comodo for a refund', charge._book_refund)
        except psycopg2.OperationalError as error:
            self.assertIn(error.pgcode, PG_CONCURRENCY_ERRORS_TO_RETRY)
        failed_try.rollback()
        failed_try.close()

        with self.registry.cursor() as retry:
            order = self._env(retry)['comodo.certificate.order'].browse(self.order_id)
            order.write({'last_check_at': fields.Datetime.now()})
            charge = order.ca_charge_ids
            self.assertEqual((charge.refund_state, charge.amount_owed), ('none', POSITIVESSL_COST))
            retry.rollback()

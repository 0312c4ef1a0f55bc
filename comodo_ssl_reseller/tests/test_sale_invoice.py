from odoo.addons.queue_job.exception import RetryableJobError

from .common import ComodoCase, load_migration, unique_domain


class TestOneInvoicePerSale(ComodoCase):
    """A company that bills a sale of several certificates on one invoice, a line per certificate:
    each line names its certificate, the invoice is validated once Comodo has taken them all, and a
    rejection settles that certificate's line alone."""

    @classmethod
    def setUpClass(cls):
        super(TestOneInvoicePerSale, cls).setUpClass()
        cls.company.comodo_invoice_grouping = 'sale'

    def _buy_several(self, *domains):
        sale = self.env['sale.order'].create({
            'partner_id': self.customer.id,
            'order_line': [(0, 0, {'product_id': self.term.product_id.id, 'comodo_domain': domain,
                                   'comodo_dcv_method': 'CNAME_CSR_HASH'}) for domain in domains],
        })
        sale.action_confirm()
        return sale.order_line.mapped('comodo_order_ids')

    def _only_invoice(self, orders):
        invoices = orders.mapped('invoice_ids')
        self.assertEqual(len(invoices), 1, 'one invoice for the whole sale')
        return invoices

    def test_one_invoice_with_a_line_per_certificate_validated_once_all_are_placed(self):
        orders = self._buy_several(unique_domain('never'), unique_domain('never'), unique_domain('never'))
        self.assertEqual(set(orders.mapped('state')), {'pending'})
        invoice = self._only_invoice(orders)
        self.assertEqual(invoice.state, 'open')
        self.assertEqual(invoice.type, 'out_invoice')
        self.assertEqual(invoice.invoice_line_ids.mapped('comodo_order_id'), orders)
        for order in orders:
            line = invoice.invoice_line_ids.filtered(lambda inv_line: inv_line.comodo_order_id == order)
            self.assertEqual(len(line), 1, 'one line per certificate')
            self.assertIn(order.ca_order_number, line.name)
            self.assertEqual(order._billed_amount(), line.price_subtotal)
        self.assertEqual(invoice.amount_untaxed, sum(orders.mapped('sale_line_id.price_subtotal')))

    def test_rejection_credits_that_certificates_line_alone(self):
        orders = self._buy_several(unique_domain('never'), unique_domain('never'), unique_domain('never'))
        invoice = self._only_invoice(orders)
        rejected, kept = orders[1], orders - orders[1]
        own_line = invoice.invoice_line_ids.filtered(lambda line: line.comodo_order_id == rejected)
        self.sandbox.reject(rejected.ca_order_number)
        rejected.action_check()
        self.assertEqual(rejected.state, 'rejected')
        refund = rejected.invoice_ids.filtered(lambda inv: inv.type == 'out_refund')
        self.assertEqual(len(refund), 1, 'a credit note for the rejected certificate')
        self.assertEqual(refund.invoice_line_ids.mapped('comodo_order_id'), rejected)
        self.assertEqual(refund.amount_total, own_line.price_total)
        self.assertEqual(refund.comodo_order_id, rejected)
        self.assertEqual((invoice.state, refund.state), ('open', 'paid'), 'the credit note settles its part')
        self.assertAlmostEqual(invoice.residual, invoice.amount_total - own_line.price_total)
        for order in kept:
            self.assertEqual(order.invoice_ids, invoice, 'no credit note for the others')
            self.assertEqual(order._billed_amount(), order.sale_line_id.price_subtotal)
        self.assertEqual(rejected._billed_amount(), 0)
        margins = self.env['comodo.margin.report'].search([('order_id', 'in', orders.ids)])
        self.assertEqual({row.order_id: row.sale_price for row in margins},
                         dict([(order, order.sale_line_id.price_subtotal) for order in kept] + [(rejected, 0.0)]))
        # Settled again (a billing step retried), nothing is credited twice.
        rejected._cancel_billing(rejected._settle_reason())
        self.assertEqual(len(rejected.invoice_ids.filtered(lambda inv: inv.type == 'out_refund')), 1)

    def test_rejection_takes_its_line_off_a_draft_invoice(self):
        self.company.comodo_invoice_policy = 'draft'
        orders = self._buy_several(unique_domain('never'), unique_domain('never'))
        invoice = self._only_invoice(orders)
        self.assertEqual(invoice.state, 'draft')
        rejected, kept = orders[0], orders[1]
        self.sandbox.reject(rejected.ca_order_number)
        rejected.action_check()
        self.assertEqual(rejected.state, 'rejected')
        self.assertEqual(invoice.state, 'draft', 'the other certificate is still billed')
        self.assertEqual(invoice.invoice_line_ids.mapped('comodo_order_id'), kept)
        self.assertEqual(invoice.amount_untaxed, kept.sale_line_id.price_subtotal)
        self.assertFalse(rejected.invoice_ids, 'nothing billed for the rejected certificate')

    def test_a_sale_waits_for_every_placement_before_its_invoice_is_validated(self):
        sale = self.env['sale.order'].create({
            'partner_id': self.customer.id,
            'order_line': [(0, 0, {'product_id': self.term.product_id.id, 'comodo_domain': unique_domain('never'),
                                   'comodo_dcv_method': 'CNAME_CSR_HASH'}) for _ in range(2)],
        }).with_context(test_queue_job_no_delay=False)
        sale.action_confirm()
        first, second = sale.order_line.mapped('comodo_order_ids')
        (first | second)._job_make_key()
        invoice = self._only_invoice(first | second)
        self.assertEqual(invoice.state, 'draft')
        first._job_place()
        self.assertEqual(first.state, 'pending')
        with self.assertRaisesRegex(RetryableJobError, 'Waiting for Comodo to take %s' % second.name):
            invoice._job_validate_comodo_invoice()
        self.assertEqual(invoice.state, 'draft', 'not validated while a certificate has no CA order')
        second._job_place()
        invoice._job_validate_comodo_invoice()
        self.assertEqual(invoice.state, 'open')
        self.assertTrue(all(order.ca_order_number in invoice.invoice_line_ids.filtered(
            lambda line, order=order: line.comodo_order_id == order).name for order in (first, second)))


class TestKeyMadeByPlacement(ComodoCase):
    """The confirmation does not wait for RSA keys: a job of its own makes the key, committed
    before the placement it then queues shows the CSR to the CA."""

    def test_confirmation_leaves_the_key_to_its_own_job(self):
        order = self._confirm_queued(unique_domain('never'))
        self.assertEqual(order.state, 'draft')
        self.assertFalse(order.csr_pem, 'no key or CSR made while confirming')
        self.assertFalse(self.env['comodo.certificate.key'].sudo().search([('order_id', '=', order.id)]))
        order._job_make_key()
        self.assertEqual(order.state, 'draft', 'the CA is not asked in the key job')
        self.assertTrue(order.key_generated)
        key = self.env['comodo.certificate.key'].sudo().search([('order_id', '=', order.id)])
        self.assertEqual(len(key), 1)
        self.assertIn('BEGIN CERTIFICATE REQUEST', order.csr_pem)
        self.assertTrue(order._placements_on_their_way(), 'the placement is queued')
        order._job_place()
        self.assertEqual(order.state, 'pending')
        self.assertEqual(self.env['comodo.certificate.key'].sudo().search([('order_id', '=', order.id)]), key,
                         'placed with the key its job made')


class TestInvoiceLinesNameTheirCertificate(ComodoCase):
    """11.0.1.6.0 on a database of 11.0.1.5.0, whose invoices bill one certificate each and name it
    on the invoice alone: their lines, and their credit notes' lines, name it too."""

    def test_the_migration_names_the_certificate_on_old_invoice_and_credit_note_lines(self):
        order = self._buy(unique_domain('never'))
        self.sandbox.reject(order.ca_order_number)
        order.action_check()
        invoices = order.invoice_ids
        self.assertEqual(set(invoices.mapped('type')), {'out_invoice', 'out_refund'})
        lines = invoices.mapped('invoice_line_ids')
        # The shape before 11.0.1.6.0: no certificate on the lines.
        self.env.cr.execute('UPDATE account_invoice_line SET comodo_order_id = NULL WHERE id IN %s',
                            (tuple(lines.ids),))
        migration = load_migration('11.0.1.6.0', 'post-invoice-line-certificate')
        migration.migrate(self.env.cr, '11.0.1.5.0')
        lines.invalidate_cache(['comodo_order_id'])
        self.assertEqual(set(lines.mapped('comodo_order_id')), {order})
        self.assertTrue(all(line.comodo_order_id for line in lines), 'every line, the credit note\'s too')
        migration.migrate(self.env.cr, '11.0.1.5.0')
        self.assertEqual(self.env.cr.rowcount, 0, 'a second run changes nothing')

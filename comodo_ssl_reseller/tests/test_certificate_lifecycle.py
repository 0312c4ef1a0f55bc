from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.backends import default_backend
from mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from comodo_client import CollectResult, OrderStatus
from ..models import comodo_poll_run

from .common import ComodoCase, unique_domain


class TestCertificateLifecycle(ComodoCase):
    """Sale order → Comodo (the sandbox, over HTTP) → Async Manager → issued / rejected, with billing."""

    def _customer_mails(self, order):
        return self.env['mail.message'].search([
            ('model', '=', 'comodo.certificate.order'), ('res_id', '=', order.id),
            ('partner_ids', 'in', self.customer.id)])

    def _assert_async_manager(self, order, listed):
        action = self.env.ref('comodo_ssl_reseller.comodo_certificate_order_action_async')
        in_manager = self.env['comodo.certificate.order'].search(eval(action.domain))
        self.assertEqual(order in in_manager, listed)

    def test_confirmation_orders_invoices_and_issues_at_once(self):
        domain = unique_domain('instant')
        order = self._buy(domain)
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, 'issued')
        self.assertTrue(order.ca_order_number)
        self.assertTrue(order.key_generated)
        self.assertIn('BEGIN CERTIFICATE', order.certificate_pem)
        self.assertIn('BEGIN CERTIFICATE', order.chain_pem)
        self.assertTrue(order.serial_number and order.valid_until)
        self.assertGreater(order.valid_until, fields.Datetime.now())
        self._assert_async_manager(order, listed=False)
        # Placed once, with our own reference, and the CSR Odoo made.
        ca_orders = self.sandbox.find_orders(orderNumber=order.ca_order_number)
        self.assertEqual(ca_orders[0]['foreignOrderNumber'], order.foreign_order_number)
        self.assertEqual(len(self.sandbox.find_orders(foreignOrderNumber=order.foreign_order_number)), 1)
        # Billing: one validated invoice naming the domain and the CA order number.
        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, 'open')
        self.assertEqual(invoice.amount_untaxed, 10.0)
        self.assertIn(domain, invoice.invoice_line_ids.name)
        self.assertIn(order.ca_order_number, invoice.invoice_line_ids.name)
        self.assertEqual(invoice.comodo_certificate_state, 'issued')
        # Told: chatter on both records, and an email to the customer without any key material.
        self.assertTrue(order.sale_order_id.message_ids.filtered(lambda m: 'Certificate issued' in (m.body or '')))
        mail = self._customer_mails(order)
        self.assertEqual(len(mail), 1)
        self.assertIn(domain, mail.body)
        self.assertIn(order.ca_order_number, mail.body)
        self.assertNotIn('PRIVATE KEY', mail.body)

    def test_pending_order_is_issued_by_the_cron_with_one_digest(self):
        order = self._buy(unique_domain('www'))
        self.assertEqual(order.state, 'pending')
        self._assert_async_manager(order, listed=True)
        self.assertEqual(order.attempts, 1, 'asked for its status once, right after placing it')
        self.sandbox.approve(order.ca_order_number)
        self._make_due(order)
        digests_before = self.env['mail.mail'].search_count([('subject', 'like', 'completed')])
        run = self._poll()
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.poll_run_id, run)
        self.assertEqual(run.queued_count, 1)
        self._assert_async_manager(order, listed=False)
        self.assertTrue(self._customer_mails(order))
        digests = self.env['mail.mail'].search([('subject', 'like', 'completed')])
        self.assertEqual(len(digests) - digests_before, 1, 'one digest for the run')
        digest = digests.sorted('id')[-1]
        self.assertIn(order.domain, digest.body_html)
        self.assertIn(order.ca_order_number, digest.body_html)
        self.assertIn(self.customer.name, digest.body_html)
        self.assertIn(self.env.ref('base.partner_root'), digest.recipient_ids)
        self.assertTrue(run.digest_sent_at)
        self.assertTrue(run.digest_done)

    def test_run_completing_nothing_sends_no_digest(self):
        order = self._buy(unique_domain('never'))
        self._make_due(order)
        mails_before = self.env['mail.mail'].search_count([])
        run = self._poll()
        self.assertEqual(order.state, 'pending')
        self.assertEqual(order.attempts, 2)
        self.assertTrue(run.digest_done, 'the run is closed')
        self.assertFalse(run.digest_sent_at, 'no digest was sent: none is said to be')
        self.assertEqual(self.env['mail.mail'].search_count([]), mails_before)

    def test_rejection_credits_the_invoice(self):
        order = self._buy(unique_domain('www'))
        self.sandbox.reject(order.ca_order_number)
        self._make_due(order)
        self._poll()
        self.assertEqual(order.state, 'rejected')
        self.assertTrue(order.rejection_reason)
        invoice = order.invoice_ids.filtered(lambda inv: inv.type == 'out_invoice')
        refund = order.invoice_ids.filtered(lambda inv: inv.type == 'out_refund')
        self.assertEqual(len(refund), 1, 'a credit note for the posted invoice')
        self.assertEqual(refund.amount_total, invoice.amount_total)
        self.assertEqual(refund.comodo_certificate_state, 'rejected')
        self.assertEqual((invoice.state, refund.state), ('paid', 'paid'), 'reconciled with each other')
        rejected_mail = self._customer_mails(order).filtered(lambda mail: 'was rejected' in mail.subject)
        self.assertIn(order.ca_order_number, rejected_mail.body)

    def test_rejection_cancels_a_draft_invoice(self):
        self.company.comodo_invoice_policy = 'draft'
        order = self._buy(unique_domain('www'))
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, 'draft')
        self.assertIn(order.ca_order_number, invoice.invoice_line_ids.name)
        self.sandbox.reject(order.ca_order_number)
        order.action_check()
        self.assertEqual(order.state, 'rejected')
        self.assertEqual(invoice.state, 'cancel')
        self.assertEqual(order.invoice_ids, invoice, 'no credit note for a draft')

    def test_check_polls_now(self):
        order = self._buy(unique_domain('www'))
        self.sandbox.approve(order.ca_order_number)
        order.action_check()
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.attempts, 2)

    def test_cancel_credits_and_cancels_at_the_ca(self):
        order = self._buy(unique_domain('never'))
        order.action_cancel()
        self.assertEqual(order.state, 'cancelled')
        refund = order.invoice_ids.filtered(lambda inv: inv.type == 'out_refund')
        self.assertEqual(refund.state, 'paid')
        # The tests' sandbox speaks plain http, so the account is in test mode, in which the CA only
        # checks a revocation (test=Y): the call is what is asserted, accepted by the CA.
        revocations = self.sandbox.find_calls('AutoRevokeSSL', order.ca_order_number)
        self.assertEqual([call['errorCode'] for call in revocations], [0])
        self._assert_async_manager(order, listed=False)
        with self.assertRaises(UserError):
            order.action_cancel()

    def test_timeout_stops_polling_until_reset(self):
        order = self._buy(unique_domain('never'))
        order.write({'waiting_since': fields.Datetime.to_string(datetime.utcnow() - timedelta(hours=49))})
        self._make_due(order)
        run = self._poll()
        self.assertEqual(order.state, 'timeout')
        self.assertEqual(run.timed_out_count, 1)
        self.assertEqual(run.queued_count, 0)
        self._assert_async_manager(order, listed=True)
        collects = len(self.sandbox.find_calls('CollectSSL', order.ca_order_number))
        self._make_due(order)
        self._poll()
        self.assertEqual(len(self.sandbox.find_calls('CollectSSL', order.ca_order_number)), collects,
                         'a timed-out order is not polled')
        order.action_reset()
        self.assertEqual(order.state, 'pending')
        self.assertEqual(order.attempts, 0)
        next_check = fields.Datetime.from_string(order.next_check_at)
        self.assertAlmostEqual((next_check - datetime.utcnow()).total_seconds(), 4 * 3600, delta=120)

    def test_transient_failure_postpones_with_backoff(self):
        # The sandbox answers -14 to every second call of a flaky- order: here, the first status check.
        order = self._buy_queued(unique_domain('flaky'))
        self.assertEqual(order.state, 'draft')
        order._job_place()
        self.assertEqual(order.state, 'pending')
        self.assertEqual(order.transient_failures, 1)
        self.assertIn('-14', order.last_error)
        next_check = fields.Datetime.from_string(order.next_check_at)
        self.assertAlmostEqual((next_check - datetime.utcnow()).total_seconds(), 300, delta=60)
        retry = self.env['queue.job'].search([('identity_key', '=', order._ca_work_identity_key())])
        self.assertEqual(len(retry), 1, 'a retry job is queued for the postponed time')
        self.assertEqual(retry.channel, 'root.comodo')
        self.assertEqual(retry.eta, order.next_check_at)
        order.action_check()
        self.assertEqual(order.transient_failures, 0, 'the next answer clears the failure')
        self.assertFalse(order.last_error)

    def _due_check_jobs(self, order):
        jobs = self.env['queue.job'].search([('model_name', '=', order._name),
                                             ('method_name', '=', '_job_check_due')])
        return jobs.filtered(lambda job: order.id in job.record_ids)

    def test_unreachable_ca_postpones_and_the_cron_queues_the_check_once(self):
        order = self._buy(unique_domain('never'))
        self._make_due(order)
        self.company.comodo_api_url = 'http://127.0.0.1:9/products/'  # nothing listens there
        runs = self.env['comodo.poll.run'].with_context(test_queue_job_no_delay=False)
        runs._run()
        runs._run()
        checks = self._due_check_jobs(order)
        self.assertEqual(len(checks), 1, 'two cron runs queued the due check once')
        self.assertEqual(checks.channel, 'root.comodo')
        order.with_context(test_queue_job_no_delay=False)._job_check_due()
        self.assertEqual(order.state, 'pending', 'a CA outage never loses the order')
        self.assertEqual(order.transient_failures, 1)
        self.assertTrue(order.last_error)
        retry = self.env['queue.job'].search([('identity_key', '=', order._ca_work_identity_key())])
        self.assertEqual(len(retry), 1)

    def test_a_check_queued_twice_calls_the_ca_once(self):
        order = self._buy(unique_domain('never'))
        self._make_due(order)
        self.sandbox.reset_calls()
        order._job_check_due()
        self.assertEqual(order.attempts, 2)
        self.assertIn('0 of 1', order._job_check_due(), 'no longer due: left alone')
        # Asked once, by the bulk report (which says nothing changed: no CollectSSL).
        self.assertEqual(self.sandbox.call_counts(), {'WebHostReport': 1})

    def test_the_poll_stops_at_its_time_budget_and_a_job_continues_it(self):
        """With no time at all, each step still makes progress: one batch, then a continuation."""
        self.env['ir.config_parameter'].sudo().set_param(
            'comodo_ssl_reseller.poll_time_budget_seconds', '0')
        # A batch of the size the system parameter sets (the default, a report page, is 100).
        batch_size = 25
        self.env['ir.config_parameter'].sudo().set_param(comodo_poll_run.BATCH_SIZE_PARAM, str(batch_size))
        orders = self.env['comodo.certificate.order']
        for _index in range(batch_size + 2):
            orders |= self._buy_queued(unique_domain('never'))
        orders.write({'state': 'pending', 'ca_order_number': '999999999'})
        self._make_due(orders)
        run = self.env['comodo.poll.run'].with_context(test_queue_job_no_delay=False)._run()
        self.assertEqual(run.queued_count, batch_size, 'one batch, then out of time')
        continuation = self.env['queue.job'].search([('identity_key', '=', 'comodo-poll-continue-%d' % run.id)])
        self.assertEqual(len(continuation), 1)
        self.assertLess(continuation.priority, 10, 'ahead of the checks it queued')
        run.with_context(test_queue_job_no_delay=False)._job_continue()
        self.assertEqual(run.queued_count, batch_size + 2)
        self.assertEqual(run.order_ids, orders, 'every due order queued by the run and its continuation')
        jobs = self.env['queue.job'].search([('method_name', '=', '_job_check_due')]).filtered(
            lambda job: set(job.record_ids) & set(orders.ids))
        self.assertEqual(sorted(len(job.record_ids) for job in jobs), [2, batch_size])
        self.assertEqual(len(self.env['queue.job'].search([('identity_key', '=', 'comodo-poll-continue-%d' % run.id)])),
                         1, 'done: no further continuation')

    def test_never_orders_twice_for_one_line(self):
        sale = self._sale_order(unique_domain('never'))
        sale.action_confirm()
        sale.action_confirm()
        order = sale.order_line.comodo_order_ids
        self.assertEqual(len(order), 1)
        self.assertEqual(len(self.sandbox.find_orders(foreignOrderNumber=order.foreign_order_number)), 1)
        order._job_place()
        self.assertEqual(len(self.sandbox.find_calls('AutoApplySSL', order.ca_order_number)), 1)

    def test_crash_after_the_ca_call_does_not_order_again(self):
        order = self._buy_queued(unique_domain('www'))
        model = type(self.env['comodo.certificate.order'])
        # The job's transaction dies after Comodo took the order, before anything is recorded.
        with patch.object(model, '_on_placed', side_effect=RuntimeError('worker killed')):
            with self.assertRaises(RuntimeError), self.cr.savepoint():
                order._job_place()
        order.invalidate_cache()
        self.assertEqual(order.state, 'draft')
        self.assertFalse(order.ca_order_number)
        self.assertEqual(len(self.sandbox.find_orders(foreignOrderNumber=order.foreign_order_number)), 1)
        order._job_place()
        self.assertEqual(order.state, 'pending')
        placed = self.sandbox.find_orders(foreignOrderNumber=order.foreign_order_number)
        self.assertEqual(len(placed), 1, 'the retry found the CA order instead of placing another')
        self.assertEqual(order.ca_order_number, str(placed[0]['orderNumber']))

    def test_request_refused_by_the_ca_is_shown_and_cancellable(self):
        order = self._buy(unique_domain('www'), comodo_dcv_method='EMAIL',
                          comodo_dcv_email='nobody@elsewhere.example.org')
        self.assertEqual(order.state, 'error')
        self.assertTrue(order.last_error)
        self._assert_async_manager(order, listed=True)
        order.action_cancel()
        self.assertEqual(order.invoice_ids.state, 'cancel', 'never validated: cancelled, not credited')

    def test_bad_login_is_recorded_and_retried_by_check(self):
        self.company.comodo_password = 'wrong'
        order = self._buy(unique_domain('never'))
        self.assertEqual(order.state, 'error')
        self.assertIn('-16', order.last_error)
        self.company.comodo_password = 'demo'
        order.action_check()
        self.assertEqual(order.state, 'pending')

    def test_pasted_csr_is_checked_at_confirmation(self):
        other_domain_order = self._buy(unique_domain('instant'))
        sale = self._sale_order(unique_domain('www'), comodo_csr=other_domain_order.csr_pem)
        with self.assertRaisesRegex(UserError, 'www-'):
            sale.action_confirm()

    def test_wildcard_rules_at_confirmation(self):
        sale = self._sale_order(unique_domain('www'), term=self.wildcard_term)
        with self.assertRaisesRegex(UserError, r'\*\.'):
            sale.action_confirm()
        sale = self._sale_order('*.' + unique_domain('instant'), term=self.wildcard_term,
                                comodo_dcv_method='HTTP_CSR_HASH')
        with self.assertRaisesRegex(UserError, 'CNAME'):
            sale.action_confirm()

    def test_private_key_only_for_ssl_managers(self):
        order = self._buy(unique_domain('never'))
        self.assertIn('PRIVATE KEY', order.private_key_pem)
        salesman = self.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Seller', 'login': 'seller_key_test',
            'groups_id': [(6, 0, [self.env.ref('sales_team.group_sale_salesman').id])]})
        with self.assertRaises(AccessError):
            order.sudo(salesman).read(['private_key_pem'])
        self.assertEqual(order.sudo(salesman).read(['domain'])[0]['domain'], order.domain)
        with self.assertRaises(AccessError):
            order.sudo(salesman).action_cancel()

    def test_invoices_filter_by_certificate_state(self):
        issued = self._buy(unique_domain('instant'))
        pending = self._buy(unique_domain('never'))
        invoices = self.env['account.invoice'].search([('comodo_certificate_state', '=', 'issued')])
        self.assertIn(issued.invoice_ids, invoices)
        self.assertNotIn(pending.invoice_ids, invoices)

    def test_salesman_confirmation_orders_the_certificate(self):
        salesman = self.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Seller', 'login': 'seller_confirm_test',
            'groups_id': [(6, 0, [self.env.ref('sales_team.group_sale_salesman').id])]})
        sale = self._sale_order(unique_domain('instant'))
        sale.user_id = salesman
        sale.sudo(salesman).action_confirm()
        order = sale.order_line.comodo_order_ids
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.sudo(salesman).read(['state'])[0]['state'], 'issued')

    def test_multi_domain_certificate_covers_every_domain(self):
        primary = unique_domain('instant')
        extra = ['shop.' + primary, 'mail.' + primary]
        order = self._buy(primary, term=self.multi_domain_term, comodo_extra_domains='\n'.join(extra))
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order._domains(), [primary] + extra)
        ca_order = self.sandbox.find_orders(orderNumber=order.ca_order_number)[0]
        self.assertEqual(sorted(ca_order['domains']), sorted([primary] + extra))
        certificate = x509.load_pem_x509_certificate(order.certificate_pem.encode(), default_backend())
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        self.assertEqual(sorted(names.get_values_for_type(x509.DNSName)), sorted([primary] + extra))

    def test_multi_domain_limits_at_confirmation(self):
        primary = unique_domain('www')
        too_many = '\n'.join('d%d.%s' % (i, primary) for i in range(3))
        with self.assertRaisesRegex(UserError, 'at most 3'):
            self._sale_order(primary, term=self.multi_domain_term,
                             comodo_extra_domains=too_many).action_confirm()
        with self.assertRaisesRegex(UserError, 'not by email'):
            self._sale_order(primary, term=self.multi_domain_term, comodo_extra_domains='a.' + primary,
                             comodo_dcv_method='EMAIL', comodo_dcv_email='admin@' + primary).action_confirm()
        with self.assertRaisesRegex(UserError, 'one domain only'):
            self._sale_order(primary, comodo_extra_domains='a.' + primary).action_confirm()

    def test_issued_without_the_certificate_attached_is_checked_again(self):
        order = self._buy(unique_domain('never'))

        class NotAttachedYet(object):
            def collect(self, order_number, csr_pem=None):
                return CollectResult(OrderStatus.ISSUED, 1, 'Issued', None, [], None, None, None, None)

        order.with_context(test_queue_job_no_delay=False)._poll_ca(NotAttachedYet())
        self.assertEqual(order.state, 'pending', 'issued only once the certificate is in hand')
        self.assertEqual(order.transient_failures, 1)
        self.sandbox.approve(order.ca_order_number)
        order.action_check()
        self.assertEqual(order.state, 'issued')

    def test_failing_email_never_undoes_the_issue(self):
        model = type(self.env['comodo.certificate.order'])
        with patch.object(model, '_notify_customer', side_effect=RuntimeError('SMTP is down')), \
                mute_logger('odoo.addons.comodo_ssl_reseller.models.comodo_certificate_order'):
            order = self._buy(unique_domain('instant'))
        self.assertEqual(order.state, 'issued')
        self.assertIn('SMTP is down', order.last_error)
        self.assertTrue(order.message_ids.filtered(lambda m: 'finish it by hand' in (m.body or '')))

    def test_ssl_manager_without_accounting_rights_cancels_with_credit_note(self):
        manager = self.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'SSL Only', 'login': 'ssl_only_manager',
            'groups_id': [(6, 0, [self.env.ref('comodo_ssl_reseller.group_ssl_manager').id])]})
        order = self._buy(unique_domain('never'))
        order.sudo(manager).action_cancel()
        self.assertEqual(order.state, 'cancelled')
        self.assertEqual(order.invoice_ids.filtered(lambda inv: inv.type == 'out_refund').state, 'paid')

    def test_ssl_user_cannot_change_orders(self):
        user = self.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'SSL User', 'login': 'ssl_plain_user',
            'groups_id': [(6, 0, [self.env.ref('comodo_ssl_reseller.group_ssl_user').id])]})
        order = self._buy(unique_domain('never'))
        with self.assertRaises(AccessError):
            order.sudo(user).write({'state': 'issued'})
        with self.assertRaises(AccessError):
            order.sudo(user).action_check()


class TestCertificateManagerBackend(ComodoCase):
    """The same lifecycle through the Certificate Manager SOAP service (the sandbox's)."""

    @classmethod
    def setUpClass(cls):
        super(TestCertificateManagerBackend, cls).setUpClass()
        cls._use_certificate_manager()

    def test_issued_through_soap(self):
        domain = unique_domain('instant')
        self._hold(domain)
        order = self._buy(domain)
        self.assertEqual(order.state, 'issued')
        self.assertIn('BEGIN CERTIFICATE', order.certificate_pem)
        self.assertTrue(self.sandbox.find_calls('soap.enroll', order.ca_order_number))
        self.assertFalse(order._dcv_instructions(), 'the account validates its domains itself')

    def test_no_answer_is_left_to_a_person(self):
        # The SOAP service cannot find an order whose answer was lost: never retried by itself.
        self.company.comodo_wsdl_url = 'http://127.0.0.1:9/ws/EPKIManagerSSL?wsdl'
        domain = unique_domain('never')
        self._hold(domain)
        order = self._buy(domain)
        self.assertEqual(order.state, 'error')
        self.assertIn('check the Certificate Manager', order.last_error)
        self.assertFalse(self.env['queue.job'].search([('identity_key', 'like', 'comodo-place-%d-%%' % order.id)]))

    def test_connection_check(self):
        settings = self.env['res.config.settings'].create({})
        self.assertTrue(settings.action_comodo_test_connection())

"""A term and its certificates, time-travelled: Odoo's crons take `now`, the sandbox's clock is
moved through its admin call, so nothing sleeps."""
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import mute_logger

from comodo_client import certificate_matches_csr
from .common import ComodoCase, TwoWorkersCase, load_migration, unique_domain


def day(text):
    return datetime.strptime(text, '%Y-%m-%d')


def lifetime_days(certificate):
    return (fields.Datetime.from_string(certificate.valid_until)
            - fields.Datetime.from_string(certificate.valid_from)).days


def public_key_of(key_pem):
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def certificate_public_key(certificate_pem):
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    return certificate.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


class TestCertificateTerm(ComodoCase):

    @classmethod
    def setUpClass(cls):
        super(TestCertificateTerm, cls).setUpClass()
        cls.two_years = cls.env.ref('comodo_ssl_reseller.certificate_term_positivessl_730')
        cls.two_years.reseller_price = 18.0

    def setUp(self):
        super(TestCertificateTerm, self).setUp()
        self.addCleanup(self.sandbox.set_clock, None)

    def _travel(self, date):
        """Odoo's `now` for the crons, and the sandbox's clock, on the same day."""
        self.sandbox.set_clock(date)
        return day(date)

    def _daily_cron(self, date):
        return self.env['comodo.certificate.order']._cron_after_issuance(now=self._travel(date))

    def _buy_two_years_on(self, date, scenario='instant'):
        self._travel(date)
        return self._buy(unique_domain(scenario), product_id=self.two_years.product_id.id)

    def _replaces_at_the_ca(self, order):
        return self.sandbox.find_calls('AutoReplaceSSL', order.ca_order_number)

    def test_two_year_term_is_served_by_reissued_short_certificates(self):
        order = self._buy_two_years_on('2026-12-02')
        self.assertEqual(order.state, 'issued')
        first = order.certificate_id
        self.assertEqual(order.certificate_ids, first)
        self.assertEqual(lifetime_days(first), 200, 'a certificate issued in 2026 lasts at most 200 days')
        self.assertEqual(order.term_id.days, 730, 'the order keeps the term bought')
        self.assertEqual(order.term_starts_at[:10], '2026-12-02')
        self.assertEqual(order.term_ends_at[:10], '2028-12-01')
        first_key = order.sudo().private_key_pem
        self.assertEqual(public_key_of(first_key), certificate_public_key(first.certificate_pem))
        ca_order_number = order.ca_order_number

        self._daily_cron('2027-04-13')  # 132 days into a 200-day life: not yet
        self.assertEqual((order.state, self._replaces_at_the_ca(order)), ('issued', []))

        self._daily_cron('2027-04-14')  # two thirds in (133 days)
        second = order.certificate_id
        self.assertEqual(order.state, 'issued')
        self.assertNotEqual(second, first)
        self.assertNotEqual(second.serial_number, first.serial_number)
        self.assertEqual(order.ca_order_number, ca_order_number, 'a reissue keeps the CA order')
        self.assertEqual(lifetime_days(second), 100, 'issued after 2027-03-15: at most 100 days')
        self.assertEqual(first.state, 'superseded')
        self.assertEqual(order.serial_number, second.serial_number)
        new_key = order.sudo().private_key_pem
        self.assertNotEqual(new_key, first_key, 'a reissue has a new key')
        self.assertEqual(public_key_of(new_key), certificate_public_key(second.certificate_pem))
        self.assertTrue(certificate_matches_csr(second.certificate_pem, order.csr_pem))
        self.assertTrue(order.message_ids.filtered(lambda m: 'Certificate reissued' in (m.body or '')))
        self.assertEqual(len(self.sandbox.find_orders(foreignOrderNumber=order.foreign_order_number)), 1)
        self.assertEqual(len(order.invoice_ids), 1, 'a reissue inside the term is free')

        self._daily_cron('2027-04-15')
        self.assertEqual(len(self._replaces_at_the_ca(order)), 1, 'reissued once')

        # A cron that skipped days still reissues: "due on or before today", not "due today".
        self._daily_cron('2027-07-01')  # the second certificate is due on 2027-06-19
        third = order.certificate_id
        self.assertEqual(len(order.certificate_ids), 3)
        self.assertEqual(lifetime_days(third), 100)
        self.assertEqual(second.state, 'superseded')
        self.assertEqual(len(self._replaces_at_the_ca(order)), 2)

    def test_no_reissue_when_the_term_ends_with_the_certificate(self):
        order = self._buy(unique_domain('instant'))  # one year, today: a 200-day certificate
        order.term_ends_at = order.valid_until
        self._daily_cron((fields.Datetime.from_string(order.valid_until) - timedelta(days=5)).strftime('%Y-%m-%d'))
        self.assertEqual(order.state, 'issued')
        self.assertEqual(self._replaces_at_the_ca(order), [])

    def test_the_term_ends_and_its_certificate_is_shown_expired(self):
        order = self._buy_two_years_on('2026-12-02')
        order.certificate_id.valid_until = order.term_ends_at  # as if the last reissue had run
        order.valid_until = order.term_ends_at
        self._daily_cron('2028-12-02')
        self.assertEqual(order.state, 'expired')
        self.assertEqual(order.certificate_id.state, 'expired')

    def test_reissue_started_twice_runs_once(self):
        order = self._buy_queued(unique_domain('instant'))
        order.with_context(test_queue_job_no_delay=True)._job_place()
        now = fields.Datetime.from_string(order.valid_until) - timedelta(days=10)
        order.term_ends_at = fields.Datetime.to_string(now + timedelta(days=300))
        orders = self.env['comodo.certificate.order'].with_context(test_queue_job_no_delay=False)
        self.assertEqual(orders._start_due_reissues(now), order)
        self.assertEqual(order.state, 'reissue')
        self.assertFalse(orders._start_due_reissues(now), 'a reissue in flight is not started again')
        keys = self.env['comodo.certificate.key'].sudo().search([('order_id', '=', order.id)])
        self.assertEqual(len(keys), 2, 'one key for the certificate, one for the reissue')
        jobs = self.env['queue.job'].search([('func_string', 'like', '_job_reissue'),
                                             ('record_ids', 'like', str(order.id))])
        self.assertEqual(len(jobs.filtered(lambda job: order.id in job.record_ids)), 1)
        async_manager = self.env.ref('comodo_ssl_reseller.comodo_certificate_order_action_async')
        self.assertIn(order, self.env['comodo.certificate.order'].search(eval(async_manager.domain)))
        self.assertIn(order, self.env['comodo.certificate.order'].search(
            [('state', '=', 'reissue')]), 'listed by the "Reissue Due" filter')

    @mute_logger('odoo.addons.comodo_ssl_reseller.models.comodo_certificate_order')
    def test_a_reissue_the_ca_cannot_take_is_retried_later_with_backoff(self):
        order = self._buy_two_years_on('2026-12-02')
        first = order.certificate_id
        api_url = self.company.comodo_api_url
        self.company.comodo_api_url = 'http://127.0.0.1:9/products/'  # nothing listens there
        self._daily_cron('2027-05-21')
        self.assertEqual(order.state, 'reissue')
        self.assertGreaterEqual(order.transient_failures, 1)
        self.assertTrue(order.last_error and order.next_check_at)
        self.assertEqual(order.certificate_id, first, 'the current certificate stays in use meanwhile')
        self.assertEqual(order._certificate_bundle('certificate'), first.certificate_pem)
        self.assertEqual(public_key_of(order._certificate_bundle('key')),
                         certificate_public_key(first.certificate_pem))

        self.company.comodo_api_url = api_url
        order.action_check()
        self.assertEqual(order.state, 'issued')
        self.assertNotEqual(order.certificate_id, first)

    def test_a_reissue_refused_by_the_ca_keeps_the_certificate_and_tells_the_managers(self):
        order = self._buy_two_years_on('2026-12-02')
        first = order.certificate_id
        self.sandbox.set_clock('2028-12-05')  # the CA's term is over; Odoo's cron thinks it is not
        order.term_ends_at = '2029-01-01 00:00:00'
        order.env['comodo.certificate.order']._start_due_reissues(day('2027-05-21'))
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.certificate_id, first)
        self.assertIn('term has ended', order.last_error)

    def test_a_reissue_waiting_for_validation_cannot_be_cancelled(self):
        order = self._buy(unique_domain('www'))  # decided by hand at the sandbox
        self.sandbox.approve(order.ca_order_number)
        order.action_check()
        order._start_reissue('lost key')
        self.assertEqual(order.state, 'pending', 'sent, now validated again by the CA')
        invoice = order.invoice_ids
        with self.assertRaisesRegex(UserError, 'revoke it rather than cancel'):
            order.action_cancel()
        self.assertEqual((invoice.state, invoice.refund_invoice_ids.ids), ('open', []))
        # Its DCV values are new: the customer publishes them again.
        self.assertTrue(order._dcv_instructions())
        self.assertTrue(self.env['mail.mail'].search([('subject', 'like', 'please validate the domain'),
                                                      ('subject', 'like', order.domain)]))

    def _copy_certificate_onto_order_columns(self, order):
        """Before 11.0.1.5.0 the order kept a copy of its certificate in columns of its own."""
        for column, kind in (('certificate_pem', 'text'), ('chain_pem', 'text'), ('serial_number', 'varchar')):
            self.env.cr.execute('ALTER TABLE comodo_certificate_order ADD COLUMN IF NOT EXISTS %s %s' % (column, kind))
        self.env.cr.execute("""UPDATE comodo_certificate_order o
                                  SET certificate_pem = c.certificate_pem, chain_pem = c.chain_pem,
                                      serial_number = c.serial_number, valid_from = c.valid_from,
                                      valid_until = c.valid_until
                                 FROM comodo_certificate c WHERE c.id = o.certificate_id AND o.id = %s""",
                            (order.id,))

    def test_migration_makes_a_certificate_from_the_copy_an_order_holds(self):
        order = self._buy(unique_domain('instant'))
        certificate = order.certificate_id
        issued = (certificate.certificate_pem, certificate.chain_pem, certificate.serial_number,
                  certificate.valid_from, certificate.valid_until)
        key = self.env['comodo.certificate.key'].sudo().search([('order_id', '=', order.id)])
        # The shape before 11.0.1.5.0: a copy on the order, and here no certificate record.
        self._copy_certificate_onto_order_columns(order)
        self.env.cr.execute('UPDATE comodo_certificate_key SET certificate_id = NULL WHERE order_id = %s', (order.id,))
        self.env.cr.execute('DELETE FROM comodo_certificate WHERE order_id = %s', (order.id,))
        self.env.cr.execute('UPDATE comodo_certificate_order SET certificate_id = NULL WHERE id = %s', (order.id,))
        self.env['comodo.certificate.order'].invalidate_cache()

        migration = load_migration('11.0.1.5.0', 'pre-certificate-from-order-copies')
        migration.migrate(self.env.cr, '11.0.1.4.0')
        migration.migrate(self.env.cr, '11.0.1.4.0')  # run twice: nothing doubles
        self.env['comodo.certificate.order'].invalidate_cache()
        self.env['comodo.certificate'].invalidate_cache()
        key.invalidate_cache()

        made = order.certificate_id
        self.assertTrue(made)
        self.assertEqual(order.certificate_ids, made)
        self.assertEqual((made.certificate_pem, made.chain_pem, made.serial_number, made.valid_from,
                          made.valid_until), issued)
        self.assertEqual((order.certificate_pem, order.chain_pem, order.serial_number, order.valid_from,
                          order.valid_until), issued)
        self.assertEqual(made.state, 'issued')
        self.assertEqual(key.certificate_id, made)

    def test_the_order_reads_its_certificate_from_the_certificate_record(self):
        order = self._buy_two_years_on('2026-12-02')
        self._daily_cron('2027-04-14')  # reissued two thirds into the first certificate's life
        self.assertEqual(len(order.certificate_ids), 2)
        current = order.certificate_id
        # The certificate record is the one place it is kept: a change there is what the order reads.
        current.sudo().write({'serial_number': 'ABC123', 'chain_pem': 'chain', 'certificate_pem': 'pem',
                              'valid_from': '2027-04-15 00:00:00', 'valid_until': '2027-07-01 00:00:00'})
        self.assertEqual((order.serial_number, order.chain_pem, order.certificate_pem, order.valid_from,
                          order.valid_until),
                         ('ABC123', 'chain', 'pem', '2027-04-15 00:00:00', '2027-07-01 00:00:00'))
        self.env.cr.execute('SELECT valid_until FROM comodo_certificate_order WHERE id = %s', (order.id,))
        self.assertEqual(str(self.env.cr.fetchone()[0]), '2027-07-01 00:00:00',
                         'the daily cron selects by the stored validity')

    def test_migration_records_the_current_certificate_of_existing_orders(self):
        order = self._buy(unique_domain('instant'))
        key = self.env['comodo.certificate.key'].sudo().search([('order_id', '=', order.id)])
        # The shape before 11.0.1.2.0: the certificate on the order only, one key per order.
        self._copy_certificate_onto_order_columns(order)
        self.env.cr.execute('UPDATE comodo_certificate_key SET certificate_id = NULL WHERE order_id = %s', (order.id,))
        self.env.cr.execute('DELETE FROM comodo_certificate WHERE order_id = %s', (order.id,))
        self.env.cr.execute("""UPDATE comodo_certificate_order SET certificate_id = NULL, term_starts_at = NULL,
                               term_ends_at = NULL WHERE id = %s""", (order.id,))
        self.env.cr.execute('ALTER TABLE comodo_certificate_key ADD CONSTRAINT '
                            'comodo_certificate_key_order_unique UNIQUE (order_id)')
        self.env['comodo.certificate.order'].invalidate_cache()

        migration = load_migration('11.0.1.2.0')
        migration.migrate(self.env.cr, '11.0.1.1.0')
        migration.migrate(self.env.cr, '11.0.1.1.0')  # run twice: nothing doubles
        self.env['comodo.certificate.order'].invalidate_cache()
        key.invalidate_cache()

        certificate = order.certificate_id
        self.assertEqual(order.certificate_ids, certificate)
        self.assertEqual((certificate.state, certificate.serial_number, certificate.valid_until),
                         ('issued', order.serial_number, order.valid_until))
        self.assertEqual(certificate.certificate_pem, order.certificate_pem)
        self.assertEqual(key.certificate_id, certificate)
        self.assertEqual(order.sudo().private_key_pem, key.private_key_pem)
        self.assertEqual(order.term_starts_at, order.valid_from)
        self.assertEqual(fields.Datetime.from_string(order.term_ends_at),
                         fields.Datetime.from_string(order.valid_from) + timedelta(days=order.term_id.days))
        self.env.cr.execute("""SELECT 1 FROM pg_constraint WHERE conname = 'comodo_certificate_key_order_unique'""")
        self.assertFalse(self.env.cr.fetchall(), 'an order may hold one key per certificate now')


class TestRenewal(TestCertificateTerm):
    """A one-year term bought on 2026-12-02 ends on 2027-12-02: its renewal is a new CA order."""

    @classmethod
    def setUpClass(cls):
        super(TestRenewal, cls).setUpClass()
        cls.bank = cls.env['account.journal'].search([('type', '=', 'bank')], limit=1)

    def _buy_one_year_on(self, date):
        self._travel(date)
        order = self._buy(unique_domain('instant'))
        self.assertEqual(order.term_ends_at[:10], '2027-12-02')
        return order

    def _reminders(self, order):
        return self.env['mail.mail'].search([('subject', 'like', 'renewal not paid yet'),
                                             ('subject', 'like', order.domain)])

    def test_renewal_is_invoiced_reminded_and_ordered_once_paid(self):
        order = self._buy_one_year_on('2026-12-02')
        self.plan.write({'certificate_price_ids': [(0, 0, {'term_id': self.term.id, 'price': 8.5})]})

        self._daily_cron('2027-11-01')  # 31 days left
        self.assertFalse(order.renewal_ids)
        self._daily_cron('2027-11-02')  # 30 days left
        renewal = order.renewal_ids
        self.assertEqual(len(renewal), 1)
        self.assertEqual(renewal.state, 'awaiting_payment')
        self.assertEqual((renewal.domain, renewal.term_id, renewal.dcv_method),
                         (order.domain, order.term_id, order.dcv_method))
        self.assertNotEqual(renewal.foreign_order_number, order.foreign_order_number)
        self.assertFalse(renewal.ca_order_number)
        self.assertFalse(self.sandbox.find_orders(foreignOrderNumber=renewal.foreign_order_number),
                         'nothing ordered from Comodo before payment')
        invoice = renewal.invoice_ids
        self.assertEqual((len(invoice), invoice.state), (1, 'open'))
        self.assertEqual(invoice.amount_untaxed, 8.5, "the current price of the customer's plan")
        label = invoice.invoice_line_ids.name
        for part in (order.domain, order.ca_order_number, '2027-12-02', '2028-12-01'):
            self.assertIn(part, label)

        self._daily_cron('2027-11-03')
        self.assertEqual(len(order.renewal_ids), 1, 'one renewal, one invoice, however often the cron runs')
        self.assertEqual(len(self.env['account.invoice'].search([('comodo_order_id.renewal_of_id', '=', order.id)])), 1)

        # 15, 7 and 1 days left, each once, the cron skipping the 15th and 7th days themselves.
        for date, reminders in (('2027-11-16', 0), ('2027-11-18', 1), ('2027-11-19', 1), ('2027-11-24', 1),
                                ('2027-11-26', 2), ('2027-11-27', 2), ('2027-12-01', 3), ('2027-12-01', 3)):
            self._daily_cron(date)
            self.assertEqual(len(self._reminders(renewal)), reminders, date)
        reminder = self._reminders(renewal)[0]
        for part in (order.domain, order.ca_order_number, invoice.number, '2027-12-02 - 2028-12-01'):
            self.assertIn(part, reminder.body_html)

        invoice.pay_and_reconcile(self.bank, invoice.amount_total)
        self.assertEqual(renewal.state, 'issued')
        self.assertTrue(renewal.ca_order_number)
        self.assertNotEqual(renewal.ca_order_number, order.ca_order_number, 'a renewal is a new CA order')
        self.assertEqual(len(self.sandbox.find_orders(foreignOrderNumber=renewal.foreign_order_number)), 1)

        self._daily_cron('2027-12-03')
        self.assertEqual((order.state, renewal.state), ('expired', 'issued'))

    def test_days_left_are_whole_days_whatever_the_hour_of_the_cron(self):
        order = self._buy_one_year_on('2026-12-02')  # the term ends on 2027-12-02, just after midnight
        self._daily_cron('2027-11-02')
        renewal = order.renewal_ids
        self.env['comodo.certificate.order']._cron_after_issuance(now=datetime(2027, 11, 17, 3, 0))
        self.assertEqual(self._reminders(renewal).mapped('subject'),
                         ['Your SSL certificate for %s expires in 15 day(s): renewal not paid yet' % order.domain])

    def test_unpaid_renewal_lapses_and_nothing_is_ordered(self):
        order = self._buy_one_year_on('2026-12-02')
        self._daily_cron('2027-11-02')
        renewal = order.renewal_ids
        invoice = renewal.invoice_ids
        self._daily_cron('2027-12-03')
        self.assertEqual(order.state, 'expired')
        self.assertEqual(order.certificate_id.state, 'expired')
        self.assertEqual(renewal.state, 'cancelled')
        self.assertTrue(invoice.refund_invoice_ids, 'the unpaid renewal invoice is credited')
        self.assertFalse(self.sandbox.find_orders(foreignOrderNumber=renewal.foreign_order_number))

    def test_a_free_renewal_is_ordered_at_once(self):
        order = self._buy_one_year_on('2026-12-02')
        self.plan.certificate_billing = False  # the plan bills certificates at zero
        self._daily_cron('2027-11-02')
        renewal = order.renewal_ids
        self.assertEqual(renewal.invoice_ids.state, 'paid')
        self.assertEqual(renewal.state, 'issued')

    def test_no_renewal_when_auto_renewal_is_off(self):
        order = self._buy_one_year_on('2026-12-02')
        order.auto_renew = False
        self._daily_cron('2027-11-02')
        self.assertFalse(order.renewal_ids)
        self._daily_cron('2027-12-03')
        self.assertEqual(order.state, 'expired')


class TestRenewalPaidAhead(ComodoCase):
    """The period a renewal's invoice names is the period it serves, in Odoo and at the CA, whenever
    the customer pays. The old term is moved to end relative to the present (payments run at the
    real time), so that the renewal is paid that long before (or after) the old term ends."""

    @classmethod
    def setUpClass(cls):
        super(TestRenewalPaidAhead, cls).setUpClass()
        cls.bank = cls.env['account.journal'].search([('type', '=', 'bank')], limit=1)

    def setUp(self):
        super(TestRenewalPaidAhead, self).setUp()
        self.plan.write({'certificate_price_ids': [(0, 0, {'term_id': self.term.id, 'price': 8.5})]})

    def _term_ending_in(self, ahead):
        order = self._buy(unique_domain('instant'))
        order.term_ends_at = fields.Datetime.to_string(datetime.utcnow() + ahead)
        return order

    def _pay(self, renewal):
        invoice = renewal.invoice_ids
        self.assertEqual(invoice.state, 'open')
        invoice.pay_and_reconcile(self.bank, invoice.amount_total)
        return invoice

    def _ca_term_end(self, renewal):
        placed, = self.sandbox.find_orders(foreignOrderNumber=renewal.foreign_order_number)
        return datetime.utcfromtimestamp(placed['termStartedAt']) + timedelta(days=placed['days'])

    def _assert_serves_the_period_invoiced(self, order, renewal, invoice):
        ends = fields.Datetime.from_string(order.term_ends_at)
        self.assertEqual(renewal.term_starts_at, order.term_ends_at, 'the renewal starts where the old term ends')
        self.assertEqual(fields.Datetime.from_string(renewal.term_ends_at), ends + timedelta(days=365))
        self.assertIn('%s - %s' % (order.term_ends_at[:10], renewal.term_ends_at[:10]),
                      invoice.invoice_line_ids.name, 'the term ends where the invoice says')
        self._assert_the_ca_term_reaches_the_end(renewal)
        # No day without a valid certificate: the renewal's first one is there before the old term ends.
        self.assertEqual(renewal.state, 'issued')
        self.assertLessEqual(order.term_ends_at, order.certificate_id.valid_until)
        self.assertLessEqual(renewal.valid_from, order.term_ends_at)
        self.assertGreater(renewal.valid_until, order.term_ends_at)

    def _assert_the_ca_term_reaches_the_end(self, renewal):
        """The CA term (from the first certificate, for the days ordered) covers the term invoiced,
        and not a day more than the CA charges for."""
        ca_end, odoo_end = self._ca_term_end(renewal), fields.Datetime.from_string(renewal.term_ends_at)
        self.assertGreaterEqual(ca_end, odoo_end)
        self.assertLess(ca_end - odoo_end, timedelta(days=1))

    def test_paid_the_day_it_is_invoiced(self):
        order = self._term_ending_in(timedelta(days=29, hours=12))
        self.env['comodo.certificate.order']._cron_after_issuance(now=datetime.utcnow())
        renewal = order.renewal_ids
        self.assertEqual(renewal.state, 'awaiting_payment')
        invoice = self._pay(renewal)
        self.assertEqual(self.sandbox.find_orders(foreignOrderNumber=renewal.foreign_order_number)[0]['days'],
                         365 + 30, 'the 29.5 days paid ahead are carried at the CA')
        self._assert_serves_the_period_invoiced(order, renewal, invoice)

    def test_paid_mid_way(self):
        order = self._term_ending_in(timedelta(days=15))
        renewal = order._create_renewal()
        self._assert_serves_the_period_invoiced(order, renewal, self._pay(renewal))

    def test_paid_on_the_last_day(self):
        order = self._term_ending_in(timedelta(hours=3))
        renewal = order._create_renewal()
        self._assert_serves_the_period_invoiced(order, renewal, self._pay(renewal))

    def test_paid_after_the_end_starts_the_term_on_payment(self):
        # Comodo decides the renewal later ('never-' waits for approval by hand); the cron that
        # lapses unpaid renewals has not run since the old term ended, a day ago.
        order = self._buy(unique_domain('never'))
        self.sandbox.approve(order.ca_order_number)
        order.action_check()
        order.term_ends_at = fields.Datetime.to_string(datetime.utcnow() - timedelta(days=1))
        renewal = order._create_renewal()
        before = fields.Datetime.to_string(datetime.utcnow().replace(microsecond=0))
        self._pay(renewal)
        after = fields.Datetime.now()
        self.assertEqual(renewal.state, 'pending')
        self.assertTrue(renewal.term_starts_at and before <= renewal.term_starts_at <= after,
                        'the term starts when it is paid, not when Comodo issues it')
        self.assertEqual(fields.Datetime.from_string(renewal.term_ends_at),
                         fields.Datetime.from_string(renewal.term_starts_at) + timedelta(days=365))
        self.assertEqual(self.sandbox.find_orders(foreignOrderNumber=renewal.foreign_order_number)[0]['days'], 365)

        self.sandbox.approve(renewal.ca_order_number)
        renewal.action_check()
        self.assertEqual(renewal.state, 'issued')
        self.assertTrue(before <= renewal.term_starts_at <= after, 'issuing does not move the term')
        self._assert_the_ca_term_reaches_the_end(renewal)
        self.env['comodo.certificate.order']._cron_after_issuance(now=datetime.utcnow())
        self.assertEqual((order.state, renewal.state), ('expired', 'issued'))

class TestTwoCronsOneTerm(TwoWorkersCase):
    """Two cron runs (two workers) meet on one term: only one of them starts its reissue."""

    @classmethod
    def setUpClass(cls):
        super(TestTwoCronsOneTerm, cls).setUpClass()
        cls._commit_order(unique_domain('instant'), {
            'state': 'issued', 'ca_order_number': '999999', 'certificate_pem': '-',
            'valid_from': '2026-12-02 00:00:00', 'valid_until': '2027-06-20 00:00:00', 'term_ends_at': '2028-12-01 00:00:00'})

    def test_only_one_cron_starts_the_reissue(self):
        first, second = self._worker(), self._worker()
        now = day('2027-05-25')
        self.assertIn(self.order_id, first._start_due_reissues(now).ids)
        self.assertNotIn(self.order_id, second._start_due_reissues(now).ids,
                         'the second run skips the term the first one holds')
        self.assertEqual(first.browse(self.order_id).state, 'reissue')

    def test_only_one_cron_ends_the_term_and_the_other_does_not_wait_for_it(self):
        first, second = self._worker(), self._worker()
        # Waiting for the first run's row lock would stop the second run (and this test) until the
        # first commits: given up after a while, it is the failure "could not be ended".
        second.env.cr.execute("SET lock_timeout = '3s'")
        now = day('2028-12-02')
        self.assertIn(self.order_id, first._expire_ended_terms(now).ids)
        with mute_logger('odoo.addons.comodo_ssl_reseller.models.comodo_certificate_order_term', 'odoo.sql_db'):
            self.assertNotIn(self.order_id, second._expire_ended_terms(now).ids,
                             'the second run skips the term the first one holds')
        order = second.browse(self.order_id)
        self.assertEqual(order.state, 'issued', 'ended by the first run, not committed yet')
        self.assertFalse(order.message_ids.filtered(lambda message: 'could not be ended' in (message.body or '')),
                         'skipped, not failed')

    def test_only_one_cron_invoices_the_renewal(self):
        first, second = self._worker(), self._worker()
        now = day('2028-11-15')
        self.assertIn(self.order_id, first._start_due_renewals(now).ids)
        self.assertEqual(len(first.browse(self.order_id).renewal_ids), 1)
        self.assertNotIn(self.order_id, second._start_due_renewals(now).ids,
                         'the second run skips the term the first one holds')
        self.assertFalse(second.browse(self.order_id).renewal_ids)

"""When a certificate is replaced inside its term, lived day by day: the daily cron runs once a day
with the sandbox's clock on the same day, the sandbox issuing what the CA/Browser Forum rules allow
on each date (200 days until 2027-03-14, 100 from 2027-03-15, 47 from 2029-03-15)."""
from datetime import timedelta

from odoo import fields

from .common import ComodoCase, load_migration, unique_domain
from .test_certificate_term import day, lifetime_days


def as_datetime(value):
    return fields.Datetime.from_string(value)


def replaced_after_days(certificates):
    """For each certificate but the last, the days from the day it was issued to the day the next
    one was (the daily cron reissues on the day a certificate falls due)."""
    return [(as_datetime(following.valid_from).date() - as_datetime(previous.valid_from).date()).days
            for previous, following in zip(certificates, certificates[1:])]


class TestReissuePoint(ComodoCase):

    @classmethod
    def setUpClass(cls):
        super(TestReissuePoint, cls).setUpClass()
        cls.two_years = cls.env.ref('comodo_ssl_reseller.certificate_term_positivessl_730')
        cls.two_years.reseller_price = 18.0

    def setUp(self):
        super(TestReissuePoint, self).setUp()
        self.addCleanup(self.sandbox.set_clock, None)

    def _daily_cron(self, now):
        self.sandbox.set_clock(now.strftime('%Y-%m-%d'))
        self.env['comodo.certificate.order']._cron_after_issuance(now=now)

    def _buy_two_years_on(self, date):
        self.sandbox.set_clock(date)
        order = self._buy(unique_domain('instant'), product_id=self.two_years.product_id.id)
        order.auto_renew = False  # the term alone: no renewal order beside it
        self.assertEqual((order.state, order.term_starts_at[:10]), ('issued', date))
        return order

    def _live_day_by_day(self, order, until):
        """The daily cron from the term's first day to the day before `until`, the order's current
        certificate checked to cover each day once the cron has run."""
        now = as_datetime(order.term_starts_at)
        while now < until:
            self._daily_cron(now)
            self.assertEqual(order.state, 'issued', now)
            self.assertTrue(as_datetime(order.valid_from) <= now < as_datetime(order.valid_until),
                            '%s: the current certificate (%s - %s) does not cover the day'
                            % (now, order.valid_from, order.valid_until))
            now += timedelta(days=1)
        return order.certificate_ids.sorted('valid_from')

    def _assert_one_after_the_other(self, certificates):
        for previous, following in zip(certificates, certificates[1:]):
            self.assertLessEqual(following.valid_from, previous.valid_until, 'no gap between certificates')
            self.assertEqual(previous.state, 'superseded')

    def test_a_two_year_term_bought_today_is_covered_by_ten_certificates(self):
        order = self._buy_two_years_on('2026-12-07')
        term_ends = as_datetime(order.term_ends_at)
        self.assertEqual(order.term_ends_at[:10], '2028-12-06')
        certificates = self._live_day_by_day(order, term_ends)

        self._assert_one_after_the_other(certificates)
        self.assertEqual(certificates[0].valid_from, order.term_starts_at)
        self.assertEqual(certificates[-1].valid_until, order.term_ends_at, 'the last one ends with the term')
        # The first lasts 200 days (issued before 2027-03-15) and is replaced 133 days in (two
        # thirds); from then on 100-day certificates each replaced 66 days in: 2027-04-19,
        # 2027-06-24, ... 2028-09-28, which the term's end cuts to 69 days and nobody replaces.
        self.assertEqual([lifetime_days(certificate) for certificate in certificates], [200] + [100] * 8 + [69])
        self.assertEqual(replaced_after_days(certificates), [133] + [66] * 8)
        self.assertEqual(len(self.sandbox.find_calls('AutoReplaceSSL', order.ca_order_number)), 9)

        self._daily_cron(term_ends)
        self.assertEqual((order.state, certificates[-1].state), ('expired', 'expired'))
        self.assertEqual(len(order.certificate_ids), 10, 'nothing reissued at the end of the term')

    def test_a_47_day_certificate_is_replaced_two_thirds_in(self):
        order = self._buy_two_years_on('2029-04-02')
        certificates = self._live_day_by_day(order, day('2029-09-01'))  # five months of 47-day certificates

        self._assert_one_after_the_other(certificates)
        self.assertEqual(set(lifetime_days(certificate) for certificate in certificates), {47})
        # Two thirds of 47 days is 31.3: each is replaced on its 31st day, leaving 16 to retry (a
        # fixed 30 days before expiry would replace it after 17).
        self.assertEqual(replaced_after_days(certificates), [31] * 4)
        self.assertEqual(as_datetime(certificates[-1].valid_from), day('2029-08-04'))

    def test_a_short_certificate_keeps_the_companys_days_to_retry_but_serves_half_its_life(self):
        order = self._buy_two_years_on('2029-04-02')
        starts = as_datetime(order.valid_from)
        for days_of_life, retry_days, replaced_after in ((47, 7, timedelta(days=31, hours=8)), (15, 7, timedelta(days=8)),
                                                          (10, 7, timedelta(days=5))):
            self.company.comodo_reissue_days = retry_days
            order.valid_until = fields.Datetime.to_string(starts + timedelta(days=days_of_life))
            self.assertEqual(as_datetime(order.reissue_due_at),
                             starts + replaced_after, (days_of_life, retry_days))

    def test_migration_moves_the_old_default_to_the_new_one_and_keeps_a_chosen_number(self):
        order = self._buy_two_years_on('2029-04-02')
        other_company = self.env['res.company'].create({'name': 'Reissues 12 days ahead', 'comodo_reissue_days': 12})
        self.company.comodo_reissue_days = 30  # the old default, under which a 47-day certificate
        self.assertEqual(order.reissue_due_at[:10], '2029-04-25')  # would be replaced half way in

        load_migration('11.0.1.5.0', 'post-reissue-point').migrate(self.env.cr, '11.0.1.4.0')
        self.env['res.company'].invalidate_cache()
        self.assertEqual((self.company.comodo_reissue_days, other_company.comodo_reissue_days), (7, 12))
        self.assertEqual(order.reissue_due_at[:10], '2029-05-03', 'two thirds into 47 days, computed again')

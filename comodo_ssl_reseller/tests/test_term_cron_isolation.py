"""The daily term cron works order by order: one order whose step fails (a mail template, a broken
record) is left for the next run, and every other order is still done."""
from datetime import datetime

from mock import patch

from odoo.tools import mute_logger

from .common import ComodoCase, unique_domain


class TermCronCase(ComodoCase):
    """Runs the daily term cron on the dates a test travels to (the sandbox CA's clock with it)."""

    def setUp(self):
        super(TermCronCase, self).setUp()
        self.addCleanup(self.sandbox.set_clock, None)

    def _travel(self, date):
        self.sandbox.set_clock(date)
        return datetime.strptime(date, '%Y-%m-%d')

    def _daily_cron(self, date):
        with mute_logger('odoo.addons.comodo_ssl_reseller.models.comodo_certificate_order_term'):
            self.env['comodo.certificate.order']._cron_after_issuance(now=self._travel(date))


class TestTermCronIsolation(TermCronCase):

    def _two_terms(self, **values):
        """Two one-year terms from 2026-12-02 (they end on 2027-12-02)."""
        self._travel('2026-12-02')
        orders = self._buy(unique_domain('instant')) | self._buy(unique_domain('instant'))
        orders.write(values)
        return orders

    def _failing_for(self, failing_order, method_name, when=lambda kwargs: True):
        """`method_name` of the order model raises for `failing_order` (when `when` says so)."""
        model = type(self.env['comodo.certificate.order'])
        original = getattr(model, method_name)

        def method(records, *args, **kwargs):
            if failing_order in records and when(kwargs):
                raise RuntimeError('the mail template is broken')
            return original(records, *args, **kwargs)
        return patch.object(model, method_name, method)

    def test_a_failing_expiry_notice_leaves_the_other_notices_sent(self):
        first, second = self._two_terms(auto_renew=False)
        with self._failing_for(first, '_queue_customer_mails'):
            self._daily_cron('2027-11-02')  # 30 days left
        self.assertEqual(second.expiry_notices_sent, '30')
        self.assertFalse(first.expiry_notices_sent, 'not recorded as sent: the next run sends it')
        self.assertIn('could not be sent', first.message_ids[0].body)
        self._daily_cron('2027-11-03')
        self.assertEqual(first.expiry_notices_sent, '30')

    def test_a_failing_expiry_leaves_the_other_terms_ended(self):
        first, second = self._two_terms(auto_renew=False)
        with self._failing_for(first, '_post_staff_notes'):
            self._daily_cron('2027-12-03')
        self.assertEqual(second.state, 'expired')
        self.assertEqual(first.state, 'issued', 'left as it was, for the next run')
        self.assertIn('could not be ended', first.message_ids[0].body)
        self._daily_cron('2027-12-04')
        self.assertEqual(first.state, 'expired')

    def test_a_failing_renewal_reminder_leaves_the_other_reminders_sent(self):
        first, second = self._two_terms()
        self._daily_cron('2027-11-02')  # 30 days left: both renewals invoiced
        self.assertTrue(first.renewal_ids and second.renewal_ids)
        with self._failing_for(first.renewal_ids, '_queue_customer_mails'):
            self._daily_cron('2027-11-17')  # 15 days left
        self.assertEqual(second.renewal_ids.renewal_reminders_sent, '15')
        self.assertFalse(first.renewal_ids.renewal_reminders_sent)
        self.assertIn('could not be sent', first.renewal_ids.message_ids[0].body)

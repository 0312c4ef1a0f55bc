"""The daily term cron at many terms due on one day: committed per batch, stopped once its time
budget is spent, and continued by a job that carries on where it stopped, doing nothing twice."""
from datetime import timedelta

from odoo import fields

from .common import ComodoCase, unique_domain

TERM_CRON_TIME_BUDGET_PARAM = 'comodo_ssl_reseller.term_cron_time_budget_seconds'

ENDED_WORDS = 'The term ended on'


class TestTermCronBatches(ComodoCase):

    def _ended_messages(self, order):
        return order.message_ids.filtered(lambda message: ENDED_WORDS in (message.body or ''))

    def _continuations(self, now):
        return self.env['queue.job'].search([
            ('identity_key', '=', 'comodo-term-cron-%s' % fields.Datetime.to_string(now)),
            ('state', '=', 'pending')])

    def test_a_run_out_of_time_stops_and_a_job_continues_without_doing_anything_twice(self):
        orders = self.env['comodo.certificate.order']
        for _ in range(3):
            orders |= self._buy(unique_domain('instant'))
        self.assertEqual(set(orders.mapped('state')), {'issued'})
        now = fields.Datetime.from_string(max(orders.mapped('term_ends_at'))) + timedelta(days=1)
        # No time at all: each run does one order (progress first), then stops.
        self.env['ir.config_parameter'].sudo().set_param(TERM_CRON_TIME_BUDGET_PARAM, '0')
        cron = self.env['comodo.certificate.order'].with_context(test_queue_job_no_delay=False)

        cron._cron_after_issuance(now=now)
        self.assertLessEqual(len(orders.filtered(lambda order: order.state == 'expired')), 1,
                             'the run stopped after its first order')
        continuation = self._continuations(now)
        self.assertEqual(len(continuation), 1, 'a job continues the run')

        # The cron of the same day started again before the job ran (a second server, a restart):
        # it continues too, and the job queued is not queued twice.
        cron._cron_after_issuance(now=now)
        self.assertEqual(self._continuations(now), continuation)

        for _ in range(100):
            if cron._job_continue_after_issuance(fields.Datetime.to_string(now)) == 'Done':
                break
        self.assertEqual(set(orders.mapped('state')), {'expired'})
        for order in orders:
            self.assertEqual(len(self._ended_messages(order)), 1, 'each term ended once')

        cron._cron_after_issuance(now=now)
        for order in orders:
            self.assertEqual(len(self._ended_messages(order)), 1, 'nothing done twice by a later run')

    def test_within_its_budget_the_cron_finishes_in_one_run(self):
        order = self._buy(unique_domain('instant'))
        now = fields.Datetime.from_string(order.term_ends_at) + timedelta(days=1)
        cron = self.env['comodo.certificate.order'].with_context(test_queue_job_no_delay=False)
        cron._cron_after_issuance(now=now)
        self.assertEqual(order.state, 'expired')
        self.assertFalse(self._continuations(now), 'no continuation needed')

    def test_terms_ended_together_each_get_one_note_for_staff(self):
        orders = self._buy(unique_domain('instant')) | self._buy(unique_domain('instant'))
        before = {order: order.message_ids for order in orders}
        now = fields.Datetime.from_string(max(orders.mapped('term_ends_at'))) + timedelta(days=1)
        # As on a server: the state's changes tracked in the chatter (the tests' set-up turns it off).
        self.env['comodo.certificate.order'].with_context(tracking_disable=False)._cron_after_issuance(now=now)
        for order in orders:
            self.assertEqual(order.state, 'expired')
            new = order.message_ids - before[order]
            self.assertEqual(len(new), 1, 'the note says what the state change did: one line, not two')
            self.assertIn('%s: the certificate for %s has expired.' % (order.term_ends_at, order.domain), new.body)
            self.assertEqual(new.subtype_id, self.env.ref('mail.mt_note'), 'an internal note')

"""The daily term cron keeps to the limits Odoo enforces on the process that runs it: the real time
its watchdog allows a worker (limit_time_real; limit_time_real_cron in the cron worker) and the CPU
time the kernel allows it (RLIMIT_CPU, which a prefork worker sets to its CPU time plus
limit_time_cpu before each request and each round of crons). A share of each, the rest its margin."""
import math
import resource
import signal
import time
import uuid
from datetime import datetime

from odoo import fields
from odoo.tools import config

from ..models.comodo_certificate_order_term import (DEFAULT_TERM_CRON_TIME_BUDGET_SECONDS, TERM_CRON_LIMIT_SHARE,
                                                     TermCronPace,
                                                     process_cpu_seconds)
from .common import ComodoCase

LIMITS = ('workers', 'limit_time_cpu', 'limit_time_real', 'limit_time_real_cron')


class CpuLimitReached(Exception):
    pass


class TestTermCronPace(ComodoCase):

    def _as_prefork_worker(self, cpu=60, real=120, real_cron=-1, cpu_spent=0.0):
        """This process as a prefork worker of a server configured with these limits, `cpu_spent`
        CPU seconds into its request (or round of crons): RLIMIT_CPU set as the worker sets it."""
        saved = {key: config[key] for key in LIMITS}
        self.addCleanup(config.options.update, saved)
        for key, value in zip(LIMITS, (4, cpu, real, real_cron)):
            config[key] = value
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        self.addCleanup(resource.setrlimit, resource.RLIMIT_CPU, (soft, hard))

        def cpu_limit_reached(signum, frame):
            # Were the cron past it, the test fails here instead of the kernel ending the test run.
            raise CpuLimitReached()
        self.addCleanup(signal.signal, signal.SIGXCPU, signal.signal(signal.SIGXCPU, cpu_limit_reached))
        # The kernel takes whole seconds: the limit is the next one past the worker's.
        limit_at = int(math.ceil(process_cpu_seconds() - cpu_spent + cpu))
        resource.setrlimit(resource.RLIMIT_CPU, (limit_at, hard))
        return limit_at

    def _pace(self, run_by_cron=True, budget=None):
        before = time.time()
        pace = TermCronPace.within_limits(self.env.cr, run_by_cron, budget)
        return pace, before

    def test_the_limits_come_from_odoos_configuration_and_the_process(self):
        for real_cron, run_by_cron, real_limit, why in [
                (-1, True, 120, 'limit_time_real_cron -1: the cron worker has limit_time_real'),
                (90, True, 90, 'the cron worker\'s own limit'),
                (90, False, 120, 'a continuation job runs in an HTTP worker: limit_time_real'),
                (0, True, 120, 'no cron limit: run by hand, in an HTTP worker, the cron has limit_time_real'),
                (300, True, 120, 'the stricter of the two: the cron may be run by hand')]:
            limit_at = self._as_prefork_worker(cpu=60, real=120, real_cron=real_cron)
            pace, now = self._pace(run_by_cron)
            self.assertAlmostEqual(pace.deadline, now + TERM_CRON_LIMIT_SHARE * real_limit, delta=1.5, msg=why)
            self.assertAlmostEqual(pace.cpu_deadline, limit_at - (1 - TERM_CRON_LIMIT_SHARE) * 60, places=6,
                                   msg='the kernel\'s CPU limit on this process, less the margin')

        limit_at = self._as_prefork_worker(cpu=60, real=120, cpu_spent=30)
        pace, now = self._pace()
        self.assertAlmostEqual(pace.cpu_deadline, limit_at - (1 - TERM_CRON_LIMIT_SHARE) * 60, places=6)
        self.assertAlmostEqual(pace.deadline, now - 30 + TERM_CRON_LIMIT_SHARE * 120, delta=1.5,
                               msg='the CPU the worker spent before the cron is real time its watchdog counted')

        pace, now = self._pace(budget=5)
        self.assertAlmostEqual(pace.deadline, now + 5, delta=1.5, msg='the system parameter overrides')
        self.assertAlmostEqual(pace.cpu_deadline, process_cpu_seconds() + 5, delta=1.5)

    def test_where_odoo_enforces_no_limit_a_run_has_the_default_time(self):
        self._as_prefork_worker()
        config['workers'] = 0
        resource.setrlimit(resource.RLIMIT_CPU, (resource.RLIM_INFINITY, resource.getrlimit(resource.RLIMIT_CPU)[1]))
        pace, now = self._pace()
        self.assertIsNone(pace.cpu_deadline)
        self.assertAlmostEqual(pace.deadline, now + DEFAULT_TERM_CRON_TIME_BUDGET_SECONDS, delta=1.5)

    def _due_notices(self, count):
        """`count` issued terms of the customer, auto-renewal off, ending in 10 days from the
        returned `now`: each owed the notice that its term ends (the 30- and 7-day thresholds)."""
        now = datetime(2030, 6, 1)
        tag = uuid.uuid4().hex[:8]
        self.env.cr.execute("""
            INSERT INTO comodo_certificate_order
                (name, state, company_id, partner_id, term_id, type_id, domain, dcv_method, ca_order_number,
                 unique_value, placed_at, term_starts_at, term_ends_at, auto_renew, attempts,
                 transient_failures, key_generated, create_uid, write_uid, create_date, write_date)
            SELECT 'PACE/' || %(tag)s || '/' || n, 'issued', %(company)s, %(partner)s, %(term)s, %(type)s,
                   'pace-' || %(tag)s || '-' || n || '.example.com', 'CNAME_CSR_HASH', 'pace-' || %(tag)s || n,
                   'pace' || n, %(now)s::timestamp - interval '355 days', %(now)s::timestamp - interval '355 days',
                   %(now)s::timestamp + interval '10 days', false, 0, 0, false, 1, 1, %(now)s, %(now)s
              FROM generate_series(1, %(count)s) AS n RETURNING id""", {
            'tag': tag, 'company': self.company.id, 'partner': self.customer.id, 'term': self.term.id,
            'type': self.term.type_id.id, 'now': now, 'count': count})
        orders = self.env['comodo.certificate.order'].browse([row[0] for row in self.env.cr.fetchall()])
        return orders, now

    def _told(self, orders):
        self.env.cr.execute("SELECT order_id, count(*) FROM comodo_certificate_order_notice "
                            "WHERE order_id IN %s AND kind = 'expiry_notice' GROUP BY order_id", (tuple(orders.ids),))
        ledger = dict(self.env.cr.fetchall())
        self.env.cr.execute("SELECT res_id, count(*) FROM mail_mail m JOIN mail_message g ON g.id = m.mail_message_id "
                            "WHERE g.model = 'comodo.certificate.order' AND g.res_id IN %s GROUP BY res_id",
                            (tuple(orders.ids),))
        mails = dict(self.env.cr.fetchall())
        self.assertEqual([order_id for order_id, count in mails.items() if count > 1], [], 'never a mail twice')
        self.assertEqual(set(ledger), set(mails), 'a mail for each threshold taken, none without')
        return set(mails)

    def test_a_run_stops_before_the_cpu_its_worker_may_use_is_spent_and_a_job_continues(self):
        orders, now = self._due_notices(1000)
        cron = self.env['comodo.certificate.order'].with_context(test_queue_job_no_delay=False)
        # The worker spent most of its CPU time before the cron (another cron of the same round):
        # a second or two of the cron's share is left, far less than the day's notices take.
        self._as_prefork_worker(cpu=60, real=120, cpu_spent=60 * TERM_CRON_LIMIT_SHARE - 0.2)
        cpu_before, real_before = process_cpu_seconds(), time.time()
        cron._cron_after_issuance(now=now)
        cpu_spent, real_spent = process_cpu_seconds() - cpu_before, time.time() - real_before

        told = self._told(orders)
        self.assertTrue(0 < len(told) < len(orders), 'the run did some, and stopped: %d told' % len(told))
        self.assertLess(cpu_spent, 2.5, 'within the CPU left to it (at most 1.2 s) and a batch')
        self.assertLess(real_spent, TERM_CRON_LIMIT_SHARE * 120 - 60, 'stopped by the CPU, not the real time')
        continuation = self.env['queue.job'].search([
            ('identity_key', '=', 'comodo-term-cron-%s' % fields.Datetime.to_string(now)), ('state', '=', 'pending')])
        self.assertEqual(len(continuation), 1, 'a job continues the run')

        # The job runs in another request: the worker's limit starts afresh.
        self._as_prefork_worker(cpu=60, real=120)
        for _ in range(10):
            if cron._job_continue_after_issuance(fields.Datetime.to_string(now)) == 'Done':
                break
        self.assertEqual(self._told(orders), set(orders.ids), 'every term told once')

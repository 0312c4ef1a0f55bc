"""Two transactions meet on certificate orders, as two Odoo workers (or a button and a job) do.

The order must be committed for both cursors to see it, so this test commits its set-up and
removes it afterwards; each cursor is rolled back.
"""
import threading
import unittest
from datetime import datetime, timedelta

from psycopg2.extensions import TransactionRollbackError

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.tests import common

from comodo_client import ComodoClient, build_csr, generate_private_key
from .common import (SANDBOX_LOGIN, SANDBOX_PASSWORD, Sandbox, demo_customer_order, sandbox_company, sandbox_url,
                     unique_domain)


class TestTwoWorkers(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.registry = odoo.registry(common.get_db_name())
        cls.sandbox = Sandbox()
        domain = unique_domain('never')
        with ComodoClient(sandbox_url(), SANDBOX_LOGIN, SANDBOX_PASSWORD) as client:
            cls.ca_order_number = client.place_order(
                287, 365, build_csr(generate_private_key(), [domain]), [domain],
                dcv_method='CNAME_CSR_HASH').order_number
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True})
            cls.company_before = sandbox_company(env)
            order = demo_customer_order(env, domain)
            order.write({'state': 'pending', 'ca_order_number': cls.ca_order_number,
                         'waiting_since': fields.Datetime.to_string(datetime.utcnow() - timedelta(hours=49)),
                         'next_check_at': '2000-01-01 00:00:00'})
            cls.order_id = order.id

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env['comodo.certificate.order'].browse(cls.order_id).unlink()
            env.ref('base.main_company').write(cls.company_before)

    def _worker(self):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        self.addCleanup(cr.rollback)
        return api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True})['comodo.certificate.order'].browse(
            self.order_id)

    def _collects(self):
        return len(self.sandbox.find_calls('CollectSSL', self.ca_order_number))

    def test_only_the_worker_holding_the_order_calls_the_ca(self):
        first, second = self._worker(), self._worker()
        self.assertTrue(first._lock_for_ca(('pending',)), 'the first worker takes the order')
        collects = self._collects()

        self.assertIn('Nothing to do', second._job_check(), 'the second one leaves it alone')
        with self.assertRaisesRegex(UserError, 'being checked right now'):
            second.with_context(test_queue_job_no_delay=True).action_check()
        run = second.env['comodo.poll.run']._run()
        self.assertEqual((run.queued_count, run.timed_out_count), (0, 0),
                         'the poll neither queues nor times out an order a worker holds')
        self.assertEqual(self._collects(), collects, 'no CA call from the second worker')

        first._job_check()
        self.assertEqual(self._collects(), collects + 1, 'one call, from the worker holding it')
        self.assertEqual(first.state, 'pending')


class TestTwoWorkersPollingTheSameOrders(unittest.TestCase):
    """Two job workers run the checks of the same due orders at the same moment (a poll queued
    twice, or two job runners): each order is checked at the CA once and its decision is kept."""

    ORDER_COUNT = 4

    @classmethod
    def setUpClass(cls):
        cls.registry = odoo.registry(common.get_db_name())
        cls.sandbox = Sandbox()
        ca_orders = []
        with ComodoClient(sandbox_url(), SANDBOX_LOGIN, SANDBOX_PASSWORD) as client:
            for _index in range(cls.ORDER_COUNT):
                domain = unique_domain('never')
                csr = build_csr(generate_private_key(), [domain])
                number = client.place_order(287, 365, csr, [domain], dcv_method='CNAME_CSR_HASH').order_number
                cls.sandbox.approve(number)  # issued at the CA: a decision that must not be lost
                ca_orders.append((domain, csr, number))
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True})
            cls.company_before = sandbox_company(env)
            orders = env['comodo.certificate.order']
            for domain, csr, number in ca_orders:
                order = demo_customer_order(env, domain)
                order.write({'state': 'pending', 'ca_order_number': number, 'csr_pem': csr,
                             'waiting_since': fields.Datetime.now(),
                             'next_check_at': '2000-01-01 00:00:00'})
                orders |= order
            cls.order_ids = orders.ids
            cls.ca_order_numbers = [str(number) for _domain, _csr, number in ca_orders]

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            messages = env['mail.message'].search([('model', '=', 'comodo.certificate.order'),
                                                   ('res_id', 'in', cls.order_ids)])
            env['mail.mail'].search([('mail_message_id', 'in', messages.ids)]).unlink()
            messages.unlink()
            env['comodo.certificate.order'].browse(cls.order_ids).unlink()
            env.ref('base.main_company').write(cls.company_before)

    def _work(self, start, outcomes):
        """One worker: each order's check in its own transaction, as the job runner runs jobs."""
        start.wait()
        for order_id in self.order_ids:
            with api.Environment.manage(), self.registry.cursor() as cr:
                order = api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True})['comodo.certificate.order']
                try:
                    outcomes.append(order.browse(order_id)._job_check())
                except TransactionRollbackError:
                    # The other worker committed this order after our snapshot: the job runner
                    # would retry the job, which then finds the order decided.
                    cr.rollback()
                    outcomes.append('serialization failure, retried later')

    def test_each_order_is_checked_once_and_issued(self):
        collects_before = {number: len(self.sandbox.find_calls('CollectSSL', number)) for number in self.ca_order_numbers}
        start, outcomes = threading.Barrier(2), []
        workers = [threading.Thread(target=self._work, args=(start, outcomes)) for _worker in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        self.assertEqual(len(outcomes), 2 * self.ORDER_COUNT, 'every job of both workers ended: %s' % outcomes)
        with self.registry.cursor() as cr:
            orders = api.Environment(cr, SUPERUSER_ID, {})['comodo.certificate.order'].browse(self.order_ids)
            self.assertEqual(orders.mapped('state'), ['issued'] * self.ORDER_COUNT, 'no decision lost')
        collects = {number: len(self.sandbox.find_calls('CollectSSL', number)) - collects_before[number]
                    for number in self.ca_order_numbers}
        self.assertEqual(collects, dict.fromkeys(self.ca_order_numbers, 1), 'one CA check per order, not two')
        ca_orders = [order for order in self.sandbox.orders() if str(order['orderNumber']) in collects]
        self.assertEqual(len(ca_orders), self.ORDER_COUNT, 'no CA order added')

"""Two transactions meet on one certificate order, as two Odoo workers (or a button and a job) do.

The order must be committed for both cursors to see it, so this test commits its set-up and
removes it afterwards; each cursor is rolled back.
"""
import unittest
from datetime import datetime, timedelta

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.tests import common

from ..comodo_client import ComodoClient, build_csr, generate_private_key
from .common import SANDBOX_LOGIN, SANDBOX_PASSWORD, Sandbox, sandbox_url, unique_domain

COMPANY_SETTINGS = ['comodo_api_url', 'comodo_login', 'comodo_password', 'comodo_test_mode']


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
            company = env.ref('base.main_company')
            cls.company_before = {name: company[name] for name in COMPANY_SETTINGS}
            company.write({'comodo_api_url': sandbox_url(), 'comodo_login': SANDBOX_LOGIN,
                           'comodo_password': SANDBOX_PASSWORD, 'comodo_test_mode': True})
            order = env['comodo.certificate.order'].create({
                'partner_id': env.ref('base.partner_demo_portal').id,
                'term_id': env.ref('comodo_ssl_reseller.certificate_term_positivessl_365').id,
                'domain': domain, 'dcv_method': 'CNAME_CSR_HASH'})
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

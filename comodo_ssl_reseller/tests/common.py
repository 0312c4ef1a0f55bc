"""Shared set-up for the Odoo tests: a reseller account on the test session's sandbox CA.

The sandbox is started by the pytest plugin `comodo_sandbox.pytest_plugin` (loaded by the
repository's conftest.py), which exports its address in COMODO_SANDBOX_URL / COMODO_SANDBOX_ADMIN
and its admin token in COMODO_SANDBOX_ADMIN_TOKEN.
"""
import importlib.util
import os
import unittest
import uuid

import odoo
from comodo_sandbox.pytest_plugin import SandboxAdmin
from odoo import SUPERUSER_ID, api
from odoo.tests import common
from odoo.tests.common import SavepointCase

SANDBOX_LOGIN = 'demo'
SANDBOX_PASSWORD = 'demo'


def sandbox_url():
    url = os.environ.get('COMODO_SANDBOX_URL')
    if not url:
        raise RuntimeError('COMODO_SANDBOX_URL is not set: run the tests with `make test`, which '
                           'starts the sandbox CA.')
    return url


class SandboxLookups(object):
    """Look-ups by field in a sandbox's orders and calls, for the assertions."""

    def find_orders(self, **match):
        return [order for order in self.orders()
                if all(str(order.get(key)) == str(value) for key, value in match.items())]

    def find_calls(self, action, order_number):
        return [call for call in self.calls()
                if call['action'] == action and str(call.get('orderNumber')) == str(order_number)]


class Sandbox(SandboxLookups, SandboxAdmin):
    """The session sandbox's admin endpoints."""

    def __init__(self):
        super(Sandbox, self).__init__(os.environ['COMODO_SANDBOX_ADMIN'], os.environ['COMODO_SANDBOX_ADMIN_TOKEN'])


CERTIFICATE_FIELDS = ('certificate_pem', 'chain_pem', 'serial_number', 'valid_from', 'valid_until')


COMPANY_SETTINGS = ['comodo_api_url', 'comodo_login', 'comodo_password', 'comodo_test_mode']


def sandbox_company(env):
    """Points the company at the sandbox, committed with the set-up of tests whose cursors meet;
    returns its settings before, to restore them."""
    company = env.ref('base.main_company')
    before = {name: company[name] for name in COMPANY_SETTINGS}
    company.write({'comodo_api_url': sandbox_url(), 'comodo_login': SANDBOX_LOGIN,
                   'comodo_password': SANDBOX_PASSWORD, 'comodo_test_mode': True})
    return before


def demo_customer_order(env, domain):
    """A new PositiveSSL order of the demo portal customer for `domain`, validated by DNS."""
    return env['comodo.certificate.order'].create({
        'partner_id': env.ref('base.partner_demo_portal').id,
        'term_id': env.ref('comodo_ssl_reseller.certificate_term_positivessl_365').id,
        'domain': domain, 'dcv_method': 'CNAME_CSR_HASH'})


def give_certificate(order, values):
    """Make `order`'s current certificate from `values`, with the latest key made for it."""
    certificate = order.env['comodo.certificate'].sudo().create(dict(values, order_id=order.id))
    key = order.env['comodo.certificate.key'].sudo().search(
        [('order_id', '=', order.id), ('certificate_id', '=', False)], order='id desc', limit=1)
    key.write({'certificate_id': certificate.id})
    order.write({'certificate_id': certificate.id})
    return certificate


def load_migration(version, step='post-migration'):
    """A migration script of the addon as a module, e.g. load_migration('11.0.1.3.0', 'pre-migration')."""
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'migrations', version, step + '.py')
    spec = importlib.util.spec_from_file_location('comodo_%s_%s' % (step.replace('-', '_'), version.replace('.', '_')),
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def unique_domain(scenario='www'):
    """A fresh domain whose first label picks the sandbox's behaviour (instant-, reject-, never-...)."""
    return '%s-%s.example.com' % (scenario, uuid.uuid4().hex[:10])


class ComodoCase(SavepointCase):
    """A company reselling through the sandbox, a customer, and a priced PositiveSSL term."""

    @classmethod
    def setUpClass(cls):
        super(ComodoCase, cls).setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True,
                                       test_queue_job_no_delay=True))
        cls.sandbox = Sandbox()
        cls.company = cls.env.ref('base.main_company')
        cls.company.write({
            'comodo_api_url': sandbox_url(),
            'comodo_login': SANDBOX_LOGIN,
            'comodo_password': SANDBOX_PASSWORD,
            'comodo_timeout': 10,
            'comodo_test_mode': True,
            'comodo_invoice_policy': 'open',
        })
        cls.term = cls.env.ref('comodo_ssl_reseller.certificate_term_positivessl_365')
        cls.term.reseller_price = 10.0
        cls.wildcard_term = cls.env.ref('comodo_ssl_reseller.certificate_term_positivessl_wildcard_365')
        cls.wildcard_term.reseller_price = 80.0
        cls.multi_domain_term = cls.env.ref('comodo_ssl_reseller.certificate_term_positivessl_multidomain_365')
        cls.multi_domain_term.reseller_price = 40.0
        cls.customer = cls.env['res.partner'].create({
            'name': 'Hosting Customer', 'email': 'customer@example.com'})
        cls.plan = cls._plan('Test SSL Hosting', ssl_module=True, comodo_ssl=True)
        cls.subscription = cls._subscribe(cls.customer, cls.plan)

    @classmethod
    def _hold(cls, *names, **values):
        """The customer's hosting holds these domains, as staff enter them (Hosted Domains)."""
        domains = cls.env['comodo.hosted.domain']
        for name in names:
            domains |= domains.create(dict({'name': name, 'partner_id': cls.customer.id,
                                            'subscription_id': cls.subscription.id}, **values))
        return domains

    @classmethod
    def _use_certificate_manager(cls):
        """The company orders through the sandbox's Certificate Manager (SOAP) service instead."""
        cls.company.write({
            'comodo_api_type': 'certificate_manager',
            'comodo_wsdl_url': cls.sandbox.admin_base + '/ws/EPKIManagerSSL?wsdl',
            'comodo_customer_uri': 'demo-customer',
        })

    @classmethod
    def _plan(cls, name, **values):
        return cls.env['hosting.plan'].create(dict({
            'name': name,
            'recurring_rule_type': 'monthly',
            'recurring_interval': 1,
        }, **values))

    @classmethod
    def _subscribe(cls, partner, plan, **values):
        return cls.env['account.analytic.account'].create(dict({
            'name': '%s - %s' % (plan.name, partner.name),
            'partner_id': partner.id,
            'hosting_plan_id': plan.id,
            'recurring_invoices': True,
        }, **values))

    def _sale_order(self, domain, term=None, **line_values):
        term = term or self.term
        values = dict({'product_id': term.product_id.id, 'comodo_domain': domain,
                       'comodo_dcv_method': 'CNAME_CSR_HASH'}, **line_values)
        return self.env['sale.order'].create({
            'partner_id': self.customer.id,
            'order_line': [(0, 0, values)],
        })

    def _buy(self, domain, **line_values):
        """Confirm a sale of one certificate; its CA work runs at once. Returns the certificate order."""
        sale = self._sale_order(domain, **line_values)
        sale.action_confirm()
        return sale.order_line.comodo_order_ids

    def _buy_queued(self, domain, **line_values):
        """Confirm a sale with real job queueing, and run the order's key job (the job runner's
        first work on it): the order is left to its (not yet run) placement job."""
        order = self._confirm_queued(domain, **line_values)
        order._job_make_key()
        self.env['queue.job'].search([('method_name', '=', '_job_make_key'), ('state', '=', 'pending')]).filtered(
            lambda job: order.id in job.record_ids).write({'state': 'done'})
        return order

    def _confirm_queued(self, domain, **line_values):
        """Confirm a sale with real job queueing: the order is left to its (not yet run) key job."""
        sale = self._sale_order(domain, **line_values).with_context(test_queue_job_no_delay=False)
        sale.action_confirm()
        return sale.order_line.comodo_order_ids

    def _make_due(self, orders):
        orders.write({'next_check_at': '2000-01-01 00:00:00'})

    def _poll(self):
        return self.env['comodo.poll.run']._run()


class TwoWorkersCase(unittest.TestCase):
    """Two Odoo workers (job runners, cron runs) meet on one order, each with its own cursor.

    Both cursors must see the order, so it is committed by `_commit_order` in the class's set-up and
    removed afterwards; each worker's cursor is rolled back.
    """

    @classmethod
    def setUpClass(cls):
        cls.registry = odoo.registry(common.get_db_name())

    @classmethod
    def _commit_order(cls, domain, state_values, make_key=False):
        """A PositiveSSL order of the demo portal customer, validated by DNS, in `state_values`."""
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True})
            order = demo_customer_order(env, domain)
            if make_key:
                order._prepare_key_material()
            # The order reads its certificate from a certificate record: values of one make one.
            certificate_values = {name: value for name, value in state_values.items()
                                  if name in CERTIFICATE_FIELDS}
            order.write({name: value for name, value in state_values.items()
                         if name not in CERTIFICATE_FIELDS})
            if certificate_values:
                give_certificate(order, certificate_values)
            cls.order_id = order.id

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})['comodo.certificate.order'].browse(cls.order_id).unlink()

    def _worker(self):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        self.addCleanup(cr.rollback)
        return api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True})['comodo.certificate.order']

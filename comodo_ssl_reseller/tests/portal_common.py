"""HttpCase set-up for the portal: data on the cursor the test server's requests use."""
import re
from contextlib import contextmanager

from odoo.tests import common
from odoo.tests.common import HttpCase

from .common import SANDBOX_LOGIN, SANDBOX_PASSWORD, Sandbox, sandbox_url, unique_domain

# Every frontend page carries the session's CSRF token in its head.
CSRF_TOKEN = re.compile(r'csrf_token: "([^"]+)"')


class PortalCase(HttpCase):
    """The demo portal customers (`portal` on a plan with Comodo SSL, `portal_nossl` without),
    the company reselling through the sandbox, and PositiveSSL priced."""

    def setUp(self):
        super(PortalCase, self).setUp()
        # The test server's requests run on registry.test_cr, not on this test's own cursor. A
        # request the previous test's browser page sent last may reach this new cursor while the
        # set-up reads it: the reads hold the cursor's lock, as every request does until it ends.
        self.registry.test_cr.acquire()
        try:
            self._set_up_demo_data()
        finally:
            self.registry.test_cr.release()

    def _set_up_demo_data(self):
        self.env = self.env(cr=self.registry.test_cr, context={'tracking_disable': True})
        self.sandbox = Sandbox()
        with self.saved() as env:
            env.ref('base.main_company').write({
                'comodo_api_url': sandbox_url(), 'comodo_login': SANDBOX_LOGIN,
                'comodo_password': SANDBOX_PASSWORD, 'comodo_test_mode': True, 'comodo_timeout': 10})
            env.ref('comodo_ssl_reseller.certificate_term_positivessl_365').reseller_price = 10.0
        self.term = self.env.ref('comodo_ssl_reseller.certificate_term_positivessl_365')
        self.customer = self.env.ref('base.partner_demo_portal')
        self.other_customer = self.env.ref('comodo_ssl_reseller.partner_portal_nossl')
        self.business_plan = self.env.ref('comodo_ssl_reseller.hosting_plan_business')

    def base_url(self):
        return 'http://127.0.0.1:%d' % common.PORT

    def _csrf(self, page):
        response = self.url_open(page)
        self.assertEqual(response.status_code, 200, page)
        return CSRF_TOKEN.search(response.text).group(1)

    def _post(self, url, form_page, **data):
        data['csrf_token'] = self._csrf(form_page)
        return self.url_open(url, data=data)

    def _buy(self, domain, **form):
        """Buy through the portal form as the logged-in customer; returns (response, order)."""
        values = dict({'term_id': self.term.id, 'domain': domain, 'dcv_method': 'CNAME_CSR_HASH'}, **form)
        response = self._post('/my/certificates/buy', '/my/certificates/buy', **values)
        self.env.cache.invalidate()
        order = self.env['comodo.certificate.order'].search([('domain', '=', domain)])
        return response, order

    @contextmanager
    def saved(self):
        """An environment for the test's own changes, kept like a request's work.

        The test cursor is shared with the server's requests, which roll back to the last saved
        point on errors: taken through registry.cursor() it is locked against them and saved at
        the end.
        """
        with self.registry.cursor() as cr:
            yield self.env(cr=cr)
        self.env.cache.invalidate()

    @contextmanager
    def stored(self):
        """The test's environment, used while no request of the browser uses the shared cursor (the
        page's own late requests may still run after it is shown)."""
        cursor = self.registry.test_cr
        cursor.acquire()
        try:
            self.env.cache.invalidate()
            yield self.env
        finally:
            cursor.release()

    def _issued_order(self):
        """A certificate the demo customer (logged in here) bought on the portal, issued."""
        self.authenticate('portal', 'portal')
        _response, order = self._buy(unique_domain('instant'))
        self._place(order)
        self.assertEqual(order.state, 'issued')
        return order

    def _hold(self, partner, *names):
        """`partner`'s hosting holds these domains, as staff enter them (Hosted Domains)."""
        with self.saved() as env:
            for name in names:
                env['comodo.hosted.domain'].create({'name': name, 'partner_id': partner.id})

    def _place(self, order):
        """Run the order's queued CA jobs (the job runner's work): its key, then its placement."""
        with self.saved() as env:
            order.with_env(env)._job_make_key()
            order.with_env(env)._job_place()
        return order

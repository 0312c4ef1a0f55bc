"""What a customer scripting the portal cannot do to the reseller's account, and what it is told."""
from comodo_client import build_csr, generate_private_key
from .common import unique_domain
from .portal_common import PortalCase


class TestPortalGuards(PortalCase):

    def _company(self, env, **values):
        env.ref('base.main_company').write(values)

    def _sale_orders(self):
        return self.env['sale.order'].sudo().search_count([('partner_id', '=', self.customer.id)])

    def test_unpaid_certificates_limit_further_purchases(self):
        with self.saved() as env:
            self._company(env, comodo_max_unpaid_orders=1)
        self.authenticate('portal', 'portal')
        first, order = self._buy(unique_domain('never'))
        self._place(order)
        self.assertEqual(order.invoice_ids.state, 'open')
        sales, ca_orders = self._sale_orders(), len(self.sandbox.orders())

        refused, nothing = self._buy(unique_domain('never'))
        self.assertEqual(refused.status_code, 400)
        self.assertIn('1 certificates whose invoice is not paid yet', refused.text)
        self.assertFalse(nothing)
        self.assertEqual((self._sale_orders(), len(self.sandbox.orders())), (sales, ca_orders),
                         'nothing written, nothing ordered')

    def test_portal_calls_to_the_ca_are_limited_per_hour(self):
        with self.saved() as env:
            self._company(env, comodo_portal_ca_calls_per_hour=2)
        self.authenticate('portal', 'portal')
        _response, order = self._buy(unique_domain('never'), dcv_method='EMAIL', dcv_email='admin@example.com')
        self._place(order)
        resend = '/my/certificates/%d/dcv/resend' % order.id
        for _attempt in range(2):
            self.assertIn('Validation email sent again', self._post(resend, order.portal_url).text)
        calls = len(self.sandbox.calls())
        logged = self.env['comodo.portal.ca.call'].sudo().search_count([])

        refused = self._post(resend, order.portal_url)
        self.assertIn('limit of 2 requests to the certificate authority in an hour', refused.text)
        refused = self._post('/my/certificates/buy', '/my/certificates/buy', term_id=self.term.id,
                             domain=unique_domain('never'), dcv_method='EMAIL')
        self.assertIn('limit of 2 requests', refused.text, 'the approver list calls the CA too')
        self.assertEqual(len(self.sandbox.calls()), calls, 'nothing sent to the CA')
        self.assertEqual(self.env['comodo.portal.ca.call'].sudo().search_count([]), logged, 'nothing written')

    def test_a_key_pasted_on_the_portal_is_refused_and_not_echoed(self):
        self.authenticate('portal', 'portal')
        key = generate_private_key()
        domain = unique_domain('never')
        response, order = self._buy(domain, csr=key + build_csr(key, [domain]))
        self.assertEqual(response.status_code, 400)
        self.assertIn('private key must stay on your server', response.text)
        self.assertNotIn(key.splitlines()[1], response.text, 'the key is not sent back to the browser')
        self.assertFalse(order)

    def test_customers_read_plain_words_not_ca_internals(self):
        self.authenticate('portal', 'portal')
        _response, order = self._buy(unique_domain('never'))
        with self.saved() as env:
            order.with_env(env).write({'transient_failures': 1, 'ca_status_code': -14,
                                       'last_error': 'Comodo error -14: internal detail of the CA',
                                       'last_ca_answer': 'raw answer of the CA'})
        page = self.url_open(order.portal_url).text
        self.assertIn('could not take the order yet; we retry automatically', page)
        for internal in ('Comodo error', 'internal detail', 'raw answer'):
            self.assertNotIn(internal, page)

    def test_a_company_that_keeps_no_keys_deletes_one_once_downloaded(self):
        with self.saved() as env:
            self._company(env, comodo_keep_private_keys=False)
        self.authenticate('portal', 'portal')
        self.assertIn('We do not keep private keys', self.url_open('/my/certificates/buy').text)
        _response, order = self._buy(unique_domain('instant'))
        self._place(order)
        self.assertEqual(order.state, 'issued')
        download = '/my/certificates/%d/download/key' % order.id
        self.assertIn('PRIVATE KEY', self._post(download, order.portal_url).text)
        self.env.cache.invalidate()
        self.assertFalse(self.env['comodo.certificate.key'].sudo().search([('order_id', '=', order.id)]))
        again = self._post(download, order.portal_url)
        self.assertEqual(again.status_code, 404)
        self.assertIn('no longer kept', again.text)
        pfx = self._post('/my/certificates/%d/download/pfx' % order.id, order.portal_url, password='s3cret-pfx')
        self.assertIn('no longer kept', pfx.text)

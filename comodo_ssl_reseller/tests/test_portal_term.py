"""The customer's own actions on a term: reissue with a new key, revoke, auto-renewal; nobody
else's customer can do any of them."""
import re

from .common import unique_domain
from .portal_common import PortalCase

ISSUED_STEP = re.compile(r'o_comodo_step_(\w+)">\s*<i class="[^"]*"></i>\s*Issued')


class TestPortalTerm(PortalCase):

    def _keys(self, order):
        return self.env['comodo.certificate.key'].sudo().search([('order_id', '=', order.id)])

    def test_the_owner_reissues_with_a_new_key(self):
        order = self._issued_order()
        page = self.url_open(order.portal_url).text
        self.assertIn('o_comodo_term_certificates', page)
        self.assertIn(order.serial_number, page)
        # The term's certificates read in the same zone as the rest of the page, and say which.
        valid_from = re.search(r'o_comodo_valid_from">([^<]+)<', page).group(1)
        term_rows = page[page.index('o_comodo_term_certificates'):]
        self.assertIn(valid_from, term_rows, 'the first certificate starts when the order page says')
        first = order.certificate_id

        reissued = self._post('/my/certificates/%d/reissue' % order.id, order.portal_url)
        self.assertIn('A new key and certificate are on their way', reissued.text)
        self.env.cache.invalidate()
        self.assertEqual(order.state, 'reissue')
        self.assertEqual(len(self._keys(order)), 2)
        issued_step = ISSUED_STEP.search(self.url_open(order.portal_url).text)
        self.assertEqual(issued_step.group(1), 'done', 'the timeline still shows the term as issued')
        self.assertEqual(self.env['comodo.portal.ca.call'].sudo().search_count(
            [('partner_id', '=', self.customer.id), ('action', '=', 'reissue')]), 1, 'counted as a call to Comodo')

        with self.saved() as env:
            order.with_env(env)._job_reissue()
        self.assertEqual(order.state, 'issued')
        self.assertNotEqual(order.certificate_id, first)
        self.assertEqual(order.ca_order_number, first.ca_order_number)
        self.assertEqual(first.state, 'superseded')
        self.assertIn(order.certificate_id.serial_number, self.url_open(order.portal_url).text)

    def test_the_owner_revokes_and_turns_auto_renewal_off(self):
        order = self._issued_order()
        turned_off = self._post('/my/certificates/%d/auto-renew' % order.id, order.portal_url, auto_renew='0')
        self.assertIn('Auto-renewal turned off', turned_off.text)
        self.env.cache.invalidate()
        self.assertFalse(order.auto_renew)

        revoked = self._post('/my/certificates/%d/revoke' % order.id, order.portal_url, reason='key leaked')
        self.assertIn('Certificate revoked', revoked.text)
        self.env.cache.invalidate()
        self.assertEqual((order.state, order.certificate_id.state), ('revoked', 'revoked'))
        # In test mode the CA is asked with test=Y: the call is made, the sandbox keeps the certificate.
        self.assertEqual(len(self.sandbox.find_calls('AutoRevokeSSL', order.ca_order_number)), 1)
        self.assertIn('no certificate to revoke', self._post('/my/certificates/%d/revoke' % order.id,
                                                             order.portal_url).text)

    def test_auto_renewal_is_not_offered_again_once_the_renewal_was_cancelled(self):
        with self.saved() as env:
            env.ref('base.main_company').comodo_renewal_days = 45
        order = self._issued_order()
        self.assertIn('invoiced 45 days before this one ends',
                      ' '.join(self.url_open(order.portal_url).text.split()), 'the company\'s setting, not a fixed 30')
        with self.saved() as env:
            order.with_env(env)._create_renewal()
        self._post('/my/certificates/%d/auto-renew' % order.id, order.portal_url, auto_renew='0')
        self.env.cache.invalidate()
        self.assertEqual((order.auto_renew, order.renewal_ids.state), (False, 'cancelled'))

        page = self.url_open(order.portal_url).text
        self.assertIn('this term\'s renewal did not go ahead', ' '.join(page.split()))
        self.assertNotIn('Turn auto-renewal on', page, 'no button that could not renew the term')
        refused = self._post('/my/certificates/%d/auto-renew' % order.id, order.portal_url, auto_renew='1')
        self.assertIn('can no longer be renewed. Order a new certificate for %s instead.' % order.domain,
                      refused.text)
        self.env.cache.invalidate()
        self.assertFalse(order.auto_renew)

    def test_auto_renewal_off_after_the_renewal_was_paid_leaves_that_renewal(self):
        order = self._issued_order()
        with self.saved() as env:
            renewal = order.with_env(env)._create_renewal()
            renewal.write({'state': 'pending'})  # paid and ordered from Comodo
        self._post('/my/certificates/%d/auto-renew' % order.id, order.portal_url, auto_renew='0')
        self.env.cache.invalidate()
        self.assertEqual((order.auto_renew, order.renewal_ids.state), (False, 'pending'))

        page = ' '.join(self.url_open(order.portal_url).text.split())
        self.assertIn('the renewal already made, %s, still follows this term' % order.renewal_ids.name, page)
        self.assertNotIn('did not go ahead', page)

    def test_reissue_and_revoke_count_against_the_hourly_limit(self):
        with self.saved() as env:
            env.ref('base.main_company').comodo_portal_ca_calls_per_hour = 1
        order = self._issued_order()
        self._post('/my/certificates/%d/reissue' % order.id, order.portal_url)
        refused = self._post('/my/certificates/%d/revoke' % order.id, order.portal_url)
        self.assertIn('limit of 1 requests to the certificate authority', refused.text)
        self.env.cache.invalidate()
        self.assertEqual(order.state, 'reissue', 'not revoked')

    def test_the_owner_corrects_the_domain_before_comodo_decides(self):
        self.authenticate('portal', 'portal')
        _response, order = self._buy(unique_domain('never'))
        self._place(order)
        ca_order_number, old_key = order.ca_order_number, order.sudo().private_key_pem
        self.assertIn('o_comodo_fix_domain', self.url_open(order.portal_url).text)
        fixed_domain = unique_domain('never')
        fixed = self._post('/my/certificates/%d/domain/fix' % order.id, order.portal_url, domain=fixed_domain)
        self.assertIn('Domain corrected', fixed.text)
        self.env.cache.invalidate()
        self.assertEqual((order.domain, order.ca_order_number, order.state), (fixed_domain, ca_order_number, 'pending'))
        self.assertNotEqual(order.sudo().private_key_pem, old_key)
        self.assertEqual(self.sandbox.find_orders(orderNumber=ca_order_number)[0]['commonName'], fixed_domain)
        self.assertEqual(len(self.sandbox.find_orders(foreignOrderNumber=order.foreign_order_number)), 1,
                         'no new CA order')

        self.sandbox.approve(ca_order_number)
        with self.saved() as env:
            order.with_env(env).action_check()
        self.assertEqual(order.state, 'issued')
        refused = self._post('/my/certificates/%d/domain/fix' % order.id, order.portal_url,
                             domain=unique_domain('never'))
        self.assertIn('is not waiting for validation', refused.text)

    def test_another_customer_can_do_none_of_it(self):
        order = self._issued_order()
        pending = self._buy(unique_domain('never'))[1]
        self._place(pending)
        calls = len(self.sandbox.calls())
        self.authenticate('portal_nossl', 'portal_nossl')
        for url, data in (('/my/certificates/%d/reissue' % order.id, {}),
                          ('/my/certificates/%d/revoke' % order.id, {}),
                          ('/my/certificates/%d/auto-renew' % order.id, {'auto_renew': '0'}),
                          ('/my/certificates/%d/dcv/change' % pending.id, {'dcv_method': 'HTTP_CSR_HASH'}),
                          ('/my/certificates/%d/domain/fix' % pending.id, {'domain': unique_domain('never')})):
            response = self._post(url, '/my', **data)
            self.assertEqual(response.status_code, 404, url)
        self.env.cache.invalidate()
        self.assertEqual((order.state, order.auto_renew, pending.dcv_method), ('issued', True, 'CNAME_CSR_HASH'))
        self.assertEqual(self.sandbox.find_orders(orderNumber=pending.ca_order_number)[0]['commonName'], pending.domain)
        self.assertEqual(len(self._keys(order)), 1)
        self.assertEqual(len(self.sandbox.calls()), calls, 'nothing sent to the CA')

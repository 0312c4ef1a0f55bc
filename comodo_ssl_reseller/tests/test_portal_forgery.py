"""What another site, a forged link or a leaked share token can make the portal do or say.

Another site can make a logged-in customer's browser send a GET or a form without Odoo's CSRF
token; a link can carry any ?message= or ?error=; a token once given in a share link (or any token)
can be tried on the page, the downloads and Odoo's portal chatter. None of it changes anything,
shows text of the link's author, or posts in the customer's name; and the customer reads plain
words where the CA answered with its codes, which go to the staff in the order's chatter.
"""
import re
import uuid
import xmlrpc.client

from .common import load_migration, unique_domain
from .portal_common import PortalCase

# Every route that changes something, with a form that would do it if the CSRF token were there.
STATE_CHANGING = [
    ('/dcv/resend', {}),
    ('/dcv/change', {'dcv_method': 'CNAME_CSR_HASH'}),
    ('/domain/fix', {'domain': 'fixed.example.com'}),
    ('/reissue', {}),
    ('/revoke', {'reason': 'forged'}),
    ('/auto-renew', {'auto_renew': '0'}),
    ('/download/key', {}),
    ('/download/pfx', {'password': 'long enough password'}),
]
FORGED_TEXT = 'Pay the renewal at evil.example.net'
LOGIN_FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')


class TestPortalForgery(PortalCase):

    def _issued(self, keep_keys=True):
        with self.saved() as env:
            env.ref('base.main_company').comodo_keep_private_keys = keep_keys
        return self._issued_order()

    def _keys(self, order):
        self.env.cache.invalidate()
        return self.env['comodo.certificate.key'].sudo().search_count([('order_id', '=', order.id)])

    def _fingerprint(self, order):
        self.env.cache.invalidate()
        stored = order.sudo().read(['state', 'domain', 'dcv_method', 'auto_renew', 'write_date'])
        return stored, self._keys(order), len(self.sandbox.calls())

    # -- item: a cross-site request changes nothing --------------------------------------------

    def test_a_cross_site_get_neither_returns_nor_deletes_the_key(self):
        order = self._issued(keep_keys=False)
        self.assertEqual(self._keys(order), 1)
        page = self.url_open(order.portal_url).text
        self.assertRegex(page, r'<form[^>]*action="/my/certificates/%d/download/key"' % order.id,
                         'the key is a form (POST) on the page, not a link')
        fetched = self.url_open('/my/certificates/%d/download/key' % order.id)
        self.assertEqual(fetched.status_code, 404)
        self.assertNotIn('PRIVATE KEY', fetched.text)
        self.assertEqual(self._keys(order), 1, 'a GET deletes nothing')

        downloaded = self._post('/my/certificates/%d/download/key' % order.id, order.portal_url)
        self.assertIn('PRIVATE KEY', downloaded.text)
        self.assertEqual(downloaded.headers['Content-Disposition'], 'attachment; filename="%s.key"' % order.domain)
        self.assertEqual(self._keys(order), 0, 'the POST with the CSRF token downloads, then deletes, the key')

    def test_no_route_changes_anything_without_the_csrf_token(self):
        order = self._issued(keep_keys=False)
        before = self._fingerprint(order)
        failures = []
        for suffix, form in STATE_CHANGING:
            for method in ('GET', 'POST'):
                url = order.portal_url + suffix
                response = self.url_open(url) if method == 'GET' else self.url_open(url, data=form)
                if response.status_code not in (400, 404, 405) or 'PRIVATE KEY' in response.text:
                    failures.append('%s %s without the CSRF token: HTTP %d' % (method, suffix, response.status_code))
        self.assertEqual(failures, [])
        self.assertEqual(self._fingerprint(order), before, 'nothing changed, nothing sent to the CA')

    # -- item: the page says only our own sentences ----------------------------------------------

    def test_the_address_cannot_put_text_in_the_page(self):
        order = self._issued()
        for query in ('?message=%s' % FORGED_TEXT, '?error=%s' % FORGED_TEXT,
                      '?message=dcv_resent&error=%s' % FORGED_TEXT):
            page = self.url_open(order.portal_url + query).text
            self.assertNotIn(FORGED_TEXT, page, query)
        self.assertNotIn('alert-success', self.url_open(order.portal_url + '?message=no_such_code').text,
                         'an unknown code shows nothing')
        known = self.url_open(order.portal_url + '?message=dcv_resent').text
        self.assertIn('<div class="alert alert-success" role="status">Validation email sent again.</div>', known)

    def test_a_ca_refusal_reaches_the_customer_in_plain_words_and_the_staff_in_the_chatter(self):
        self.authenticate('portal', 'portal')
        _response, order = self._buy(unique_domain('never'), dcv_method='EMAIL', dcv_email='admin@example.com')
        self._place(order)
        self.assertEqual(order.state, 'pending')
        resend = '/my/certificates/%d/dcv/resend' % order.id
        for kind, code, words in (
                ('error', -4, 'The certificate authority did not accept this request'),
                ('error', -16, 'our staff has been told'),
                ('drop', None, 'could not be reached just now')):
            fault = {'code': code} if code else {}
            self.sandbox.plan_fault(kind, action='ResendDCVEmail', **fault)
            answer = self._post(resend, order.portal_url)
            self.assertEqual(answer.status_code, 400, kind)
            self.assertIn(words, answer.text, kind)
            for internal in ('Comodo error', 'error -', 'ResendDCVEmail', 'could not reach the CA', 'Planned fault',
                             'Connection aborted'):
                self.assertNotIn(internal, answer.text, '%s %s' % (kind, code))
            self.assertNotIn(words, self.url_open(order.portal_url).text, 'said once, not carried in the address')
        self.env.cache.invalidate()
        notes = order.sudo().message_ids.mapped('body')
        for code in ('-4', '-16'):
            self.assertTrue([note for note in notes if 'Comodo error %s' % code in note and 'resend' in note],
                            'the staff read the CA code %s in the chatter' % code)

    # -- item: share tokens ----------------------------------------------------------------------

    def test_an_update_drops_the_share_tokens_earlier_versions_stored(self):
        order = self._issued()
        cr = self.env.cr
        cr.execute('ALTER TABLE comodo_certificate_order ADD COLUMN IF NOT EXISTS access_token varchar')
        cr.execute('UPDATE comodo_certificate_order SET access_token = %s WHERE id = %s', (str(uuid.uuid4()), order.id))
        migration = load_migration('11.0.1.4.0', 'post-portal-share-tokens')
        migration.migrate(cr, '11.0.1.3.0')
        self.assertFalse(self._share_token_column())
        migration.migrate(cr, '11.0.1.3.0')  # run twice: nothing fails
        self.assertEqual(self.env['comodo.certificate.order'].sudo().browse(order.id).domain, order.domain)

    def _share_token_column(self):
        self.env.cr.execute("""SELECT 1 FROM information_schema.columns
                               WHERE table_name = 'comodo_certificate_order' AND column_name = 'access_token'""")
        return bool(self.env.cr.fetchone())

    def _tokens_a_link_could_carry(self, order):
        """The order's share token where the database still has one (share links before this
        release stored it per order), a token of that shape, and a non-ASCII one."""
        tokens = [str(uuid.uuid4()), 'é', '\u00e9' * 36]
        if self._share_token_column():
            self.env.cr.execute('SELECT access_token FROM comodo_certificate_order WHERE id = %s', (order.id,))
            tokens.insert(0, self.env.cr.fetchone()[0])
        return tokens

    def test_no_token_opens_the_page_or_posts_as_the_customer(self):
        order = self._issued()
        tokens = self._tokens_a_link_could_carry(order)
        messages = self._messages(order)
        self.authenticate(None, None)
        self.opener.cookies.clear()
        for token in tokens:
            for path in ('', '/download/certificate', '/download/key'):
                response = self.url_open('%s%s?access_token=%s' % (order.portal_url, path, token))
                self.assertNotEqual(response.status_code, 500, path + token)
                self.assertNotIn(order.domain, response.text, path)
                self.assertNotIn('BEGIN', response.text, path)
                self.assertIn('/web/login', response.url, 'a page for logged-in customers')
            # As Odoo's chatter form sends it (it redirects back to the page it came from).
            posted = self.opener.post(self.base_url() + '/mail/chatter_post', headers={'Referer': self.base_url()},
                                      data={'res_model': 'comodo.certificate.order', 'res_id': order.id, 'token': token,
                                            'message': 'Anonymous words in the customer\'s name',
                                            'csrf_token': self._anonymous_csrf()})
            self.assertEqual(posted.status_code, 404, token)
            fetched = self.opener.post(self.base_url() + '/mail/chatter_fetch', json={
                'jsonrpc': '2.0', 'method': 'call', 'id': 1,
                'params': {'res_model': 'comodo.certificate.order', 'res_id': order.id, 'token': token}}).json()
            self.assertNotIn('result', fetched, token)
        self.assertEqual(self._messages(order), messages, 'nothing posted on the order')

    def _anonymous_csrf(self):
        return LOGIN_FORM_CSRF.search(self.url_open('/web/login').text).group(1)

    def _messages(self, order):
        self.env.cache.invalidate()
        return self.env['mail.message'].sudo().search_count([('model', '=', order._name), ('res_id', '=', order.id)])

    def test_the_salesman_reads_no_share_token(self):
        order = self._issued()
        db, login = self.env.cr.dbname, 'demo'
        uid = self.xmlrpc_common.authenticate(db, login, login, {})
        self.assertTrue(uid)
        self.assertTrue(self.xmlrpc_object.execute_kw(db, uid, login, 'comodo.certificate.order', 'read',
                                                      [[order.id], ['domain']]), 'the salesman reads the order')
        answers = []
        for method, args, kwargs in (
                ('read_group', [[('id', '=', order.id)], ['access_token'], ['access_token']], {}),
                ('read_group', [[], ['domain'], ['access_token']], {'lazy': False}),
                ('search_read', [[('id', '=', order.id)], []], {}),
                ('export_data', [[order.id], ['access_token']], {})):
            try:
                answers.append(repr(self.xmlrpc_object.execute_kw(db, uid, login, 'comodo.certificate.order',
                                                                  method, args, kwargs)))
            except xmlrpc.client.Fault:
                answers.append('refused')
        self.assertEqual([UUID.findall(answer) for answer in answers], [[]] * len(answers), answers)

import re

from cryptography import x509
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from comodo_client import dcv_instructions
from .common import unique_domain
from .portal_common import PortalCase


def _public_key(pem_object):
    return pem_object.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)


class TestCertificatePortal(PortalCase):
    """Every /my/certificates route, and every refusal."""

    def test_a_purchase_is_logged_as_the_customer_and_sold_by_their_salesperson(self):
        """The sale and its invoice name the customer's salesperson, and the sale's chatter says the
        customer bought it: nothing in the administrator's name, who never took part."""
        salesman = self.env.ref('base.user_demo')
        with self.saved() as env:
            env['res.partner'].browse(self.customer.id).user_id = salesman
        self.authenticate('portal', 'portal')
        _response, order = self._buy(unique_domain('instant'))
        sale = order.sale_order_id
        self.assertEqual(sale.user_id, salesman)
        self.assertEqual(order.invoice_ids.user_id, salesman)
        administrator = self.env.ref('base.user_root').partner_id
        self.assertEqual(sale.message_ids.filtered(lambda message: message.author_id == administrator)
                         .mapped(lambda message: message.body or message.tracking_value_ids.mapped('field')), [],
                         'no line of the sale is in the name of the administrator')
        bought = sale.message_ids.filtered(lambda message: 'Bought on the customer portal' in message.body)
        self.assertEqual(bought.author_id, self.customer)

    def test_buy_follow_and_download(self):
        self.authenticate('portal', 'portal')
        listing = self.url_open('/my/certificates')
        self.assertEqual(listing.status_code, 200)
        self.assertIn('Buy a certificate', listing.text)
        buy_page = self.url_open('/my/certificates/buy')
        self.assertIn('PositiveSSL, 1 year', buy_page.text)
        self.assertIn('7.95', buy_page.text, "the customer's plan price is shown")
        self.assertNotIn('EliteSSL', buy_page.text, 'an unpriced type is never offered')

        domain = unique_domain('instant')
        response, order = self._buy(domain)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith('/my/certificates/%d' % order.id))
        self.assertEqual(order.partner_id, self.customer)
        self.assertEqual(order.sale_order_id.state, 'sale')
        self.assertEqual(order.sale_order_id.amount_untaxed, 7.95)
        self.assertIn('ordering your certificate', response.text)
        self._place(order)
        self.assertEqual(order.state, 'issued')

        page = self.url_open(order.portal_url)
        self.assertIn('Issued: your certificate is valid', page.text)
        self.assertIn('no web server of ours is set for this domain', page.text)
        self.assertNotIn('we are installing', page.text)
        self.assertIn('o_comodo_step_done', page.text)
        self.assertIn('/my/invoices/%d' % order.invoice_ids.id, page.text)
        self.assertIn('SSL Certificates', self.url_open('/my/home').text)

        certificate_pem = self.url_open('/my/certificates/%d/download/certificate' % order.id)
        self.assertEqual(certificate_pem.headers['Content-Type'], 'application/x-pem-file')
        certificate = x509.load_pem_x509_certificate(certificate_pem.content, default_backend())
        key_pem = self._post('/my/certificates/%d/download/key' % order.id, order.portal_url).content
        key = serialization.load_pem_private_key(key_pem, None, default_backend())
        self.assertEqual(_public_key(key), _public_key(certificate), 'the key Odoo made fits')
        full_chain = self.url_open('/my/certificates/%d/download/fullchain' % order.id).text
        self.assertEqual(full_chain.count('BEGIN CERTIFICATE'), 3, 'leaf, intermediate, root')
        self.assertTrue(full_chain.startswith(certificate_pem.text.strip()))

        pfx = self._post('/my/certificates/%d/download/pfx' % order.id, order.portal_url,
                         password='s3cret-pfx')
        self.assertIn('attachment', pfx.headers['Content-Disposition'])
        pfx_key, pfx_certificate, pfx_chain = pkcs12.load_key_and_certificates(
            pfx.content, b's3cret-pfx', default_backend())
        self.assertEqual(_public_key(pfx_key), _public_key(pfx_certificate))
        self.assertEqual(pfx_certificate.serial_number, certificate.serial_number)
        self.assertEqual(len(pfx_chain), 2)
        short = self._post('/my/certificates/%d/download/pfx' % order.id, order.portal_url, password='short')
        self.assertIn('at least 8 characters', short.text)

    def test_dcv_instructions_and_actions(self):
        self.authenticate('portal', 'portal')
        domain = unique_domain('never')
        _response, order = self._buy(domain, dcv_method='HTTP_CSR_HASH')
        self._place(order)
        self.assertEqual(order.state, 'pending')
        expected = dcv_instructions(order.csr_pem, 'HTTP_CSR_HASH', domain, order.unique_value)
        page = self.url_open(order.portal_url).text
        self.assertIn(expected.file_urls[0], page)
        self.assertIn(expected.file_content.split('\n')[0], page)
        self.assertIn('Publish the file below', page)

        changed = self._post('/my/certificates/%d/dcv/change' % order.id, order.portal_url,
                             dcv_method='CNAME_CSR_HASH')
        self.assertIn('Validation method changed', changed.text)
        order.invalidate_cache()
        self.assertEqual(order.dcv_method, 'CNAME_CSR_HASH')
        cname = dcv_instructions(order.csr_pem, 'CNAME_CSR_HASH', domain, order.unique_value)
        self.assertIn(cname.cname_name, changed.text)
        self.assertIn(cname.cname_target, changed.text)
        self.assertTrue(self.sandbox.find_calls('AutoUpdateDCV', order.ca_order_number))

        approver = 'admin@' + domain
        self._post('/my/certificates/%d/dcv/change' % order.id, order.portal_url,
                   dcv_method='EMAIL', dcv_email=approver)
        resent = self._post('/my/certificates/%d/dcv/resend' % order.id, order.portal_url)
        self.assertIn('Validation email sent again', resent.text)
        self.assertIn(approver, resent.text)
        self.assertTrue(self.sandbox.find_calls('ResendDCVEmail', order.ca_order_number))

    def test_email_validation_asks_for_an_approver_from_the_ca(self):
        self.authenticate('portal', 'portal')
        domain = unique_domain('www')
        response, order = self._buy(domain, dcv_method='EMAIL')
        self.assertFalse(order, 'nothing bought before the approver is chosen')
        self.assertIn('admin@%s' % domain.split('.', 1)[1], response.text)
        response, order = self._buy(domain, dcv_method='EMAIL', dcv_email='webmaster@' + domain)
        self.assertEqual(order.dcv_email, 'webmaster@' + domain)

    def test_refusals_when_buying(self):
        self.authenticate('portal', 'portal')
        bad_csr = self._buy(unique_domain('www'), csr='-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n'
                                                        '-----END CERTIFICATE REQUEST-----')[0]
        self.assertEqual(bad_csr.status_code, 400)
        self.assertIn('o_comodo_buy_error', bad_csr.text)
        unpriced = self.env.ref('comodo_ssl_reseller.certificate_term_elitessl_365')
        response, order = self._buy(unique_domain('www'), term_id=unpriced.id)
        self.assertEqual(response.status_code, 400)
        self.assertIn('Choose one of the certificates offered', response.text)
        self.assertFalse(order)
        wildcard = self._buy(unique_domain('www'), term_id=self.env.ref(
            'comodo_ssl_reseller.certificate_term_positivessl_wildcard_365').id)[0]
        self.assertEqual(wildcard.status_code, 400)
        self.assertIn('*.', wildcard.text)
        for domain, message in (('bücher.example.com', 'not a valid public domain name'),
                                ('x' * 60 + '.example.com', 'too long'),
                                ('www.example.com', 'Choose how the domain is validated')):
            response = self._buy(domain, dcv_method='PIGEON' if 'www.' in domain else 'CNAME_CSR_HASH')[0]
            self.assertEqual(response.status_code, 400, domain)
            self.assertIn(message, response.text)
        self.assertFalse(self.env['sale.order'].search([('partner_id', '=', self.customer.id),
                                                         ('origin', '=', 'Customer portal')]),
                         'a refused purchase leaves no quotation behind')

    def test_key_material_is_out_of_reach_of_rpc(self):
        self.authenticate('portal', 'portal')
        _response, order = self._buy(unique_domain('instant'))
        self._place(order)
        for method, args in (('_certificate_bundle', ['key']), ('_certificate_pkcs12', ['long enough'])):
            answer = self.opener.post(self.base_url() + '/web/dataset/call_kw', json={
                'jsonrpc': '2.0', 'method': 'call', 'id': 1, 'params': {
                    'model': 'comodo.certificate.order', 'method': method,
                    'args': [[order.id]] + args, 'kwargs': {}}}).json()
            self.assertIn('error', answer, method)
            self.assertNotIn('PRIVATE KEY', str(answer))
        fields = self.opener.post(self.base_url() + '/web/dataset/call_kw', json={
            'jsonrpc': '2.0', 'method': 'call', 'id': 2, 'params': {
                'model': 'comodo.certificate.order', 'method': 'read',
                'args': [[order.id], ['domain', 'private_key_pem']], 'kwargs': {}}}).json()
        self.assertIn('error', fields, 'the private key field is for SSL managers only')

    def test_customer_without_ssl_module_is_refused_everywhere(self):
        self.authenticate('portal_nossl', 'portal_nossl')
        for page in ('/my/certificates', '/my/certificates/buy'):
            response = self.url_open(page)
            self.assertEqual(response.status_code, 403, page)
            self.assertIn('SSL module', response.text)
        refused = self._post('/my/certificates/buy', '/my/home', term_id=self.term.id,
                             domain=unique_domain('www'), dcv_method='CNAME_CSR_HASH')
        self.assertEqual(refused.status_code, 403)
        self.assertFalse(self.env['comodo.certificate.order'].search([('partner_id', '=', self.other_customer.id)]))

    def test_another_customers_order_is_not_found(self):
        self.authenticate('portal', 'portal')
        _response, order = self._buy(unique_domain('instant'))
        self._place(order)
        self.authenticate('portal_nossl', 'portal_nossl')
        for path in ('', '/download/certificate'):
            self.assertEqual(self.url_open(order.portal_url + path).status_code, 404, path)
        for path in ('/dcv/resend', '/dcv/change', '/download/key', '/download/pfx'):
            response = self._post(order.portal_url + path, '/my/home', password='long enough', dcv_method='EMAIL')
            self.assertEqual(response.status_code, 404, path)
        self.assertEqual(self.url_open('/my/certificates/999999999').status_code, 404)
        page = self.url_open(order.portal_url).text
        self.assertIn('o_comodo_not_found', page, "the portal's own 404 page, not werkzeug's bare one")
        self.assertNotIn(order.domain, page)

    def test_a_logged_out_visitor_is_asked_to_log_in(self):
        # No share links: the customer's mails link to pages that need the customer's login.
        self.authenticate('portal', 'portal')
        _response, order = self._buy(unique_domain('instant'))
        self._place(order)
        self.authenticate(None, None)
        self.opener.cookies.clear()
        for path in ('', '/download/certificate', '/download/chain', '/download/fullchain'):
            response = self.url_open(order.portal_url + path)
            self.assertEqual(response.status_code, 200, path)
            self.assertIn('/web/login', response.url, path)
            self.assertNotIn(order.domain, response.text, path)
            self.assertNotIn('BEGIN CERTIFICATE', response.text, path)

    def test_plan_losing_ssl_keeps_issued_certificates_visible(self):
        self.authenticate('portal', 'portal')
        _response, order = self._buy(unique_domain('instant'))
        self._place(order)
        with self.saved():
            self.business_plan.write({'comodo_ssl': False, 'ssl_module': False})
        listing = self.url_open('/my/certificates')
        self.assertEqual(listing.status_code, 200)
        self.assertIn(order.domain, listing.text)
        self.assertNotIn('/my/certificates/buy', listing.text)
        page = self.url_open(order.portal_url)
        self.assertEqual(page.status_code, 200)
        self.assertIn('no longer includes the SSL module', page.text)
        self.assertEqual(self.url_open('/my/certificates/%d/download/certificate' % order.id).status_code, 403)
        self.assertEqual(self.url_open('/my/certificates/buy').status_code, 403)

    def test_list_is_paginated_and_searchable(self):
        with self.saved() as env:
            for index in range(23):
                env['comodo.certificate.order'].create({
                    'partner_id': self.customer.id, 'term_id': self.term.id,
                    'domain': 'site%02d.paging.example.com' % index})
        self.authenticate('portal', 'portal')
        first = self.url_open('/my/certificates').text
        self.assertEqual(first.count('.paging.example.com</a>'), 20)
        self.assertIn('/my/certificates/page/2', first)
        self.assertEqual(self.url_open('/my/certificates/page/2').text.count('.paging.example.com</a>'), 3)
        found = self.url_open('/my/certificates?search=site07').text
        self.assertEqual(found.count('.paging.example.com</a>'), 1)
        self.assertIn('site07.paging.example.com', found)

    def test_a_rejection_says_the_ca_did_not_issue_it_and_what_to_do_next(self):
        self.authenticate('portal', 'portal')
        _response, order = self._buy(unique_domain('www'))
        self._place(order)
        self.sandbox.reject(order.ca_order_number)
        with self.saved() as env:
            order.with_env(env)._job_check()
        self.assertEqual(order.state, 'rejected')

        page = self.url_open(order.portal_url).text
        self.assertIn('The certificate authority did not issue this certificate, and you owe nothing for it: '
                      'its invoice was credited', page)
        self.assertIn('What to do now: </strong>Buy the certificate again', page)
        self.assertIn('href="/my/certificates/buy"', page)
        self.assertIn('href="mailto:%s"' % order.company_id.email, page)
        invoices = self.url_open('/my/invoices').text
        credit_note = order.invoice_ids.filtered(lambda invoice: invoice.type == 'out_refund')
        self.assertEqual(credit_note.state, 'paid', 'the accounting state is left alone')
        row = invoices.split('title="%s"' % credit_note.number)[1].split('</tr>')[0]
        self.assertIn('Credited', row)
        self.assertNotIn('Paid', row)
        invoice = order.invoice_ids - credit_note
        self.assertEqual((invoice.state, invoice.comodo_credited, credit_note.comodo_credited), ('paid', True, True))
        back_office_list = self.env['account.invoice'].fields_view_get(
            self.env.ref('account.invoice_tree').id, 'tree')['arch']
        self.assertIn('<field name="comodo_credited" string="Credited"', back_office_list)

    def test_a_pasted_web_address_is_bought_as_its_name(self):
        self.authenticate('portal', 'portal')
        domain = unique_domain('instant')
        response = self._post('/my/certificates/buy', '/my/certificates/buy', term_id=self.term.id, domain='',
                              external_domain='https://%s/shop/?page=1' % domain.upper(), dcv_method='CNAME_CSR_HASH')
        self.env.cache.invalidate()
        order = self.env['comodo.certificate.order'].search([('domain', '=', domain)])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(order), 1, 'bought as %s' % domain)
        self._place(order)
        self.assertEqual(order.state, 'issued')

        page = self.url_open(order.portal_url).text
        self.assertNotIn('<code>%s' % order.serial_number, page, 'the serial number is not styled like an error')
        self.assertIn('<span class="o_comodo_serial" style="font-family: monospace;">%s' % order.serial_number, page)
        self.assertIn(order.term_starts_at[:10], page.split('o_comodo_term_starts')[1][:60])
        self.assertIsNone(re.search(r'\d{2}/\d{2}/\d{4}', page), 'every date on the page in one format')

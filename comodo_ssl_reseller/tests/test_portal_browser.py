"""Every portal form used as a customer uses it: in a real Chromium, typing and clicking.

Headless Chromium (Debian's `chromium` and `chromium-driver`, installed by `make test`) driven by
selenium against the test server. One browser per class; each login is typed once into Odoo's login
form and its session reused by the class's later tests. Every test ends in what the customer sees
and what was stored, in Odoo and at the sandbox CA. The CA work the job runner would do next is run
by the test (`_place`).
"""
import os
import shutil
import subprocess
import tempfile
import time
from datetime import datetime
from types import SimpleNamespace

import pytz
from cryptography import x509
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from comodo_client import dcv_instructions, full_chain_pem
from .browser_common import WAIT, keep_page, start_chromium
from .common import unique_domain
from .portal_common import PortalCase

PFX_PASSWORD = 'browser-pfx-2026'

# What the customer reads (the portal's own words, in one place).
SENT_AGAIN = 'Validation email sent again.'
METHOD_CHANGED = 'Validation method changed.'
NO_SSL = 'SSL is not available for your account.'

USERS = {'portal': 'portal', 'portal_nossl': 'portal_nossl'}


def make_csr(domains, key_size=2048):
    """(key PEM, CSR PEM) as a customer makes them with openssl: CN = the first name, SANs = all."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size, backend=default_backend())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domains[0])]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in domains]), critical=False)
           .sign(key, hashes.SHA256(), default_backend()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem.decode('ascii'), csr.public_bytes(serialization.Encoding.PEM).decode('ascii')


def public_key_der(pem_object):
    return pem_object.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)


class PortalBrowserCase(PortalCase):
    """One Chromium for the class, logins typed once, and the steps a customer takes."""

    @classmethod
    def setUpClass(cls):
        super(PortalBrowserCase, cls).setUpClass()
        cls.downloads = tempfile.mkdtemp(prefix='comodo-downloads-')
        cls.browser = start_chromium(cls.downloads)
        cls.sessions = {}

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        shutil.rmtree(cls.downloads, True)
        super(PortalBrowserCase, cls).tearDownClass()

    def setUp(self):
        super(PortalBrowserCase, self).setUp()
        for name in os.listdir(self.downloads):
            os.remove(os.path.join(self.downloads, name))

    def tearDown(self):
        if any(error for _test, error in getattr(self._outcome, 'errors', [])):
            keep_page(self.browser, self.id().rsplit('.', 1)[-1])
        # No request of this test's last page may outlive its cursor.
        WebDriverWait(self.browser, WAIT).until(self._loaded)
        super(PortalBrowserCase, self).tearDown()

    # -- the browser -------------------------------------------------------------------------------

    def _open(self, path):
        self.browser.get(self.base_url() + path)

    def _find(self, selector):
        return self.browser.find_element(By.CSS_SELECTOR, selector)

    def _all(self, selector):
        return self.browser.find_elements(By.CSS_SELECTOR, selector)

    def _text(self, selector):
        return self._find(selector).text

    def _wait_for(self, selector, timeout=WAIT):
        try:
            WebDriverWait(self.browser, timeout).until(lambda browser: browser.find_elements(By.CSS_SELECTOR, selector)
                                                       and self._loaded(browser))
        except TimeoutException:
            self.fail('%s never appeared on %s' % (selector, self.browser.current_url))
        return self._find(selector)

    def _submit(self, element, then, action=None):
        """Click a form's button (or do `action`) and wait for the next page, one showing `then`."""
        browser = self.browser
        browser.execute_script('window.comodoPreviousPage = true')
        (action or element.click)()

        def arrived(browser):
            try:
                return (not browser.execute_script('return window.comodoPreviousPage === true')
                        and browser.find_elements(By.CSS_SELECTOR, then) and self._loaded(browser))
            except WebDriverException:  # between two pages
                return False

        try:
            WebDriverWait(browser, WAIT).until(arrived)
        except TimeoutException:
            self.fail('no page showing %s after the click (now on %s)' % (then, browser.current_url))
        return self._find(then)

    @staticmethod
    def _loaded(browser):
        """The page and its own requests done: its late ones (/website/translations) use the cursor
        the test shares with the server."""
        return browser.execute_script("return document.readyState === 'complete' && !(window.jQuery && jQuery.active)")

    def _type(self, selector, text):
        field = self._find(selector)
        field.clear()
        field.send_keys(text)
        return field

    def _login(self, login):
        """Log in through Odoo's login form, once per class and user; later the session is reused."""
        self._log_out()
        if login in self.sessions:
            self.browser.add_cookie({'name': 'session_id', 'value': self.sessions[login], 'path': '/'})
            return
        self._open('/web/login')
        self._type('input[name=login]', login)
        self._type('input[name=password]', USERS[login])
        self._submit(self._find('form.oe_login_form button[type=submit]'), '#o_logout')
        type(self).sessions[login] = self.browser.get_cookie('session_id')['value']

    def _log_out(self):
        """A visitor: no session at all (the cached ones stay valid for the next tests). Cookies
        are changed on a static file, whose answer sets none (a page's late requests would)."""
        self._open('/web/static/src/img/favicon.ico')
        self.browser.delete_all_cookies()

    def _fill_buy_form(self, domain, term=None, method='CNAME_CSR_HASH', extra_domains=None, csr=None):
        """The buy form, filled in as a customer does, for a domain its hosting holds (a wildcard:
        its base name); returns its submit button."""
        base = domain[2:] if domain.startswith('*.') else domain
        with self.stored() as env:
            held = env['comodo.hosted.domain'].search([('name', '=', base)])
        if not held:
            self._hold(self.customer, base)
        self._open('/my/certificates/buy')
        self._wait_for('form.o_comodo_buy_form')
        Select(self._find('select[name=term_id]')).select_by_value(str((term or self.term).id))
        Select(self._find('select[name=domain]')).select_by_value(domain)
        if extra_domains:
            self._type('textarea[name=extra_domains]', '\n'.join(extra_domains))
        Select(self._find('select[name=dcv_method]')).select_by_value(method)
        if csr:
            self._type('textarea[name=csr]', csr)
        return self._find('button.o_comodo_buy_submit')

    def _chosen_domain(self):
        return Select(self._find('select[name=domain]')).first_selected_option.get_attribute('value')

    def _buy(self, domain, **form):
        """Buy through the form; returns the order, its page open in the browser."""
        self._submit(self._fill_buy_form(domain, **form), '.o_comodo_state_words')
        return self._order(domain)

    def _order(self, domain):
        """The one order for the domain, whose page the browser shows."""
        with self.stored() as env:
            order = env['comodo.certificate.order'].search([('domain', '=', domain)])
            self.assertEqual(len(order), 1, 'one order for %s' % domain)
            self.assertTrue(self.browser.current_url.endswith(order.portal_url), "the page is the order's")
        return order

    def _stored(self, order):
        """What is stored about the order now, as plain values."""
        with self.stored():
            return SimpleNamespace(
                state=order.state, term=order.term_id, domains=order._domains(),
                extra_domains=order.extra_domains, dcv_method=order.dcv_method, dcv_email=order.dcv_email,
                ca_order_number=order.ca_order_number, unique_value=order.unique_value,
                csr_pem=order.csr_pem, key_generated=order.key_generated,
                private_key_pem=order.sudo().private_key_pem, certificate_pem=order.certificate_pem,
                chain_pem=order.chain_pem, sale_state=order.sale_order_id.state,
                sale_amount=order.sale_order_id.amount_untaxed)

    def _chatter_authors(self, order, text):
        """Who the order's chatter credits with the messages containing text."""
        with self.stored():
            return order.message_ids.filtered(lambda message: text in (message.body or '')).mapped('author_id')

    def _refused(self, button, domain, message):
        """Submit a purchase the portal must refuse: its message is on the page and nothing is ordered."""
        error = self._submit(button, '.o_comodo_buy_error')
        self.assertIn(message, error.text)
        self._assert_nothing_ordered(domain)
        return error

    def _assert_nothing_ordered(self, domain):
        with self.stored() as env:
            self.assertFalse(env['comodo.certificate.order'].search([('domain', '=', domain)]))
            self.assertFalse(env['sale.order.line'].search([('comodo_domain', '=', domain)]),
                             'no quotation left behind')
            self.assertFalse(env['sale.order'].search([('partner_id', '=', self.customer.id),
                                                       ('origin', '=', 'Customer portal')]))
        self.assertFalse(self.sandbox.find_orders(commonName=domain), 'nothing ordered from the CA')

    def _placed(self, order):
        """The CA order placed (the job runner's work), the customer's page shown again; returns
        what is stored about it then."""
        self._place(order)
        self.browser.refresh()
        self._wait_for('.o_comodo_state_words')
        return self._stored(order)

    def _ca_order(self, stored):
        """The sandbox CA's own record of the order."""
        found = self.sandbox.find_orders(orderNumber=stored.ca_order_number)
        self.assertEqual(len(found), 1)
        return found[0]

    def _downloaded(self, name, timeout=WAIT):
        """The bytes of a finished download (Chromium writes .crdownload until done)."""
        path = os.path.join(self.downloads, name)
        deadline = time.time() + timeout
        while not os.path.exists(path):
            if time.time() > deadline:
                self.fail('%s was not downloaded within %d s (found: %s)' % (name, timeout, os.listdir(self.downloads)))
            time.sleep(0.1)
        with open(path, 'rb') as handle:
            return handle.read()


class TestBuyingInBrowser(PortalBrowserCase):
    """The buy form with each validation method, a wildcard, several domains and the customer's own
    CSR, then the order page's actions, downloads and the list."""

    def setUp(self):
        super(TestBuyingInBrowser, self).setUp()
        self._login('portal')

    def test_the_readme_walkthrough_path_to_the_buy_form(self):
        with self.stored() as env:
            owned = env['comodo.certificate.order'].search_count([('partner_id', '=', self.customer.id)])
        self.assertEqual(owned, 0, 'a customer who owns no certificate yet')
        self._open('/my')
        self._wait_for('.o_portal_docs')
        self.assertIn('Your Documents', self.browser.page_source)
        self._submit(self.browser.find_element(By.LINK_TEXT, 'SSL Certificates'), 'a[href="/my/certificates/buy"]')
        self._submit(self._find('a[href="/my/certificates/buy"]'), 'form.o_comodo_buy_form')

    def test_buy_form_shows_every_box(self):
        self._open('/my/certificates/buy')
        for box in ('select[name=term_id]', 'select[name=domain]', 'input[name=external_domain]',
                    'textarea[name=extra_domains]', 'select[name=dcv_method]', 'textarea[name=csr]'):
            self.assertTrue(self._find(box).is_displayed(), box)
        offer = Select(self._find('select[name=term_id]')).first_selected_option
        self.assertIn('7.95', offer.get_attribute('textContent'), "the customer's plan price")

    def test_the_form_offers_the_customers_own_domains(self):
        """The demo's hosted domains: `portal` is offered its own names (the www / bare pair together,
        a wildcard over the bare one), never those of `portal2` on the same web server; a name hosted
        elsewhere goes in its own box."""
        self._open('/my/certificates/buy')
        offered = [option.get_attribute('value') for option in Select(self._find('select[name=domain]')).options]
        self.assertEqual(offered, ['', 'mysite.example.com', 'www.mysite.example.com',
                                   'www.mysite.example.com mysite.example.com', '*.mysite.example.com'])
        elsewhere = unique_domain('www')
        self._type('input[name=external_domain]', elsewhere)
        self._submit(self._find('button.o_comodo_buy_submit'), '.o_comodo_state_words')
        order = self._order(elsewhere)
        self.assertEqual(self._placed(order).domains, [elsewhere])
        with self.stored():
            self.assertFalse(order.hosted_domain_id, 'hosted elsewhere: no hosted domain')

    def test_email_validation_asks_for_the_approver_then_resends(self):
        domain = unique_domain('www')
        button = self._fill_buy_form(domain, method='EMAIL')
        approvers = self._submit(button, '.o_comodo_approvers select[name=dcv_email]')
        self._assert_nothing_ordered(domain)
        self.assertEqual(self._chosen_domain(), domain, 'the form is kept')
        approver = 'admin@' + domain
        self.assertIn(approver, [option.get_attribute('value') for option in Select(approvers).options],
                      'the addresses the CA accepts')
        Select(approvers).select_by_value(approver)
        self._submit(self._find('button.o_comodo_buy_submit'), '.o_comodo_state_words')
        order = self._order(domain)
        stored = self._placed(order)
        self.assertEqual((stored.state, stored.dcv_method, stored.dcv_email), ('pending', 'EMAIL', approver))
        self.assertEqual(self._ca_order(stored)['dcv'], [{'domain': domain, 'method': 'EMAIL', 'email': approver}])
        self.assertIn('emailed %s' % approver, self._text('.o_comodo_dcv'))
        self.assertIn(approver, self._text('.o_comodo_next_step'))

        self._submit(self._find('form[action$="/dcv/resend"] button'), '.alert-success')
        self.assertEqual(self._text('.alert-success'), SENT_AGAIN)
        self.assertEqual(self._ca_order(stored)['dcvResends'], 1)
        self.assertEqual(self._chatter_authors(order, 'Validation email sent again'), self.customer,
                         'the chatter credits the customer, not the administrator')

    def test_http_validation_shows_the_file_then_changes_to_dns(self):
        domain = unique_domain('www')
        order = self._buy(domain, method='HTTP_CSR_HASH')
        stored = self._placed(order)
        self.assertEqual(stored.state, 'pending')
        expected = dcv_instructions(stored.csr_pem, 'HTTP_CSR_HASH', domain, stored.unique_value)
        self.assertEqual(self._text('.o_comodo_file_url'), expected.file_urls[0])
        self.assertTrue(expected.file_urls[0].startswith('http://%s/.well-known/pki-validation/' % domain))
        self.assertEqual(self._text('.o_comodo_file_content'), expected.file_content)
        self.assertEqual(self._ca_order(stored)['dcv'][0]['method'], 'HTTP_CSR_HASH')

        approver_box = self._find('form[action$="/dcv/change"] input[name=dcv_email]')
        self.assertFalse(approver_box.is_displayed(), 'no approver box for a file or DNS method')
        Select(self._find('form[action$="/dcv/change"] select[name=dcv_method]')).select_by_value('CNAME_CSR_HASH')
        self.assertFalse(approver_box.is_displayed())
        self._submit(self._find('form[action$="/dcv/change"] button'), '.alert-success')
        self.assertEqual(self._text('.alert-success'), METHOD_CHANGED)
        cname = dcv_instructions(stored.csr_pem, 'CNAME_CSR_HASH', domain, stored.unique_value)
        self.assertEqual(self._text('.o_comodo_cname_name'), cname.cname_name)
        self.assertEqual(self._text('.o_comodo_cname_target'), cname.cname_target)
        self.assertFalse(self._all('.o_comodo_file_url'))
        self.assertEqual(self._stored(order).dcv_method, 'CNAME_CSR_HASH')
        self.assertEqual(self._ca_order(stored)['dcv'][0]['method'], 'CNAME_CSR_HASH')
        self.assertEqual(self._chatter_authors(order, 'Validation method changed'), self.customer)

    def test_https_validation_then_changes_to_email(self):
        domain = unique_domain('www')
        order = self._buy(domain, method='HTTPS_CSR_HASH')
        stored = self._placed(order)
        expected = dcv_instructions(stored.csr_pem, 'HTTPS_CSR_HASH', domain, stored.unique_value)
        self.assertTrue(expected.file_urls[0].startswith('https://%s/' % domain))
        self.assertEqual(self._text('.o_comodo_file_url'), expected.file_urls[0])
        self.assertEqual(self._text('.o_comodo_file_content'), expected.file_content)

        approver = 'webmaster@' + domain
        Select(self._find('form[action$="/dcv/change"] select[name=dcv_method]')).select_by_value('EMAIL')
        self._type('form[action$="/dcv/change"] input[name=dcv_email]', approver)
        self._submit(self._find('form[action$="/dcv/change"] button'), '.alert-success')
        self.assertEqual(self._text('.alert-success'), METHOD_CHANGED)
        self.assertIn('emailed %s' % approver, self._text('.o_comodo_dcv'))
        self.assertTrue(self._all('form[action$="/dcv/resend"]'), 'resend is offered for email')
        changed = self._stored(order)
        self.assertEqual((changed.dcv_method, changed.dcv_email), ('EMAIL', approver))
        self.assertEqual(self._ca_order(stored)['dcv'], [{'domain': domain, 'method': 'EMAIL', 'email': approver}])

    def test_dns_validation_shows_the_record(self):
        domain = unique_domain('www')
        order = self._buy(domain, method='CNAME_CSR_HASH')
        self.assertIn('ordering your certificate', self._text('.o_comodo_state_words'))
        stored = self._placed(order)
        self.assertEqual(stored.state, 'pending')
        self.assertIn('checking that you control the domain', self._text('.o_comodo_state_words'))
        cname = dcv_instructions(stored.csr_pem, 'CNAME_CSR_HASH', domain, stored.unique_value)
        self.assertEqual(self._text('.o_comodo_cname_name'), cname.cname_name)
        self.assertEqual(self._text('.o_comodo_cname_target'), cname.cname_target)
        self.assertIn('Add the DNS record below', self._text('.o_comodo_next_step'))
        self.assertEqual((stored.sale_state, stored.sale_amount), ('sale', 7.95), "sold at the plan's price")
        self.assertTrue(stored.key_generated)
        self.assertEqual(self._ca_order(stored)['dcv'][0]['method'], 'CNAME_CSR_HASH')

    def test_wildcard(self):
        with self.stored() as env:
            wildcard_term = env.ref('comodo_ssl_reseller.certificate_term_positivessl_wildcard_365')
        domain = '*.' + unique_domain('instant')
        order = self._buy(domain, term=wildcard_term, method='CNAME_CSR_HASH')
        stored = self._placed(order)
        self.assertEqual((stored.state, stored.term), ('issued', wildcard_term))
        self.assertIn('Issued: your certificate is valid', self._text('.o_comodo_state_words'))
        self.assertIn(domain, self._text('.o_comodo_certificate h4'))
        certificate = x509.load_pem_x509_certificate(stored.certificate_pem.encode(), default_backend())
        self.assertEqual(certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value, domain)
        self.assertEqual(self._ca_order(stored)['commonName'], domain)

    def test_multi_domain(self):
        """Three names typed into "Further domains" exceed the Multi-Domain's three names in all: the
        customer is told, finds the names still in the box, removes one and buys."""
        with self.stored() as env:
            multi_term = env.ref('comodo_ssl_reseller.certificate_term_positivessl_multidomain_365')
        domain = unique_domain('www')
        further = [unique_domain('shop'), unique_domain('mail'), unique_domain('blog')]
        button = self._fill_buy_form(domain, term=multi_term, method='CNAME_CSR_HASH', extra_domains=further)
        self._refused(button, domain, 'PositiveSSL Multi-Domain covers at most 3 domains.')
        box = self._find('textarea[name=extra_domains]')
        self.assertEqual(box.get_attribute('value').split(), further, 'the names typed are still there')
        box.send_keys(Keys.BACKSPACE * (len(further[2]) + 1))
        self._submit(self._find('button.o_comodo_buy_submit'), '.o_comodo_state_words')
        further = further[:2]
        stored = self._placed(self._order(domain))
        self.assertEqual(stored.extra_domains.split(), further)
        self.assertEqual((stored.state, stored.domains), ('pending', [domain] + further))
        self.assertEqual(self._ca_order(stored)['domains'], [domain] + further, 'the CA was asked for all three')
        self.assertIn('Also covers: ' + ', '.join(further), self._find('.o_comodo_certificate').text)
        records = [(dcv_instructions(stored.csr_pem, 'CNAME_CSR_HASH', name, stored.unique_value).cname_name)
                   for name in [domain] + further]
        self.assertEqual([code.text for code in self._all('.o_comodo_cname_name')], records,
                         'a DNS record for each domain')

    def test_own_csr_is_ordered_as_pasted_and_no_key_is_made(self):
        domain = unique_domain('instant')
        key_pem, csr_pem = make_csr([domain])
        order = self._buy(domain, method='CNAME_CSR_HASH', csr=csr_pem)
        stored = self._placed(order)
        # Stored as the CSR block re-encoded (the browser sent it with CRLF line ends).
        self.assertEqual(stored.csr_pem.strip(), csr_pem.strip(), 'the pasted CSR')
        self.assertFalse(stored.key_generated)
        self.assertFalse(stored.private_key_pem, 'no key made or kept')
        self.assertEqual(stored.state, 'issued')
        self.assertTrue(self._all('a[href$="/download/certificate"]'))
        self.assertFalse(self._all('.o_comodo_download_key'), 'no key to download: the customer has it')
        self.assertFalse(self._all('.o_comodo_pfx_form'), 'no .pfx without the key')
        self._find('a[href$="/download/certificate"]').click()
        certificate = x509.load_pem_x509_certificate(self._downloaded(domain + '.crt'), default_backend())
        key = serialization.load_pem_private_key(key_pem.encode(), None, default_backend())
        self.assertEqual(public_key_der(certificate), public_key_der(key), "issued for the customer's own key")

    def test_issued_order_downloads_and_pfx(self):
        domain = unique_domain('instant')
        stored = self._placed(self._buy(domain))
        self.assertEqual(stored.state, 'issued')
        self.assertIn('Issued: your certificate is valid', self._text('.o_comodo_state_words'))
        certificate_pem, chain_pem, key_pem = stored.certificate_pem, stored.chain_pem, stored.private_key_pem
        expected = {
            'certificate': (domain + '.crt', certificate_pem),
            'chain': (domain + '.chain.pem', chain_pem),
            'fullchain': (domain + '.fullchain.pem', full_chain_pem(certificate_pem, chain_pem)),
            'key': (domain + '.key', key_pem),
        }
        for kind, (name, content) in sorted(expected.items()):
            # The key is a button (its form POSTs with the CSRF token); the public files are links.
            download = 'button.o_comodo_download_key' if kind == 'key' else 'a[href$="/download/%s"]' % kind
            self._find('.o_comodo_downloads ' + download).click()
            self.assertEqual(self._downloaded(name).decode('ascii').strip(), content.strip(), kind)
        self.assertEqual(full_chain_pem(certificate_pem, chain_pem).count('BEGIN CERTIFICATE'), 3)

        self.assertIn('at least 8 characters', self._text('.o_comodo_pfx_help'), 'said before, not only on error')
        self.assertTrue(self.browser.execute_script(
            "var box = arguments[0], text = document.createElement('canvas').getContext('2d');"
            "text.font = getComputedStyle(box).font;"
            "return text.measureText(box.placeholder).width < box.clientWidth - 12;", self._find('#pfx_password')),
            'the placeholder is not cut off')
        password = self._type('#pfx_password', 'short')
        self._find('button.o_comodo_pfx_download').click()
        self.assertTrue(password.get_attribute('validationMessage'), 'the browser asks for 8 characters')
        self.assertFalse([name for name in os.listdir(self.downloads) if name.endswith('.pfx')])
        self._type('#pfx_password', PFX_PASSWORD)
        self._find('button.o_comodo_pfx_download').click()
        pfx = os.path.join(self.downloads, domain + '.pfx')
        self._downloaded(domain + '.pfx')

        def openssl(*args, password=PFX_PASSWORD):
            return subprocess.run(['openssl', 'pkcs12', '-in', pfx, '-passin', 'env:PFX_PASSWORD'] + list(args),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=dict(os.environ, PFX_PASSWORD=password))

        certificates = openssl('-nokeys')
        self.assertEqual(certificates.returncode, 0, certificates.stderr)
        self.assertEqual(
            sorted(certificate.serial_number for certificate in x509.load_pem_x509_certificates(
                certificates.stdout[certificates.stdout.index(b'-----BEGIN'):])),
            sorted(certificate.serial_number for certificate in x509.load_pem_x509_certificates(
                full_chain_pem(certificate_pem, chain_pem).encode())),
            'the certificate, the intermediate and the root')
        key = openssl('-nocerts', '-nodes')
        self.assertEqual(key.returncode, 0, key.stderr)
        pfx_key = serialization.load_pem_private_key(key.stdout[key.stdout.index(b'-----BEGIN'):], None,
                                                     default_backend())
        stored_key = serialization.load_pem_private_key(key_pem.encode(), None, default_backend())
        self.assertEqual(pfx_key.private_numbers(), stored_key.private_numbers(), 'the key Odoo made')
        self.assertNotEqual(openssl('-nokeys', password='wrong password').returncode, 0)

    def test_page_refreshes_itself_until_the_order_has_its_instructions(self):
        order = self._buy(unique_domain('www'))
        self.assertIn('ordering your certificate', self._text('.o_comodo_state_words'))
        self.assertTrue(self._all('.o_comodo_refreshing'))
        self._place(order)
        self._wait_for('.o_comodo_cname_name')  # nobody pressed reload
        self.assertFalse(self._all('.o_comodo_refreshing'), 'a placed order stops refreshing')
        with self.stored() as env:
            tz = env['res.users'].search([('login', '=', 'portal')]).tz
        zone = datetime.now(pytz.timezone(tz)).strftime('%Z') if tz else 'UTC'
        steps = [step.text for step in self._all('.o_comodo_timeline li') if step.text.count('—')]
        self.assertTrue(steps and all(step.endswith(' ' + zone) for step in steps),
                        'every time says its zone (%s): %s' % (zone, steps))

    def test_rejected_order_owes_nothing_and_its_invoice_reads_credited(self):
        order = self._buy(unique_domain('www'))
        stored = self._placed(order)
        self.sandbox.reject(stored.ca_order_number)
        with self.saved() as env:
            order.with_env(env)._job_check()
        self.browser.refresh()
        self._wait_for('.o_comodo_state_words')
        self.assertIn('you owe nothing for it', self._text('.o_comodo_state_words'))
        self.assertFalse(self._all('.o_comodo_rejection_reason'),
                         'the CA gave no reason: its "has been rejected!" is not repeated')
        with self.stored():
            invoice = order.invoice_ids.filtered(lambda inv: inv.type == 'out_invoice')
            number = invoice.number
        billing = self._text('.o_comodo_billing')
        self.assertIn('%s (invoice' % number, billing)
        self.assertIn('credited)', billing)
        self.assertNotIn('paid', billing.split(number)[1].splitlines()[0], 'a credited invoice is not "paid"')

        self._open('/my/invoices')
        row = self._wait_for('a[title="%s"]' % number).find_element(By.XPATH, './ancestor::tr')
        self.assertIn('Credited', row.text)
        self.assertNotIn('Paid', row.text)

    def test_list_search_and_paging(self):
        with self.saved() as env:
            for index in range(23):
                env['comodo.certificate.order'].create({
                    'partner_id': self.customer.id, 'term_id': self.term.id,
                    'domain': 'site%02d.paging.example.com' % index})
        listed = '.o_portal_my_doc_table td:first-child a'

        self._open('/my')
        self._submit(self._find('a[href="/my/certificates"]'), listed)
        self.assertEqual(len(self._all(listed)), 20, 'a page holds 20 orders')
        self._submit(self.browser.find_element(By.LINK_TEXT, '2'), listed)
        self.assertEqual(len(self._all(listed)), 3)
        self.assertTrue(self.browser.current_url.endswith('/my/certificates/page/2'))

        search = self._type('input[name=search]', 'site07')
        self._submit(search, listed, action=lambda: search.send_keys(Keys.ENTER))
        self.assertEqual([link.text for link in self._all(listed)], ['site07.paging.example.com'])
        self.assertFalse(self._all('ul.pagination'), 'one page of results')

        search = self._type('input[name=search]', 'paging')
        self._submit(search, listed, action=lambda: search.send_keys(Keys.ENTER))
        self.assertEqual(len(self._all(listed)), 20)
        self._submit(self.browser.find_element(By.LINK_TEXT, 'Next'), listed)
        self.assertIn('search=paging', self.browser.current_url, 'the search is kept across pages')
        self.assertEqual(len(self._all(listed)), 3)
        self.assertEqual(self._find('input[name=search]').get_attribute('value'), 'paging')

        link = self._all(listed)[0]
        name = link.text
        self._submit(link, '.o_comodo_state_words')
        self.assertIn(name, self._text('.o_comodo_certificate h4'))


class TestRefusalsInBrowser(PortalBrowserCase):
    """What a customer meets when the portal says no: the message on the page, nothing ordered."""

    def test_csr_for_another_domain_weak_or_malformed(self):
        self._login('portal')
        domain = unique_domain('www')
        other = unique_domain('www')
        cases = [
            (make_csr([other])[1], "The CSR's common name is %s, but the primary domain entered is %s"
             % (other, domain)),
            (make_csr([domain], key_size=1024)[1], "The CSR's RSA key has 1024 bits; at least 2048"),
            ('-----BEGIN CERTIFICATE REQUEST-----\nnot a request\n-----END CERTIFICATE REQUEST-----',
             'The CSR is not valid Base64.'),
        ]
        for csr, message in cases:
            self._refused(self._fill_buy_form(domain, csr=csr), domain, message)
            self.assertEqual(self._find('textarea[name=csr]').get_attribute('value').strip(), csr.strip(),
                             'the pasted CSR is still in its box, to correct')
            self.assertEqual(self._chosen_domain(), domain)

    def test_wildcard_name_on_a_single_domain_certificate(self):
        self._login('portal')
        domain = '*.' + unique_domain('www')
        self._hold(self.customer, domain[2:])
        self._open('/my/certificates/buy')
        Select(self._find('select[name=term_id]')).select_by_value(str(self.term.id))
        wildcards = self._find('select[name=domain] optgroup[data-kind=wildcard]')
        self.assertFalse(wildcards.find_element(By.TAG_NAME, 'option').is_enabled(),
                         'a single-name certificate is not offered a wildcard')
        # A form sent all the same (an older page, a script) is refused by the server.
        self.browser.execute_script('arguments[0].disabled = false', wildcards)
        Select(self._find('select[name=domain]')).select_by_value(domain)
        error = self._refused(self._find('button.o_comodo_buy_submit'), domain,
                              'is a wildcard name, which this product does not allow')
        self.assertEqual(error.text.count(domain), 1, 'the domain is named once, not "%s: %s is..."')
        self.assertEqual(Select(self._find('select[name=term_id]')).first_selected_option.get_attribute('value'),
                         str(self.term.id), 'the chosen certificate is kept')

    def test_another_customers_certificate_is_the_portals_not_found_page(self):
        self._login('portal')
        order = self._buy(unique_domain('www'))
        self._login('portal_nossl')
        for path in (order.portal_url, '/my/certificates/999999999'):
            self._open(path)
            self.assertIn('no such certificate', self._wait_for('.o_comodo_not_found').text, path)
            self.assertTrue(self._all('#o_logout'), 'in the portal, the customer still logged in: %s' % path)
            self.assertNotIn(order.domain, self.browser.page_source)

    def test_customer_without_ssl_module(self):
        with self.stored() as env:
            company = env.ref('base.main_company')
            self.assertTrue(company.email and company.phone, 'the demo company has both')
            contact = '%s, %s' % (company.email, company.phone)
        self._login('portal_nossl')
        self._open('/my')
        self.assertFalse(self._all('a[href="/my/certificates"]'), 'no SSL entry in their account')
        for page in ('/my/certificates/buy', '/my/certificates'):
            self._open(page)
            refusal = self._wait_for('.o_comodo_refused')
            self.assertIn(NO_SSL, refusal.text)
            self.assertIn('SSL module', refusal.text, 'says why: the plan')
            self.assertIn(contact, self._text('.o_comodo_contact'), 'and how to reach us')
            self.assertFalse(self._all('form.o_comodo_buy_form'))
        with self.stored() as env:
            self.assertFalse(env['comodo.certificate.order'].search([('partner_id', '=', self.other_customer.id)]))

    def test_visitor_not_logged_in(self):
        with self.stored() as env:
            orders_before = env['comodo.certificate.order'].search_count([])
        self._log_out()
        self._open('/my/certificates/buy')
        self._wait_for('form.oe_login_form')
        self.assertIn('/web/login', self.browser.current_url)
        self.assertFalse(self._all('form.o_comodo_buy_form'))
        with self.stored() as env:
            self.assertEqual(env['comodo.certificate.order'].search_count([]), orders_before, 'nothing ordered')
        # Logging in there leads on to the form the visitor asked for.
        self._type('input[name=login]', 'portal')
        self._type('input[name=password]', 'portal')
        self._submit(self._find('form.oe_login_form button[type=submit]'), 'form.o_comodo_buy_form')
        self.assertTrue(self.browser.current_url.endswith('/my/certificates/buy'))

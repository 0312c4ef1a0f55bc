"""A customer buys a certificate in a real browser and downloads it as a .pfx.

Headless Chromium (Debian's `chromium` and `chromium-driver`, installed by `make test`) driven by
selenium against the test server. The screenshots it takes illustrate the README.
"""
import os
import shutil
import tempfile
import time

from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from .common import unique_domain
from .portal_common import PortalCase

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
# Without the background-networking flags Chromium keeps dialling out, which this closed network
# refuses (see the env notes); --no-sandbox because tests run as root.
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync',
                  '--disable-dev-shm-usage', '--window-size=1280,1000']
SCREENSHOT_DIR = os.environ.get('COMODO_SCREENSHOT_DIR') or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), '.run', 'screenshots')
PFX_PASSWORD = 'browser-pfx-2026'


class TestPortalInBrowser(PortalCase):

    def setUp(self):
        super(TestPortalInBrowser, self).setUp()
        self.downloads = tempfile.mkdtemp(prefix='comodo-downloads-')
        self.addCleanup(shutil.rmtree, self.downloads, True)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in CHROMIUM_FLAGS + ['--user-data-dir=%s' % tempfile.mkdtemp(prefix='comodo-chromium-')]:
            options.add_argument(flag)
        options.add_experimental_option('prefs', {'download.default_directory': self.downloads,
                                                  'download.prompt_for_download': False})
        self.browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.addCleanup(self.browser.quit)
        self.browser.execute_cdp_cmd('Page.setDownloadBehavior',
                                     {'behavior': 'allow', 'downloadPath': self.downloads})

    def _open(self, path):
        self.browser.get(self.base_url() + path)

    def _screenshot(self, name):
        os.makedirs(SCREENSHOT_DIR, exist_ok=True)
        self.browser.save_screenshot(os.path.join(SCREENSHOT_DIR, name))

    def _wait_for_file(self, suffix, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            done = [name for name in os.listdir(self.downloads) if name.endswith(suffix)]
            if done:
                return os.path.join(self.downloads, done[0])
            time.sleep(0.2)
        self.fail('no %s file downloaded within %d s (found: %s)' % (suffix, timeout, os.listdir(self.downloads)))

    def test_buy_install_and_download_pfx(self):
        browser = self.browser
        self._open('/web/login')
        browser.find_element(By.NAME, 'login').send_keys('portal')
        browser.find_element(By.NAME, 'password').send_keys('portal')
        browser.find_element(By.CSS_SELECTOR, 'form.oe_login_form button[type=submit]').click()
        WebDriverWait(browser, 20).until(lambda b: '/web/login' not in b.current_url)

        self._open('/my/certificates/buy')
        domain = unique_domain('instant')
        Select(browser.find_element(By.NAME, 'term_id')).select_by_value(str(self.term.id))
        browser.find_element(By.NAME, 'domain').send_keys(domain)
        Select(browser.find_element(By.NAME, 'dcv_method')).select_by_value('CNAME_CSR_HASH')
        self._screenshot('portal-buy.png')
        browser.find_element(By.CSS_SELECTOR, 'button.o_comodo_buy_submit').click()
        WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, '.o_comodo_state_words'))
        self.assertIn(domain, browser.page_source)

        order = self.env['comodo.certificate.order'].search([('domain', '=', domain)])
        self.assertEqual(order.state, 'draft', 'the purchase queued the CA order')
        self._place(order)  # what the job runner does next
        self.assertEqual(order.state, 'issued')

        browser.refresh()
        WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, '.o_comodo_pfx_form'))
        self.assertIn('ready to install', browser.find_element(By.CSS_SELECTOR, '.o_comodo_state_words').text)
        browser.find_element(By.ID, 'pfx_password').send_keys(PFX_PASSWORD)
        self._screenshot('portal-issued.png')
        browser.find_element(By.CSS_SELECTOR, 'button.o_comodo_pfx_download').click()

        with open(self._wait_for_file('.pfx'), 'rb') as handle:
            key, certificate, chain = pkcs12.load_key_and_certificates(
                handle.read(), PFX_PASSWORD.encode(), default_backend())
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        self.assertEqual(key.public_key().public_bytes(serialization.Encoding.DER, spki),
                         certificate.public_key().public_bytes(serialization.Encoding.DER, spki),
                         'the key in the .pfx belongs to its certificate')
        self.assertEqual(certificate.serial_number, int(order.serial_number, 16))
        self.assertEqual(len(chain), 2)

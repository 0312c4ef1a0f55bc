"""The README's pictures, taken from the current code: `make screenshots` writes them into docs/.

Builds a throw-away copy of the demo (the template database, the addon installed with its demo
data), starts what `make run` starts for it (the DNS server, the customers' web server, the sandbox
CA validating as a CA does, Odoo with its job runner) on free ports, and uses it in headless Chromium as the demo's customer (`portal`) and administrator (`admin`) would:

    docs/portal-buy.png       the buy form, filled in for a multi-domain certificate (www and bare name)
    docs/portal-validated.png that order seconds later: Odoo's check of each name it validates for
                              the customer (the sandbox issues once it has checked them too)
    docs/portal-issued.png    an issued order with its downloads and the .pfx form
    docs/async-manager.png    the back office's Async Manager listing the orders Comodo still decides
    docs/quotation.png        a quotation with a certificate line, its domain entered in the line's form

Neither `make run` nor its ports are needed. Runs under the project venv; `make screenshots`
prepares the environment, PostgreSQL and Chromium first.
"""
import os
import shutil
import sys
import tempfile
import time
import xmlrpc.client

import requests
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'tools'))

import stack  # noqa: E402  (tools/stack.py: databases, configuration, processes)
from comodo_sandbox.pytest_plugin import SandboxAdmin  # noqa: E402
from dns_rig.rig import free_port as free_udp_and_tcp_port  # noqa: E402

DOCS = os.path.join(ROOT, 'docs')
DB = 'comodo_screenshots' + os.environ.get('COMODO_DB_SUFFIX', '')
CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
# As in the browser tests: no background networking (a closed network), --no-sandbox for root.
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync',
                  '--disable-dev-shm-usage', '--hide-scrollbars']
WIDTH, HEIGHT = 1280, 800
# The job runner places an order a few seconds after it is bought (it starts 5 s after the server).
WAIT = 90


def log(message):
    print('screenshots: %s' % message, flush=True)


class Demo(object):
    """The throw-away demo: Odoo on a free port, reached by XML-RPC as admin and by Chromium."""

    def __init__(self, port):
        self.url = 'http://127.0.0.1:%d' % port
        self.uid = xmlrpc.client.ServerProxy(self.url + '/xmlrpc/2/common').authenticate(DB, 'admin', 'admin', {})
        self.models = xmlrpc.client.ServerProxy(self.url + '/xmlrpc/2/object', allow_none=True)

    def call(self, model, method, *args, **kwargs):
        return self.models.execute_kw(DB, self.uid, 'admin', model, method, list(args), kwargs)

    def ref(self, xmlid):
        return self.call('ir.model.data', 'xmlid_to_res_id', xmlid)

    def order(self, domain):
        found = self.call('comodo.certificate.order', 'search_read', [('domain', '=', domain)],
                          fields=['state', 'ca_order_number'])
        return found[0] if found else None


class Customer(object):
    """Chromium, used as a person uses it: typing, choosing and clicking."""

    def __init__(self, demo):
        self.demo = demo
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        self.profile = tempfile.mkdtemp(prefix='comodo-chromium-')
        for flag in CHROMIUM_FLAGS + ['--window-size=%d,%d' % (WIDTH, HEIGHT), '--user-data-dir=' + self.profile]:
            options.add_argument(flag)
        self.browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)

    def quit(self):
        self.browser.quit()
        shutil.rmtree(self.profile, True)

    def open(self, path):
        self.browser.get(self.demo.url + path)

    def find(self, selector):
        return self.browser.find_element(By.CSS_SELECTOR, selector)

    def wait_for(self, selector, timeout=WAIT, refresh=False):
        """The element, once on the page (reloading it every 2 s if `refresh`: a job's work)."""
        deadline = time.time() + timeout
        while True:
            try:
                WebDriverWait(self.browser, 2 if refresh else timeout).until(
                    lambda browser: browser.find_elements(By.CSS_SELECTOR, selector))
                return self.find(selector)
            except TimeoutException:
                if not refresh or time.time() > deadline:
                    raise stack.StackError('%s never appeared on %s' % (selector, self.browser.current_url))
                self.browser.refresh()

    def type(self, selector, text):
        field = self.find(selector)
        field.clear()
        field.send_keys(text)

    def choose(self, selector, value):
        Select(self.find(selector)).select_by_value(str(value))

    def submit(self, selector, then):
        """Click and wait for the next page, one showing `then`."""
        self.browser.execute_script('window.screenshotsPreviousPage = true')
        self.find(selector).click()

        def arrived(browser):
            try:
                return (not browser.execute_script('return window.screenshotsPreviousPage === true')
                        and browser.find_elements(By.CSS_SELECTOR, then))
            except WebDriverException:  # between two pages
                return False
        WebDriverWait(self.browser, WAIT).until(arrived)

    def log_in(self, login, password, then):
        self.open('/web/session/logout')
        self.open('/web/login')
        self.type('input[name=login]', login)
        self.type('input[name=password]', password)
        self.submit('form.oe_login_form button[type=submit]', then)

    def buy(self, term_xmlid, domain, method, picture=None, elsewhere=False):
        """`domain`: one the form lists (the customer's), or `elsewhere`, one typed in its own box."""
        self.open('/my/certificates/buy')
        self.choose('select[name=term_id]', self.demo.ref(term_xmlid))
        if elsewhere:
            self.type('input[name=external_domain]', domain)
        else:
            self.choose('select[name=domain]', domain)
        self.choose('select[name=dcv_method]', method)
        if picture:
            self.picture(picture)
        self.submit('button.o_comodo_buy_submit', '.o_comodo_state_words')

    def pick(self, selector, text):
        """Type into a many2one box of the back office and click the suggestion naming `text`."""
        self.wait_for(selector).send_keys(text)

        def suggestion(browser):
            found = [item for item in browser.find_elements(By.CSS_SELECTOR, 'ul.ui-autocomplete li a')
                     if item.is_displayed() and text in item.text]
            return found[0] if found else None
        WebDriverWait(self.browser, WAIT).until(suggestion).click()

    def settled(self):
        """Wait until the web client has no call in flight (an onchange, a save)."""
        # The web client's own count of calls: jQuery's would include the bus's long polling.
        WebDriverWait(self.browser, WAIT).until(lambda browser: browser.execute_script(
            "var client = odoo.__DEBUG__.services['web.web_client'];"
            "return document.readyState === 'complete' && client.loading.count === 0;"))

    def quotation(self, partner, product, domain):
        """Sales → Quotations → Create, a certificate line, its domain entered in the line's form."""
        self.open('/web#action=sale.action_quotations')
        self.wait_for('.o_list_button_add').click()
        self.pick('.o_field_widget[name=partner_id] input', partner)
        self.wait_for('.o_field_one2many[name=order_line] .o_field_x2many_list_row_add a').click()
        self.pick('.o_selected_row .o_field_widget[name=product_id] input', product)
        self.wait_for('.o_selected_row .o_comodo_certificate_details a')
        self.settled()
        self.find('.o_selected_row .o_comodo_certificate_details a').click()
        self.wait_for('.modal .o_field_widget[name=comodo_domain]').send_keys(domain)
        save = [button for button in self.browser.find_elements(By.CSS_SELECTOR, '.modal-footer button')
                if button.text == 'Save & Close']
        save[0].click()
        WebDriverWait(self.browser, WAIT).until(lambda browser: [
            cell for cell in browser.find_elements(By.CSS_SELECTOR, '.o_comodo_certificate_details')
            if cell.text.strip() == domain])
        self.browser.execute_script('document.activeElement.blur();')
        time.sleep(0.5)  # the dialog's fade-out

    def picture(self, name):
        """The whole page (the window as tall as its content), as docs/<name>."""
        browser = self.browser
        height = browser.execute_script('return document.documentElement.scrollHeight')
        browser.set_window_size(WIDTH, max(HEIGHT, height))
        time.sleep(0.3)
        browser.save_screenshot(os.path.join(DOCS, name))
        browser.set_window_size(WIDTH, HEIGHT)
        log('wrote docs/%s' % name)


def take_pictures(demo, sandbox):
    customer = Customer(demo)
    try:
        customer.log_in('portal', 'portal', '#o_logout')

        # The customer's www and bare names together, as the form offers them for multi-domain products.
        customer.buy('comodo_ssl_reseller.certificate_term_positivessl_multidomain_365',
                     'www.mysite.example.com mysite.example.com', 'CNAME_CSR_HASH', picture='portal-buy.png')
        # Hosted names: Odoo publishes their proof and checks it, and the page lists those checks.
        customer.wait_for('.o_comodo_validation_names', refresh=True)
        customer.picture('portal-validated.png')

        customer.buy('comodo_ssl_reseller.certificate_term_positivessl_365', 'shop.example.org', 'HTTP_CSR_HASH',
                     elsewhere=True)
        customer.wait_for('.o_comodo_file_url', refresh=True)
        # Decided by hand on the sandbox's admin page, then checked from the Async Manager.
        order = demo.order('shop.example.org')
        sandbox.approve(order['ca_order_number'])
        demo.call('comodo.certificate.order', 'action_check', [demo.order('shop.example.org')['id']])
        customer.wait_for('.o_comodo_pfx_form', refresh=True)
        customer.type('#pfx_password', 'a password for the pfx')
        customer.picture('portal-issued.png')

        # Two more orders for the Async Manager to follow.
        customer.buy('comodo_ssl_reseller.certificate_term_positivessl_365', 'blog.example.net', 'HTTPS_CSR_HASH',
                     elsewhere=True)
        customer.buy('comodo_ssl_reseller.certificate_term_positivessl_wildcard_365', '*.mysite.example.com',
                     'CNAME_CSR_HASH')
        deadline = time.time() + WAIT
        while demo.call('comodo.certificate.order', 'search_count', [('state', '=', 'draft')]):
            if time.time() > deadline:
                raise stack.StackError('the job runner placed no order within %d s: see .run/screenshots-odoo.log'
                                       % WAIT)
            time.sleep(1)

        customer.log_in('admin', 'admin', '.o_web_client')
        customer.open('/web#action=comodo_ssl_reseller.comodo_certificate_order_action_async')
        customer.wait_for('.o_list_view .o_data_row')
        time.sleep(1)  # the web client's last touches (menus, breadcrumbs)
        customer.picture('async-manager.png')

        customer.quotation('Demo Portal User', 'PositiveSSL, 1 year', 'www.newshop.example.com')
        customer.picture('quotation.png')
    finally:
        customer.quit()


def free_demo_ports():
    return stack.DemoPorts(odoo=stack.free_port(), sandbox=stack.free_port(), ssh=stack.free_port(),
                           nginx=stack.free_port(), apache=stack.free_port(), dns=free_udp_and_tcp_port(),
                           sites_http=stack.free_port(), sites_https=stack.free_port())


def main():
    os.environ['PATH'] = os.path.join(stack.VENV, 'bin') + os.pathsep + os.environ['PATH']
    os.environ.setdefault('PGOPTIONS', '--client-min-messages=warning')
    ports = free_demo_ports()
    config = stack.write_config('screenshots.conf', http_port=ports.odoo, server_wide_modules='web,queue_job',
                                dbfilter='^%s$' % DB)
    # nginx's workers read the document roots in it.
    folder = tempfile.mkdtemp(prefix='comodo-screenshots-')
    os.chmod(folder, 0o755)
    demo_stack = None
    try:
        stack.clone_database(stack.ensure_template(config), DB)
        stack.install_addon(config, DB)
        demo_stack = stack.DemoStack(config, DB, ports, folder).start()
        demo = Demo(ports.odoo)
        # The demo's reseller account names the sandbox on `make run`'s port: here it has its own, a
        # test CA over plain HTTP (test mode). Four purchases, none paid: more than the demo's limit
        # of unpaid portal orders.
        demo.call('res.company', 'write', [demo.ref('base.main_company')], {
            'comodo_api_url': 'http://127.0.0.1:%d/products/' % ports.sandbox, 'comodo_test_mode': True,
            'comodo_max_unpaid_orders': 0})
        requests.get(demo.url + '/web/login', timeout=120)  # the page bundles, compiled once
        take_pictures(demo, SandboxAdmin('http://127.0.0.1:%d' % ports.sandbox, demo_stack.sandbox_token))
        return 0
    except stack.StackError as error:
        print('screenshots: error: %s' % error, file=sys.stderr)
        return 1
    finally:
        if demo_stack:
            demo_stack.stop()
        shutil.rmtree(folder, True)
        stack.drop_database(DB)

if __name__ == '__main__':
    sys.exit(main())

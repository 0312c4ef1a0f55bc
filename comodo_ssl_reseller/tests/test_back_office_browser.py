"""The back office in a real Chromium, as the salesperson and the administrator use it.

Headless Chromium driven by selenium against the test server (as the portal's browser tests). One
browser per class; the administrator's login is typed once into Odoo's login form and its session
reused by the class's later tests. Each test walks the README's screens from the menus, and ends in
what the page shows and what was stored.
"""
import calendar
from datetime import date, datetime

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from odoo import fields

from .browser_common import WAIT, keep_page, start_chromium
from .common import SANDBOX_PASSWORD, unique_domain
from .portal_common import PortalCase

# The first page of the web client compiles its asset bundles (lessc), which a loaded machine
# takes far longer for than anything else.
FIRST_PAGE_WAIT = 120
CRASH_TITLE = 'Odoo Server Error'
PRODUCT = 'PositiveSSL, 1 year'

# The page loaded and none of its calls under way. The web client counts its own calls (the bus's
# long poll aside: in test mode it fails at once and waits before it asks again); a page without
# one (the login page, a static file) has none. arguments[0]: whether the web client must be there.
IDLE = """
var services = window.odoo && odoo.__DEBUG__ && odoo.__DEBUG__.services;
var client = services && services['web.web_client'];
var calls = client && client.loading ? client.loading.count : 0;
return document.readyState === 'complete' && calls === 0 && !(window.jQuery && jQuery.active)
    && (!arguments[0] || !!(client && client.loading));
"""
# What the web client is doing, said when a wait fails.
BUSY = """
var services = window.odoo && odoo.__DEBUG__ && odoo.__DEBUG__.services;
var client = services && services['web.web_client'];
return 'page ' + document.readyState + ', web client ' + (client ? 'started' : 'absent')
    + ', calls ' + (client && client.loading ? client.loading.count : '-')
    + ', requests ' + (window.jQuery ? jQuery.active : '-');
"""
# How wide a box's content is, and how wide the box: content wider than its box is cut off or
# scrolls sideways.
WIDTHS = "return [arguments[0].scrollWidth, arguments[0].clientWidth];"
# The cell of `row` under the column headed `header` (the lines' columns depend on the view).
CELL_UNDER = """
var row = arguments[0], header = arguments[1];
var headers = Array.from(row.closest('table').querySelectorAll('thead th'));
var index = headers.findIndex(function (th) { return th.textContent.trim() === header; });
return index < 0 ? null : row.cells[index];
"""


class BackOfficeBrowserCase(PortalCase):
    """One Chromium for the class, the administrator logged in, and the web client's steps.

    PortalCase gives the demo customers: Demo Portal User (Business Hosting, may buy certificates)
    and Starter Customer (Starter Hosting, no SSL module)."""

    @classmethod
    def setUpClass(cls):
        super(BackOfficeBrowserCase, cls).setUpClass()
        cls.browser = start_chromium()
        cls.admin_session = None

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        super(BackOfficeBrowserCase, cls).tearDownClass()

    def setUp(self):
        super(BackOfficeBrowserCase, self).setUp()
        # A clean-up, not tearDown: it also runs when the login fails, and before the test's
        # cursor is rolled back (clean-ups run last registered, first).
        self.addCleanup(self._leave_page)
        self._log_in_as_admin()

    def _leave_page(self):
        if any(error for _test, error in getattr(self._outcome, 'errors', [])):
            keep_page(self.browser, self.id().rsplit('.', 1)[-1])
        # No request of this test's page may outlive its cursor: once idle, the web client is left
        # (for a static file) and asks nothing more.
        try:
            WebDriverWait(self.browser, WAIT).until(lambda browser: browser.execute_script(IDLE, False))
        finally:
            self.browser.get(self.base_url() + '/web/static/src/img/favicon.ico')
            # A request the page sent just before it was left (a reload after Discard) may still run
            # on the shared test cursor, which the next test's set-up reads: wait for the cursor's
            # lock, which every request holds until it ends.
            self.registry.test_cr.acquire()
            self.registry.test_cr.release()

    # -- the browser -------------------------------------------------------------------------------

    def _log_in_as_admin(self):
        """Through Odoo's login form, once per class; later tests reuse the session."""
        browser = self.browser
        if self.admin_session:
            browser.get(self.base_url() + '/web/static/src/img/favicon.ico')
            browser.add_cookie({'name': 'session_id', 'value': self.admin_session, 'path': '/'})
            browser.get(self.base_url() + '/web')
        else:
            browser.get(self.base_url() + '/web/login')
            self._wait_for('form.oe_login_form', idle=False)
            self._type(self._find('input[name=login]'), 'admin')
            self._type(self._find('input[name=password]'), 'admin')
            self._find('form.oe_login_form button[type=submit]').click()
        self._wait_for('#oe_main_menu_navbar', timeout=FIRST_PAGE_WAIT)
        type(self).admin_session = browser.get_cookie('session_id')['value']

    def _find(self, selector, within=None):
        return (within or self.browser).find_element(By.CSS_SELECTOR, selector)

    def _all(self, selector, within=None):
        return (within or self.browser).find_elements(By.CSS_SELECTOR, selector)

    def _wait(self, condition, what, timeout=WAIT):
        try:
            # A list re-drawn while it is looked at leaves stale elements: look again.
            return WebDriverWait(self.browser, timeout,
                                 ignored_exceptions=(StaleElementReferenceException,)).until(condition)
        except TimeoutException:
            self.fail('%s: not within %d s (on %s; %s)' % (what, timeout, self.browser.current_url,
                                                           self.browser.execute_script(BUSY)))

    def _wait_until_idle(self, timeout=WAIT):
        self._wait(lambda browser: browser.execute_script(IDLE, True), 'the web client done with its calls',
                   timeout)

    def _wait_for(self, selector, timeout=WAIT, idle=True):
        """The first visible element matching `selector`, once the web client is idle (`idle`: on
        its pages, not on the login page)."""
        def shown(browser):
            visible = [element for element in self._all(selector) if element.is_displayed()]
            return visible[0] if visible and (not idle or browser.execute_script(IDLE, True)) else None
        return self._wait(shown, '%s shown' % selector, timeout)

    def _wait_for_text(self, selector, text):
        def shown(browser):
            return any(text in element.text for element in self._all(selector) if element.is_displayed())
        self._wait(shown, '%r in %s' % (text, selector))
        self._wait_until_idle()

    def _type(self, field, text):
        field.clear()
        field.send_keys(text)

    def _click(self, element):
        element.click()
        self._wait_until_idle()

    def _button(self, text):
        """The visible button reading `text` (the web client's buttons carry no name)."""
        def shown(browser):
            found = [button for button in self._all('button') if button.is_displayed() and button.text == text]
            return found[0] if found and browser.execute_script(IDLE, True) else None
        return self._wait(shown, 'a button %r' % text)

    def _menu(self, *xmlids):
        """Click through the menus, e.g. the app then one of its entries."""
        for xmlid in xmlids:
            self._click(self._wait_for('a[data-menu-xmlid="%s"]' % xmlid))

    def _choose(self, field, text):
        """Type into a many2one box and pick the suggestion naming `text`."""
        self._type(field, text)

        def suggestion(browser):
            found = [item for item in self._all('ul.ui-autocomplete li a')
                     if item.is_displayed() and text in item.text]
            return found[0] if found else None
        self._click(self._wait(suggestion, 'the suggestion %r' % text))

    def _dialog(self):
        """The dialog on top: (title, body text)."""
        dialog = self._wait_for('.modal .modal-dialog')
        return self._find('.modal-title', dialog).text, self._find('.modal-body', dialog).text

    def _close_dialog(self, button_text):
        self._click(self._button(button_text))
        self._wait(lambda browser: not [modal for modal in self._all('.modal') if modal.is_displayed()],
                   'the dialog closed')

    def _assert_plain_warning(self, message):
        """A plain "Warning" dialog saying `message`, not the crash manager's error."""
        title, body = self._dialog()
        self.assertEqual(title, 'Warning')
        self.assertIn(message, body)
        self.assertNotIn(CRASH_TITLE, self.browser.page_source)
        self.assertFalse(self._all('.o_error_detail'), 'no traceback to unfold')
        self._close_dialog('Ok')

    # -- the quotation editor ----------------------------------------------------------------------

    def _new_quotation(self, customer):
        """Sales → Quotations → Create, for `customer`, with a PositiveSSL line; returns the line."""
        self._menu('sale.sale_menu_root', 'sale.menu_sale_quotations')
        self._click(self._wait_for('.o_list_button_add'))
        self._choose(self._wait_for('.o_field_widget[name=partner_id] input'), customer)
        self._click(self._wait_for('.o_field_one2many[name=order_line] .o_field_x2many_list_row_add a'))
        self._choose(self._wait_for('.o_selected_row .o_field_widget[name=product_id] input'), PRODUCT)
        # The product's onchange is done once the line knows it sells a certificate.
        self._wait_for('.o_selected_row .o_comodo_certificate_details')
        return self._line()

    def _line(self):
        return self._wait_for('.o_field_one2many[name=order_line] tr.o_data_row')

    def _certificate_cell_reads(self, text):
        """Wait for the (one) line's certificate cell to read `text`."""
        self._wait(lambda browser: [cell for cell in self._all('tr.o_data_row .o_comodo_certificate_details')
                                    if cell.text.strip() == text],
                   'the certificate cell reading %r' % text)

    def _save(self):
        self._click(self._button('Save'))
        self._wait_for('.o_form_view.o_form_readonly')

    def _lines_box(self):
        """The box the lines table scrolls in (sideways when it is wider)."""
        return self._find('.o_field_one2many[name=order_line] .table-responsive')

    def _assert_lines_fit(self, when):
        content, box = self.browser.execute_script(WIDTHS, self._lines_box())
        self.assertLessEqual(content, box, '%s: the lines (%d px) scroll sideways in %d px' % (when, content, box))

    def _cell(self, row, header):
        cell = self.browser.execute_script(CELL_UNDER, row, header)
        self.assertTrue(cell, 'a column %r' % header)
        return cell

    def _state(self):
        """The sale order's state as its status bar shows it."""
        return self._find('.o_statusbar_status .btn-primary').text


class TestQuotationEditor(BackOfficeBrowserCase):
    """README step 5: a certificate line, its details entered in the line's form, Confirm Sale."""

    def test_certificate_line_reads_and_its_details_are_ordered(self):
        domain = unique_domain('www')
        approver = 'admin@' + domain
        line = self._new_quotation('Demo Portal User')

        product = self._find('.o_field_widget[name=product_id] input', line)
        self.assertEqual(product.get_attribute('value'), PRODUCT)
        content, box = self.browser.execute_script(WIDTHS, product)
        self.assertLessEqual(content, box, 'the product name (%d px) is cut to %d px' % (content, box))
        self._assert_lines_fit('a new line')
        self._certificate_cell_reads('Enter the domain')

        self._click(self._find('.o_comodo_certificate_details a', line))
        dialog = self._wait_for('.modal .o_form_view')
        for label in ('SSL Certificate', 'Certificate Domain', 'Further Domains', 'Validation Method',
                      'Customer CSR'):
            self.assertIn(label, dialog.text)
        self._type(self._find('.o_field_widget[name=comodo_domain]', dialog), domain)
        Select(self._find('select.o_field_widget[name=comodo_dcv_method]', dialog)).select_by_visible_text(
            'Email to an approver address')
        self._type(self._wait_for('.modal .o_field_widget[name=comodo_dcv_email]'), approver)
        self._close_dialog('Save & Close')

        self._certificate_cell_reads(domain)
        self.assertEqual(self._find('.o_comodo_certificate_details a', self._line()).get_attribute('title'),
                         'Certificate details: ' + domain, 'a domain cut in the cell shows whole on hover')
        self._assert_lines_fit('the line with its domain')
        self._save()
        self._assert_lines_fit('the saved quotation')
        product_cell = self._cell(self._line(), 'Product')
        self.assertEqual(product_cell.text, PRODUCT)
        content, box = self.browser.execute_script(WIDTHS, product_cell)
        self.assertLessEqual(content, box, 'the saved product name (%d px) is cut to %d px' % (content, box))

        self._click(self._button('Confirm Sale'))
        self._wait_for_text('.o_statusbar_status .btn-primary', 'Sales Order')
        with self.stored() as env:
            order = env['comodo.certificate.order'].search([('domain', '=', domain)])
            self.assertEqual(len(order), 1, 'one certificate order for %s' % domain)
            self.assertEqual((order.dcv_method, order.dcv_email, order.partner_id, order.sale_order_id.state),
                             ('EMAIL', approver, self.customer, 'sale'))
            order_name = order.name
        # The line's form now lists its certificate order.
        self._click(self._find('.o_comodo_certificate_details a', self._line()))
        self.assertIn(order_name, self._wait_for('.modal .o_field_widget[name=comodo_order_ids]').text)
        self._close_dialog('Close')


class TestRefusalsAreWarnings(BackOfficeBrowserCase):
    """What the salesperson and the administrator read when the server refuses: a plain warning."""

    def test_confirm_without_the_domain(self):
        self._new_quotation('Demo Portal User')
        self._save()
        self._click(self._button('Confirm Sale'))
        self._assert_plain_warning('%s: enter the domain the certificate is for.' % PRODUCT)
        self.assertEqual(self._state(), 'Quotation')
        with self.stored() as env:
            sale = env['sale.order'].search([('partner_id', '=', self.customer.id)], order='id desc', limit=1)
            self.assertEqual((sale.state, sale.order_line.comodo_domain), ('draft', False))

    def test_confirm_for_a_customer_without_the_ssl_module(self):
        # README step 4.
        self._new_quotation('Starter Customer')
        title, _body = self._dialog()
        self.assertEqual(title, 'This customer cannot buy certificates', 'warned when choosing the product')
        self._close_dialog('Ok')
        self._save()
        self._click(self._button('Confirm Sale'))
        self._assert_plain_warning('Starter Customer cannot use SSL: none of its hosting plans includes the '
                                   'SSL module.')
        self.assertEqual(self._state(), 'Quotation')
        with self.stored() as env:
            sale = env['sale.order'].search([('partner_id', '=', self.other_customer.id)], order='id desc',
                                            limit=1)
            self.assertEqual((sale.state, len(sale.order_line)), ('draft', 1), 'the quotation stays a quotation')
            self.assertFalse(sale.comodo_order_ids)

    def test_connection_refused_by_the_ca(self):
        calls = len(self.sandbox.find_calls('WebHostReport', None))
        self._menu('comodo_ssl_reseller.comodo_ssl_menu_root', 'comodo_ssl_reseller.res_config_settings_menu')
        self._type(self._wait_for('.o_field_widget[name=comodo_password]'), 'not-' + SANDBOX_PASSWORD)
        self._click(self._button('Test connection'))
        self._assert_plain_warning('Comodo refused the connection: Comodo error -16: ')
        self.assertEqual(len(self.sandbox.find_calls('WebHostReport', None)), calls + 1, 'the CA was asked')


class TestConnectionSettings(BackOfficeBrowserCase):
    """Settings → General Settings → Comodo SSL: Test connection tries what is typed, saves nothing."""

    def _open_settings(self):
        self._menu('comodo_ssl_reseller.comodo_ssl_menu_root', 'comodo_ssl_reseller.res_config_settings_menu')
        return self._wait_for('.o_field_widget[name=comodo_password]')

    def _stored(self):
        with self.stored() as env:
            company = env.ref('base.main_company')
            return company.comodo_login, company.comodo_password, company.comodo_timeout

    def test_a_wrong_password_tried_then_discarded_leaves_the_settings(self):
        stored = self._stored()
        password = self._open_settings()
        self.assertEqual(password.get_attribute('value'), '', 'the stored password is never sent to the page')
        self._type(password, 'not-' + SANDBOX_PASSWORD)
        self._click(self._button('Test connection'))
        self._assert_plain_warning('Nothing was saved: the stored settings are unchanged.')
        self.assertEqual(self._stored(), stored, 'the test saved nothing')
        self._click(self._button('Discard'))
        self._wait(lambda browser: self._find('.o_field_widget[name=comodo_password]').get_attribute('value') == '',
                   'the page showing the stored settings again (no password typed)')
        self.assertEqual(self._stored(), stored, 'Discard leaves the settings as they were')
        # What the Async Manager and the crons use still works.
        with self.stored() as env:
            with env.ref('base.main_company')._comodo_client() as client:
                client.check_login()

    def test_the_right_password_tried_is_accepted(self):
        stored = self._stored()
        self._type(self._open_settings(), SANDBOX_PASSWORD)
        self._click(self._button('Test connection'))
        self._wait_for_text('.o_field_widget[name=comodo_connection_result]',
                            'Connection to Comodo succeeded: the reseller login is accepted.')
        self.assertFalse([modal for modal in self._all('.modal') if modal.is_displayed()], 'no warning')
        self.assertEqual(self._stored(), stored)


# How many lines of text an element takes: its height over its line height.
LINES_OF_TEXT = """
var style = window.getComputedStyle(arguments[0]);
var line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
var range = document.createRange();
range.selectNodeContents(arguments[0]);
return Math.round(range.getBoundingClientRect().height / line);
"""
# The gap in pixels between two elements on one line.
GAP = "return arguments[1].getBoundingClientRect().left - arguments[0].getBoundingClientRect().right;"


class TestAccountantScreens(BackOfficeBrowserCase):
    """Invoicing → Purchases (Documents): the reconciliation with the CA, as the README's month walks it."""

    def test_a_new_reconciliation_compares_this_month_and_shows_its_result(self):
        # Ordered in the CA's console in a month of its own: this session's other orders stay out.
        unseen = str(self.sandbox.place_unseen(unique_domain('never'), placedAt=calendar.timegm(
            datetime(2011, 5, 3).timetuple()))['orderNumber'])
        # Invoicing, its left menu's Purchases → Documents (unfolded by a click), as the README says.
        self._menu('account.menu_finance', 'account.menu_finance_payables_documents',
                   'comodo_ssl_reseller.comodo_reconciliation_menu')
        self._click(self._wait_for('.o_list_button_add'))
        today = fields.Date.from_string(fields.Date.context_today(self.env.user))
        with self.stored() as env:
            date_format = env['res.lang']._lang_get(env.user.lang).date_format
        first = today.replace(day=1).strftime(date_format)
        date_from, date_to = (self._wait_for('.o_field_widget[name=%s] input' % name) for name in ('date_from', 'date_to'))
        self.assertEqual(date_from.get_attribute('value'), first, 'this month')
        self._type(date_from, date(2011, 5, 1).strftime(date_format))
        self._type(date_to, date(2011, 5, 31).strftime(date_format) + Keys.TAB)
        self._click(self._button('Compare with the CA'))
        self._wait_for('.o_form_view.o_form_readonly')
        self.assertTrue(self._button('Compare Again').is_displayed(), 'the result shown')
        self.assertTrue(self._wait_for('.o_form_button_edit').is_displayed(), 'out of edit mode')
        row = self._wait(lambda browser: [row for row in self._all('.o_field_one2many[name=line_ids] tr.o_data_row')
                                          if unseen in row.text], 'the row of the unknown CA order')
        self.assertEqual(len(row), 1, 'an order unknown to Odoo appears once')
        kind = self._cell(row[0], 'Mismatch')
        self.assertEqual(kind.text, 'Ordered at the CA, unknown to Odoo')
        self.assertEqual(self.browser.execute_script(LINES_OF_TEXT, kind), 1, 'the mismatch on one line')
        buttons = [button.text for button in self._all('button', row[0]) if button.is_displayed()]
        self.assertEqual(buttons, ['Book vendor line'], 'its action says what it does')


class TestConfigurationScreens(BackOfficeBrowserCase):
    """Comodo SSL → Configuration: the prices and the plans, as the README's step 2 and 3 read them."""

    def test_reseller_prices_open_on_the_prices(self):
        self._menu('comodo_ssl_reseller.comodo_ssl_menu_root', 'comodo_ssl_reseller.comodo_certificate_term_menu')
        row = self._wait_for('.o_list_view tr.o_data_row')
        self.assertFalse(self._all('.o_list_view tr.o_group_header'), 'not grouped and collapsed')
        self.assertRegex(self._cell(row, 'Default Sale Price').text, r'\d+\.\d\d', 'a price in sight')

    def test_a_hosting_plan_reads_plainly(self):
        self._menu('comodo_ssl_reseller.comodo_ssl_menu_root', 'comodo_ssl_reseller.hosting_plan_menu')
        business = self._wait(lambda browser: [row for row in self._all('.o_list_view tr.o_data_row')
                                               if 'Business Hosting' in row.text], 'Business Hosting listed')
        self._click(self._cell(business[0], 'Name'))
        interval, rule = (self._wait_for('.o_form_readonly .o_field_widget[name=%s]' % name)
                          for name in ('recurring_interval', 'recurring_rule_type'))
        self.assertEqual((interval.text, rule.text), ('1', 'Month(s)'))
        self.assertGreaterEqual(self.browser.execute_script(GAP, interval, rule), 3, '"1 Month(s)", not "1Month(s)"')
        sheet = self._find('.o_form_sheet').text
        self.assertIn('SSL Module: customers on this plan may use SSL at all', sheet)
        self.assertIn('Comodo SSL: they may also buy Comodo certificates from you', sheet)
        self._click(self._wait(lambda browser: [button for button in self._all('.oe_button_box button')
                                                if 'Subscriptions' in button.text], 'the Subscriptions button')[0])
        self._wait_for_text('.o_control_panel .breadcrumb', 'Subscriptions')
        self.assertNotIn('Contracts', self._find('.o_control_panel .breadcrumb').text)

    def test_a_hosting_names_its_customer_once(self):
        self._menu('comodo_ssl_reseller.comodo_ssl_menu_root', 'comodo_ssl_reseller.comodo_hosted_domain_menu')
        self._wait_for_text('.o_list_view', 'Business Hosting - Demo Portal User')
        self.assertNotIn('Demo Portal User - Demo Portal User', self._find('.o_list_view').text)


class TestAsyncManager(BackOfficeBrowserCase):
    """Comodo SSL → Async Manager: the orders Comodo has not decided, with labelled row actions."""

    def _row(self, order_name):
        """The Async Manager's row of `order_name`, once listed."""
        rows = self._wait(lambda browser: [row for row in self._all('.o_list_view tr.o_data_row')
                                           if order_name in row.text], 'the row of %s' % order_name)
        return rows[0]

    def _row_button(self, order_name, text):
        found = [button for button in self._all('button', self._row(order_name))
                 if button.is_displayed() and button.text == text]
        self.assertEqual(len(found), 1, 'one %r button on the row of %s' % (text, order_name))
        return found[0]

    def test_cancel_asks_first_and_says_what_happens(self):
        self.authenticate('portal', 'portal')
        _response, order = self._buy(unique_domain('never'))
        self._place(order)
        self._menu('comodo_ssl_reseller.comodo_ssl_menu_root', 'comodo_ssl_reseller.comodo_certificate_order_menu_async')
        row = self._row(order.name)
        self.assertEqual([button.text for button in self._all('button', row) if button.is_displayed()],
                         ['Check', 'Check validation', 'Reset', 'Cancel'], 'the row actions say what they do')
        with self.stored() as env:
            self.assertEqual(order.state, 'pending')
            consequences = order.sudo()._cancel_consequences()
            self.assertIn('for customer %s: Comodo is asked to cancel CA order %s, and invoice %s is credited'
                          % (order.partner_id.display_name, order.ca_order_number, order.invoice_ids.number),
                          consequences)

        # Asked, and kept: nothing changes.
        self._click(self._row_button(order.name, 'Cancel'))
        title, body = self._dialog()
        self.assertEqual(title, 'Cancel Certificate Order')
        self.assertIn(consequences, body)
        self._close_dialog('Keep the order')
        with self.stored() as env:
            self.assertEqual(order.state, 'pending')
            self.assertFalse(self.sandbox.find_calls('AutoRevokeSSL', order.ca_order_number))

        # Asked again, and confirmed: cancelled at the CA and in Odoo, and off the list.
        self._click(self._row_button(order.name, 'Cancel'))
        self._dialog()
        self._close_dialog('Cancel the order')
        self._wait(lambda browser: not [row for row in self._all('.o_list_view tr.o_data_row')
                                        if order.name in row.text], 'the cancelled order off the list')
        with self.stored() as env:
            self.assertEqual(order.state, 'cancelled')
            self.assertTrue(self.sandbox.find_calls('AutoRevokeSSL', order.ca_order_number))

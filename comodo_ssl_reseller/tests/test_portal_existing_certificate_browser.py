"""What the portal does with a certificate the customer already has, in a real Chromium: buying its
domain again points to it (nothing sold), the list tells its rows apart, and a reissue with a new
key asks first, then keeps the current certificate's downloads and reads "Reissuing" until the new
one is issued."""
from selenium.webdriver.common.by import By

from odoo import fields
from odoo.tools.misc import format_date

from .common import unique_domain
from .test_portal_browser import PortalBrowserCase

REISSUE_STARTED = 'A new key and certificate are on their way'


class TestExistingCertificateInBrowser(PortalBrowserCase):

    def setUp(self):
        super(TestExistingCertificateInBrowser, self).setUp()
        self._login('portal')

    def _counts(self, domain):
        """(orders for `domain`, the customer's sales, CA orders for `domain`)."""
        with self.stored() as env:
            return (env['comodo.certificate.order'].search_count([('domain', '=', domain)]),
                    env['sale.order'].search_count([('partner_id', '=', self.customer.id)]),
                    len(self.sandbox.find_orders(commonName=domain)))

    def _status_label(self):
        return self._text('.o_comodo_certificate h4 .label')

    def _customer_on_another_date_than_staff(self, env):
        """Put the portal customer in a time zone whose date differs from the administrator's now
        (one of two zones 26 hours apart always does), so a date shown in the wrong zone shows."""
        staff_today = fields.Date.context_today(env.user)
        zone = next(zone for zone in ('Pacific/Kiritimati', 'Etc/GMT+12')
                    if fields.Date.context_today(env.user.with_context(tz=zone)) != staff_today)
        env['res.users'].search([('login', '=', 'portal')]).tz = zone
        return zone

    def test_buying_a_domain_again_points_to_its_certificate(self):
        domain = unique_domain('instant')
        order = self._buy(domain)
        self.assertEqual(self._placed(order).state, 'issued')
        with self.saved() as env:
            zone = self._customer_on_another_date_than_staff(env)
        with self.stored() as env:
            reference = order.name
            ordered_on = format_date(env(context=dict(env.context, lang='en_US', tz=zone)), order.create_date)

        # The list: each row says which certificate it is and when it was ordered, in the customer's
        # calendar.
        self._open('/my/certificates')
        row = [row for row in self._all('.o_portal_my_doc_table tr') if domain in row.text]
        self.assertEqual(len(row), 1)
        self.assertEqual(row[0].find_element(By.CSS_SELECTOR, '.o_comodo_reference').text, reference)
        self.assertEqual(row[0].find_element(By.CSS_SELECTOR, '.o_comodo_ordered').text, ordered_on)

        before = self._counts(domain)
        error = self._submit(self._fill_buy_form(domain), '.o_comodo_buy_error')
        self.assertIn('You already have a certificate for %s (%s, ordered on %s): nothing was ordered and '
                      'you were not charged.' % (domain, reference, ordered_on), error.text)
        self.assertIn('reissue it with a new key', error.text)
        self.assertEqual(self._counts(domain), before, 'nothing sold, nothing ordered from the CA')

        self._submit(self._find('.o_comodo_buy_error a.o_comodo_existing'), '.o_comodo_state_words')
        self.assertTrue(self.browser.current_url.endswith(order.portal_url), 'the existing certificate')
        self.assertTrue(self._all('a.o_comodo_reissue'), 'where it is reissued')

    def test_a_reissue_asks_first_and_keeps_the_current_downloads(self):
        domain = unique_domain('never')
        order = self._buy(domain)
        self._placed(order)
        self.sandbox.approve(self._stored(order).ca_order_number)
        with self.saved() as env:
            order.with_env(env).action_check()
        self.browser.refresh()
        self._wait_for('.o_comodo_downloads')
        current = self._stored(order)
        self.assertEqual(current.state, 'issued')
        with self.stored():
            term_ends_year = order.term_ends_at[:4]

        # Asked first: what will happen; keeping the current certificate changes nothing.
        page = self._submit(self._find('a.o_comodo_reissue'), '.o_comodo_reissue_confirm')
        self.assertIn('new private key', page.text)
        self.assertIn('free, inside the term you paid for (until %s-' % term_ends_year, page.text)
        self.assertIn('stays valid and in use', page.text)
        self._submit(self._find('a.o_comodo_reissue_kept'), '.o_comodo_state_words')
        self.assertEqual(self._stored(order).state, 'issued')
        self.assertFalse(self.sandbox.find_calls('AutoReplaceSSL', current.ca_order_number))

        self._submit(self._find('a.o_comodo_reissue'), '.o_comodo_reissue_confirm')
        notice = self._submit(self._find('button.o_comodo_reissue_confirmed'), '.alert-success')
        self.assertIn(REISSUE_STARTED, notice.text)
        self.assertEqual(self._stored(order).state, 'reissue')
        self.assertEqual(self._status_label(), 'Reissuing')

        # Sent: Comodo validates the new CSR. Still "Reissuing", and the current certificate's files.
        with self.saved() as env:
            order.with_env(env)._job_reissue()
        self.browser.refresh()
        self._wait_for('.o_comodo_state_words')
        self.assertEqual(self._stored(order).state, 'pending')
        self.assertEqual(self._status_label(), 'Reissuing')
        self.assertIn('current certificate stays valid', self._text('.o_comodo_state_words'))
        self.assertTrue(self._all('.o_comodo_dcv'), 'what to do for the new CSR')
        self.assertIn('current certificate', self._text('.o_comodo_current_while_reissuing'))
        self._find('.o_comodo_downloads a[href$="/download/certificate"]').click()
        self.assertEqual(self._downloaded(domain + '.crt').decode('ascii').strip(), current.certificate_pem.strip())
        self._find('.o_comodo_downloads button.o_comodo_download_key').click()
        self.assertEqual(self._downloaded(domain + '.key').decode('ascii').strip(), current.private_key_pem.strip(),
                         'the key of the certificate in use, not the new one')
        with self.stored():
            self.assertEqual((order.status, order.invoice_ids.comodo_certificate_state), ('reissue', 'reissue'))

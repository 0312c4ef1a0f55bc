"""Check validation in a real Chromium, against the rig's bind9: the customer on the certificate page
of an order the pre-flight holds (CAA forbidding Sectigo), and an SSL manager on the Async Manager's
row; each reads the cause, and once it is fixed the order goes to the CA."""
import json

from dns_rig import shared_dns_rig

from .test_back_office_browser import BackOfficeBrowserCase
from .test_portal_browser import PortalBrowserCase

CAA_WORDS = ("The domain's CAA record does not allow our certificate authority (Sectigo) to issue certificates "
             "for %s. Please add sectigo.com to it, or remove the record.")


class HeldOrder(object):
    """A name of the demo customer's hosting, on the rig's DNS server, whose CAA forbids Sectigo."""

    def _held_name(self):
        rig = shared_dns_rig()
        name = rig.new_name()
        self.addCleanup(rig.delete_name, name)
        rig.set_address(name)
        rig.set_caa(name, '0 issue "letsencrypt.org"')
        with self.saved() as env:
            server = env['comodo.dns.server'].create(dict(
                rig.server_values(), name='Rig', test_zone='example.test',
                company_id=env.ref('base.main_company').id))
            env['comodo.hosted.domain'].create({'name': name, 'partner_id': self.customer.id,
                                                'dns_server_id': server.id, 'dns_zone': 'example.test'})
        return name


class TestCheckValidationOnThePortalPage(HeldOrder, PortalBrowserCase):

    def test_the_customer_reads_the_cause_and_checks_again_once_fixed(self):
        name = self._held_name()
        self._login('portal')
        order = self._buy(name)
        self._place(order)
        self.browser.refresh()
        causes = self._wait_for('.o_comodo_preflight_causes')
        self.assertIn('We have not ordered the certificate yet', causes.text)
        self.assertIn(CAA_WORDS % name, causes.text)
        self.assertNotIn('caa_forbids', self.browser.page_source)

        answer = self._submit(self._find('.o_comodo_check_validation button'), '.alert-danger')
        self.assertIn(CAA_WORDS % name, answer.text, 'the check says the cause again')

        shared_dns_rig().set_caa(name, '0 issue "sectigo.com"')
        answer = self._submit(self._find('.o_comodo_check_validation button'), '.alert-success')
        self.assertEqual(answer.text, "%s: ready for the certificate authority's check." % name)
        self.assertEqual(self._placed(order).state, 'pending', 'ordered once it passes')
        self.assertFalse(self._all('.o_comodo_preflight_causes'))


class TestCheckValidationInTheAsyncManager(HeldOrder, BackOfficeBrowserCase):

    def _notices(self, env, text):
        user = env.ref('base.user_root')
        channels = [json.dumps(user['notify_%s_channel_name' % kind]) for kind in ('info', 'warning')]
        return env['bus.bus'].sudo().search([('message', 'like', text), ('channel', 'in', channels)])

    def test_the_row_button_says_the_cause_then_places_once_fixed(self):
        name = self._held_name()
        self.authenticate('portal', 'portal')
        _response, order = self._buy(name)
        self._place(order)
        self._menu('comodo_ssl_reseller.comodo_ssl_menu_root',
                   'comodo_ssl_reseller.comodo_certificate_order_menu_async')
        row = self._wait(lambda browser: [row for row in self._all('.o_list_view tr.o_data_row')
                                          if order.name in row.text], 'the row of %s' % order.name)[0]
        staff = 'CAA on %s allows only letsencrypt.org [caa_forbids]' % name
        self.assertIn(staff, row.text, 'the row says why the order waits')
        self._click([button for button in self._all('button', row) if button.text == 'Check validation'][0])
        with self.stored() as env:
            self.assertTrue(self._notices(env, staff), 'the cause said to the SSL manager who pressed it')
            self.assertEqual(order.state, 'draft')

        shared_dns_rig().set_caa(name, '0 issue "sectigo.com"')
        row = self._wait(lambda browser: [row for row in self._all('.o_list_view tr.o_data_row')
                                          if order.name in row.text], 'the row of %s' % order.name)[0]
        self._click([button for button in self._all('button', row) if button.text == 'Check validation'][0])
        with self.stored() as env:
            self.assertTrue(self._notices(env, "%s: ready for the certificate authority's check." % name))
            self.assertFalse(order.preflight_failure)
        self._place(order)
        with self.stored():
            self.assertEqual(order.state, 'pending')

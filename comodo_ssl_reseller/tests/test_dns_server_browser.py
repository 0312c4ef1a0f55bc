"""Setting up the hosting company's DNS server in the back office, in a real Chromium against the
rig's bind9: the TSIG secret typed once and never shown again, the connection tested in one click."""
from dns_rig import TEST_ZONES, shared_dns_rig

from .test_back_office_browser import BackOfficeBrowserCase


class TestDnsServerForm(BackOfficeBrowserCase):

    def test_set_up_a_dns_server_and_test_it(self):
        rig = shared_dns_rig()
        self._menu('comodo_ssl_reseller.comodo_ssl_menu_root', 'comodo_ssl_reseller.comodo_dns_server_menu')
        self._click(self._wait_for('.o_list_button_add'))
        self.assertIn('Test connection checks the address, the zone and the key', self._find('.o_form_view').text)
        for name, value in (('name', 'Rig DNS server'), ('host', rig.host), ('port', str(rig.port)),
                            ('key_name', rig.key_name), ('test_zone', TEST_ZONES[0])):
            self._type(self._wait_for('input.o_field_widget[name=%s]' % name), value)
        secret_box = self._wait_for('input.o_field_widget[name=key_secret]')
        self.assertEqual(secret_box.get_attribute('type'), 'password', 'typed unseen')
        self._type(secret_box, rig.key_secret)
        self._save()

        self._wait_for_text('.o_field_widget[name=key_secret_summary]', 'set')
        self.assertNotIn(rig.key_secret, self.browser.page_source, 'never shown again')
        self.assertEqual(self._wait_for('.o_field_widget[name=port]').text, str(rig.port), 'no thousands separator')

        self._click(self._button('Test connection'))
        self._wait_for_text('.o_field_widget[name=connection_test_result]',
                            'Rig DNS server: the connection works and the TSIG key is accepted for zone %s.'
                            % TEST_ZONES[0])
        self._wait_for_text('.o_thread_message', 'accepts TSIG key %s' % rig.key_name)
        self.assertNotIn(rig.key_secret, self.browser.page_source)
        with self.stored() as env:
            server = env['comodo.dns.server'].search([('name', '=', 'Rig DNS server')])
            self.assertEqual((server.host, server.port, server.key_name), (rig.host, rig.port, rig.key_name))
            self.assertTrue(server.connection_test_ok)
            self.assertEqual(server._dns_server().key_secret, rig.key_secret)

"""Setting up a web server from scratch in the back office, in a real Chromium against the rig's
sshd: the key pasted and never shown again, the host key fetched, confirmed and pinned, the
connection tested."""
from webserver_rig import shared_rig

from .test_back_office_browser import BackOfficeBrowserCase


class TestWebServerForm(BackOfficeBrowserCase):

    def _field(self, name, tag='input'):
        return self._wait_for('.o_field_widget[name=%s]%s' % (name, ' ' + tag if tag else ''))

    def test_set_up_a_web_server_and_pin_its_host_key(self):
        rig = shared_rig()
        values = rig.target_values('nginx')
        self._menu('comodo_ssl_reseller.comodo_ssl_menu_root', 'comodo_ssl_reseller.comodo_deploy_target_menu')
        self._click(self._wait_for('.o_list_button_add'))
        self.assertIn('Fetch host key', self._find('.o_form_view').text, 'the steps are said in words')
        for name in ('name', 'host', 'user', 'certificate_folder', 'test_command', 'reload_command',
                     'check_host'):
            self._type(self._wait_for('input.o_field_widget[name=%s]' % name), values.get(name, 'Rig web server'))
        self._type(self._wait_for('input.o_field_widget[name=port]'), str(rig.ssh_port))
        self._type(self._wait_for('input.o_field_widget[name=check_port]'), str(rig.nginx_port))
        self._type(self._wait_for('textarea.o_field_widget[name=private_key_pem]'), rig.client_key)
        self._save()

        form = self._find('.o_form_view').text
        self.assertIn('\u2022\u2022\u2022\u2022 set (ED25519, SHA256:', form)
        self.assertIn(rig.client_public_key, form, 'the public key, for authorized_keys')
        self.assertNotIn(rig.client_key.splitlines()[1], self.browser.page_source)
        self.assertEqual(self._wait_for('.o_field_widget[name=port]').text, str(rig.ssh_port), 'no thousands separator')

        self._click(self._button('Fetch host key'))
        title, body = self._dialog()
        self.assertIn('Confirm the host key', title)
        self.assertIn(rig.host_fingerprint, body)
        self.assertIn('ED25519', body)
        with self.stored() as env:
            target = env['comodo.deploy.target'].search([('name', '=', 'Rig web server')])
            self.assertFalse(target.host_fingerprint, 'nothing pinned before the person confirms')
        self._close_dialog('The fingerprint matches: pin it')
        self._wait_for_text('.o_field_widget[name=host_fingerprint]', rig.host_fingerprint)

        self._click(self._button('Test connection'))
        self._wait_for_text('.o_field_widget[name=connection_test_result]', 'the server showed the pinned host key')
        with self.stored() as env:
            target = env['comodo.deploy.target'].search([('name', '=', 'Rig web server')])
            self.assertEqual(target.host_fingerprint, rig.host_fingerprint)
            self.assertEqual(target.port, rig.ssh_port)

"""Who reaches the web servers, over real XML-RPC: SSL managers see a server's name and start
installs; only deployment administrators read or change how Odoo logs in there (whoever sets a
server's commands runs them there); nobody reads an SSH key, which is write-only."""
import xmlrpc.client

from webserver_rig import shared_rig
from webserver_rig.rig import self_signed_pair

from .common import give_certificate, unique_domain
from .portal_common import PortalCase

CONNECTION_FIELDS = ['host', 'port', 'user', 'host_fingerprint', 'test_command', 'reload_command',
                     'certificate_folder', 'use_sudo', 'ssh_public_key', 'private_key_pem']
USERS = {
    'rpc_ssl_manager': 'comodo_ssl_reseller.group_ssl_manager',
    'rpc_deploy_admin': 'comodo_ssl_reseller.group_deploy_admin',
}


class TestDeployTargetAccess(PortalCase):

    def setUp(self):
        super(TestDeployTargetAccess, self).setUp()
        self.rig = shared_rig()
        with self.saved() as env:
            users = env['res.users'].with_context(no_reset_password=True)
            for login, group in USERS.items():
                users.create({'name': login, 'login': login, 'password': login,
                              'groups_id': [(6, 0, [env.ref(group).id])]})
            target = env['comodo.deploy.target'].create(dict(
                self.rig.target_values('nginx'), name='Managed server', verify_attempts=20, verify_delay=0.2))
            domain = unique_domain('instant')
            env['comodo.hosted.domain'].create({'name': domain, 'partner_id': self.customer.id,
                                                'deploy_target_id': target.id})
            order = env['comodo.certificate.order'].create({
                'partner_id': self.customer.id, 'term_id': self.term.id, 'domain': domain,
                'dcv_method': 'CNAME_CSR_HASH'})
            order._prepare_key_material()
            give_certificate(order, {'certificate_pem': self_signed_pair(domain)[0]})
            order.write({'state': 'issued', 'deploy_target_id': target.id})
            self.target_id, self.order_id = target.id, order.id

    def _call(self, login, model, method, *args, **kwargs):
        """The answer, or None when the server refused."""
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, login, {})
        self.assertTrue(uid, 'login %s works' % login)
        try:
            return self.xmlrpc_object.execute_kw(self.env.cr.dbname, uid, login, model, method, list(args), kwargs)
        except xmlrpc.client.Fault:
            return None

    def _target(self):
        self.env.cache.invalidate()
        return self.env['comodo.deploy.target'].browse(self.target_id)

    def test_ssl_managers_see_the_name_and_install_but_reach_nothing_else(self):
        login, target_id = 'rpc_ssl_manager', self.target_id
        refused = {
            'read': self._call(login, 'comodo.deploy.target', 'read', [target_id], CONNECTION_FIELDS),
            'search_read': self._call(login, 'comodo.deploy.target', 'search_read', [], ['host']),
            'read_group': self._call(login, 'comodo.deploy.target', 'read_group', [], ['user'], ['user']),
            'search_count': self._call(login, 'comodo.deploy.target', 'search_count', [('user', '=', self.rig.user)]),
            'write': self._call(login, 'comodo.deploy.target', 'write', [target_id], {'test_command': 'id'}),
            'create': self._call(login, 'comodo.deploy.target', 'create', dict(
                self.rig.target_values('nginx'), name='Mine', test_command='id')),
            'fetch': self._call(login, 'comodo.deploy.target', 'action_fetch_host_key', [target_id]),
            'test': self._call(login, 'comodo.deploy.target', 'action_test_connection', [target_id]),
            'generate': self._call(login, 'comodo.deploy.target', 'action_generate_key_pair', [target_id]),
            'keys': self._call(login, 'comodo.deploy.target.key', 'search_read', [], ['encrypted_private_key']),
            'name_search by user': self._call(login, 'comodo.deploy.target', 'name_search', 'Managed',
                                              [('user', '=', self.rig.user)]),
        }
        self.assertEqual({path: answer for path, answer in refused.items() if answer is not None}, {})
        self.assertEqual(self._target().test_command, self.rig.commands('nginx')[0], 'the command is unchanged')
        self.assertEqual(self.env['comodo.deploy.target'].search_count([('name', '=', 'Mine')]), 0)

        order = self._call(login, 'comodo.certificate.order', 'read', [self.order_id], ['deploy_target_id'])
        self.assertEqual(order[0]['deploy_target_id'], [target_id, 'Managed server'])
        self.assertTrue(self._call(login, 'comodo.certificate.order', 'action_reinstall', [self.order_id]))
        self.assertTrue(self._call(login, 'comodo.certificate.order', 'action_restore_previous', [self.order_id]))
        installs = self._call(login, 'comodo.certificate.install', 'search_read',
                              [('order_id', '=', self.order_id)], ['purpose', 'target_id', 'display_name'])
        self.assertEqual(sorted(install['purpose'] for install in installs), ['install', 'restore'])
        self.assertEqual({install['target_id'][1] for install in installs}, {'Managed server'})
        # The installations' search by web server: by its name.
        self.assertEqual(self._call(login, 'comodo.deploy.target', 'name_search', 'Managed'),
                         [[target_id, 'Managed server']])
        self.assertEqual(self._call(login, 'comodo.certificate.install', 'search_count',
                                    [('target_id', 'ilike', 'Managed')]), 2)

    def test_deployment_administrators_own_the_servers_but_never_read_a_key(self):
        login, target_id = 'rpc_deploy_admin', self.target_id
        read = self._call(login, 'comodo.deploy.target', 'read', [target_id], CONNECTION_FIELDS + ['ssh_key_summary'])
        self.assertEqual(read[0]['host_fingerprint'], self.rig.host_fingerprint)
        self.assertEqual(read[0]['ssh_public_key'], self.rig.client_public_key)
        self.assertFalse(read[0]['private_key_pem'], 'write-only')
        self.assertIn('set (ED25519, SHA256:', read[0]['ssh_key_summary'])
        self.assertTrue(self._call(login, 'comodo.deploy.target', 'write', [target_id], {'reload_command': 'true'}))
        self.assertEqual(self._target().reload_command, 'true')
        key_paths = {
            'read': self._call(login, 'comodo.deploy.target.key', 'search_read', [], ['encrypted_private_key']),
            'read_group': self._call(login, 'comodo.deploy.target.key', 'read_group', [],
                                     ['encrypted_private_key'], ['encrypted_private_key']),
            'search_count': self._call(login, 'comodo.deploy.target.key', 'search_count', []),
        }
        self.assertEqual({path: answer for path, answer in key_paths.items() if answer is not None}, {})
        client_key_line = self.rig.client_key.splitlines()[1]
        exported = self._call(login, 'comodo.deploy.target', 'export_data', [target_id], ['private_key_pem'])
        self.assertNotIn(client_key_line, repr(exported))

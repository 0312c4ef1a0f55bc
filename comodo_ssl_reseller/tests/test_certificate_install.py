"""Installing certificates on real web servers (sshd, nginx, Apache from webserver_rig)."""
from cryptography import x509
from lxml import etree

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.safe_eval import safe_eval

from webserver_rig import shared_rig
from webserver_rig.rig import free_port

from deploy.verify import leaf_sha256
from .common import ComodoCase, unique_domain


class OnTheHostingsWebServer(object):
    """Purchases for a domain the customer holds on its hosting's web server."""

    def _buy(self, domain, **line_values):
        """The customer's hosted domain on its hosting's web server, its files in the server's own
        folder (where these tests' sites name them), then the purchase; its work runs at once."""
        target = self.subscription.deploy_target_id
        self._hold(domain, deploy_target_id=target.id, certificate_folder=target.certificate_folder)
        order = self._buy_queued(domain, **line_values).with_env(self.env)
        order._job_place()
        return order


class TestCertificateInstall(OnTheHostingsWebServer, ComodoCase):

    @classmethod
    def setUpClass(cls):
        super(TestCertificateInstall, cls).setUpClass()
        cls.rig = shared_rig()
        cls.target = cls._target('nginx')
        cls.subscription.deploy_target_id = cls.target
        users = cls.env['res.users'].with_context(no_reset_password=True)
        cls.ssl_user = users.create({
            'name': 'SSL Clerk', 'login': 'install_ssl_user', 'email': 'clerk@example.com',
            'groups_id': [(6, 0, [cls.env.ref('comodo_ssl_reseller.group_ssl_user').id])]})

    @classmethod
    def _target(cls, kind, **overrides):
        values = cls.rig.target_values(kind)
        values.update(name='Rig %s' % kind, verify_attempts=20, verify_delay=0.2)
        values.update(overrides)
        return cls.env['comodo.deploy.target'].create(values)


    def _served(self, kind, domain):
        return self.rig.served_sha256(kind, domain)

    def _waiting_or_failed(self):
        """What Installations lists when it opens: its search filter Waiting or Failed."""
        installs = self.env['comodo.certificate.install']
        action = self.env.ref('comodo_ssl_reseller.comodo_certificate_install_action')
        self.assertEqual(safe_eval(action.context), {'search_default_unfinished': 1})
        search = etree.fromstring(installs.fields_view_get(view_type='search')['arch'])
        return installs.search(safe_eval(search.xpath("//filter[@name='unfinished']")[0].get('domain')))

    def _messages(self, order):
        return '\n'.join(order.message_ids.mapped('body'))

    def test_issued_certificate_is_installed_and_served(self):
        domain = unique_domain('instant')
        self.rig.add_site(domain)

        order = self._buy(domain)

        self.assertEqual(order.state, 'issued')
        install, temporary = order.install_ids
        # The server serves one certificate for the domain: the temporary one is served no more.
        self.assertEqual((temporary.purpose, temporary.state), ('temporary', 'replaced'), temporary.log)
        self.assertEqual((install.purpose, install.state), ('install', 'verified'), install.log)
        self.assertEqual(self._served('nginx', domain), leaf_sha256(order.certificate_pem))
        self.assertEqual(install.served_sha256, install.expected_sha256)
        self.assertEqual(self.rig.file_mode('nginx', domain + '.key'), 0o600)
        self.assertEqual(self.rig.read('nginx', domain + '.key'), order.private_key_pem)
        self.assertFalse(install.sudo().encrypted_private_key, 'the key is dropped once installed')
        self.assertEqual(self.target.host_fingerprint, self.rig.host_fingerprint, 'the pin it was set up with')
        self.assertIn('Installed on Rig nginx and verified', self._messages(order))
        self.assertEqual(order.deploy_target_id, self.target, 'taken from the hosted domain')
        self.assertEqual(install.display_name, '%s on Rig nginx (Install)' % domain)
        self.assertFalse((install | temporary) & self._waiting_or_failed(), 'nothing left to do')

    def test_reissued_certificate_replaces_the_first_on_the_site(self):
        domain = unique_domain('instant')
        self.rig.add_site(domain)
        order = self._buy(domain)
        first_pem = order.certificate_pem

        order._customer_reissue()

        self.assertEqual(order.state, 'issued')
        self.assertNotEqual(order.certificate_pem, first_pem, 'a new certificate in the term')
        latest = order.install_ids[0]
        self.assertEqual((latest.purpose, latest.state), ('install', 'verified'), latest.log)
        self.assertEqual(latest.certificate_pem, order.certificate_pem)
        self.assertEqual(self._served('nginx', domain), leaf_sha256(order.certificate_pem))
        self.assertEqual(self.rig.read('nginx', domain + '.key'), order.private_key_pem, 'with its new key')

    def test_temporary_certificate_until_comodo_issues(self):
        domain = unique_domain('www')
        self.rig.add_site(domain)

        order = self._buy(domain)

        self.assertEqual(order.state, 'pending')
        temporary = order.install_ids
        self.assertEqual((temporary.purpose, temporary.state), ('temporary', 'verified'), temporary.log)
        served = self._served('nginx', domain)
        self.assertEqual(served, temporary.expected_sha256)
        installed = x509.load_pem_x509_certificate(self.rig.read('nginx', domain + '.fullchain.pem').encode())
        self.assertIn('TEMPORARY', installed.subject.rfc4514_string())
        self.assertIn('Temporary CA', installed.issuer.rfc4514_string())
        self.assertTrue(order._is_certificate_for_our_key(self.rig.read('nginx', domain + '.fullchain.pem')),
                        'made from the order\'s own key')

        self.sandbox.approve(order.ca_order_number)
        self._make_due(order)
        self._poll()

        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.install_ids[0].state, 'verified', order.install_ids[0].log)
        self.assertEqual(self._served('nginx', domain), leaf_sha256(order.certificate_pem))

    def test_rejection_restores_what_the_site_served_before(self):
        domain = unique_domain('www')
        original = self.rig.add_site(domain)['nginx']
        order = self._buy(domain)

        self.sandbox.reject(order.ca_order_number)
        self._make_due(order)
        self._poll()

        self.assertEqual(order.state, 'rejected')
        restore, temporary = order.install_ids
        self.assertEqual(temporary.state, 'replaced', 'served no more: the pair before it was put back')
        self.assertEqual((restore.purpose, restore.state), ('restore', 'rolled_back'), restore.log)
        self.assertEqual(self._served('nginx', domain), leaf_sha256(original))

    def test_cancel_restores_what_the_site_served_before(self):
        domain = unique_domain('never')
        original = self.rig.add_site(domain)['nginx']
        order = self._buy(domain)
        self.assertNotEqual(self._served('nginx', domain), leaf_sha256(original), 'temporary served')

        order.action_cancel()

        self.assertEqual(order.install_ids[0].state, 'rolled_back', order.install_ids[0].log)
        self.assertEqual(self._served('nginx', domain), leaf_sha256(original))

    def test_apache_target_and_reinstall_and_roll_back(self):
        apache = self._target('apache')
        domain = unique_domain('instant')
        original = self.rig.add_site(domain)['apache']
        self.subscription.deploy_target_id = apache
        order = self._buy(domain)
        self.assertEqual(order.install_ids[0].state, 'verified', order.install_ids[0].log)

        order.action_reinstall()
        self.assertEqual(len(order.install_ids), 3)
        self.assertEqual(order.install_ids[0].state, 'verified')
        order.action_restore_previous()

        self.assertEqual(order.install_ids[0].purpose, 'restore')
        self.assertEqual(order.install_ids[0].state, 'rolled_back', order.install_ids[0].log)
        # The re-install kept the issued pair as "previous": restoring serves it; a second roll back
        # reaches the site's own.
        self.assertEqual(self._served('apache', domain), leaf_sha256(order.certificate_pem))
        self.assertNotEqual(leaf_sha256(original), leaf_sha256(order.certificate_pem))

    def test_config_test_failing_records_the_step_and_keeps_the_site(self):
        failing = self._target('nginx', test_command='sh -c "echo configuration broken; exit 1"')
        domain = unique_domain('instant')
        original = self.rig.add_site(domain)['nginx']
        self.subscription.deploy_target_id = failing

        order = self._buy(domain)

        install = order.install_ids[0]
        self.assertEqual((install.state, install.failed_step), ('failed', 'preflight'))
        self.assertIn('configuration broken', install.log)
        self.assertEqual(self._served('nginx', domain), leaf_sha256(original))
        self.assertIn('failed at preflight', self._messages(order))

    def test_reload_failing_rolls_back(self):
        failing = self._target('nginx', reload_command='sh -c "echo reload refused; exit 1"')
        domain = unique_domain('instant')
        original = self.rig.add_site(domain)['nginx']
        self.subscription.deploy_target_id = failing

        install = self._buy(domain).install_ids[0]

        self.assertEqual((install.state, install.failed_step), ('rolled_back', 'activate'))
        self.assertEqual(self._served('nginx', domain), leaf_sha256(original))
        self.assertEqual(self.rig.read('nginx', domain + '.fullchain.pem'), original)
        self.assertIn(install, self._waiting_or_failed(), 'staff must act on a rolled-back install')

    def test_wrong_host_key_is_refused_and_nothing_written(self):
        pinned = self._target('nginx', host_fingerprint='SHA256:' + 'B' * 43)
        domain = unique_domain('instant')
        original = self.rig.add_site(domain)['nginx']
        self.subscription.deploy_target_id = pinned

        install = self._buy(domain).install_ids[0]

        self.assertEqual((install.state, install.failed_step), ('failed', 'preflight'))
        self.assertIn('not the pinned', install.error)
        self.assertEqual(pinned.host_fingerprint, 'SHA256:' + 'B' * 43, 'a pin is never replaced')
        self.assertEqual(self.rig.read('nginx', domain + '.fullchain.pem'), original)

    def test_unreachable_host_is_postponed_with_backoff(self):
        self.subscription.deploy_target_id = self._target('nginx', port=free_port())
        domain = unique_domain('instant')

        order = self._buy(domain)

        install, temporary = order.install_ids
        self.assertEqual((install.state, temporary.state), ('postponed', 'postponed'))
        self.assertTrue(install.next_try_at)
        self.assertTrue(install.sudo().encrypted_private_key, 'kept (encrypted) for the next try')
        self.assertEqual(order.state, 'issued', 'the CA outcome stands')
        job = self.env['queue.job'].search([('func_string', 'like', 'comodo.certificate.install(%d,)' % install.id)])
        self.assertTrue(job.eta, 'the retry waits')
        # The temporary certificate's retry comes after the issued one: it must not replace it.
        temporary._job_install()
        self.assertEqual(temporary.state, 'superseded')
        self.assertFalse(temporary.sudo().encrypted_private_key)

    def test_ssh_key_never_in_chatter_mails_or_install_records(self):
        domain = unique_domain('instant')
        self.rig.add_site(domain)
        order = self._buy(domain)
        key_lines = [line for line in self.rig.client_key.splitlines() if 'PRIVATE KEY' not in line]
        self.assertTrue(key_lines)
        mails = self.env['mail.mail'].search([]).mapped('body_html')
        written = '\n'.join([self._messages(order)] + order.install_ids.mapped(lambda i: i.log or '')
                            + [body or '' for body in mails])
        self.assertFalse([line for line in key_lines if line in written])
        stored = self.env['comodo.deploy.target.key'].search([('target_id', '=', self.target.id)])
        self.assertTrue(stored.encrypted_private_key)
        self.assertNotIn(key_lines[0], stored.encrypted_private_key)

    def test_only_ssl_managers_reach_targets_and_buttons(self):
        domain = unique_domain('instant')
        self.rig.add_site(domain)
        order = self._buy(domain)
        with self.assertRaises(Exception):
            self.target.sudo(self.ssl_user).read(['private_key_pem'])
        with self.assertRaises(UserError):
            order.sudo(self.ssl_user).action_reinstall()
        self.assertEqual(order.sudo(self.ssl_user).install_state, 'verified')


class TestHostKeyAndSshKey(OnTheHostingsWebServer, ComodoCase):
    """No trust on first use; the SSH key is write-only and bound to its server."""

    @classmethod
    def setUpClass(cls):
        super(TestHostKeyAndSshKey, cls).setUpClass()
        cls.rig = shared_rig()
        users = cls.env['res.users'].with_context(no_reset_password=True)
        cls.deploy_admin = users.create({
            'name': 'Server Admin', 'login': 'deploy_admin_test', 'email': 'servers@example.com',
            'groups_id': [(6, 0, [cls.env.ref('comodo_ssl_reseller.group_deploy_admin').id])]})

    def _target(self, **overrides):
        values = dict(self.rig.target_values('nginx'), name='Rig nginx', verify_attempts=20, verify_delay=0.2)
        values.update(overrides)
        return self.env['comodo.deploy.target'].sudo(self.deploy_admin).create(values)

    def _logins(self):
        return self.rig.sshd_log().count('Accepted publickey')

    def test_install_without_a_pinned_host_key_is_refused_and_nothing_sent(self):
        target = self._target(host_fingerprint=False)
        self.subscription.deploy_target_id = target
        domain = unique_domain('instant')
        original = self.rig.add_site(domain)['nginx']
        logins = self._logins()

        order = self._buy(domain)

        install, temporary = order.install_ids
        for attempt in (install, temporary):
            self.assertEqual((attempt.state, attempt.failed_step), ('failed', 'preflight'), attempt.log)
            self.assertIn('no SSH host key is pinned', attempt.error)
        self.assertIn('Fetch the host key', self._messages(order))
        self.assertFalse(target.host_fingerprint, 'nothing pinned')
        self.assertEqual(self._logins(), logins, 'the SSH key was never offered')
        self.assertEqual(self.rig.read('nginx', domain + '.fullchain.pem'), original)
        self.assertNotIn(order.private_key_pem, self.rig.read('nginx', domain + '.key'))

    def _messages(self, order):
        return '\n'.join(order.message_ids.mapped('body'))

    def test_fetch_host_key_pins_only_what_a_person_confirms(self):
        target = self._target(host_fingerprint=False).sudo(self.deploy_admin)
        logins = self._logins()

        action = target.action_fetch_host_key()

        confirmation = self.env[action['res_model']].sudo(self.deploy_admin).browse(action['res_id'])
        self.assertEqual((confirmation.key_type, confirmation.fingerprint), ('ED25519', self.rig.host_fingerprint))
        self.assertFalse(target.host_fingerprint, 'not pinned before the person confirms')
        self.assertEqual(self._logins(), logins, 'read without logging in')
        confirmation.action_pin()
        self.assertEqual(target.host_fingerprint, self.rig.host_fingerprint)

        domain = unique_domain('instant')
        self.rig.add_site(domain)
        self.subscription.deploy_target_id = target
        order = self._buy(domain)
        self.assertEqual(order.install_ids[0].state, 'verified', order.install_ids[0].log)

    def test_test_connection_says_what_it_checked(self):
        target = self._target().sudo(self.deploy_admin)
        self.assertTrue(target.action_test_connection())
        self.assertIn('the server showed the pinned host key %s' % self.rig.host_fingerprint,
                      target.connection_test_result)
        self.assertIn('$ %s' % self.rig.commands('nginx')[0], target.connection_test_result)
        unpinned = self._target(host_fingerprint=False).sudo(self.deploy_admin)
        with self.assertRaisesRegex(UserError, 'no SSH host key is pinned'):
            unpinned.action_test_connection()
        wrong_folder = self._target(certificate_folder='/nonexistent/certs').sudo(self.deploy_admin)
        with self.assertRaisesRegex(UserError, 'does not exist'):
            wrong_folder.action_test_connection()

    def test_the_ssh_key_is_write_only_and_shown_masked(self):
        target = self._target().sudo(self.deploy_admin)

        self.assertFalse(target.read(['private_key_pem'])[0]['private_key_pem'])
        self.assertFalse(target.sudo().read(['private_key_pem'])[0]['private_key_pem'], 'not even for the superuser')
        summary = target.ssh_key_summary
        self.assertTrue(summary.startswith('\u2022\u2022\u2022\u2022 set (ED25519, SHA256:'), summary)
        self.assertEqual(target.ssh_public_key, self.rig.client_public_key)
        with self.assertRaises(AccessError):
            self.env['comodo.deploy.target.key'].sudo(self.deploy_admin).search_read([], ['encrypted_private_key'])

    def test_a_web_server_needs_a_key_and_can_make_its_own(self):
        values = dict(self.rig.target_values('nginx'), name='No key')
        del values['private_key_pem']
        with self.assertRaisesRegex(ValidationError, 'needs the SSH private key'):
            with self.cr.savepoint():
                self.env['comodo.deploy.target'].sudo(self.deploy_admin).create(values)
        with self.assertRaisesRegex(ValidationError, 'is refused'):
            with self.cr.savepoint():
                self._target(private_key_pem='not a key')

        generated = self.env['comodo.deploy.target'].sudo(self.deploy_admin).create(
            dict(values, generate_key_pair=True))

        self.assertTrue(generated.ssh_public_key.startswith('ssh-ed25519 '))
        self.assertNotEqual(generated.ssh_public_key, self.rig.client_public_key)
        with self.assertRaisesRegex(UserError, 'authorized_keys'):
            generated.action_test_connection()  # the rig does not know the new key yet
        before = generated.ssh_public_key
        generated.action_generate_key_pair()
        self.assertNotEqual(generated.ssh_public_key, before)

    def test_a_key_copied_from_another_record_opens_nothing(self):
        """The temporary CA's key token copied into a web server's key decrypts to nothing."""
        target = self._target()
        ca = self.env['comodo.temporary.ca']._for_company(self.company)
        stored = self.env['comodo.deploy.target.key'].search([('target_id', '=', target.id)])
        stored.encrypted_private_key = ca.encrypted_private_key
        with self.assertRaisesRegex(UserError, 'not encrypted for this record'):
            target._deploy_target()

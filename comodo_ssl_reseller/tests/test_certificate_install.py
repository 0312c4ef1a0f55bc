"""Installing certificates on real web servers (sshd, nginx, Apache from webserver_rig)."""
from cryptography import x509
from odoo.exceptions import UserError

from webserver_rig import shared_rig
from webserver_rig.rig import free_port

from ..deploy.verify import leaf_sha256
from .common import ComodoCase, unique_domain


class TestCertificateInstall(ComodoCase):

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

    def _buy(self, domain, **line_values):
        """The customer's hosted domain on its hosting's web server, its files in the server's own
        folder (where these tests' sites name them), then the purchase; its work runs at once."""
        target = self.subscription.deploy_target_id
        hosted = self.env['comodo.hosted.domain'].create({
            'name': domain, 'partner_id': self.customer.id, 'subscription_id': self.subscription.id,
            'deploy_target_id': target.id, 'certificate_folder': target.certificate_folder})
        order = self._buy_queued(domain, **line_values).with_env(self.env)
        order.hosted_domain_id = hosted  # set here, where the ordering path does not set it yet
        order._job_place()
        return order

    def _served(self, kind, domain):
        return self.rig.served_sha256(kind, domain)

    def _messages(self, order):
        return '\n'.join(order.message_ids.mapped('body'))

    def test_issued_certificate_is_installed_and_served(self):
        domain = unique_domain('instant')
        self.rig.add_site(domain)

        order = self._buy(domain)

        self.assertEqual(order.state, 'issued')
        install, temporary = order.install_ids
        self.assertEqual((temporary.purpose, temporary.state), ('temporary', 'verified'), temporary.log)
        self.assertEqual((install.purpose, install.state), ('install', 'verified'), install.log)
        self.assertEqual(self._served('nginx', domain), leaf_sha256(order.certificate_pem))
        self.assertEqual(install.served_sha256, install.expected_sha256)
        self.assertEqual(self.rig.file_mode('nginx', domain + '.key'), 0o600)
        self.assertEqual(self.rig.read('nginx', domain + '.key'), order.private_key_pem)
        self.assertFalse(install.sudo().encrypted_private_key, 'the key is dropped once installed')
        self.assertTrue(self.target.host_fingerprint.startswith('SHA256:'), 'pinned on first use')
        self.assertIn('Installed on Rig nginx and verified', self._messages(order))
        self.assertEqual(order.deploy_target_id, self.target, 'taken from the hosted domain')
        self.assertEqual(install.display_name, '%s on Rig nginx (Install)' % domain)

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
        self.assertEqual(temporary.state, 'verified')
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
        self.assertNotIn(self.rig.client_key, self.target.encrypted_private_key)

    def test_only_ssl_managers_reach_targets_and_buttons(self):
        domain = unique_domain('instant')
        self.rig.add_site(domain)
        order = self._buy(domain)
        with self.assertRaises(Exception):
            self.target.sudo(self.ssl_user).read(['private_key_pem'])
        with self.assertRaises(UserError):
            order.sudo(self.ssl_user).action_reinstall()
        self.assertEqual(order.sudo(self.ssl_user).install_state, 'verified')

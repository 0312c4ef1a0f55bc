"""The portal's words about the customer's site, after a real install (webserver_rig)."""
import os

from webserver_rig import shared_rig

from deploy.verify import leaf_sha256
from .common import unique_domain
from .portal_common import PortalCase


class TestPortalInstallWords(PortalCase):

    def setUp(self):
        super(TestPortalInstallWords, self).setUp()
        self.rig = shared_rig()
        with self.saved() as env:
            values = dict(self.rig.target_values('nginx'), name='Portal web server', verify_attempts=20,
                          verify_delay=0.2)
            target = env['comodo.deploy.target'].create(values)
            env['account.analytic.account'].search([('partner_id', '=', self.customer.id),
                                                    ('hosting_plan_id', '!=', False)]).write(
                {'deploy_target_id': target.id})

    def _buy_hosted(self, domain):
        """The customer's hosted domain on its web server, its site and the purchase over HTTP,
        placed; returns the order."""
        with self.saved() as env:
            target = env['comodo.deploy.target'].search([('name', '=', 'Portal web server')])
            hosted = env['comodo.hosted.domain'].create({
                'name': domain, 'partner_id': self.customer.id, 'deploy_target_id': target.id})
            subfolder = os.path.relpath(hosted.install_folder, target.certificate_folder)
        self.rig.add_site(domain, subfolder)
        _response, order = self._buy(domain)
        with self.saved() as env:
            # Set here, where the ordering path does not set it yet.
            order.with_env(env).hosted_domain_id = hosted.id
        return self._place(order)

    def _run_installs(self, order):
        with self.saved() as env:
            for install in order.with_env(env).sudo().install_ids.sorted('id'):
                install._job_install()

    def test_issued_certificate_page_says_installed_and_verified(self):
        self.authenticate('portal', 'portal')
        order = self._buy_hosted(unique_domain('instant'))
        self.assertEqual(order.state, 'issued')

        self._run_installs(order)

        page = self.url_open(order.portal_url)
        self.assertIn('Installed on your site and verified', page.text)
        self.assertNotIn('temporary certificate is on your site', page.text)
        self.assertIn('Nothing: the certificate is installed on your site and verified', page.text)
        self.assertNotIn('install it on your web server', page.text)
        self.assertNotIn('ready to install', page.text)

    def test_buying_over_the_portal_leaves_the_neighbours_site_alone(self):
        with self.saved() as env:
            target = env['comodo.deploy.target'].search([('name', '=', 'Portal web server')])
            theirs = env['comodo.hosted.domain'].create({
                'name': unique_domain('www'), 'deploy_target_id': target.id,
                'partner_id': env.ref('comodo_ssl_reseller.partner_portal_nossl').id})
            their_name, their_folder = theirs.name, os.path.relpath(theirs.install_folder, target.certificate_folder)
        their_original = leaf_sha256(self.rig.add_site(their_name, their_folder)['nginx'])
        self.authenticate('portal', 'portal')

        order = self._buy_hosted(unique_domain('never'))
        self._run_installs(order)

        page = self.url_open(order.portal_url)
        self.assertIn('temporary certificate is on your site', page.text)
        self.assertEqual(self.rig.served_sha256('nginx', order.domain), order.sudo().install_ids.expected_sha256)
        self.assertEqual(self.rig.served_sha256('nginx', their_name), their_original)

    def test_failed_install_is_said_in_plain_words(self):
        with self.saved() as env:
            env['comodo.deploy.target'].search([('name', '=', 'Portal web server')]).reload_command = 'false'
        self.authenticate('portal', 'portal')
        order = self._buy_hosted(unique_domain('instant'))

        self._run_installs(order)

        page = self.url_open(order.portal_url)
        self.assertIn('your web server did not reload', page.text)
        self.assertIn('keeps the certificate it had before', page.text)
        self.assertIn('failed and our staff have been told', page.text)

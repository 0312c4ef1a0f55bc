"""The portal's words about the customer's site, after a real install (webserver_rig)."""
from webserver_rig import shared_rig

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

    def _run_installs(self, order):
        with self.saved() as env:
            for install in order.with_env(env).sudo().install_ids.sorted('id'):
                install._job_install()

    def test_issued_certificate_page_says_installed_and_verified(self):
        self.authenticate('portal', 'portal')
        domain = unique_domain('instant')
        self.rig.add_site(domain)
        _response, order = self._buy(domain)
        self._place(order)
        self.assertEqual(order.state, 'issued')

        self._run_installs(order)

        page = self.url_open(order.portal_url)
        self.assertIn('Installed on your site and verified', page.text)
        self.assertNotIn('temporary certificate is on your site', page.text)

    def test_failed_install_is_said_in_plain_words(self):
        with self.saved() as env:
            env['comodo.deploy.target'].search([('name', '=', 'Portal web server')]).reload_command = 'false'
        self.authenticate('portal', 'portal')
        domain = unique_domain('instant')
        self.rig.add_site(domain)
        _response, order = self._buy(domain)
        self._place(order)

        self._run_installs(order)

        page = self.url_open(order.portal_url)
        self.assertIn('your web server did not reload', page.text)
        self.assertIn('keeps the certificate it had before', page.text)

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests.common import SavepointCase

from ..exceptions import ComodoRefusal
from .common import SANDBOX_PASSWORD, ComodoCase

# The company's connection to the CA, as Settings shows it.
CONNECTION_FIELDS = ['comodo_api_type', 'comodo_login', 'comodo_password', 'comodo_api_url', 'comodo_wsdl_url',
                     'comodo_customer_uri', 'comodo_org_id', 'comodo_secret_key', 'comodo_test_mode', 'comodo_timeout']


class TestResellerAccount(SavepointCase):
    """The reseller login lives on the company; its password only settings administrators see."""

    @classmethod
    def setUpClass(cls):
        super(TestResellerAccount, cls).setUpClass()
        cls.company = cls.env.ref('base.main_company')
        cls.company.write({'comodo_login': 'reseller', 'comodo_password': 's3cret-pass'})
        users = cls.env['res.users'].with_context(no_reset_password=True)
        cls.salesman = users.create({
            'name': 'Salesman', 'login': 'ssl_salesman',
            'groups_id': [(6, 0, [cls.env.ref('sales_team.group_sale_salesman').id])],
        })
        cls.ssl_manager = users.create({
            'name': 'SSL Manager', 'login': 'ssl_manager',
            'groups_id': [(6, 0, [cls.env.ref('comodo_ssl_reseller.group_ssl_manager').id])],
        })

    def test_salesman_cannot_read_the_password(self):
        company = self.company.sudo(self.salesman)
        with self.assertRaises(AccessError):
            company.read(['comodo_password'])
        self.assertNotIn('comodo_password', company.read()[0])
        self.assertNotIn('comodo_password', company.fields_get())
        self.assertEqual(company.comodo_login, 'reseller', 'the login itself is not a secret')

    def test_ssl_manager_is_not_a_settings_admin(self):
        with self.assertRaises(AccessError):
            self.company.sudo(self.ssl_manager).read(['comodo_password'])

    def test_salesman_cannot_write_the_password(self):
        with self.assertRaises(AccessError):
            self.company.sudo(self.salesman).write({'comodo_password': 'stolen'})

    def test_settings_admin_reads_and_writes_through_settings(self):
        settings = self.env['res.config.settings'].create({'comodo_password': 'changed', 'comodo_timeout': 45})
        self.assertEqual(settings.comodo_login, 'reseller')
        self.assertEqual(self.company.comodo_password, 's3cret-pass', 'kept until Save')
        settings.execute()
        self.assertEqual(self.company.comodo_password, 'changed')
        self.assertEqual(self.company.comodo_timeout, 45)

    def test_settings_do_not_show_the_password_to_others(self):
        fields = self.env['res.config.settings'].sudo(self.salesman).fields_get()
        self.assertNotIn('comodo_password', fields)

    def test_production_endpoint_by_default(self):
        company = self.env['res.company'].create({'name': 'Other Host'})
        self.assertEqual(company.comodo_api_url, 'https://secure.trust-provider.com/products/')
        self.assertEqual(company.comodo_timeout, 30)

    def test_timeout_must_be_sensible(self):
        with self.assertRaises(ValidationError):
            with self.cr.savepoint():
                self.company.comodo_timeout = 0

    def test_client_needs_credentials(self):
        self.company.comodo_password = False
        with self.assertRaisesRegex(UserError, 'login and password'):
            self.company._comodo_client()


class TestConnection(ComodoCase):
    """Settings → Comodo SSL → Test connection asks the CA (here the sandbox) to check the login."""

    def test_accepted_login(self):
        settings = self.env['res.config.settings'].create({})
        settings.action_comodo_test_connection()
        self.assertTrue(self.sandbox.find_calls('WebHostReport', None))
        notices = self.env['bus.bus'].sudo().search([('message', 'like', 'Connection to Comodo succeeded')])
        self.assertEqual(len(notices), 1, 'the success is a notification to the user, not an error')
        self.assertIn('"%s"' % self.env.user.notify_info_channel_name, notices.channel)

    def test_refused_login_says_why(self):
        settings = self.env['res.config.settings'].create({'comodo_password': 'wrong'})
        # A ComodoRefusal: the web client shows it as a plain "Warning" (refusal_dialog.js).
        with self.assertRaisesRegex(ComodoRefusal, 'refused the connection: .*-16'):
            settings.action_comodo_test_connection()

    def test_unreachable_endpoint_says_so(self):
        settings = self.env['res.config.settings'].create({'comodo_api_url': 'http://127.0.0.1:9/products/'})
        with self.assertRaisesRegex(UserError, 'refused the connection'):
            settings.action_comodo_test_connection()

    def _stored(self):
        # As stored: the company's fields read the account afresh (the settings write it in their own
        # environment).
        self.company.invalidate_cache()
        return {name: self.company[name] for name in CONNECTION_FIELDS}

    def test_a_wrong_password_tried_changes_nothing(self):
        stored = self._stored()
        settings = self.env['res.config.settings'].create({'comodo_password': 'wrong', 'comodo_timeout': 12})
        with self.assertRaisesRegex(ComodoRefusal, 'refused the connection: .*-16.*Nothing was saved'):
            settings.action_comodo_test_connection()
        self.assertEqual(self._stored(), stored, 'the stored account as it was')
        with self.company._comodo_client() as client:
            client.check_login()
        # Discard: the settings opened again show the stored account, not what was tried.
        again = self.env['res.config.settings'].create({})
        self.assertEqual((again.comodo_timeout, again.comodo_password), (stored['comodo_timeout'], False))

    def test_the_right_password_tried_is_accepted_and_kept_only_by_save(self):
        self.company.comodo_password = 'not-' + SANDBOX_PASSWORD
        settings = self.env['res.config.settings'].create({'comodo_password': SANDBOX_PASSWORD})
        settings.action_comodo_test_connection()
        self.assertTrue(self.env['bus.bus'].sudo().search([('message', 'like', 'Connection to Comodo succeeded')]))
        self.assertEqual(self._stored()['comodo_password'], 'not-' + SANDBOX_PASSWORD, 'not saved by the test')
        settings.execute()
        self.assertEqual(self._stored()['comodo_password'], SANDBOX_PASSWORD, 'saved by Save')

    def test_an_empty_password_keeps_and_tests_the_stored_one(self):
        settings = self.env['res.config.settings'].create({'comodo_login': 'not-the-login'})
        self.assertFalse(settings.comodo_password, 'the stored password never reaches the form')
        self.assertTrue(settings.comodo_password_stored)
        with self.assertRaisesRegex(ComodoRefusal, 'refused the connection'):
            settings.action_comodo_test_connection()
        settings.write({'comodo_login': self.company.comodo_login})
        settings.action_comodo_test_connection()
        settings.execute()
        self.assertEqual(self._stored()['comodo_password'], SANDBOX_PASSWORD, 'Save with an empty field keeps it')

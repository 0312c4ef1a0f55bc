"""Where secrets live, what is refused before it can leak, and the reseller's credit at the CA."""
from cryptography.fernet import Fernet

from odoo import tools
from odoo.exceptions import AccessError, UserError, ValidationError

from comodo_client import build_csr, generate_private_key
from deploy import generate_private_key as generate_ssh_key
from .common import ComodoCase, load_migration, unique_domain


def table_columns(cr, table):
    cr.execute('SELECT column_name FROM information_schema.columns WHERE table_name = %s', (table,))
    return {row[0] for row in cr.fetchall()}


class TestSecretStorage(ComodoCase):

    @classmethod
    def setUpClass(cls):
        super(TestSecretStorage, cls).setUpClass()
        users = cls.env['res.users'].with_context(no_reset_password=True)
        cls.ssl_manager = users.create({
            'name': 'Key Reader', 'login': 'secret_ssl_manager', 'email': 'keys@example.com',
            'groups_id': [(6, 0, [cls.env.ref('comodo_ssl_reseller.group_ssl_manager').id])]})

    def _columns(self, table):
        return table_columns(self.env.cr, table)

    def test_secrets_are_stored_in_their_own_tables_only(self):
        self.assertFalse({'comodo_password', 'comodo_secret_key', 'comodo_login'} & self._columns('res_company'))
        self.assertNotIn('private_key_pem', self._columns('comodo_certificate_order'))
        order = self._buy(unique_domain('never'))
        key = self.env['comodo.certificate.key'].search([('order_id', '=', order.id)])
        self.assertIn('PRIVATE KEY', key.private_key_pem)
        self.assertEqual(order.private_key_pem, key.private_key_pem, 'SSL managers read it on the order')
        self.assertFalse(order.sudo(self.ssl_manager).private_key_pem is False)
        account = self.env['comodo.reseller.account'].search([('company_id', '=', self.company.id)])
        self.assertEqual(account.password, 'demo')

    def test_migration_moves_old_columns_and_drops_them(self):
        order = self._buy(unique_domain('never'))
        key_pem = order.private_key_pem
        self.env['comodo.certificate.key'].search([('order_id', '=', order.id)]).unlink()
        self.env['comodo.reseller.account'].search([('company_id', '=', self.company.id)]).unlink()
        # The tables as 11.0.1.0.0 left them.
        self.env.cr.execute("""ALTER TABLE res_company ADD COLUMN comodo_login varchar,
                               ADD COLUMN comodo_password varchar, ADD COLUMN comodo_api_url varchar,
                               ADD COLUMN comodo_org_id integer, ADD COLUMN comodo_secret_key varchar""")
        self.env.cr.execute("""UPDATE res_company SET comodo_login = 'old-login', comodo_password = 'old-pw',
                               comodo_api_url = 'https://ca.example.com/products/', comodo_org_id = 42,
                               comodo_secret_key = 'old-secret' WHERE id = %s""", (self.company.id,))
        self.env.cr.execute('ALTER TABLE comodo_certificate_order ADD COLUMN private_key_pem text')
        self.env.cr.execute('UPDATE comodo_certificate_order SET private_key_pem = %s WHERE id = %s',
                            (key_pem, order.id))

        load_migration('11.0.1.1.0').migrate(self.env.cr, '11.0.1.0.0')
        self.env.cache.invalidate()

        account = self.env['comodo.reseller.account'].search([('company_id', '=', self.company.id)])
        self.assertEqual((account.login, account.password, account.api_url, account.org_id, account.secret_key),
                         ('old-login', 'old-pw', 'https://ca.example.com/products/', 42, 'old-secret'))
        self.assertEqual(self.company.comodo_password, 'old-pw')
        self.assertEqual(order.private_key_pem, key_pem, 'nothing lost')
        self.assertFalse({'comodo_password', 'comodo_secret_key', 'comodo_login'} & self._columns('res_company'))
        self.assertNotIn('private_key_pem', self._columns('comodo_certificate_order'))
        # A second run (an update of an already migrated database) changes nothing.
        load_migration('11.0.1.1.0').migrate(self.env.cr, '11.0.1.1.0')
        self.assertEqual(self.env['comodo.reseller.account'].search_count([('company_id', '=', self.company.id)]), 1)

    def test_a_key_pasted_with_the_csr_is_never_stored(self):
        key = generate_private_key()
        domain = unique_domain('never')
        csr = build_csr(key, [domain])
        with self.assertRaisesRegex(ValidationError, 'private key must stay on your server'):
            with self.cr.savepoint():
                self._sale_order(domain, comodo_csr=key + csr)
        sale = self._sale_order(domain, comodo_csr='My CSR:\r\n' + csr.replace('\n', '\r\n') + '\r\nThanks')
        with self.assertRaisesRegex(ValidationError, 'private key must stay on your server'):
            with self.cr.savepoint():
                sale.order_line.comodo_csr = csr + key
        sale.invalidate_cache()  # the refused value is still in the cache
        sale.action_confirm()
        order = sale.order_line.comodo_order_ids
        self.assertEqual(order.csr_pem, csr, 'only the CSR, re-encoded, is kept and sent')
        self.assertFalse(order.key_generated)
        self.assertFalse(self.env['comodo.certificate.key'].search([('order_id', '=', order.id)]))
        self.assertEqual(order.state, 'pending', 'the CA took the cleaned CSR')

    def test_domains_with_whitespace_or_control_characters_are_refused(self):
        for domain in ('www\n.example.com', 'www.exa mple.com', 'www.example\t.com'):
            sale = self._sale_order(domain)
            with self.assertRaisesRegex(UserError, 'not a valid public domain name'):
                with self.cr.savepoint():
                    sale.action_confirm()
            self.assertFalse(self.env['comodo.certificate.order'].search([('domain', '=', domain)]))

    def test_test_connection_is_for_settings_administrators(self):
        settings = self.env['res.config.settings'].create({})
        calls = len(self.sandbox.calls())
        with self.assertRaisesRegex(AccessError, 'settings administrators'):
            settings.sudo(self.ssl_manager).action_comodo_test_connection()
        self.assertEqual(len(self.sandbox.calls()), calls, 'nothing sent to the CA')

    def test_plain_http_is_refused_unless_test_mode(self):
        self.company.comodo_test_mode = False
        calls = len(self.sandbox.calls())
        with self.assertRaisesRegex(UserError, 'is not https://'):
            self.company._comodo_client()
        settings = self.env['res.config.settings'].create({})
        with self.assertRaisesRegex(UserError, 'is not https://'):
            settings.action_comodo_test_connection()
        self.assertEqual(len(self.sandbox.calls()), calls, 'no credential sent')
        self.company.write({'comodo_api_url': 'https://ca.invalid/products/'})
        self.assertEqual(self.company._comodo_client().base_url, 'https://ca.invalid/products/')

    def test_a_certificate_for_another_key_is_not_stored_as_issued(self):
        order = self._buy(unique_domain('never'))
        self.assertEqual(order.state, 'pending')
        # As if the CA answered with a certificate for another request: the one it holds is not
        # for the key this order now has.
        order.csr_pem = build_csr(generate_private_key(), [order.domain])
        self.sandbox.approve(order.ca_order_number)
        order.action_check()
        self.assertEqual(order.state, 'error')
        self.assertFalse(order.certificate_pem)
        self.assertIn('does not match', order.last_error)
        told = order.message_ids.filtered(lambda message: 'does not match' in (message.body or ''))
        self.assertIn(self.ssl_manager.partner_id, told.partner_ids, 'SSL managers are told')


class TestEncryptionAtRest(ComodoCase):
    """Keys and the reseller password are Fernet tokens in the database; the key is in the config."""

    def _use_keys(self, *keys):
        previous = tools.config.get('comodo_key_encryption_key')
        tools.config['comodo_key_encryption_key'] = ','.join(keys)
        self.addCleanup(tools.config.__setitem__, 'comodo_key_encryption_key', previous)
        self.env.cache.invalidate()

    def _stored(self, table, column, record_id):
        self.env.cr.execute('SELECT %s FROM %s WHERE id = %%s' % (column, table), (record_id,))
        return self.env.cr.fetchone()[0]

    def _key(self, order):
        return self.env['comodo.certificate.key'].search([('order_id', '=', order.id)])

    def test_the_database_holds_tokens_not_secrets(self):
        order = self._buy(unique_domain('never'))
        token = self._stored('comodo_certificate_key', 'encrypted_private_key', self._key(order).id)
        self.assertNotIn('PRIVATE KEY', token)
        self.assertIn('PRIVATE KEY', Fernet(tools.config['comodo_key_encryption_key'].split(',')[0])
                      .decrypt(token.encode()).decode(), 'a Fernet token of the key, with the configured key')
        account = self.env['comodo.reseller.account'].search([('company_id', '=', self.company.id)])
        self.assertNotIn('demo', self._stored('comodo_reseller_account', 'encrypted_password', account.id))

    def test_without_the_key_nothing_is_generated_nor_read(self):
        order = self._buy(unique_domain('never'))
        self._use_keys()
        for read in (lambda: order.private_key_pem, lambda: self.company._comodo_client()):
            with self.assertRaisesRegex(UserError, 'comodo_key_encryption_key'):
                read()
        domain = unique_domain('never')
        calls = len(self.sandbox.calls())
        with self.assertRaisesRegex(UserError, 'none is set'):
            with self.cr.savepoint():
                self._sale_order(domain).action_confirm()
        self.assertFalse(self.env['comodo.certificate.order'].search([('domain', '=', domain)]))
        self.assertEqual(len(self.sandbox.calls()), calls)

    def test_a_wrong_key_says_so(self):
        order = self._buy(unique_domain('never'))
        self._use_keys(Fernet.generate_key().decode())
        with self.assertRaisesRegex(UserError, 'encrypted with a key that'):
            order.private_key_pem

    def test_a_token_copied_into_another_record_opens_nothing(self):
        first, second = self._key(self._buy(unique_domain('never'))), self._key(self._buy(unique_domain('never')))
        second.encrypted_private_key = first.encrypted_private_key
        with self.assertRaisesRegex(UserError, 'not encrypted for this record'):
            second.private_key_pem
        self.assertIn('PRIVATE KEY', first.private_key_pem)
        account = self.env['comodo.reseller.account'].search([('company_id', '=', self.company.id)])
        other = self.env['comodo.reseller.account'].create({
            'company_id': self.env['res.company'].create({'name': 'Other Host'}).id})
        other.encrypted_password = account.encrypted_password
        with self.assertRaisesRegex(UserError, 'not encrypted for this record'):
            other.password
        # Another column of the same record is another binding too.
        account.encrypted_secret_key = account.encrypted_password
        with self.assertRaisesRegex(UserError, 'not encrypted for this record'):
            account.secret_key

    def test_migration_binds_values_encrypted_the_old_way(self):
        order = self._buy(unique_domain('never'))
        key_pem = order.private_key_pem
        ca = self.env['comodo.temporary.ca']._for_company(self.company)
        ca_key_pem = self.env['comodo.encryption']._decrypt(ca, 'encrypted_private_key', ca.encrypted_private_key)
        ssh_key_pem = generate_ssh_key()
        target = self.env['comodo.deploy.target'].create({
            'name': 'Old server', 'host': 'web.example.com', 'user': 'deploy', 'private_key_pem': ssh_key_pem,
            'host_fingerprint': 'SHA256:' + 'C' * 43})
        account = self.env['comodo.reseller.account'].search([('company_id', '=', self.company.id)])
        fernet = Fernet(tools.config['comodo_key_encryption_key'].split(',')[0])

        def unbound(text):
            return fernet.encrypt(text.encode()).decode()

        # The tables as 11.0.1.3.0 left them: tokens of the bare values, the SSH key on the server's row.
        self.env['comodo.deploy.target.key'].search([('target_id', '=', target.id)]).unlink()
        cr = self.env.cr
        cr.execute('ALTER TABLE comodo_deploy_target ADD COLUMN encrypted_private_key text')
        cr.execute('UPDATE comodo_deploy_target SET encrypted_private_key = %s, ssh_key_fingerprint = NULL, '
                   'ssh_key_type = NULL, ssh_public_key = NULL WHERE id = %s', (unbound(ssh_key_pem), target.id))
        cr.execute('UPDATE comodo_certificate_key SET encrypted_private_key = %s WHERE id = %s',
                   (unbound(key_pem), self._key(order).id))
        cr.execute('UPDATE comodo_reseller_account SET encrypted_password = %s WHERE id = %s',
                   (unbound('demo'), account.id))
        cr.execute('UPDATE comodo_temporary_ca SET encrypted_private_key = %s WHERE id = %s',
                   (unbound(ca_key_pem), ca.id))
        self.env.cache.invalidate()
        with self.assertRaisesRegex(UserError, 'not encrypted for this record'):
            order.private_key_pem  # an unbound token is refused like a copied one
        self.env.cache.invalidate()

        migration = load_migration('11.0.1.4.0', 'post-bind-ciphertexts')
        migration.migrate(cr, '11.0.1.3.0')
        migration.migrate(cr, '11.0.1.4.0')  # an update of a migrated database changes nothing
        self.env.cache.invalidate()

        self.assertEqual(order.private_key_pem, key_pem, 'nothing lost')
        self.assertEqual(self.company.comodo_password, 'demo')
        self.assertEqual(ca._sign(key_pem, [order.domain]).count('BEGIN CERTIFICATE'), 1, 'the CA key still signs')
        self.assertEqual(target._deploy_target().private_key_pem, ssh_key_pem)
        self.assertTrue(target.ssh_key_summary.startswith('\u2022\u2022\u2022\u2022 set (ED25519, SHA256:'))
        self.assertNotIn('encrypted_private_key', table_columns(cr, 'comodo_deploy_target'))
        for table, column, record_id in [('comodo_certificate_key', 'encrypted_private_key', self._key(order).id),
                                         ('comodo_reseller_account', 'encrypted_password', account.id),
                                         ('comodo_temporary_ca', 'encrypted_private_key', ca.id)]:
            plaintext = fernet.decrypt(self._stored(table, column, record_id).encode()).decode()
            self.assertTrue(plaintext.startswith('comodo-bound:'), table)

    def test_rotation_re_encrypts_with_the_new_key(self):
        order = self._buy(unique_domain('never'))
        key_pem = order.private_key_pem
        old_key, new_key = tools.config['comodo_key_encryption_key'], Fernet.generate_key().decode()
        self._use_keys(new_key, old_key)
        settings = self.env['res.config.settings'].create({})
        settings.action_comodo_rotate_encryption()
        self._use_keys(new_key)
        self.assertEqual(order.private_key_pem, key_pem, 'readable with the new key alone')
        self.assertEqual(self.company.comodo_password, 'demo')
        with self.assertRaisesRegex(AccessError, 'settings administrators'):
            settings.sudo(self.env.ref('base.user_demo')).action_comodo_rotate_encryption()


class TestOrderAfterPayment(ComodoCase):
    """Settings → Order from Comodo: when the invoice is paid."""

    @classmethod
    def setUpClass(cls):
        super(TestOrderAfterPayment, cls).setUpClass()
        cls.company.comodo_order_trigger = 'payment'
        cls.bank = cls.env['account.journal'].search([('type', '=', 'bank')], limit=1)

    def test_ordered_only_once_the_invoice_is_paid(self):
        domain = unique_domain('never')
        order = self._buy(domain)
        self.assertEqual(order.state, 'awaiting_payment')
        self.assertFalse(self.sandbox.find_orders(common_name=domain), 'nothing ordered from the CA yet')
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, 'open', 'validated, so that the customer can pay it')
        with self.assertRaisesRegex(UserError, 'once its invoice is paid'):
            order.action_check()

        invoice.pay_and_reconcile(self.bank, invoice.amount_total)
        self.assertEqual(invoice.state, 'paid')
        self.assertEqual(order.state, 'pending')
        self.assertEqual(len(self.sandbox.find_orders(orderNumber=order.ca_order_number)), 1)

    def test_cancelled_before_payment_credits_and_orders_nothing(self):
        domain = unique_domain('never')
        order = self._buy(domain)
        order.action_cancel()
        self.assertEqual(order.state, 'cancelled')
        self.assertFalse(self.sandbox.find_orders(common_name=domain))
        self.assertEqual(order.invoice_ids.filtered(lambda inv: inv.type == 'out_refund').state, 'paid')

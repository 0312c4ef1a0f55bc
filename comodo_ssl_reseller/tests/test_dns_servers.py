"""The hosting company's DNS servers, against the rig's real bind9: Test connection proves the address,
the zone and the TSIG key without changing the zone, and says what is wrong in one sentence; the
secret is encrypted, bound to its record and out of every user's reach. Hosted domains name their
DNS server and zone, and the validation method new orders start with."""
import base64
import os
import socket
from datetime import date

from dns_rig import LOCKED_ZONE, TEST_ZONES, shared_dns_rig

from odoo.exceptions import AccessError, UserError, ValidationError

from .common import ComodoCase, load_migration, unique_domain

ZONE = TEST_ZONES[0]


def unused_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


class DnsServerCase(ComodoCase):

    @classmethod
    def setUpClass(cls):
        super(DnsServerCase, cls).setUpClass()
        cls.rig = shared_dns_rig()
        cls.server = cls._server('Rig bind9')
        users = cls.env['res.users'].with_context(no_reset_password=True)
        cls.ssl_manager = users.create({
            'name': 'DNS Reader', 'login': 'dns_ssl_manager', 'email': 'dns@example.com',
            'groups_id': [(6, 0, [cls.env.ref('comodo_ssl_reseller.group_ssl_manager').id])]})
        cls.deploy_admin = users.create({
            'name': 'DNS Admin', 'login': 'dns_deploy_admin', 'email': 'dnsadmin@example.com',
            'groups_id': [(6, 0, [cls.env.ref('comodo_ssl_reseller.group_deploy_admin').id])]})
        cls.portal_user = cls.env.ref('base.demo_user0')

    @classmethod
    def _server(cls, name, **values):
        return cls.env['comodo.dns.server'].create(dict(
            dict(cls.rig.server_values(), name=name, test_zone=ZONE, company_id=cls.company.id), **values))

    def _stored(self, table, column, record_id):
        self.env.cr.execute('SELECT %s FROM %s WHERE id = %%s' % (column, table), (record_id,))
        return self.env.cr.fetchone()[0]

    def _notices(self, text):
        return self.env['bus.bus'].sudo().search([('message', 'like', text)])

    def _chatter(self, server):
        return '\n'.join(server.message_ids.mapped('body'))


class TestDnsServerConnection(DnsServerCase):

    def test_connection_works_and_changes_nothing(self):
        serial = self.rig.records(ZONE, 'SOA')
        with self.assertLogs('odoo', 'DEBUG') as logged:
            self.server.sudo(self.deploy_admin).action_test_connection()
        self.assertNotIn(self.rig.key_secret, '\n'.join(logged.output), 'never logged')
        self.assertTrue(self.server.connection_test_ok)
        self.assertEqual(self.server.connection_test_result,
                         'Rig bind9: the connection works and the TSIG key is accepted for zone %s.' % ZONE)
        self.assertTrue(self.server.connection_tested_at)
        self.assertEqual(len(self._notices('the connection works and the TSIG key is accepted')), 1)
        chatter = self._chatter(self.server)
        self.assertIn('answers for zone %s with authority' % ZONE, chatter)
        self.assertIn('accepts TSIG key dns-rig-key.', chatter)
        self.assertEqual(self.rig.records(ZONE, 'SOA'), serial, 'the zone is unchanged (same serial)')
        self.assertEqual(self.rig.records('_comodo-connection-test.' + ZONE, 'CNAME'), [])

    def test_a_wrong_secret_is_said_in_one_sentence_without_the_secret(self):
        wrong = base64.b64encode(os.urandom(32)).decode('ascii')
        server = self._server('Wrong key', key_secret=wrong)
        with self.assertLogs('odoo', 'DEBUG') as logged:
            server.action_test_connection()
        self.assertFalse(server.connection_test_ok)
        self.assertEqual(server.connection_test_result,
                         'Wrong key did not accept the TSIG key dns-rig-key.: its name, algorithm or secret '
                         'differs from the server\'s configuration.')
        self.assertIn('BADSIG', self._chatter(server), 'the detail is in the chatter')
        for text in (server.connection_test_result, self._chatter(server),
                     ' '.join(self._notices('did not accept the TSIG key').mapped('message')),
                     '\n'.join(logged.output)):
            self.assertNotIn(wrong, text)
            self.assertNotIn(self.rig.key_secret, text)
        self.assertEqual(len(self._notices('did not accept the TSIG key')), 1)

    def test_a_server_that_does_not_answer(self):
        port = unused_port()
        server = self._server('Nobody there', port=port)
        server.action_test_connection()
        self.assertFalse(server.connection_test_ok)
        self.assertEqual(server.connection_test_result,
                         'Nobody there did not answer at 127.0.0.1, port %d: check the address and port, and '
                         'that the server lets Odoo connect.' % port)
        self.assertIn('could not be reached', self._chatter(server))

    def test_a_zone_the_key_may_not_change(self):
        server = self._server('Locked', test_zone=LOCKED_ZONE)
        server.action_test_connection()
        self.assertEqual(server.connection_test_result,
                         'Locked knows the TSIG key dns-rig-key. but does not let it change zone %s: allow the '
                         'key to update that zone in the server\'s configuration.' % LOCKED_ZONE)

    def test_a_zone_the_server_does_not_hold(self):
        server = self._server('Elsewhere', test_zone='not-held.example.org')
        server.action_test_connection()
        self.assertEqual(server.connection_test_result,
                         'Elsewhere does not hold zone not-held.example.org: check "Zone to Test" and the address.')

    def test_only_deployment_administrators_test_or_change_a_server(self):
        server = self.server.sudo(self.ssl_manager)
        self.assertEqual(server.host, self.rig.host, 'SSL managers read the server')
        with self.assertRaises(AccessError):
            server.action_test_connection()
        with self.assertRaises(AccessError):
            server.write({'host': 'ns.attacker.example'})
        with self.assertRaises(AccessError):
            self.env['comodo.dns.server'].sudo(self.ssl_manager).create(dict(self.rig.server_values(), name='Mine'))


class TestDnsServerSecret(DnsServerCase):

    def test_the_secret_is_write_only_and_encrypted_at_rest(self):
        self.assertFalse(self.server.key_secret)
        self.assertFalse(self.server.sudo(self.deploy_admin).read(['key_secret'])[0]['key_secret'])
        self.assertEqual(self.server.key_secret_summary, 'set')
        self.assertEqual(self._server('No key yet', key_secret=False).key_secret_summary, 'not set')
        self.assertNotIn('key_secret', {column for column in self._columns('comodo_dns_server')})
        key = self.env['comodo.dns.server.key'].search([('server_id', '=', self.server.id)])
        token = self._stored('comodo_dns_server_key', 'encrypted_secret', key.id)
        self.assertTrue(token.startswith('gAAAA'), 'a Fernet token')
        self.assertNotIn(self.rig.key_secret, token)
        self.assertEqual(self.server._dns_server().key_secret, self.rig.key_secret)
        exported = self.server.sudo(self.deploy_admin).export_data(['key_secret'])
        self.assertNotIn(self.rig.key_secret, repr(exported))

    def _columns(self, table):
        self.env.cr.execute('SELECT column_name FROM information_schema.columns WHERE table_name = %s', (table,))
        return {row[0] for row in self.env.cr.fetchall()}

    def test_a_secret_copied_to_another_server_opens_nothing(self):
        other = self._server('Other', key_secret=base64.b64encode(os.urandom(32)).decode('ascii'))
        keys = self.env['comodo.dns.server.key']
        token = keys.search([('server_id', '=', self.server.id)]).encrypted_secret
        self.env.cr.execute('UPDATE comodo_dns_server_key SET encrypted_secret = %s WHERE server_id = %s',
                            (token, other.id))
        self.env.cache.invalidate()
        with self.assertRaisesRegex(UserError, 'was not encrypted for this record'):
            other._dns_server()
        self.assertEqual(self.server._dns_server().key_secret, self.rig.key_secret, 'the original still opens')

    def test_a_secret_that_is_not_base64_is_refused_without_repeating_it(self):
        with self.assertRaises(ValidationError) as refused:
            with self.cr.savepoint():
                self.server.key_secret = 'not base64 at all!'
        self.assertIn('TSIG secret of Rig bind9 is refused', refused.exception.name)
        self.assertNotIn('not base64 at all', refused.exception.name)

    def test_ssl_managers_and_customers_never_reach_the_secret(self):
        secret = self.rig.key_secret
        for user in (self.ssl_manager, self.portal_user):
            keys = self.env['comodo.dns.server.key'].sudo(user)
            for attempt in (lambda: keys.search_read([], ['encrypted_secret']),
                            lambda: keys.read_group([], ['encrypted_secret'], ['encrypted_secret']),
                            lambda: keys.search_count([('encrypted_secret', '!=', False)]),
                            lambda: keys.browse(keys.sudo().search([]).ids).read(['encrypted_secret'])):
                with self.assertRaises(AccessError, msg=user.login):
                    attempt()
        servers = self.env['comodo.dns.server'].sudo(self.ssl_manager)
        read = servers.search_read([('id', '=', self.server.id)], ['key_secret', 'key_secret_summary', 'host'])
        self.assertEqual((read[0]['key_secret'], read[0]['key_secret_summary']), (False, 'set'))
        grouped = servers.read_group([('id', '=', self.server.id)], ['key_name'], ['key_name'])
        self.assertNotIn(secret, repr(grouped))
        with self.assertRaises(AccessError):
            self.env['comodo.dns.server'].sudo(self.portal_user).search_read([], ['host'])

    def test_each_company_sees_its_own_servers(self):
        other_company = self.env['res.company'].create({'name': 'Other Host'})
        theirs = self._server('Theirs', company_id=other_company.id)
        self.assertNotIn(theirs, self.env['comodo.dns.server'].sudo(self.deploy_admin).search([]))
        self.assertIn(self.server, self.env['comodo.dns.server'].sudo(self.deploy_admin).search([]))


class TestHostedDomainDns(DnsServerCase):

    def test_a_new_domain_is_published_on_the_server_holding_its_zone_else_the_default(self):
        # The demo's server is the demo company's default: this test makes its own.
        self.env.ref('comodo_ssl_reseller.dns_server_demo').company_default = False
        default = self._server('Default', test_zone='default.example', company_default=True)
        held = self._hold(self.rig.new_name(ZONE))
        self.assertEqual(held.dns_server_id, self.server, 'the server whose zone holds it')
        elsewhere = self._hold(unique_domain('www'))
        self.assertEqual(elsewhere.dns_server_id, default, 'else the company\'s default')
        with self.assertRaisesRegex(ValidationError, 'already has a default DNS server'):
            with self.cr.savepoint():
                self._server('Second default', company_default=True)

    def test_the_zone_is_found_on_demand_and_kept(self):
        name = self.rig.new_name(ZONE)
        held = self._hold(name)
        self.assertFalse(held.dns_zone)
        held.sudo(self.ssl_manager).action_find_dns_zone()
        self.assertEqual(held.dns_zone, ZONE)
        no_key = self._hold(self.rig.new_name(ZONE), dns_server_id=self._server('No key', key_secret=False).id)
        self.assertEqual(no_key._find_dns_zone(), ZONE, 'a lookup needs no secret')
        self.assertEqual(len(self._notices('%s is in zone %s' % (name, ZONE))), 1)
        stranger = self._hold('www.not-held-%s.example.org' % unique_domain('x').split('.')[0],
                              dns_server_id=self.server.id)
        with self.assertRaisesRegex(UserError, 'holds no zone for'):
            stranger._find_dns_zone()

    def test_the_default_method_of_a_new_order(self):
        Hosted = self.env['comodo.hosted.domain']
        single, by_dns = unique_domain('www'), unique_domain('www')
        self._hold(single)
        self._hold(by_dns, dcv_method='CNAME_CSR_HASH')
        external = unique_domain('www')
        default = lambda name: Hosted._default_dcv_method(self.customer, self.company, name)
        self.assertEqual(default(single), 'HTTP_CSR_HASH', 'a file for a single name')
        self.assertEqual(default('*.' + single), 'CNAME_CSR_HASH', 'a CNAME for a wildcard')
        self.assertEqual(default(by_dns), 'CNAME_CSR_HASH', 'the hosted domain\'s own choice')
        self.assertEqual(default(external), 'HTTP_CSR_HASH')

        def choices(name, today=date(2026, 12, 7)):
            return dict(Hosted._dcv_method_choices(self.customer, self.company, name, today=today))
        self.assertNotIn('EMAIL', choices(single), 'no email for a hosted name: Odoo publishes the proof')
        self.assertEqual(set(choices('*.' + single)), {'CNAME_CSR_HASH'}, 'no file for a wildcard')
        self.assertEqual(choices(external)['EMAIL'], 'Email to an approver address (ends on 2028-03-15)')
        self.assertNotIn('EMAIL', choices(external, today=date(2028, 3, 15)), 'gone from 2028-03-15')
        self.assertIn('EMAIL', choices(external, today=date(2028, 3, 14)))

    def test_the_update_keeps_the_method_earlier_certificates_used(self):
        by_dns, by_file = unique_domain('never'), unique_domain('never')
        hosted = self._hold(by_dns, by_file)
        self._buy(by_dns, comodo_dcv_method='CNAME_CSR_HASH')
        self._buy(by_file, comodo_dcv_method='HTTP_CSR_HASH')
        self.assertEqual(set(hosted.mapped('dcv_method')), {'HTTP_CSR_HASH'}, 'the column\'s default')
        migration = load_migration('11.0.1.5.0', 'post-hosted-domain-dcv-method')
        migration.migrate(self.env.cr, '11.0.1.4.0')
        migration.migrate(self.env.cr, '11.0.1.4.0')
        self.env.cache.invalidate()
        self.assertEqual({domain.name: domain.dcv_method for domain in hosted},
                         {by_dns: 'CNAME_CSR_HASH', by_file: 'HTTP_CSR_HASH'})

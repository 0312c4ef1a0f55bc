"""Each name of a certificate order has its validation line for the order's CSR: how the name is
validated, whether Odoo publishes the proof, and what the pre-flight (against the rig's real bind9)
found for it."""
from dns_rig import SIGNED_PARENT, shared_dns_rig
from webserver_rig import shared_rig

from comodo_client import dcv_instructions

from .common import ComodoCase

PORT_MAP = '80=1,443=2'


class ValidationCase(ComodoCase):
    """A company whose hosted domains are on the rig's web server (sshd + nginx) and in the rig's
    DNS zone, with the pre-flight asking the rig's bind9."""

    @classmethod
    def setUpClass(cls):
        super(ValidationCase, cls).setUpClass()
        cls.dns_rig = shared_dns_rig()
        cls.web_rig = shared_rig()
        cls.dns_server = cls.env['comodo.dns.server'].create(dict(
            cls.dns_rig.server_values(), name='Rig bind9', company_id=cls.company.id))
        cls.web_server = cls.env['comodo.deploy.target'].create(dict(
            cls.web_rig.target_values('nginx'), name='Rig nginx', verify_attempts=20, verify_delay=0.2))
        params = cls.env['ir.config_parameter'].sudo()
        params.set_param('comodo_ssl_reseller.dcv_dns_server', '%s:%d' % (cls.dns_rig.host, cls.dns_rig.port))
        params.set_param('comodo_ssl_reseller.dcv_port_map', cls._port_map())
        params.set_param('comodo_ssl_reseller.dcv_trust_anchors', '\n'.join(
            '%s %s' % (SIGNED_PARENT, record.to_text()) for record in cls.dns_rig.trust_anchor()))
        cls.env.user.company_id.comodo_allow_external_domains = True

    @classmethod
    def _port_map(cls):
        return PORT_MAP

    @classmethod
    def _host_name(cls, name, **values):
        return cls.env['comodo.hosted.domain'].create(dict({
            'name': name, 'partner_id': cls.customer.id, 'subscription_id': cls.subscription.id}, **values))

    def _new_order(self, domain, extra=(), term=None, dcv_method='HTTP_CSR_HASH'):
        """An order not yet placed, with its key and CSR."""
        order = self.env['comodo.certificate.order'].create({
            'partner_id': self.customer.id, 'term_id': (term or self.term).id, 'domain': domain,
            'extra_domains': '\n'.join(extra) or False, 'dcv_method': dcv_method})
        order._prepare_key_material()
        return order


class TestValidationPlan(ValidationCase):

    def test_each_name_is_validated_as_its_hosted_domain_says(self):
        by_file = self.dns_rig.new_name()
        by_cname = self.dns_rig.new_name()
        customer_publishes = self.dns_rig.new_name()
        elsewhere = self.dns_rig.new_name()
        self._host_name(by_file, deploy_target_id=self.web_server.id, document_root='/srv/www/a')
        self._host_name(by_cname, dcv_method='CNAME_CSR_HASH', dns_server_id=self.dns_server.id)
        self._host_name(customer_publishes, deploy_target_id=self.web_server.id, document_root='/srv/www/c',
                        dcv_publish=False)
        order = self._new_order(by_file, [by_cname, customer_publishes, elsewhere], term=self.multi_domain_term,
                                dcv_method='HTTPS_CSR_HASH')
        lines = order._validation_plan()
        self.assertEqual(order.dcv_ids, lines)
        self.assertEqual([(line.name, line.method, line.by_odoo) for line in lines], [
            (by_file, 'HTTP_CSR_HASH', True),
            (by_cname, 'CNAME_CSR_HASH', True),
            (customer_publishes, 'HTTPS_CSR_HASH', False),
            (elsewhere, 'HTTPS_CSR_HASH', False),
        ])
        self.assertEqual(lines.mapped('company_id'), self.company)
        self.assertEqual(order._validation_plan(), lines, 'planned again: the same lines')

    def test_a_wildcard_is_validated_by_cname_on_the_dns_server(self):
        base = self.dns_rig.new_name()
        self._host_name(base, deploy_target_id=self.web_server.id, document_root='/srv/www/w',
                        dns_server_id=self.dns_server.id)
        order = self._new_order('*.' + base, term=self.wildcard_term, dcv_method='CNAME_CSR_HASH')
        line = order._validation_plan()
        self.assertEqual((line.name, line.method, line.by_odoo), ('*.' + base, 'CNAME_CSR_HASH', True))

    def test_a_new_key_means_new_lines(self):
        name = self.dns_rig.new_name()
        self._host_name(name, deploy_target_id=self.web_server.id, document_root='/srv/www/k')
        order = self._new_order(name)
        first = order._validation_plan()
        first_md5 = first.csr_md5
        kept = self._new_order(self.dns_rig.new_name())._validation_plan()
        kept.write({'receipt': '{"kind": "file"}'})
        order._prepare_key_material()
        second = order._validation_plan()
        self.assertNotEqual(first_md5, second.csr_md5)
        self.assertFalse(first.exists(), 'nothing was published for the old key: its line is gone')
        # A line whose proof is still published stays (not current) until that proof is removed.
        kept.order_id._prepare_key_material()
        replacement = kept.order_id._validation_plan()
        self.assertTrue(kept.exists())
        self.assertFalse(kept.current)
        self.assertEqual(kept.order_id.dcv_ids, replacement)


class TestPreflightNames(ValidationCase):

    def test_each_line_gets_the_preflight_of_its_name(self):
        published = self.dns_rig.new_name()
        missing = self.dns_rig.new_name()
        for name in (published, missing):
            self.dns_rig.set_address(name)
            self._host_name(name, dcv_method='CNAME_CSR_HASH', dns_server_id=self.dns_server.id)
        order = self._new_order(published, [missing], term=self.multi_domain_term, dcv_method='CNAME_CSR_HASH')
        lines = order._validation_plan()
        instructions = dcv_instructions(order.csr_pem, 'CNAME_CSR_HASH', published, order.unique_value)
        self.dns_rig.set_records(instructions.cname_name, 'CNAME', [instructions.cname_target + '.'])
        try:
            self.assertFalse(order._preflight_names())
        finally:
            self.dns_rig.delete_name(instructions.cname_name)
        good, bad = lines
        self.assertTrue(good.check_ok, good.staff_sentence)
        self.assertEqual(good.check_code, 'ok')
        self.assertTrue(good.checked_at)
        self.assertFalse(bad.check_ok)
        self.assertEqual(bad.check_code, 'cname_missing')
        self.assertIn('cname_missing', bad.staff_sentence)
        self.assertNotIn('cname_missing', bad.customer_sentence)
        self.assertIn(missing, bad.customer_sentence)

    def test_a_dns_server_that_does_not_answer_fails_every_name(self):
        name = self.dns_rig.new_name()
        self._host_name(name, dcv_method='CNAME_CSR_HASH', dns_server_id=self.dns_server.id)
        order = self._new_order(name, dcv_method='CNAME_CSR_HASH')
        self.env['ir.config_parameter'].sudo().set_param('comodo_ssl_reseller.dcv_dns_server', '127.0.0.1:9')
        self.assertFalse(order._preflight_names())
        self.assertEqual(order.dcv_ids.check_code, 'dns_server_silent')

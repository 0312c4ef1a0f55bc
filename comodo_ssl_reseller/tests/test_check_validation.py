"""Check validation by hand, against the rig's bind9: staff's button (order form, Async Manager row)
and the customer's POST on the certificate page say per name, one sentence each, what the CA would
find; failures reach the chatter with their code; an order the pre-flight held goes on once it passes."""
import json

from odoo.exceptions import AccessError

from comodo_client import dcv_instructions
from dns_rig import shared_dns_rig
from webserver_rig import shared_rig
from webserver_rig.document_roots import DocumentRootSites

from .common import ComodoCase
from .portal_common import PortalCase
from .test_order_validation_plan import ValidationCase


class RigNames(object):
    """Names in the rig's test zone, held on the rig's DNS server, each removed afterwards."""

    def _rig_server(self, env, company):
        return env['comodo.dns.server'].create(dict(
            shared_dns_rig().server_values(), name='Rig', test_zone='example.test', company_id=company.id))

    def _rig_name(self):
        rig = shared_dns_rig()
        name = rig.new_name()
        self.addCleanup(rig.delete_name, name)
        rig.set_address(name)
        return name


class TestCheckValidationByStaff(RigNames, ComodoCase):

    @classmethod
    def setUpClass(cls):
        super(TestCheckValidationByStaff, cls).setUpClass()
        cls.company.comodo_preflight_scope = 'hosted'

    def setUp(self):
        super(TestCheckValidationByStaff, self).setUp()
        self.server = self._rig_server(self.env, self.company)

    def _notices(self, text, kind):
        channel = json.dumps(self.env.user['notify_%s_channel_name' % kind])
        return self.env['bus.bus'].sudo().search([('message', 'like', text), ('channel', '=', channel)])

    def test_the_button_says_each_names_result_and_places_once_it_passes(self):
        name = self._rig_name()
        self._hold(name, dns_server_id=self.server.id, dns_zone='example.test')
        shared_dns_rig().set_caa(name, '0 issue "letsencrypt.org"')
        order = self._buy(name)
        self.assertEqual(order.state, 'draft')

        order.action_check_validation()
        staff = 'CAA on %s allows only letsencrypt.org [caa_forbids]' % name
        self.assertTrue(self._notices(staff, 'warning'), 'said to the user who pressed it')
        self.assertIn('Check validation by', order.message_ids[0].body)
        self.assertIn(staff, order.message_ids[0].body, 'the chatter has the cause with its code')
        self.assertEqual(order.state, 'draft')

        shared_dns_rig().set_caa(name, '0 issue "sectigo.com"')
        order.action_check_validation()
        self.assertTrue(self._notices('%s: ready for the certificate authority' % name, 'info'))
        self.assertEqual(order.state, 'pending', 'placed once it passes')
        self.assertFalse(order.preflight_failure)

    def test_each_name_of_a_multi_domain_order_gets_its_sentence(self):
        good, forbidden = self._rig_name(), self._rig_name()
        self._hold(good, forbidden, dns_server_id=self.server.id, dns_zone='example.test')
        shared_dns_rig().set_caa(forbidden, '0 issue ";"')
        order = self._buy(good, term=self.multi_domain_term, comodo_extra_domains=forbidden)
        results = order._check_validation_now(self.env.user.partner_id)
        self.assertEqual([(result[0], result[1], result[2]) for result in results], [
            (good, True, '%s: ready for the certificate authority\'s check.' % good),
            (forbidden, False, 'CAA on %s forbids every CA to issue certificates [caa_forbids]' % forbidden)])

    def test_only_ssl_managers_may_check(self):
        order = self._buy(self._rig_name())
        salesman = self.env['res.users'].create({
            'name': 'Seller', 'login': 'seller-check-validation',
            'groups_id': [(6, 0, [self.env.ref('sales_team.group_sale_salesman').id])]})
        with self.assertRaises(AccessError):
            order.sudo(salesman).action_check_validation()


class TestCheckValidationOnThePortal(RigNames, PortalCase):

    def setUp(self):
        super(TestCheckValidationOnThePortal, self).setUp()
        self.name = self._rig_name()
        shared_dns_rig().set_caa(self.name, '0 issue "letsencrypt.org"')
        with self.saved() as env:
            server = self._rig_server(env, env.ref('base.main_company'))
            env['comodo.hosted.domain'].create({'name': self.name, 'partner_id': self.customer.id,
                                                'dns_server_id': server.id, 'dns_zone': 'example.test'})
        self.authenticate('portal', 'portal')
        _response, self.order = self._buy(self.name)
        self._place(self.order)

    def test_the_page_says_why_it_waits_and_the_check_says_it_again(self):
        self.assertEqual(self.order.state, 'draft')
        page = self.url_open(self.order.portal_url).text
        customer = ("The domain's CAA record does not allow our certificate authority (Sectigo) to issue "
                    "certificates for %s. Please add sectigo.com to it, or remove the record." % self.name)
        self.assertIn('We have not ordered the certificate yet', page)
        self.assertIn(customer, page)
        self.assertNotIn('caa_forbids', page, 'no code for the customer')
        self.assertNotIn('window.location.reload', page, 'a held order does not refresh itself every 3 s')

        response = self._post('/my/certificates/%d/dcv/check' % self.order.id, self.order.portal_url)
        self.assertIn('alert-danger', response.text)
        self.assertIn(customer, response.text)
        with self.stored():
            self.assertIn('[caa_forbids]', self.order.message_ids[0].body, 'staff read the code')

        shared_dns_rig().set_caa(self.name, '0 issue "sectigo.com"')
        response = self._post('/my/certificates/%d/dcv/check' % self.order.id, self.order.portal_url)
        self.assertIn("%s: ready for the certificate authority's check." % self.name, response.text)
        self._place(self.order)
        with self.stored():
            self.assertEqual(self.order.state, 'pending', 'placed by its queued job once it passes')

    def test_the_page_says_when_each_name_was_validated_and_until_when_it_may_be_reused(self):
        with self.saved() as env:
            line = self.order.with_env(env)._validation_plan()
            line.validated_at = '2026-12-07 10:00:00'
        page = self.url_open(self.order.portal_url).text
        self.assertIn('The CA may reuse it until', page)
        self.assertIn('2026-12-07 10:00 UTC', page)
        self.assertIn('2027-03-17 10:00 UTC', page)

    def test_only_the_owner_may_check_and_only_by_post(self):
        url = '/my/certificates/%d/dcv/check' % self.order.id
        self.assertIn(self.url_open(url).status_code, (404, 405), 'no GET route')
        self.assertEqual(self.url_open(url, data={'x': '1'}).status_code, 400, 'no POST without the CSRF token')
        self.authenticate('portal_nossl', 'portal_nossl')
        response = self._post('/my/certificates/%d/dcv/check' % self.order.id, '/my')
        self.assertEqual(response.status_code, 404, "another customer's order is not found")
        with self.stored():
            checks = self.order.message_ids.filtered(lambda message: 'Check validation' in (message.body or ''))
            self.assertFalse(checks)


class TestCheckValidationWhileTheCaWaits(ValidationCase):
    """Orders the CA has, checked with their proof: a wrong CNAME and a redirect on the file URL (the
    rig's nginx), each said exactly; the order keeps waiting and the check passes once fixed."""

    @classmethod
    def setUpClass(cls):
        cls.sites = DocumentRootSites(shared_rig())
        super(TestCheckValidationWhileTheCaWaits, cls).setUpClass()

    @classmethod
    def tearDownClass(cls):
        super(TestCheckValidationWhileTheCaWaits, cls).tearDownClass()
        cls.sites.close()

    @classmethod
    def _port_map(cls):
        return cls.sites.port_map_option

    def _pending(self, method):
        name = self.dns_rig.new_name()
        self.addCleanup(self.dns_rig.delete_name, name)
        self.dns_rig.set_address(name)
        order = self._buy(name, comodo_dcv_method=method)
        self.assertEqual(order.state, 'pending')
        return name, order, dcv_instructions(order.csr_pem, method, name, order.unique_value)

    def _line(self, order):
        order.action_check_validation()
        self.assertEqual(order.state, 'pending', 'the order keeps waiting for the CA')
        return order.dcv_ids

    def test_a_wrong_cname_is_said_exactly(self):
        name, order, proof = self._pending('CNAME_CSR_HASH')
        self.addCleanup(self.dns_rig.delete_name, proof.cname_name)
        self.dns_rig.set_records(proof.cname_name, 'CNAME', ['wrong.sectigo.com.'])
        line = self._line(order)
        staff = '%s points to wrong.sectigo.com instead of %s (cname_wrong_target)' % (
            proof.cname_name, proof.cname_target)
        self.assertEqual((line.check_ok, line.staff_sentence), (False, staff))
        self.assertEqual(line.customer_sentence,
                         'The DNS record %s for the validation points to the wrong value.' % proof.cname_name)
        self.assertIn(staff, order.message_ids[0].body, 'staff read it, with its code, in the chatter')

        self.dns_rig.set_records(proof.cname_name, 'CNAME', [proof.cname_target + '.'])
        line = self._line(order)
        self.assertTrue(line.check_ok, line.staff_sentence)
        self.assertEqual(line.customer_sentence, "%s is ready for the certificate authority's check." % name)

    def test_a_redirect_on_the_file_url_is_said_exactly(self):
        name, order, proof = self._pending('HTTP_CSR_HASH')
        self.sites.add(name, files={proof.file_name: proof.file_content}, redirects=('/.well-known/',))
        self.addCleanup(self.sites.remove, name)
        line = self._line(order)
        url = '%s%s' % (name, proof.file_name)
        self.assertEqual(line.staff_sentence, 'http://%s answers 301 to https://%s: Sectigo does not follow '
                                              'redirects (file_redirect)' % (url, url))
        self.assertEqual(line.customer_sentence, (
            'Your web site redirects the validation file for %s to another address; the certificate authority '
            'does not follow redirects. Serve the folder /.well-known/pki-validation/ without redirecting it.'
            % name))

        self.sites.add(name, files={proof.file_name: proof.file_content})
        self.assertTrue(self._line(order).check_ok)

    def test_the_validation_mail_lists_only_the_names_left_to_the_customer(self):
        by_odoo, elsewhere = self.dns_rig.new_name(), self.dns_rig.new_name()
        self.addCleanup(self.dns_rig.delete_name, elsewhere)
        self.dns_rig.set_address(elsewhere)
        self._host_name(by_odoo, deploy_target_id=self.web_server.id, document_root='/srv/www/m')
        order = self._new_order(by_odoo, [elsewhere], term=self.multi_domain_term, dcv_method='CNAME_CSR_HASH')
        order._validation_plan()
        mail = order.dcv_instructions_html
        self.assertNotIn(by_odoo, mail, 'Odoo validates it: nothing asked of the customer')
        self.assertIn('We do not run the web site or the DNS of %s, so please publish the proof below yourself.'
                      % elsewhere, mail)
        order._preflight_names()
        order.invalidate_cache(['dcv_instructions_html'])
        record = dcv_instructions(order.csr_pem, 'CNAME_CSR_HASH', elsewhere, order.unique_value).cname_name
        self.assertIn('The DNS record %s for the validation is missing.' % record, order.dcv_instructions_html,
                      'the cause the check found')


class TestReusableUntilOnThePages(ValidationCase):

    def test_the_order_says_until_when_each_validation_may_be_reused(self):
        name = self.dns_rig.new_name()
        order = self._new_order(name)
        line = order._validation_plan()
        line.validated_at = '2026-12-07 10:00:00'
        self.assertEqual(line.reusable_until, '2027-03-17 10:00:00', '100 days from 2027-03-15 on')
        line.validated_at = '2027-06-01 08:00:00'
        self.assertEqual(line.reusable_until, '2027-09-09 08:00:00')

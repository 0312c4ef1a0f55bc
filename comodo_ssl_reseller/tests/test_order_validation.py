"""Odoo validates its customers' hosted names itself, against a sandbox CA that validates for real
(its own checks of DNS through the rig's bind9 and of files on the rig's nginx): it publishes the file
over SSH or the CNAME by signed dynamic update when the order starts waiting, asks the CA to check
again, and removes exactly what it published once the CA has decided. Nobody acts on the sandbox."""
import os
import shutil
import tempfile
import time
from datetime import datetime, timedelta

from webserver_rig import DocumentRootSites
from comodo_sandbox.pytest_plugin import SandboxProcess
from comodo_client import dcv_instructions

from odoo.addons.comodo_ssl_reseller.controllers.portal import CertificatePortal

from .common import SandboxLookups
from .test_order_validation_plan import ValidationCase

VALIDATION_SUBJECT = 'please validate the domain'
# The sandbox checks a pending order every second (of its clock): "however long it runs" is this
# many of its checks.
DECISION_TIMEOUT = 30
NEVER_WAIT = 8


class ValidatingSandbox(SandboxLookups, SandboxProcess):
    """A sandbox CA of this module's own, in validating mode."""


class PublishingCase(ValidationCase):

    @classmethod
    def setUpClass(cls):
        super(PublishingCase, cls).setUpClass()
        cls.sites = DocumentRootSites(cls.web_rig)
        cls.env['ir.config_parameter'].sudo().set_param('comodo_ssl_reseller.dcv_port_map',
                                                        cls.sites.port_map_option)
        cls.sandbox_folder = tempfile.mkdtemp(prefix='comodo-validating-sandbox-')
        cls.ca = ValidatingSandbox(cls.sandbox_folder, validate=True, recheck_after=1,
                                dns_server='%s:%d' % (cls.dns_rig.host, cls.dns_rig.port),
                                port_map=cls.sites.port_map_option).start()
        cls.company.comodo_api_url = cls.ca.url

    @classmethod
    def tearDownClass(cls):
        cls.ca.stop()
        shutil.rmtree(cls.sandbox_folder, ignore_errors=True)
        cls.sites.close()
        super(PublishingCase, cls).tearDownClass()

    # -- helpers ---------------------------------------------------------------------------------

    def _site(self, **values):
        """A hosted name of the customer served by the rig's nginx from a document root that Odoo
        reaches over SSH; its A record points at the rig."""
        name = self.dns_rig.new_name()
        self.dns_rig.set_address(name)
        self.addCleanup(self.dns_rig.delete_name, name)
        root = os.path.join(self.sites.folder, name)
        hosted = self._host_name(name, deploy_target_id=self.web_server.id, document_root=root, **values)
        # The installer's certificate files are the ones the site serves (and checks it serves).
        subfolder = os.path.relpath(hosted.install_folder, self.web_server.certificate_folder)
        self.web_rig.add_site(name, subfolder)
        self.sites.add(name, document_root=root, subfolder=subfolder)
        self.addCleanup(self.sites.remove, name)
        return hosted

    def _zone_name(self, **values):
        """A hosted name of the customer whose zone is on the rig's bind9 (validated by CNAME)."""
        name = self.dns_rig.new_name()
        self.dns_rig.set_address(name)
        self.addCleanup(self.dns_rig.delete_name, name)
        return self._host_name(name, dcv_method='CNAME_CSR_HASH', dns_server_id=self.dns_server.id, **values)

    def _wait_until_decided(self, order, timeout=DECISION_TIMEOUT):
        """Asks the CA (as the scheduled checks would) until it decides, or the time runs out."""
        deadline = time.time() + timeout
        while order.state == 'pending' and time.time() < deadline:
            time.sleep(0.5)
            order._job_check()
        return order

    def _story(self, order):
        """The order's chatter, oldest first: what a failed assertion shows."""
        return '\n'.join(order.message_ids.sorted('id').mapped('body'))

    def _validation_mails(self, order):
        return self.env['mail.mail'].search([('subject', 'like', VALIDATION_SUBJECT),
                                             ('model', '=', order._name), ('res_id', '=', order.id)])

    def _proofs(self, order, names):
        return {name: dcv_instructions(order.csr_pem, method, name, order.unique_value)
                for name, method in names}

    def _file_left(self, hosted, instructions):
        return os.path.exists(hosted.document_root + instructions.file_name)

    def _cname_left(self, instructions):
        return self.dns_rig.records(instructions.cname_name, 'CNAME')

    def _ca_methods(self, order):
        [ca_order] = self.ca.find_orders(orderNumber=order.ca_order_number)
        return {entry['domain']: entry['method'] for entry in ca_order['dcv']}


class TestOdooValidates(PublishingCase):

    def test_a_wildcard_is_validated_by_cname_and_issued(self):
        hosted = self._zone_name()
        order = self._buy('*.' + hosted.name, term=self.wildcard_term)
        [line] = order.dcv_ids
        self.assertEqual((line.method, line.by_odoo), ('CNAME_CSR_HASH', True))
        self._wait_until_decided(order)
        self.assertEqual(order.state, 'issued', self._story(order))
        self.assertIn('Validation proofs published for *.%s' % hosted.name, self._story(order))
        self.assertTrue(self.ca.find_calls('AutoUpdateDCV', order.ca_order_number), 'the CA was asked again')
        self.assertTrue(line.check_ok, line.staff_sentence)
        proof = self._proofs(order, [(line.name, 'CNAME_CSR_HASH')])[line.name]
        self.assertEqual(self._cname_left(proof), [], 'no record left once issued')
        self.assertFalse(line.sudo().receipt)
        self.assertFalse(self._validation_mails(order), 'nothing for the customer to do')

    def test_a_name_caa_closes_to_sectigo_waits_with_its_cause_and_the_customer_has_nothing_to_do(self):
        site = self._site()
        self.dns_rig.set_caa(site.name, '0 issue "letsencrypt.org"')
        blocked = self._zone_name(dcv_publish=False)
        odoo_only = self._buy(site.name)
        both = self._buy(site.name, term=self.multi_domain_term, comodo_extra_domains=blocked.name,
                         comodo_second_certificate=True)
        self._wait_until_decided(odoo_only, timeout=NEVER_WAIT)
        self.assertEqual(odoo_only.state, 'pending', 'the CA may not issue: the order waits')
        line = odoo_only.dcv_ids
        self.assertEqual((line.by_odoo, line.check_ok, line.check_code), (True, False, 'caa_forbids'))
        self.assertIn('letsencrypt.org', line.staff_sentence)
        self.assertIn('the pre-flight fails: %s' % line.staff_sentence, self._story(odoo_only))
        self.assertTrue(line.sudo().receipt, 'the file stays published for the retry')
        self.assertFalse(self.ca.find_calls('AutoUpdateDCV', odoo_only.ca_order_number),
                         'the CA is not asked before the pre-flight passes')
        page = CertificatePortal()
        self.assertEqual(page._next_step(odoo_only),
                         'Nothing: we validate the domain with the certificate authority for you.')
        self.assertEqual(odoo_only._dcv_instructions(), [])
        self.assertFalse(self._validation_mails(odoo_only))
        self.assertEqual([name for name, _what in both._dcv_instructions()], [blocked.name],
                         'only the name the customer publishes')
        self.assertNotIn('Nothing', page._next_step(both))
        self.assertEqual(len(self._validation_mails(both)), 1)

    def test_a_multi_domain_order_by_file_and_by_cname_is_issued(self):
        site = self._site()
        zone_name = self._zone_name()
        order = self._buy(site.name, term=self.multi_domain_term, comodo_extra_domains=zone_name.name)
        self.assertEqual([(line.name, line.method, line.by_odoo) for line in order.dcv_ids],
                         [(site.name, 'HTTP_CSR_HASH', True), (zone_name.name, 'CNAME_CSR_HASH', True)])
        self.assertEqual(self._ca_methods(order), {site.name: 'HTTP_CSR_HASH', zone_name.name: 'CNAME_CSR_HASH'},
                         self._story(order))
        proofs = self._proofs(order, [(site.name, 'HTTP_CSR_HASH'), (zone_name.name, 'CNAME_CSR_HASH')])
        self._wait_until_decided(order)
        self.assertEqual(order.state, 'issued', self._story(order))
        self.assertFalse(self._file_left(site, proofs[site.name]), 'no file left')
        self.assertFalse(os.path.exists(os.path.join(site.document_root, '.well-known')),
                         'nor the folders Odoo made for it')
        self.assertEqual(self._cname_left(proofs[zone_name.name]), [], 'no record left')
        self.assertIn('Validation proofs published for %s, %s' % (site.name, zone_name.name), self._story(order))
        self.assertFalse(self._validation_mails(order))

    def test_a_scheduled_reissue_is_validated_again_without_a_mail(self):
        site = self._site()
        order = self._buy(site.name)
        self._wait_until_decided(order)
        self.assertEqual(order.state, 'issued', self._story(order))
        first = self._proofs(order, [(site.name, 'HTTP_CSR_HASH')])[site.name]
        first_certificate = order.certificate_id
        self.assertTrue(order._lock_for_ca(['issued']))
        # What the daily cron does for a certificate two thirds through its life.
        order._start_reissue('the certificate is two thirds through its life')
        self._wait_until_decided(order)
        self.assertEqual(order.state, 'issued', self._story(order))
        self.assertNotEqual(order.certificate_id, first_certificate, 'reissued')
        second = self._proofs(order, [(site.name, 'HTTP_CSR_HASH')])[site.name]
        self.assertNotEqual(first.file_name, second.file_name, 'a new key, a new file')
        self.assertEqual(self._story(order).count('Validation proofs published for %s' % site.name), 2,
                         'published for each key')
        [ca_order] = self.ca.find_orders(orderNumber=order.ca_order_number)
        self.assertEqual([(entry['method'], entry['status']) for entry in ca_order['dcv']],
                         [('HTTP_CSR_HASH', 'Validated')], 'the CA validated the new file')
        self.assertFalse(self._file_left(site, first) or self._file_left(site, second), 'no file left')
        self.assertFalse(self._validation_mails(order), 'the customer was asked for nothing')

    def test_two_orders_for_one_name_keep_each_others_proof(self):
        """The other order also names a name only the customer can validate: it stays pending, its
        proof for the shared name published, while the first order is issued and cleaned up."""
        site = self._site()
        zone_name = self._zone_name()
        blocked = self._zone_name(dcv_publish=False)
        for shared, method, left in ((site, 'HTTP_CSR_HASH', lambda proof: self._file_left(site, proof)),
                                     (zone_name, 'CNAME_CSR_HASH', self._cname_left)):
            mine = self._buy(shared.name)
            theirs = self._buy(shared.name, term=self.multi_domain_term, comodo_extra_domains=blocked.name,
                               comodo_second_certificate=True)
            my_proof = self._proofs(mine, [(shared.name, method)])[shared.name]
            their_proof = self._proofs(theirs, [(shared.name, method)])[shared.name]
            self.assertTrue(left(their_proof), 'published')
            self._wait_until_decided(mine)
            self.assertEqual(mine.state, 'issued', self._story(mine))
            self.assertIn('Validation proofs published for %s' % shared.name, self._story(mine))
            self.assertFalse(left(my_proof), 'its own proof removed')
            self.assertTrue(left(their_proof), 'the other order\'s proof stays')
            if method == 'HTTP_CSR_HASH':
                self.assertEqual(self.sites.fetch(site.name, their_proof.file_name).text, their_proof.file_content)
            self.assertEqual(theirs.state, 'pending')
            theirs._cancel('test', 'Cancelled by the test.')
            self.assertFalse(left(their_proof), 'removed with its own order')
    def test_a_name_odoo_does_not_publish_is_never_issued(self):
        site = self._site(dcv_publish=False)
        order = self._buy(site.name, comodo_dcv_method='HTTP_CSR_HASH')
        self.assertFalse(order.dcv_ids.by_odoo)
        self.assertEqual(len(self._validation_mails(order)), 1, 'the customer is asked to validate it')
        self._wait_until_decided(order, timeout=NEVER_WAIT)
        self.assertEqual(order.state, 'pending', 'checked every second, never validated')
        self.assertFalse(self.ca.find_calls('AutoUpdateDCV', order.ca_order_number))
        [ca_order] = self.ca.find_orders(orderNumber=order.ca_order_number)
        self.assertGreater(ca_order['dcv'][0].get('checks', 0), 1, 'the CA kept checking')
        self.assertFalse(os.path.exists(os.path.join(site.document_root, '.well-known')), 'nothing published')

"""The pre-flight before an order goes to the CA, against the rig's real bind9 and the sandbox CA: CAA
forbidding Sectigo, a DNSSEC chain that does not validate and a DNS server that does not answer each
stop the order before the CA is asked, said exactly (staff sentence with its code, customer words),
and nothing is lost: the order keeps its state, waits on the backoff, and goes to the CA by itself
once the cause is fixed."""
from dns_rig import SIGNED_PARENT, shared_dns_rig
from dns_rig.rig import BROKEN_ZONE, free_port

from ..models.comodo_certificate_order_dcv import TRUST_ANCHORS_PARAMETER
from .common import ComodoCase


class TestPreflightBeforeOrdering(ComodoCase):

    @classmethod
    def setUpClass(cls):
        super(TestPreflightBeforeOrdering, cls).setUpClass()
        cls.rig = shared_dns_rig()
        anchors = '\n'.join('%s %s' % (SIGNED_PARENT, record.to_text()) for record in cls.rig.trust_anchor())
        cls.company.comodo_preflight_scope = 'hosted'
        cls.env['ir.config_parameter'].sudo().set_param(TRUST_ANCHORS_PARAMETER, anchors)
        cls.server = cls.env['comodo.dns.server'].create(dict(
            cls.rig.server_values(), name='Rig', test_zone='example.test', company_id=cls.company.id))

    def setUp(self):
        super(TestPreflightBeforeOrdering, self).setUp()
        self.names = []

    def tearDown(self):
        for name in self.names:
            self.rig.delete_name(name)
        super(TestPreflightBeforeOrdering, self).tearDown()

    def _name(self, zone='example.test', scenario=''):
        name = scenario + self.rig.new_name(zone)
        self.names.append(name)
        self.rig.set_address(name)
        self._hold(name, dns_server_id=self.server.id, dns_zone=zone)
        return name

    def _messages(self, order, text):
        return order.message_ids.filtered(lambda message: text in (message.body or ''))

    def _queued_place_jobs(self, order):
        jobs = self.env['queue.job'].search([('model_name', '=', order._name), ('method_name', '=', '_job_place'),
                                             ('state', '=', 'pending')])
        return jobs.filtered(lambda queued: queued.record_ids == [order.id])

    def test_caa_forbidding_sectigo_holds_the_order_until_fixed(self):
        name = self._name()
        self.rig.set_caa(name, '0 issue "letsencrypt.org"')
        order = self._buy(name)
        staff = 'CAA on %s allows only letsencrypt.org [caa_forbids]' % name
        self.assertEqual(order.state, 'draft', 'the order waits, not refused')
        self.assertFalse(order.ca_order_number)
        self.assertEqual(self.sandbox.find_orders(commonName=name), [], 'the CA was never asked')
        self.assertEqual(order.preflight_failure, staff)
        self.assertEqual(order._preflight_customer_sentences(), [
            "The domain's CAA record does not allow our certificate authority (Sectigo) to issue certificates "
            "for %s. Please add sectigo.com to it, or remove the record." % name])
        self.assertIn(staff, order.last_error, 'the Async Manager row says why')
        self.assertEqual(len(self._messages(order, staff)), 1)
        self.assertEqual(order.preflight_failures, 1)
        first_wait = order.next_check_at
        self.assertEqual(len(self._queued_place_jobs(order)), 1, 'the next try is queued')

        order._job_place()
        self.assertEqual(order.state, 'draft')
        self.assertEqual(order.preflight_failures, 2)
        self.assertGreater(order.next_check_at, first_wait, 'the wait grows')
        self.assertEqual(len(self._messages(order, staff)), 1, 'the same cause is not said again')

        self.rig.set_caa(name, '0 issue "sectigo.com"')
        order._job_place()
        self.assertEqual(order.state, 'pending', 'placed by itself once fixed')
        self.assertTrue(order.ca_order_number)
        self.assertEqual(len(self.sandbox.find_orders(commonName=name)), 1)
        self.assertFalse(order.preflight_failure)
        self.assertEqual(order._preflight_customer_sentences(), [])
        self.assertEqual(len(self._messages(order, 'The pre-flight passes now')), 1)

    def test_a_changed_cause_is_said_again(self):
        name = self._name()
        self.rig.set_caa(name, '0 issue "letsencrypt.org"')
        order = self._buy(name)
        self.rig.set_caa(name, '128 tbs "unknown"')
        order._job_place()
        self.assertEqual(order.preflight_failure, 'CAA on %s has the critical property "tbs", which no CA '
                                                  'knows, so it forbids every certificate [caa_critical_unknown]'
                         % name)
        self.assertEqual(len(self._messages(order, 'Not sent to Comodo')), 2)

    def test_a_dns_server_that_does_not_answer_holds_the_order(self):
        name = self._name()
        dead_port = free_port()
        self.server.port = dead_port
        order = self._buy(name)
        self.assertEqual(order.state, 'draft')
        self.assertEqual(order.preflight_failure, '%s: the DNS server %s:%d does not answer [dns_server_silent]'
                         % (name, self.rig.host, dead_port))
        self.assertEqual(order._preflight_customer_sentences(), [
            'The DNS servers for %s did not answer us; the certificate authority cannot check the domain '
            'while they do not. We check again automatically.' % name])
        self.assertEqual(self.sandbox.find_orders(commonName=name), [])
        self.server.port = self.rig.port
        order._job_place()
        self.assertEqual(order.state, 'pending')

    def test_a_broken_dnssec_chain_holds_the_order(self):
        name = self._name(BROKEN_ZONE)
        order = self._buy(name)
        self.assertEqual(order.state, 'draft')
        self.assertIn('[dnssec_', order.preflight_failure)
        self.assertEqual(order._preflight_customer_sentences(), [
            'The DNSSEC signatures of %s do not validate, and the certificate authority refuses to issue '
            'until they do. Please ask your DNS provider to fix DNSSEC.' % name])

    def test_a_reissue_waits_for_the_preflight_too(self):
        name = self._name(scenario='instant-')
        order = self._buy(name)
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.dcv_ids.mapped('validated_at'), [order.issued_at],
                         'validated by the time it was issued: the pages say until when that may be reused')
        self.rig.set_caa(name, '0 issue "letsencrypt.org"')
        order._start_reissue('a test')
        self.assertEqual(order.state, 'reissue', 'the current certificate keeps serving')
        self.assertEqual(order.preflight_failure, 'CAA on %s allows only letsencrypt.org [caa_forbids]' % name)
        self.assertFalse(self.sandbox.find_calls('AutoReplaceSSL', order.ca_order_number), 'the CA was not asked')
        self.rig.set_caa(name, '0 issue "comodoca.com"')
        order._job_reissue()
        self.assertEqual(len(self.sandbox.find_calls('AutoReplaceSSL', order.ca_order_number)), 1)
        self.assertNotEqual(order.state, 'reissue', 'sent to the CA once it passes')

    def test_a_name_outside_our_dns_servers_is_left_to_the_ca(self):
        name = self.rig.new_name()
        self._hold(name, dns_server_id=self.server.id)  # its zone not known on the server
        order = self._buy(name)
        self.assertEqual(order.state, 'pending', 'placed without a pre-flight (scope: our DNS servers)')

    def test_a_name_that_passes_is_placed_at_once(self):
        name = self._name()
        order = self._buy(name)
        self.assertEqual(order.state, 'pending')
        self.assertFalse(order.preflight_failure)
        self.assertEqual(self._messages(order, 'pre-flight'), self.env['mail.message'])

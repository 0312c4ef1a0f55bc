import logging

from odoo.exceptions import AccessError

from .common import unique_domain
from .portal_common import PortalCase


class TestStatusPush(PortalCase):
    """/comodo/push/<token>: Sectigo's certificate issuance push, as it calls it over HTTP."""

    def setUp(self):
        super(TestStatusPush, self).setUp()
        self.push_token = self.env.ref('comodo_ssl_reseller.push_token_main_company')
        with self.saved() as env:
            order = env['comodo.certificate.order'].create({
                'partner_id': self.customer.id, 'term_id': self.term.id, 'domain': unique_domain('never'),
                'dcv_method': 'CNAME_CSR_HASH'})
            order.write({'state': 'pending', 'ca_order_number': str(900000000 + order.id)})
        self.order = self.env['comodo.certificate.order'].browse(order.id)

    def _push(self, token=None, method='GET', **params):
        params.setdefault('orderNumber', self.order.ca_order_number)
        params.setdefault('eventType', 'Certificate')
        url = '/comodo/push/%s' % (token or self.push_token.token)
        if method == 'POST':
            response = self.url_open(url, data=params)
        else:
            response = self.url_open('%s?%s' % (url, '&'.join('%s=%s' % item for item in params.items())))
        self.env.cache.invalidate()
        return response

    def _push_jobs(self):
        return self.env['queue.job'].search([('identity_key', '=', 'comodo-push-%d' % self.order.id)])

    def test_push_queues_one_collect_ahead_of_the_poll(self):
        response = self._push(certificateID='77', status='Issued', statusCode='6')
        self.assertEqual((response.status_code, response.text.strip()), (200, 'check queued'))
        job = self._push_jobs()
        self.assertEqual(len(job), 1)
        self.assertEqual((job.method_name, job.channel, job.record_ids), ('_job_check', 'root.comodo', [self.order.id]))
        self.assertLess(job.priority, 10, 'ahead of the poll batches')
        self.assertTrue(self.order.push_received_at)

    def test_repeated_pushes_do_nothing_more(self):
        self._push()
        again = self._push()
        self.assertEqual((again.status_code, again.text.strip()), (200, 'already queued within the last minute'))
        with self.saved() as env:
            env['comodo.certificate.order'].browse(self.order.id).push_received_at = '2000-01-01 00:00:00'
        self.assertEqual(self._push().text.strip(), 'check queued', 'a push after a minute is acted upon')
        self.assertEqual(len(self._push_jobs()), 1, 'its check was still queued: not queued twice')

    def test_pushed_content_is_never_trusted(self):
        response = self._push(method='POST', certificate='-----BEGIN CERTIFICATE-----\nforged\n'
                              '-----END CERTIFICATE-----', caCertificate='forged', status='Issued')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.order.state, 'pending')
        self.assertFalse(self.order.certificate_pem)
        self.assertEqual(len(self._push_jobs()), 1, 'only a check of the CA is queued')

    def test_wrong_token_is_not_found_and_does_nothing(self):
        for token in ('x' * len(self.push_token.token), self.push_token.token[:-1], 'a'):
            self.assertEqual(self._push(token=token).status_code, 404)
        self.assertFalse(self._push_jobs())
        self.assertFalse(self.order.push_received_at)

    def test_malformed_tokens_are_not_found(self):
        token = self.push_token.token
        for odd in ('é', 'é' * len(token), token[:-1] + 'é', '\u2603' * 3, 'x' * 2000, token + '%00', '%FF'):
            response = self._push(token=odd)
            self.assertEqual(response.status_code, 404, odd)
            response = self._push(token=odd, method='POST')
            self.assertEqual(response.status_code, 404, odd)
        self.assertFalse(self._push_jobs())

    def test_the_request_log_never_shows_the_token(self):
        request_log = logging.getLogger('werkzeug')
        lines = []
        recorder = logging.Handler()
        recorder.emit = lambda record: lines.append(recorder.format(record))
        request_log.addHandler(recorder)
        level = request_log.level
        request_log.setLevel(logging.INFO)
        try:
            self.assertEqual(self._push(certificateID='77').status_code, 200)
            self.assertEqual(self._push(token='not-the-token').status_code, 404)
        finally:
            request_log.removeHandler(recorder)
            request_log.setLevel(level)
        pushes = [line for line in lines if '/comodo/push/' in line]
        self.assertEqual(len(pushes), 2, 'each push has its line in the log: %s' % lines)
        self.assertIn('orderNumber=%s' % self.order.ca_order_number, pushes[0], 'the rest of the line stays')
        for line in pushes:
            self.assertNotIn(self.push_token.token, line)
            self.assertIn('/comodo/push/***', line)

    def test_orders_not_waiting_or_unknown(self):
        self.assertEqual(self._push(orderNumber='123456789012').text.strip(), 'unknown order')
        self.assertEqual(self._push(orderNumber='').status_code, 400)
        with self.saved() as env:
            env['comodo.certificate.order'].browse(self.order.id).state = 'issued'
        self.assertEqual(self._push().text.strip(), 'not waiting for a decision')
        self.assertFalse(self._push_jobs())

    def test_a_new_secret_retires_the_old_url(self):
        old_token = self.push_token.token
        with self.saved() as env:
            env['comodo.push.token'].browse(self.push_token.id).action_regenerate()
        self.assertNotEqual(self.push_token.token, old_token)
        self.assertEqual(self._push(token=old_token).status_code, 404)
        self.assertEqual(self._push().status_code, 200)
        self.assertIn('/comodo/push/%s' % self.push_token.token, self.push_token.push_url)

    def test_only_settings_administrators_see_the_token(self):
        manager = self.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'SSL Manager', 'login': 'push_ssl_manager',
            'groups_id': [(6, 0, [self.env.ref('comodo_ssl_reseller.group_ssl_manager').id])]})
        with self.assertRaises(AccessError):
            self.push_token.sudo(manager).read(['token'])
        with self.assertRaises(AccessError):
            self.env['comodo.push.token'].sudo(manager).search([])
        portal = self.env.ref('base.demo_user0')
        with self.assertRaises(AccessError):
            self.push_token.sudo(portal).read(['push_url'])

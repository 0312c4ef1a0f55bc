"""The customer's mails, against the sandbox CA: "please validate the domain" once per CSR, the
expiring notice for a term nothing renews, and a guard that every customer mail links to the
certificate's page and says what happens next. The daily cron travels in time as in
test_certificate_term.py: `now` for Odoo, the sandbox's clock moved to the same day."""
import re
from datetime import datetime

from odoo import SUPERUSER_ID, api
from odoo.addons.queue_job.job import Job
from odoo.tools import convert_file

from comodo_client import CollectResult, OrderStatus, build_csr, generate_private_key
from .common import ComodoCase, TwoWorkersCase, load_migration, unique_domain

VALIDATION_SUBJECT = 'please validate the domain'
EXPIRING_SUBJECT = 'will not be renewed'
REMINDER_SUBJECT = 'renewal not paid yet'
# Every mail template of the addon addressed to the customer, and the kind of order it is sent
# about (see _orders_mails_are_about): a new customer mail must be named here, and so is checked.
CUSTOMER_MAILS = {
    'mail_template_validation_needed': 'waiting_for_validation',
    'mail_template_certificate_issued': 'issued',
    'mail_template_certificate_rejected': 'rejected',
    'mail_template_certificate_expiring': 'ending_without_renewal',
    'mail_template_renewal_reminder': 'unpaid_renewal',
}


def words(html):
    """The text of a mail body as a reader sees it: no tags, one space between words."""
    return ' '.join(re.sub(r'<[^>]+>', '', html).split())


class CustomerMailCase(ComodoCase):

    def _mails(self, order, subject_part):
        return self.env['mail.mail'].search([('subject', 'like', subject_part),
                                             ('subject', 'like', order.domain)], order='id')

    def _assert_leads_to_the_page(self, mail, order):
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertIn('href="%s"' % order.customer_page_url, mail.body_html)
        self.assertIn('What happens next', words(mail.body_html))


class TestValidationNeededMail(CustomerMailCase):

    def _validation_mails(self, order):
        return self._mails(order, VALIDATION_SUBJECT)

    def test_file_validation_is_asked_for_once_with_the_file_and_the_page(self):
        order = self._buy(unique_domain('www'), comodo_dcv_method='HTTP_CSR_HASH')
        self.assertEqual(order.state, 'pending')
        mail = self._validation_mails(order)
        self.assertEqual(len(mail), 1, 'the check right after placing found Comodo waiting')
        self.assertTrue(order.validation_mail_sent_at)
        self._assert_leads_to_the_page(mail, order)
        [(domain, values)] = order._dcv_instructions()
        text = words(mail.body_html)
        self.assertIn('Publish a file at %s (no redirect)' % values.file_urls[0], text)
        self.assertIn('<pre>%s</pre>' % values.file_content, mail.body_html, 'the lines, exactly')
        self.assertIn('is ordered (Comodo order %s' % order.ca_order_number, text)
        self.assertIn('What happens next: we check with the certificate authority every 4 hours. Once '
                      'it has validated the domain, the certificate is issued and we email you', text)
        self.assertNotIn('nothing to pay', text, 'a first order is paid for')

        self._make_due(order)
        self._poll()
        order.action_check()
        self.assertEqual((order.state, order.attempts), ('pending', 3))
        self.assertEqual(len(self._validation_mails(order)), 1, 'never twice for one CSR')

    def test_email_validation_names_the_approver_and_what_the_page_can_do(self):
        domain = unique_domain('www')
        order = self._buy(domain, comodo_dcv_method='EMAIL', comodo_dcv_email='admin@' + domain)
        self.assertEqual(order.state, 'pending')
        mail = self._validation_mails(order)
        self.assertEqual(len(mail), 1)
        self._assert_leads_to_the_page(mail, order)
        text = words(mail.body_html)
        self.assertIn('it has sent an approval email to admin@%s. Open that email' % domain, text)
        self.assertIn('the certificate\'s page can have it sent again, or switch to validation by a '
                      'file on your web site or a DNS record', text)
        self.assertNotIn('Publish', text)

    def test_no_validation_mail_for_a_certificate_issued_at_once(self):
        order = self._buy(unique_domain('instant'), comodo_dcv_method='HTTP_CSR_HASH')
        self.assertEqual(order.state, 'issued')
        self.assertFalse(self._validation_mails(order))
        self.assertFalse(order.validation_mail_sent_at)
        self.assertEqual(len(self._mails(order, 'is ready')), 1, 'only the issued mail')

    def test_a_reissue_asks_again_once_with_the_new_values(self):
        order = self._buy(unique_domain('www'), comodo_dcv_method='HTTP_CSR_HASH')
        [(_domain, first_values)] = order._dcv_instructions()
        self.sandbox.approve(order.ca_order_number)
        order.action_check()
        self.assertEqual(order.state, 'issued')

        order._start_reissue('lost key')
        self.assertEqual(order.state, 'pending', 'sent, now validated again by the CA')
        mails = self._validation_mails(order)
        self.assertEqual(len(mails), 2, 'one mail for each CSR')
        [(_domain, new_values)] = order._dcv_instructions()
        self.assertNotEqual(new_values.file_urls, first_values.file_urls)
        reissue_mail = mails[-1]
        self._assert_leads_to_the_page(reissue_mail, order)
        self.assertIn(new_values.file_urls[0], reissue_mail.body_html)
        self.assertIn('<pre>%s</pre>' % new_values.file_content, reissue_mail.body_html)
        self.assertNotIn(first_values.file_urls[0], reissue_mail.body_html)
        self.assertIn('is being issued inside the term you paid for (Comodo order %s, reference %s). '
                      'There is nothing to pay, and your current certificate works until then.'
                      % (order.ca_order_number, order.name), words(reissue_mail.body_html))

        self._make_due(order)
        self._poll()
        self.assertEqual(len(self._validation_mails(order)), 2)

    def test_a_corrected_domain_is_asked_for_at_the_next_check(self):
        order = self._buy(unique_domain('www'), comodo_dcv_method='CNAME_CSR_HASH')
        self.assertEqual(len(self._validation_mails(order)), 1)
        order._fix_domain(unique_domain('www'))
        self.assertFalse(order.validation_mail_sent_at, 'a new CSR went to Comodo')
        self.assertFalse(self._validation_mails(order), 'not before Comodo is found waiting for it')
        order.action_check()
        mail = self._validation_mails(order)
        self.assertEqual(len(mail), 1)
        self._assert_leads_to_the_page(mail, order)
        [(domain, values)] = order._dcv_instructions()
        self.assertEqual(domain, order.domain)
        text = words(mail.body_html)
        self.assertIn('Name: %s Type: CNAME Target: %s' % (values.cname_name, values.cname_target), text)


class TestIssuedMail(CustomerMailCase):
    """The issued mail says what happened on the customer's site, and asks for a download only
    where we do not install the certificate."""

    def _issued_mail_words(self, order):
        self.assertEqual(order.state, 'issued')
        return words(self._mails(order, 'is ready').body_html)

    def test_a_name_without_our_web_server_is_to_download_and_says_why(self):
        order = self._buy(unique_domain('instant'))
        text = self._issued_mail_words(order)
        self.assertIn('we did not install it on your site, because no web server of ours is set for %s. '
                      'Download the certificate' % order.domain, text)
        self.assertNotIn('nothing for you to do', text)

    def test_an_own_csr_is_to_download_and_says_why(self):
        domain = unique_domain('instant')
        order = self._buy(domain, comodo_csr=build_csr(generate_private_key(), [domain]))
        text = self._issued_mail_words(order)
        self.assertIn('because you brought your own CSR and its private key is with you', text)
        self.assertNotIn('private key (or as one .pfx file)', text)

    def test_a_certificate_we_install_asks_nothing_of_the_customer(self):
        domain = unique_domain('instant')
        target = self.env['comodo.deploy.target'].create({
            # Nothing listens on port 1: the install after the mail fails at once, as it may.
            'name': 'Mail test web server', 'host': '127.0.0.1', 'port': 1, 'user': 'deploy',
            'certificate_folder': '/etc/ssl/hosting', 'generate_key_pair': True})
        self.env['comodo.hosted.domain'].create({'name': domain, 'partner_id': self.customer.id,
                                                 'deploy_target_id': target.id})
        order = self._buy(domain)
        self.assertTrue(order.sudo().hosted_domain_id)
        text = self._issued_mail_words(order)
        self.assertIn('What happens next: nothing for you to do. We are installing it on your web server', text)
        self.assertNotIn('Download the certificate', text)


class TestValidationByTheAccount(CustomerMailCase):
    """A Certificate Manager account validates its domains itself: the customer has nothing to do."""

    @classmethod
    def setUpClass(cls):
        super(TestValidationByTheAccount, cls).setUpClass()
        cls._use_certificate_manager()

    def test_no_validation_mail(self):
        domain = unique_domain('www')
        self._hold(domain)
        order = self._buy(domain, comodo_dcv_method='HTTP_CSR_HASH')
        self.assertEqual(order.state, 'pending')
        order.action_check()
        self.assertFalse(self._mails(order, VALIDATION_SUBJECT))
        self.assertFalse(order.validation_mail_sent_at)


class StillPendingAtTheCa(object):
    """A CA client whose every order still waits for domain validation."""

    def collect(self, order_number, csr_pem=None):
        return CollectResult(OrderStatus.PENDING, 0, '', None, [], None, None, None, None)


class TestTwoWorkersOneValidationMail(TwoWorkersCase):
    """Two workers check one waiting order at once, and a later poll checks it again: the customer
    gets one mail."""

    @classmethod
    def setUpClass(cls):
        super(TestTwoWorkersOneValidationMail, cls).setUpClass()
        cls._commit_order(unique_domain('www'), {'state': 'pending', 'ca_order_number': '999998'},
                          make_key=True)

    def _check_job(self, orders):
        """What a check job does: lock the order, unless another worker holds it, and check it."""
        locked = orders.browse(self.order_id)._lock_for_ca(('pending',))
        for order in locked:
            order._poll_ca(StillPendingAtTheCa())
        return locked

    def _customer_mail_count(self, cr):
        cr.execute("""SELECT count(*) FROM mail_mail m JOIN mail_message msg ON msg.id = m.mail_message_id
                       WHERE msg.model = 'comodo.certificate.order' AND msg.res_id = %s
                         AND msg.subject LIKE %s""", (self.order_id, '%' + VALIDATION_SUBJECT + '%'))
        return cr.fetchone()[0]

    def test_one_mail_whatever_checks_it(self):
        first, second = self._worker(), self._worker()
        self.assertTrue(self._check_job(first))
        self.assertFalse(self._check_job(second), 'the second worker skips the order the first one holds')
        first.env.cr.commit()
        second.env.cr.rollback()  # its job is over; the next poll is a new transaction
        self.assertTrue(self._check_job(second), 'checked again')
        self.assertEqual(self._customer_mail_count(second.env.cr), 1)


class TestValidationMailAfterThePlacement(CustomerMailCase):
    """A placement's first check leaves the "please validate" mail to a job behind the channel's
    placements: the customer gets the same mail, once, a moment later."""

    def _placed(self, domain):
        """An order placed by its placement job, the jobs it queues left in the queue."""
        order = self._buy_queued(domain, comodo_dcv_method='HTTP_CSR_HASH')
        order._job_place()
        self.assertEqual((order.state, order.attempts), ('pending', 1), 'placed and checked once')
        return order

    def _mail_job(self, order):
        return self.env['queue.job'].search([('method_name', '=', '_job_validation_mail'),
                                             ('state', '=', 'pending')]).filtered(lambda job: order.id in job.record_ids)

    def _run(self, job):
        Job.load(self.env, job.uuid).perform()

    def test_the_mail_follows_the_placement_once(self):
        order = self._placed(unique_domain('www'))
        self.assertTrue(order.validation_mail_sent_at)
        self.assertFalse(self._mails(order, VALIDATION_SUBJECT), 'the placement does not wait for the mail')
        job = self._mail_job(order)
        self.assertEqual(len(job), 1)
        self.assertGreater(job.priority, 10, 'behind the channel\'s placements and checks')
        self._run(job)
        mail = self._mails(order, VALIDATION_SUBJECT)
        self.assertEqual(len(mail), 1)
        self._assert_leads_to_the_page(mail, order)
        [(_domain, values)] = order._dcv_instructions()
        self.assertIn('<pre>%s</pre>' % values.file_content, mail.body_html)
        self.assertEqual(self.env['mail.message'].search([('model', '=', order._name), ('res_id', '=', order.id),
                                                          ('subject', 'like', VALIDATION_SUBJECT)]),
                         mail.mail_message_id, 'the customer reads it in the chatter too')
        self._make_due(order)
        self._poll()
        order.action_check()
        self.assertEqual(len(self._mails(order, VALIDATION_SUBJECT)), 1, 'never twice for one CSR')

    def test_nothing_is_sent_once_the_order_moved_on(self):
        order = self._placed(unique_domain('www'))
        job = self._mail_job(order)
        self.sandbox.approve(order.ca_order_number)
        order.action_check()
        self.assertEqual(order.state, 'issued')
        self._run(job)
        self.assertFalse(self._mails(order, VALIDATION_SUBJECT))

    def test_a_failed_mail_is_left_for_staff_and_asked_for_at_the_next_check(self):
        order = self._placed(unique_domain('www'))
        template = self.env.ref('comodo_ssl_reseller.mail_template_validation_needed')
        body = template.body_html
        template.body_html = '<p>${object.no_such_field}</p>'
        self._run(self._mail_job(order))
        self.assertFalse(self._mails(order, VALIDATION_SUBJECT))
        self.assertFalse(order.validation_mail_sent_at, 'asked for again at the next check')
        self.assertIn('Failed emailing the customer', order.last_error)
        last_message = self.env['mail.message'].search([('model', '=', order._name), ('res_id', '=', order.id)],
                                                       order='id desc', limit=1)
        self.assertIn('Please finish it by hand', last_message.body)
        template.body_html = body
        order.action_check()
        self.assertEqual(len(self._mails(order, VALIDATION_SUBJECT)), 1)


class TestValidationMailBesideACheck(TwoWorkersCase):
    """The mail job does not hold the order: a Check pressed while it runs goes ahead."""

    ASKED_AT = '2026-12-07 10:00:00'

    @classmethod
    def setUpClass(cls):
        super(TestValidationMailBesideACheck, cls).setUpClass()
        cls._commit_order(unique_domain('www'), {'state': 'pending', 'ca_order_number': '999997',
                                                 'validation_mail_sent_at': cls.ASKED_AT}, make_key=True)
        with cls.registry.cursor() as cr:
            # Its placement made its validation plan (a line made now would lock the order's key).
            api.Environment(cr, SUPERUSER_ID, {})['comodo.certificate.order'].browse(cls.order_id)._validation_plan()

    def test_a_check_is_not_refused_while_the_mail_is_sent(self):
        mailing, checking = self._worker(), self._worker()
        self.assertEqual(mailing.browse(self.order_id)._job_validation_mail(self.ASKED_AT), 'Sent')
        # The mail job's transaction is still open: the Check locks the order all the same.
        self.assertTrue(checking.browse(self.order_id)._lock_for_ca(('pending',)))
        mailing.env.cr.execute("""SELECT count(*) FROM mail_mail m JOIN mail_message msg ON msg.id = m.mail_message_id
                                   WHERE msg.res_id = %s AND msg.subject LIKE %s""",
                               (self.order_id, '%' + VALIDATION_SUBJECT + '%'))
        self.assertEqual(mailing.env.cr.fetchone()[0], 1)


class TestExpiringNotice(CustomerMailCase):
    """A one-year term bought on 2026-12-02 ends on 2027-12-02."""

    def setUp(self):
        super(TestExpiringNotice, self).setUp()
        self.addCleanup(self.sandbox.set_clock, None)

    def _daily_cron(self, date):
        self.sandbox.set_clock(date)
        self.env['comodo.certificate.order']._cron_after_issuance(now=datetime.strptime(date, '%Y-%m-%d'))

    def _buy_one_year_on(self, date):
        self.sandbox.set_clock(date)
        order = self._buy(unique_domain('instant'))
        self.assertEqual(order.term_ends_at[:10], '2027-12-02')
        return order

    def _notices(self, order):
        return self._mails(order, EXPIRING_SUBJECT)

    def test_without_auto_renewal_the_customer_is_told_at_30_7_and_1_days_each_once(self):
        order = self._buy_one_year_on('2026-12-02')
        order._set_auto_renew(False)
        for date, notices in (('2027-11-01', 0), ('2027-11-02', 1), ('2027-11-03', 1), ('2027-11-24', 1),
                              ('2027-11-25', 2), ('2027-11-26', 2), ('2027-12-01', 3), ('2027-12-01', 3),
                              ('2027-12-03', 3)):
            self._daily_cron(date)
            self.assertEqual(len(self._notices(order)), notices, date)
        self.assertEqual(order.state, 'expired')
        notice = self._notices(order)[0]
        self.assertIn('Your SSL certificate for %s expires on 2027-12-02 and will not be renewed'
                      % order.domain, notice.subject)
        self._assert_leads_to_the_page(notice, order)
        text = words(notice.body_html)
        self.assertIn('ends on 2027-12-02, and it will not be renewed: auto-renewal is off.', text)
        self.assertIn('What happens next: on that date the certificate expires, and browsers will warn '
                      'the visitors of %s.' % order.domain, text)
        self.assertIn('To keep it, turn auto-renewal on from the certificate\'s page', text,
                      'the page can still renew this term')
        self.assertFalse(self._mails(order, REMINDER_SUBJECT))

    def test_a_cron_that_missed_days_sends_one_notice_late(self):
        order = self._buy_one_year_on('2026-12-02')
        order._set_auto_renew(False)
        self._daily_cron('2027-11-27')  # 5 days left: the 30- and the 7-day notices are both due
        self.assertEqual(len(self._notices(order)), 1, 'one notice, not two alike')
        self.assertEqual(order.expiry_notices_sent, '30,7')
        self._daily_cron('2027-11-28')
        self.assertEqual(len(self._notices(order)), 1)
        self._daily_cron('2027-12-01')
        self.assertEqual(len(self._notices(order)), 2)

    def test_with_auto_renewal_the_renewal_reminder_leads_to_the_renewal_page_instead(self):
        order = self._buy_one_year_on('2026-12-02')
        self._daily_cron('2027-11-02')  # invoiced
        renewal = order.renewal_ids
        self.assertEqual(renewal.state, 'awaiting_payment')
        self._daily_cron('2027-11-25')  # 7 days left: the 15- and the 7-day reminders are both due
        self._daily_cron('2027-12-01')
        self.assertFalse(self._notices(order))
        reminders = self._mails(renewal, REMINDER_SUBJECT)
        self.assertEqual(len(reminders), 2, 'one reminder for the two due on the same day')
        self._assert_leads_to_the_page(reminders[0], renewal)
        self.assertIn('What happens next: once the invoice is paid, we order the new certificate',
                      words(reminders[0].body_html))

    def test_a_renewal_cancelled_with_auto_renewal_leaves_a_new_order_or_us(self):
        order = self._buy_one_year_on('2026-12-02')
        self._daily_cron('2027-11-02')
        self.assertFalse(self._notices(order), 'a renewal is on its way')
        order._set_auto_renew(False)
        self.assertEqual(order.renewal_ids.state, 'cancelled')
        self._daily_cron('2027-11-03')
        notice = self._notices(order)
        self.assertEqual(len(notice), 1)
        self._assert_leads_to_the_page(notice, order)
        text = words(notice.body_html)
        # The term's one renewal is spent: turning auto-renewal on again would not renew it.
        self.assertNotIn('turn auto-renewal on', text)
        self.assertTrue(self.company.email)
        self.assertIn('order a new certificate from your account, or ask us: %s' % self.company.email, text)

    def test_a_renewal_rejected_by_the_ca_is_said_so(self):
        order = self._buy_one_year_on('2026-12-02')
        self._daily_cron('2027-11-02')
        order.renewal_ids.write({'state': 'rejected'})  # as _on_rejected leaves it
        self._daily_cron('2027-11-03')
        self.assertIn('it will not be renewed: the certificate authority rejected its renewal (reference %s).'
                      % order.renewal_ids.name, words(self._notices(order).body_html))


class TestEveryCustomerMailLeadsSomewhere(ComodoCase):
    """Each customer mail, rendered on an order of the kind it is sent about, links to that
    certificate's portal page and says what happens next."""

    def _orders_mails_are_about(self):
        waiting = self._buy(unique_domain('www'), comodo_dcv_method='HTTP_CSR_HASH')
        rejected = self._buy(unique_domain('www'))
        self.sandbox.reject(rejected.ca_order_number)
        rejected.action_check()
        ending = self._buy(unique_domain('instant'))
        ending._set_auto_renew(False)
        orders = {
            'waiting_for_validation': waiting,
            'issued': self._buy(unique_domain('instant')),
            'rejected': rejected,
            'ending_without_renewal': ending,
            'unpaid_renewal': self._buy(unique_domain('instant'))._create_renewal(),
        }
        self.assertEqual([orders[kind].state for kind in sorted(orders)],
                         ['issued', 'issued', 'rejected', 'awaiting_payment', 'pending'])
        return orders

    def test_every_customer_mail_links_to_the_page_and_says_what_happens_next(self):
        orders = self._orders_mails_are_about()
        data = self.env['ir.model.data'].search([('module', '=', 'comodo_ssl_reseller'),
                                                 ('model', '=', 'mail.template')])
        names = {entry.res_id: entry.name for entry in data}
        order_templates = self.env['mail.template'].browse(list(names)).filtered(
            lambda template: template.model == 'comodo.certificate.order')
        some_order = orders['issued']

        def addressed_to_the_customer(template):
            recipients = template.generate_email(some_order.id, fields=['partner_to'])['partner_ids']
            return some_order.partner_id.id in recipients
        to_the_customer = order_templates.filtered(addressed_to_the_customer)
        self.assertEqual(sorted(names[template.id] for template in to_the_customer), sorted(CUSTOMER_MAILS),
                         'every customer mail is named in CUSTOMER_MAILS, with the kind of order it is about')
        for template in to_the_customer:
            name = names[template.id]
            order = orders[CUSTOMER_MAILS[name]]
            body = template.generate_email(order.id, fields=['body_html'])['body_html']
            self.assertIn('href="%s"' % order.customer_page_url, body, name)
            self.assertIn('What happens next:', words(body), name)


class TestUpdatingFromTheLastVersion(ComodoCase):
    """11.0.1.3.0 on a database updated from 11.0.1.2.0, where the mail templates are noupdate data."""

    def _load_mail_templates_as_an_update_does(self):
        convert_file(self.env.cr, 'comodo_ssl_reseller', 'data/mail_template_data.xml', {}, mode='update',
                     kind='data')
        self.env.cache.invalidate()

    def test_the_renewal_reminder_gets_its_link_and_the_reissue_template_goes(self):
        reminder = self.env.ref('comodo_ssl_reseller.mail_template_renewal_reminder')
        reminder.body_html = '<p>The 11.0.1.2.0 reminder, without a link.</p>'
        reissue_template = reminder.copy({'name': 'Comodo SSL: reissue needs validation again'})
        self.env['ir.model.data'].create({
            'module': 'comodo_ssl_reseller', 'name': 'mail_template_certificate_revalidate',
            'model': 'mail.template', 'res_id': reissue_template.id, 'noupdate': True})
        self._load_mail_templates_as_an_update_does()
        self.assertIn('without a link', reminder.body_html, 'noupdate: an update alone keeps the old text')

        load_migration('11.0.1.3.0', 'pre-migration').migrate(self.env.cr, '11.0.1.2.0')
        self._load_mail_templates_as_an_update_does()
        load_migration('11.0.1.3.0').migrate(self.env.cr, '11.0.1.2.0')

        reminder = self.env.ref('comodo_ssl_reseller.mail_template_renewal_reminder')
        self.assertIn('${object.customer_page_url}', reminder.body_html)
        self.assertIn('What happens next:', reminder.body_html)
        self.assertTrue(self.env['ir.model.data'].search([
            ('module', '=', 'comodo_ssl_reseller'), ('name', '=', 'mail_template_renewal_reminder')]).noupdate,
            'noupdate again: later edits by the company are kept')
        self.assertFalse(reissue_template.exists())
        self.assertFalse(self.env.ref('comodo_ssl_reseller.mail_template_certificate_revalidate',
                                      raise_if_not_found=False))


class TestIssuedMailUpdate(TestUpdatingFromTheLastVersion):
    """11.0.1.5.0 on a database of 11.0.1.4.0: the stock issued mail takes the new words, a rewritten
    one is kept."""

    OLD_BODY = ('<p>What happens next: open its page, download the certificate with its CA chain and private '
                'key (or as one .pfx file) and install them on your web server. The page says how, and keeps '
                'the files there for you.</p>')

    def _update(self, body):
        template = self.env.ref('comodo_ssl_reseller.mail_template_certificate_issued')
        template.body_html = body
        self._load_mail_templates_as_an_update_does()
        load_migration('11.0.1.5.0', 'post-issued-mail-words').migrate(self.env.cr, '11.0.1.4.0')
        self.env.cache.invalidate()
        return template.body_html

    def test_the_stock_issued_mail_says_what_happened_on_the_site(self):
        body = self._update(self.OLD_BODY)
        self.assertNotIn('The page says how', body)
        self.assertIn('customer_install_plan()', body)
        order = self._buy(unique_domain('instant'))
        template = self.env.ref('comodo_ssl_reseller.mail_template_certificate_issued')
        sent = words(template.generate_email(order.id, fields=['body_html'])['body_html'])
        self.assertIn('no web server of ours is set for %s' % order.domain, sent)

    def test_a_rewritten_issued_mail_is_kept(self):
        body = self._update('<p>Our own words about your certificate.</p>')
        self.assertIn('Our own words', body)

"""Hosted domains: a certificate is ordered only for a name the customer's hosting holds, on every
path that orders one (quotation, renewal, reissue, corrected domain, the portal, both APIs)."""
from datetime import datetime

from odoo.exceptions import ValidationError

from ..exceptions import ComodoRefusal
from .common import ComodoCase, load_migration, unique_domain
from .portal_common import PortalCase

NOT_HELD = 'is not one of the domains hosted for'


class HostedDomainsCase(ComodoCase):
    """Two customers on one plan, each holding a name of its own."""

    @classmethod
    def setUpClass(cls):
        super(HostedDomainsCase, cls).setUpClass()
        cls.neighbour = cls.env['res.partner'].create({'name': 'Neighbour Customer',
                                                       'email': 'neighbour@example.com'})
        cls.neighbour_subscription = cls._subscribe(cls.neighbour, cls.plan)
        cls.mine, cls.theirs = unique_domain('instant'), unique_domain('instant')
        cls.my_domain = cls._hold(cls.mine)
        cls.their_domain = cls._neighbour_holds(cls.theirs)
        cls.salesman = cls.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Seller', 'login': 'seller_hosted_domains', 'email': 'seller@example.com',
            'groups_id': [(6, 0, [cls.env.ref('sales_team.group_sale_salesman').id])]})

    @classmethod
    def _neighbour_holds(cls, *names):
        return cls._hold(*names, partner_id=cls.neighbour.id, subscription_id=cls.neighbour_subscription.id)

    def _quotation(self, partner, domain, term=None, **line_values):
        """A quotation made and confirmed by a salesman, as in the back office."""
        values = dict({'product_id': (term or self.term).product_id.id, 'comodo_domain': domain,
                       'comodo_dcv_method': 'CNAME_CSR_HASH'}, **line_values)
        return self.env['sale.order'].sudo(self.salesman).create({
            'partner_id': partner.id, 'order_line': [(0, 0, values)]})

    def _give_away(self, hosted_domain):
        """The domain moves to the other customer's hosting (it changed hands)."""
        hosted_domain.write({'partner_id': self.neighbour.id, 'subscription_id': self.neighbour_subscription.id})

    def _assert_refused(self, call, name, words=NOT_HELD):
        """`call` is refused naming `name`, and the CA hears nothing of it."""
        sandbox_orders, sandbox_calls = len(self.sandbox.orders()), len(self.sandbox.calls())
        with self.assertRaises(ComodoRefusal) as refused, self.cr.savepoint():
            call()
        self.assertIn(name, refused.exception.name)
        self.assertIn(words, refused.exception.name)
        self.assertEqual(len(self.sandbox.orders()), sandbox_orders, 'nothing ordered from the CA')
        self.assertEqual(len(self.sandbox.calls()), sandbox_calls, 'nothing sent to the CA')
        self.env.cache.invalidate()


class TestEveryPathChecksTheNames(HostedDomainsCase):

    def test_each_customer_orders_for_its_own_names_only(self):
        order = self._buy(self.mine)
        self.assertEqual((order.state, order.hosted_domain_id), ('issued', self.my_domain))
        theirs = self._quotation(self.neighbour, self.theirs)
        theirs.action_confirm()
        self.assertEqual(theirs.order_line.comodo_order_ids.hosted_domain_id, self.their_domain)

        for partner, name in ((self.neighbour, self.mine), (self.customer, self.theirs)):
            sale = self._quotation(partner, name)
            self._assert_refused(sale.action_confirm, name)
            self.assertEqual(sale.state, 'draft')
            self.assertFalse(sale.order_line.comodo_order_ids)

    def test_further_domains_and_the_base_of_a_wildcard_are_checked(self):
        multi = self._quotation(self.customer, self.mine, term=self.multi_domain_term,
                                comodo_extra_domains=self.theirs)
        self._assert_refused(multi.action_confirm, self.theirs)
        wildcard = self._quotation(self.customer, '*.' + self.theirs, term=self.wildcard_term)
        self._assert_refused(wildcard.action_confirm, 'needs %s' % self.theirs)

        own_wildcard = self._quotation(self.customer, '*.' + self.mine, term=self.wildcard_term)
        own_wildcard.action_confirm()
        order = own_wildcard.order_line.comodo_order_ids
        self.assertEqual((order.domain, order.hosted_domain_id), ('*.' + self.mine, self.my_domain))

    def test_a_wildcard_never_covers_another_customers_site(self):
        # Nobody holds example.com, but the neighbour's site is one of the names *.example.com covers.
        wildcard = self._quotation(self.customer, '*.example.com', term=self.wildcard_term)
        self._assert_refused(wildcard.action_confirm, '*.example.com', 'hosted for another customer')

    def test_names_hosted_elsewhere_only_where_the_company_allows_them(self):
        elsewhere = unique_domain('instant')
        self.assertTrue(self.company.comodo_allow_external_domains, 'on by default with the reseller API')
        order = self._buy(elsewhere)
        self.assertEqual(order.state, 'issued')
        self.assertFalse(order.hosted_domain_id, 'hosted elsewhere: no hosted domain')

        self.company.comodo_allow_external_domains = False
        other = unique_domain('instant')
        self._assert_refused(self._sale_order(other).action_confirm, other)

    def test_renewal_refused_once_the_name_changed_hands(self):
        order = self._buy(self.mine)
        self._give_away(self.my_domain)
        order.term_ends_at = '2100-01-10 00:00:00'
        self._assert_refused(order._create_renewal, self.mine)
        # The daily cron: the renewal is not invoiced, and staff read why on the order.
        self.env['comodo.certificate.order']._start_due_renewals(datetime(2100, 1, 1))
        self.assertFalse(order.renewal_ids)
        self.assertIn(NOT_HELD, order.message_ids[0].body)

    def test_reissue_refused_once_the_name_changed_hands(self):
        order = self._buy(self.mine)
        keys = order.sudo().private_key_pem
        self._give_away(self.my_domain)
        self._assert_refused(order._customer_reissue, self.mine)
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.sudo().private_key_pem, keys, 'no new key')

    def test_correcting_the_domain_to_another_customers_name_is_refused(self):
        waiting = unique_domain('never')
        self._hold(waiting)
        order = self._buy(waiting)
        self.assertEqual(order.state, 'pending')
        self._assert_refused(lambda: order._fix_domain(self.theirs), self.theirs)
        self.assertEqual((order.domain, order.hosted_domain_id.name), (waiting, waiting))

        corrected = unique_domain('never')
        corrected_domain = self._hold(corrected)
        order._fix_domain(corrected)
        self.assertEqual((order.domain, order.hosted_domain_id), (corrected, corrected_domain))


class TestCertificateManagerHostedDomainsOnly(HostedDomainsCase):
    """The Certificate Manager issues for the reseller's pre-validated domains without asking the
    customer: only the customer's hosted domains, whatever the company setting says."""

    @classmethod
    def setUpClass(cls):
        super(TestCertificateManagerHostedDomainsOnly, cls).setUpClass()
        cls._use_certificate_manager()

    def test_own_names_only(self):
        self.assertTrue(self.company.comodo_allow_external_domains)
        order = self._buy(self.mine)
        self.assertEqual((order.state, order.hosted_domain_id), ('issued', self.my_domain))
        self.assertTrue(self.sandbox.find_calls('soap.enroll', order.ca_order_number))

        self._assert_refused(self._quotation(self.customer, self.theirs).action_confirm, self.theirs)
        elsewhere = unique_domain('instant')
        self._assert_refused(self._quotation(self.customer, elsewhere).action_confirm, elsewhere)


class TestHostedDomainRecords(HostedDomainsCase):

    def test_one_customer_per_name_and_only_names_a_certificate_can_carry(self):
        self.assertEqual(self._hold('WWW.Example-Held.COM.').name, 'www.example-held.com')
        with self.assertRaises(Exception), self.cr.savepoint():
            self._neighbour_holds('www.example-held.com')
        for name in ('*.example-held.com', 'not a domain'):
            with self.assertRaises(ValidationError), self.cr.savepoint():
                self._hold(name)
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self._hold('shop.example-held.com', subscription_id=self.neighbour_subscription.id)

    def test_listed_on_the_subscription_and_the_customer(self):
        self.assertEqual(self.subscription.hosted_domain_ids, self.my_domain)
        self.assertEqual(self.customer.hosted_domain_count, 1)
        action = self.customer.action_view_hosted_domains()
        self.assertEqual(self.env['comodo.hosted.domain'].search(action['domain']), self.my_domain)

    def test_imported_from_a_csv_file_by_names(self):
        target = self.env['comodo.deploy.target'].create({
            'name': 'Shared web server', 'host': '127.0.0.1', 'user': 'deploy', 'kind': 'nginx',
            'certificate_folder': '/etc/ssl/hosting', 'generate_key_pair': True})
        rows = [['shop.example-import.com', self.neighbour.name, self.neighbour_subscription.name, target.name,
                 '/srv/www/shop', 'example-import.com']]
        result = self.env['comodo.hosted.domain'].load(
            ['name', 'partner_id', 'subscription_id', 'deploy_target_id', 'document_root', 'dns_zone'], rows)
        self.assertFalse(result['messages'], result['messages'])
        imported = self.env['comodo.hosted.domain'].browse(result['ids'])
        self.assertEqual((imported.partner_id, imported.subscription_id, imported.deploy_target_id),
                         (self.neighbour, self.neighbour_subscription, target))

        bad = self.env['comodo.hosted.domain'].load(['name', 'partner_id'], [['mail.example-import.com', 'Nobody Ltd']])
        self.assertFalse(bad['ids'], 'a customer that does not exist is not made up')
        self.assertTrue(bad['messages'])


class TestHostedDomainsOnThePortal(PortalCase):
    """The demo's two portal customers on one web server: `portal` holds www.mysite.example.com and
    mysite.example.com, `portal2` holds www.othersite.example.com."""

    MINE, THEIRS = 'www.mysite.example.com', 'www.othersite.example.com'

    def setUp(self):
        super(TestHostedDomainsOnThePortal, self).setUp()
        self.portal2 = self.env.ref('comodo_ssl_reseller.partner_portal2')

    def _refused_purchase(self, **form):
        sandbox_orders = len(self.sandbox.orders())
        values = dict({'term_id': self.term.id, 'dcv_method': 'CNAME_CSR_HASH'}, **form)
        response = self._post('/my/certificates/buy', '/my/certificates/buy', **values)
        self.assertEqual(response.status_code, 400)
        self.assertIn(NOT_HELD, response.text)
        self.env.cache.invalidate()
        self.assertFalse(self.env['sale.order'].search([('origin', '=', 'Customer portal')]),
                         'no quotation left behind')
        self.assertEqual(len(self.sandbox.orders()), sandbox_orders, 'nothing ordered from the CA')
        return response

    def test_each_customer_sees_and_is_offered_its_own_domains(self):
        self.authenticate('portal', 'portal')
        listing = self.url_open('/my/certificates').text
        self.assertIn('o_comodo_hosted_domains', listing)
        self.assertIn('mysite.example.com', listing)
        self.assertNotIn('othersite', listing)
        form = self.url_open('/my/certificates/buy').text
        self.assertIn('<option value="%s">' % self.MINE, form)
        self.assertIn('<option value="%s mysite.example.com">' % self.MINE, form, 'the www / bare pair')
        self.assertIn('name="external_domain"', form, 'names hosted elsewhere: allowed by default')
        self.assertNotIn('othersite', form)

        self.authenticate('portal2', 'portal2')
        form = self.url_open('/my/certificates/buy').text
        self.assertIn('<option value="%s">' % self.THEIRS, form)
        self.assertNotIn('mysite', form)

    def test_each_customer_is_refused_the_others_name(self):
        self.authenticate('portal', 'portal')
        self._refused_purchase(domain=self.THEIRS)
        self._refused_purchase(external_domain=self.THEIRS)
        self.authenticate('portal2', 'portal2')
        self._refused_purchase(domain=self.MINE)
        self._refused_purchase(external_domain='mysite.example.com')

    def test_a_pair_of_names_is_bought_together(self):
        with self.saved() as env:
            env.ref('comodo_ssl_reseller.certificate_term_positivessl_multidomain_365').reseller_price = 40.0
        bare = unique_domain('never')
        self._hold(self.customer, bare, 'www.' + bare)
        self.authenticate('portal', 'portal')
        term = self.env.ref('comodo_ssl_reseller.certificate_term_positivessl_multidomain_365')
        response, order = self._buy('www.%s %s' % (bare, bare), term_id=term.id)
        self.assertEqual(response.status_code, 200)
        order = self.env['comodo.certificate.order'].search([('domain', '=', 'www.' + bare)])
        self.assertEqual(order._domains(), ['www.' + bare, bare])
        self.assertEqual(order.hosted_domain_id.name, 'www.' + bare)

    def test_correct_the_domain_and_reissue_refused_for_the_others_name(self):
        waiting, issued = unique_domain('never'), unique_domain('instant')
        self._hold(self.customer, waiting, issued)
        self.authenticate('portal', 'portal')
        pending = self._place(self._buy(waiting)[1])
        self.assertEqual(pending.state, 'pending')
        refused = self._post('/my/certificates/%d/domain/fix' % pending.id, pending.portal_url, domain=self.THEIRS)
        self.assertIn(NOT_HELD, refused.text)
        self.env.cache.invalidate()
        self.assertEqual(pending.domain, waiting)
        self.assertEqual(self.sandbox.find_orders(orderNumber=pending.ca_order_number)[0]['commonName'], waiting)

        order = self._place(self._buy(issued)[1])
        self.assertEqual(order.state, 'issued')
        with self.saved() as env:
            # The name changed hands: the hosting of portal2 holds it now.
            env['comodo.hosted.domain'].search([('name', '=', issued)]).partner_id = self.portal2
        calls = len(self.sandbox.calls())
        refused = self._post('/my/certificates/%d/reissue' % order.id, order.portal_url)
        self.assertIn(NOT_HELD, refused.text)
        self.env.cache.invalidate()
        self.assertEqual(order.state, 'issued')
        self.assertEqual(len(self.sandbox.calls()), calls, 'nothing sent to the CA')


class TestUpdatingFromTheLastVersion(HostedDomainsCase):
    """11.0.1.4.0 on a database of 11.0.1.3.0, whose orders name domains nobody holds: each name
    becomes a hosted domain of the customer who ordered it, so that its certificate keeps renewing."""

    def _order_of_the_last_version(self, partner, domain, state, **values):
        order = self.env['comodo.certificate.order'].create(dict({
            'partner_id': partner.id, 'term_id': self.term.id, 'domain': domain,
            'dcv_method': 'CNAME_CSR_HASH'}, **values))
        order.write({'state': state, 'hosted_domain_id': False})
        return order

    def _migrate(self):
        load_migration('11.0.1.4.0', 'post-hosted-domains').migrate(self.env.cr, '11.0.1.3.0')
        self.env.cache.invalidate()

    def test_names_in_service_become_hosted_domains_for_review(self):
        target = self.env['comodo.deploy.target'].create({
            'name': 'Web server of 11.0.1.3.0', 'host': '127.0.0.1', 'user': 'deploy',
            'certificate_folder': '/etc/ssl/hosting', 'generate_key_pair': True})
        site, wild, typo = unique_domain('instant'), unique_domain('instant'), unique_domain('instant')
        served = self._order_of_the_last_version(self.customer, site, 'issued', deploy_target_id=target.id,
                                                 extra_domains='www.' + site, term_id=self.multi_domain_term.id,
                                                 term_ends_at='2100-01-10 00:00:00')
        taken = self._order_of_the_last_version(self.neighbour, site, 'issued', term_ends_at='2100-01-10 00:00:00')
        wildcard = self._order_of_the_last_version(self.customer, '*.' + wild, 'expired', term_id=self.wildcard_term.id)
        self._order_of_the_last_version(self.customer, typo, 'cancelled')

        self._migrate()
        made = self.env['comodo.hosted.domain'].search([('name', 'in', [site, 'www.' + site, wild, typo])])
        self.assertEqual(sorted(made.mapped('name')), sorted([site, 'www.' + site, wild]),
                         'the names ordered, a wildcard by its base name; none of a cancelled order')
        self.assertTrue(all(made.mapped('needs_review')))
        self.assertEqual(made.mapped('partner_id'), self.customer, 'the site goes to the customer it serves first')
        self.assertEqual(made.mapped('subscription_id'), self.subscription)
        held = made.filtered(lambda domain: domain.name == site)
        self.assertEqual((held.deploy_target_id, held.certificate_folder), (target, '/etc/ssl/hosting'))
        self.assertEqual((served.hosted_domain_id, wildcard.hosted_domain_id, taken.hosted_domain_id),
                         (held, made.filtered(lambda domain: domain.name == wild), self.env['comodo.hosted.domain']))

        # Nothing in service stops: the customer's term renews; the neighbour's order for its site does not.
        self.company.comodo_allow_external_domains = False
        self.assertTrue(served._create_renewal())
        self._assert_refused(taken._create_renewal, site)

        self._migrate()
        self.assertEqual(self.env['comodo.hosted.domain'].search_count([('name', '=', site)]), 1, 'made once')

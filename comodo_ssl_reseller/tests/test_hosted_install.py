"""Two customers' hosted domains on one web server (the rig's real nginx and Apache): each customer's
files in its own folder, what one does never changes what the other's site serves, and a temporary
certificate only where it cannot hurt. What a site serves is read with the rig's own handshake."""
import os

from webserver_rig import shared_rig

from deploy.verify import leaf_sha256
from .. import customer_words
from .common import ComodoCase, unique_domain

KINDS = ('nginx', 'apache')


class TestHostedInstall(ComodoCase):

    @classmethod
    def setUpClass(cls):
        super(TestHostedInstall, cls).setUpClass()
        cls.rig = shared_rig()
        cls.targets = {kind: cls.env['comodo.deploy.target'].create(dict(
            cls.rig.target_values(kind), name='Shared %s' % kind, verify_attempts=20, verify_delay=0.2))
            for kind in KINDS}
        cls.neighbour = cls.env['res.partner'].create({'name': 'Neighbour', 'email': 'neighbour@example.com'})
        cls.neighbour_subscription = cls._subscribe(cls.neighbour, cls.plan)

    # -- helpers ---------------------------------------------------------------------------------
    def _host(self, kind, scenario, partner=None):
        """A hosted domain of `partner` (the customer) on the shared server, and its site, whose
        configuration names the files in the customer's own folder. Returns (hosted domain, the
        certificate PEM the site serves)."""
        partner = partner or self.customer
        subscription = self.subscription if partner == self.customer else self.neighbour_subscription
        hosted = self.env['comodo.hosted.domain'].create({
            'name': unique_domain(scenario), 'partner_id': partner.id, 'subscription_id': subscription.id,
            'deploy_target_id': self.targets[kind].id})
        subfolder = os.path.relpath(hosted.install_folder, self.targets[kind].certificate_folder)
        return hosted, self.rig.add_site(hosted.name, subfolder)[kind]

    def _order(self, hosted, name=None, **line_values):
        """The holder of `hosted` buys a certificate for it (or for `name`, hosted elsewhere); the
        CA work and the installs run at once."""
        sale = self.env['sale.order'].create({
            'partner_id': hosted.partner_id.id,
            'order_line': [(0, 0, dict({'product_id': self.term.product_id.id, 'comodo_domain': name or hosted.name,
                                        'comodo_dcv_method': 'CNAME_CSR_HASH'}, **line_values))]})
        sale.with_context(test_queue_job_no_delay=False).action_confirm()
        return self._place(sale.order_line.comodo_order_ids, None if name else hosted)

    def _place(self, order, hosted):
        # Set here, where the ordering path does not set it yet.
        order.hosted_domain_id = hosted
        order._job_make_key()
        order._job_place()
        return order

    def _renew(self, order):
        """The term's renewal, free on the plan, so that it is ordered at once."""
        self.plan.certificate_billing = False
        renewal = order.with_context(test_queue_job_no_delay=False)._create_renewal().with_env(self.env)
        return self._place(renewal, order.hosted_domain_id)

    def _issued_site(self, kind):
        """A hosted domain whose first order waited for the CA, then was issued and installed.
        Returns (hosted domain, the site's original certificate PEM, the order)."""
        hosted, original = self._host(kind, 'never')
        order = self._order(hosted)
        self.sandbox.approve(order.ca_order_number)
        self._make_due(order)
        self._poll()
        self.assertEqual(order.state, 'issued')
        self.assertEqual(self._served(kind, hosted), leaf_sha256(order.certificate_pem))
        return hosted, original, order

    def _served(self, kind, hosted):
        return self.rig.served_sha256(kind, hosted.name)

    def _messages(self, order):
        return '\n'.join(order.message_ids.mapped('body'))

    # -- tests -----------------------------------------------------------------------------------
    def test_neighbours_on_one_server_never_change_each_others_site(self):
        for kind in KINDS:
            with self.subTest(kind=kind):
                mine, _original = self._host(kind, 'instant')
                theirs, their_original = self._host(kind, 'instant', self.neighbour)
                their_pending, their_pending_original = self._host(kind, 'never', self.neighbour)
                theirs_served = {theirs: leaf_sha256(their_original),
                                 their_pending: leaf_sha256(their_pending_original)}

                def assert_theirs_unchanged(when):
                    for hosted, served in theirs_served.items():
                        self.assertEqual(self._served(kind, hosted), served, '%s: %s' % (when, hosted.name))

                my_order = self._order(mine)
                self.assertEqual(self._served(kind, mine), leaf_sha256(my_order.certificate_pem))
                assert_theirs_unchanged('I bought')
                mine_served = self._served(kind, mine)

                their_order = self._order(theirs)
                theirs_served[theirs] = leaf_sha256(their_order.certificate_pem)
                assert_theirs_unchanged('they bought')
                waiting = self._order(their_pending)
                self.assertEqual(waiting.install_ids.state, 'verified', 'their temporary certificate')
                self.assertNotEqual(self._served(kind, their_pending), theirs_served[their_pending])
                self.assertEqual(self._served(kind, mine), mine_served, 'they bought')

                waiting.waiting_since = '2000-01-01 00:00:00'
                self._poll()
                self.assertEqual(waiting.state, 'timeout')
                assert_theirs_unchanged('their order timed out')
                cancelled = self._order(their_pending, comodo_second_certificate=True)
                cancelled.action_cancel()
                assert_theirs_unchanged('they cancelled')
                self.assertEqual(self._served(kind, mine), mine_served, 'their time-out and cancel')

                their_renewal = self._renew(their_order)
                theirs_served[theirs] = leaf_sha256(their_renewal.certificate_pem)
                assert_theirs_unchanged('they renewed')
                self.assertEqual(self._served(kind, mine), mine_served, 'they renewed')
                self._renew(my_order)
                assert_theirs_unchanged('I renewed')

                self.assertNotEqual(mine.install_folder, theirs.install_folder)
                self.assertIn(mine.name + '.key', os.listdir(mine.install_folder))
                self.assertFalse([name for name in os.listdir(theirs.install_folder) if mine.name in name],
                                 'no file of mine in their folder')

    def test_a_renewal_never_serves_a_temporary_certificate(self):
        for kind in KINDS:
            with self.subTest(kind=kind):
                hosted, original, order = self._issued_site(kind)
                # The site serves no valid certificate (e.g. the current one expired): its original.
                order.action_restore_previous()
                self.assertEqual(self._served(kind, hosted), leaf_sha256(original))

                renewal = self._renew(order)

                self.assertEqual(renewal.state, 'pending')
                self.assertEqual(self._served(kind, hosted), leaf_sha256(original))
                self.assertFalse(renewal.install_ids)
                self.assertIn('No temporary certificate for a renewal', self._messages(renewal))

    def test_a_site_serving_a_valid_certificate_gets_no_temporary_one_at_a_second_purchase(self):
        for kind in KINDS:
            with self.subTest(kind=kind):
                hosted, _original, first = self._issued_site(kind)
                served = self._served(kind, hosted)

                second = self._order(hosted, comodo_second_certificate=True)

                self.assertEqual(second.state, 'pending')
                self.assertEqual(self._served(kind, hosted), served)
                self.assertEqual((second.install_ids.purpose, second.install_ids.state), ('temporary', 'skipped'))
                self.assertIn('already serves a valid certificate', self._messages(second))

    def test_cancel_rejection_and_a_corrected_domain_restore_exactly_what_was_served(self):
        for kind in KINDS:
            with self.subTest(kind=kind):
                cancelled_site, cancelled_original = self._host(kind, 'never')
                rejected_site, rejected_original = self._host(kind, 'never')
                mistyped_site, mistyped_original = self._host(kind, 'never')
                corrected_site, _ = self._host(kind, 'never')
                cancelled, rejected, mistyped = [self._order(hosted) for hosted in (
                    cancelled_site, rejected_site, mistyped_site)]
                for hosted, original in ((cancelled_site, cancelled_original), (rejected_site, rejected_original),
                                         (mistyped_site, mistyped_original)):
                    self.assertNotEqual(self._served(kind, hosted), leaf_sha256(original), 'temporary served')

                cancelled.action_cancel()
                self.sandbox.reject(rejected.ca_order_number)
                self._make_due(rejected)
                self._poll()
                mistyped._fix_domain(corrected_site.name)

                self.assertEqual(rejected.state, 'rejected')
                for hosted, original in ((cancelled_site, cancelled_original), (rejected_site, rejected_original),
                                         (mistyped_site, mistyped_original)):
                    self.assertEqual(self._served(kind, hosted), leaf_sha256(original), hosted.name)
                    installed = os.path.join(hosted.install_folder, hosted.name + '.fullchain.pem')
                    self.assertEqual(self.rig.read(kind, installed), original)

    def test_the_kept_pair_of_another_order_is_never_overwritten(self):
        for kind in KINDS:
            with self.subTest(kind=kind):
                hosted, original = self._host(kind, 'never')
                kept = os.path.join(hosted.install_folder, hosted.name + '.fullchain.pem.previous')
                first = self._order(hosted)
                temporary = self._served(kind, hosted)

                second = self._order(hosted, comodo_second_certificate=True)

                self.assertEqual(second.install_ids.state, 'skipped')
                self.assertIn('belongs to another order', second.install_ids.error)
                self.assertEqual(self.rig.read(kind, kept), original)
                self.assertEqual(self._served(kind, hosted), temporary)
                second.action_cancel()
                self.assertEqual(self._served(kind, hosted), temporary, 'the second order put nothing there')
                first.action_cancel()
                self.assertEqual(self._served(kind, hosted), leaf_sha256(original))

    def test_only_the_install_the_server_serves_reads_verified(self):
        """Two orders for one name (the second wanted by staff): the server serves one certificate,
        and only the install that put it there reads Verified; the other order's page says so."""
        for kind in KINDS:
            with self.subTest(kind=kind):
                hosted, _original = self._host(kind, 'never')
                first = self._order(hosted)
                self.assertEqual((first.install_ids.purpose, first.install_ids.state), ('temporary', 'verified'))
                second = self._order(hosted, comodo_second_certificate=True)
                self.sandbox.approve(second.ca_order_number)
                self._make_due(second)
                self._poll()

                self.assertEqual((first.state, second.state), ('pending', 'issued'))
                self.assertEqual(self._served(kind, hosted), leaf_sha256(second.certificate_pem))
                verified = (first | second).mapped('install_ids').filtered(lambda install: install.state == 'verified')
                self.assertEqual((verified.order_id, verified.purpose), (second, 'install'))
                self.assertEqual(first.install_ids.state, 'replaced')
                self.assertIn('order %s installed another one there' % second.name, self._messages(first))
                self.assertEqual(first.sudo()._install_words()[1], customer_words.INSTALL_REPLACED[1])

                first.action_cancel()
                self.assertEqual(self._served(kind, hosted), leaf_sha256(second.certificate_pem),
                                 'nothing of the first order is put back over the second')

    def test_a_name_hosted_elsewhere_is_never_installed(self):
        hosted, original = self._host('nginx', 'instant')
        self.subscription.deploy_target_id = self.targets['nginx']

        order = self._order(hosted, name=hosted.name)

        self.assertEqual(order.state, 'issued')
        self.assertFalse(order.install_ids)
        self.assertEqual(self._served('nginx', hosted), leaf_sha256(original))
        messages = self._messages(order)
        self.assertIn('No temporary certificate and no automatic installation', messages)
        self.assertIn('Not installed automatically', messages)

    def test_each_customer_has_a_folder_of_its_own(self):
        mine, _ = self._host('nginx', 'instant')
        theirs, _ = self._host('nginx', 'instant', self.neighbour)
        named = self.env['comodo.hosted.domain'].create({
            'name': unique_domain('instant'), 'partner_id': self.customer.id,
            'deploy_target_id': self.targets['nginx'].id, 'certificate_folder': 'shop'})
        folder = self.targets['nginx'].certificate_folder

        self.assertEqual(mine.install_folder, '%s/customer-%d' % (folder, self.customer.id))
        self.assertEqual(theirs.install_folder, '%s/customer-%d' % (folder, self.neighbour.id))
        self.assertEqual(named.install_folder, folder + '/shop')
        order = self._order(mine)
        self.assertEqual(order.install_ids.mapped('certificate_folder'), [mine.install_folder] * 2)
        self.assertEqual(self.rig.read('nginx', os.path.join(mine.install_folder, mine.name + '.key')),
                         order.private_key_pem)

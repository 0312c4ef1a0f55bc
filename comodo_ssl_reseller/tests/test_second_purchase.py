"""A second certificate for a domain the customer already has one for (on its way or issued) is not
sold by mistake in the back office: Confirm Sale refuses and names the certificate to reissue or
renew, unless the salesperson ticks Second Certificate Wanted. (The portal's side is in
test_portal_customer_items_browser.py.)"""
from .common import ComodoCase, unique_domain
from ..exceptions import ComodoRefusal


class TestSecondPurchase(ComodoCase):

    def _refused(self, sale, existing):
        """Confirm Sale is refused naming `existing`; nothing is ordered."""
        orders_before = self.env['comodo.certificate.order'].search_count([])
        with self.assertRaises(ComodoRefusal) as refusal:
            with self.cr.savepoint():
                sale.action_confirm()
        message = refusal.exception.name
        self.assertIn(existing.name, message)
        self.assertIn(existing.domain, message)
        self.assertIn('Second Certificate Wanted', message, 'says how to sell it all the same')
        self.assertEqual(sale.state, 'draft')
        self.assertEqual(self.env['comodo.certificate.order'].search_count([]), orders_before)
        return message

    def test_a_second_sale_for_a_live_domain_is_refused_until_wanted(self):
        domain = unique_domain('instant')
        first = self._buy(domain)
        self.assertEqual(first.state, 'issued')

        sale = self._sale_order(domain)
        message = self._refused(sale, first)
        self.assertIn('Issued', message)
        self.assertIn('Reissue it', message)

        sale.order_line.comodo_second_certificate = True
        sale.action_confirm()
        second = sale.order_line.comodo_order_ids
        self.assertEqual(len(second), 1)
        self.assertNotEqual(second, first)
        self.assertEqual(second.domain, domain)
        # The term's own renewal is not a second purchase.
        renewal = first._create_renewal()
        self.assertEqual((renewal.domain, renewal.renewal_of_id), (domain, first))

    def test_a_domain_on_its_way_or_among_further_domains_is_refused_too(self):
        domain = unique_domain('never')
        pending = self._buy(domain)
        self.assertEqual(pending.state, 'pending')
        self._refused(self._sale_order(domain), pending)
        # The live name as a further domain of a multi-domain certificate, in another spelling.
        multi = self._sale_order(unique_domain('never'), term=self.multi_domain_term,
                                 comodo_extra_domains=domain.upper() + '.')
        self._refused(multi, pending)

        # What does not hold the name: another customer's certificate for it (hosted elsewhere), a
        # cancelled order, a term whose renewal did not go ahead (its customer is told to order anew).
        domain = unique_domain('instant')
        other = self.env['res.partner'].create({'name': 'Other Customer'})
        self._subscribe(other, self.plan)
        self.env['sale.order'].create({'partner_id': other.id, 'order_line': [(0, 0, {
            'product_id': self.term.product_id.id, 'comodo_domain': domain,
            'comodo_dcv_method': 'CNAME_CSR_HASH'})]}).action_confirm()
        pending.action_cancel()
        ending = self._buy(unique_domain('instant'))
        ending._create_renewal()._cancel('Not renewed', 'The customer did not renew.')
        self.assertEqual(ending._current_renewal_state(), 'lost')
        for name in (domain, pending.domain, ending.domain):
            sale = self._sale_order(name)
            sale.action_confirm()
            self.assertEqual(len(sale.order_line.comodo_order_ids), 1, name)

    def test_the_salesperson_is_warned_as_the_domain_is_entered(self):
        domain = unique_domain('instant')
        first = self._buy(domain)
        sale = self._sale_order(unique_domain('www'))
        line = sale.order_line
        self.assertFalse(line._onchange_comodo_domain_certified(), 'a new domain: no warning')
        line.comodo_domain = domain
        warning = line._onchange_comodo_domain_certified()['warning']
        self.assertIn(first.name, warning['message'])
        line.comodo_second_certificate = True
        self.assertFalse(line._onchange_comodo_domain_certified())

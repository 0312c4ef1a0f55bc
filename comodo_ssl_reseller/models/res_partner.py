from contextlib import contextmanager
from datetime import datetime, timedelta

from odoo import _, fields, models

from ..exceptions import ComodoRefusal

# Namespace of the advisory lock that makes one customer's purchases pass the limits one at a time.
PURCHASE_LOCK_NAMESPACE = 0x53534c42  # "SSLB"
# The period over which free certificates are counted (the company sets how many).
FREE_ORDER_PERIOD = timedelta(days=30)


class ResPartner(models.Model):
    """What a customer may do with SSL follows from the hosting plans it holds."""

    _inherit = 'res.partner'

    def _running_hosting_plans(self):
        """The plans of the customer's (its company's) subscriptions running today."""
        self.ensure_one()
        today = self.env.user.company_id._hosting_today()
        subscriptions = self.env['account.analytic.account'].sudo().search([
            ('partner_id', 'child_of', self.commercial_partner_id.id),
            ('hosting_plan_id', '!=', False),
            ('recurring_invoices', '=', True),
            ('date_start', '<=', today),
            '|', ('date_end', '=', False), ('date_end', '>=', today),
        ])
        return subscriptions.mapped('hosting_plan_id')

    def _ssl_plans(self):
        return self._running_hosting_plans().filtered('ssl_module')

    def _comodo_ssl_plans(self):
        return self._ssl_plans().filtered('comodo_ssl')

    def _check_ssl_module(self):
        """Refuse any SSL action, with the reason, when no plan of the customer has the SSL module."""
        for partner in self:
            if not partner._ssl_plans():
                raise ComodoRefusal(_('%s cannot use SSL: none of its hosting plans includes the '
                                      'SSL module.') % partner.commercial_partner_id.display_name)

    def _check_comodo_ssl(self):
        """Refuse buying Comodo certificates, with the reason, unless a plan allows it."""
        self._check_ssl_module()
        for partner in self:
            if not partner._comodo_ssl_plans():
                raise ComodoRefusal(_('%s cannot buy Comodo certificates: none of its hosting '
                                      'plans includes Comodo SSL.') % partner.commercial_partner_id.display_name)

    def _check_comodo_purchase_limits(self, price):
        """Refuse, before anything is written, a customer's purchase past the company's limits.

        The one rule for purchases a customer makes itself (the portal): a limit on certificates
        whose invoice is unpaid, and on free ones per period (a plan that bills certificates at
        zero still costs the reseller each CA order). Sales that staff confirm are their decision,
        and a renewal is one per term of a certificate the customer already holds: neither is
        limited, and both count here.

        Two purchases of one customer at once must not both pass: an advisory lock on the customer,
        held until the transaction (and so the sale it guards) is committed, makes them one at a
        time.
        """
        self.ensure_one()
        company = self.env.user.company_id
        max_unpaid, max_free = company.comodo_max_unpaid_orders, company.comodo_max_free_orders
        free = company.currency_id.is_zero(price)
        if not max_unpaid and not (free and max_free):
            return
        customer = self.commercial_partner_id
        self.env.cr.execute('SELECT pg_advisory_xact_lock(%s, %s)', (PURCHASE_LOCK_NAMESPACE, customer.id))
        unpaid, free_recently = customer._comodo_purchase_counts(datetime.utcnow() - FREE_ORDER_PERIOD)
        if max_unpaid and unpaid >= max_unpaid:
            raise ComodoRefusal(_('You have %d certificates whose invoice is not paid yet. Please pay them '
                                  '(Your Documents > Invoices) before buying another one.') % unpaid)
        if free and max_free and free_recently >= max_free:
            raise ComodoRefusal(_('You have had %d free certificates in the last %d days, as many as we give '
                                  'in that time. Please contact us for another one.')
                                % (free_recently, FREE_ORDER_PERIOD.days))

    def _comodo_purchase_counts(self, free_since):
        """(certificates with an unpaid invoice, free certificates ordered since `free_since`) of this
        commercial partner, as committed.

        Odoo's transactions are REPEATABLE READ: a request's snapshot was taken before it waited for
        the purchase lock, so it would not see the sale that the lock's previous holder committed.
        A cursor opened after the lock sees it.
        """
        self.ensure_one()
        with self._committed_data_cursor() as cr:
            # Whatever the order's state: a revoked or cancelled certificate whose invoice is still
            # open is still owed. A free certificate's invoice owes nothing: the free limit counts it.
            cr.execute("""
                SELECT count(DISTINCT o.id) FROM comodo_certificate_order o
                  JOIN res_partner p ON p.id = o.partner_id
                  JOIN account_invoice i ON i.comodo_order_id = o.id OR i.id IN (
                       SELECT l.invoice_id FROM account_invoice_line l WHERE l.comodo_order_id = o.id)
                 WHERE p.commercial_partner_id = %s
                   AND i.type = 'out_invoice' AND i.state IN ('draft', 'open')
                   AND i.amount_total <> 0""", (self.id,))
            unpaid = cr.fetchone()[0]
            cr.execute("""
                SELECT count(*) FROM comodo_certificate_order o
                  JOIN res_partner p ON p.id = o.partner_id
                  JOIN sale_order_line l ON l.id = o.sale_line_id
                 WHERE p.commercial_partner_id = %s AND o.create_date >= %s
                   AND l.price_total = 0""", (self.id, fields.Datetime.to_string(free_since)))
            return unpaid, cr.fetchone()[0]

    @contextmanager
    def _committed_data_cursor(self):
        """A cursor whose snapshot starts now: it sees every transaction committed so far."""
        if self.pool.test_cr is not None:
            # Odoo's HTTP tests run every request in the one test transaction, which sees it all.
            yield self.env.cr
            return
        with self.pool.cursor() as cr:
            yield cr

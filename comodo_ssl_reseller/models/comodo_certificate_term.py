from odoo import _, api, fields, models
from odoo.addons import decimal_precision as dp

from ..comodo_client import DCV_METHODS
from ..exceptions import ComodoRefusal

# Validation by a file on the web site: a wildcard's names have no one site to put the file on.
FILE_DCV_METHODS = ('HTTP_CSR_HASH', 'HTTPS_CSR_HASH')


def term_label(days):
    """'1 year' for 365 days (Comodo counts bonus days on top), else the days themselves."""
    years, rest = divmod(days, 365)
    if years and rest <= 30:
        return _('%d year') % years if years == 1 else _('%d years') % years
    return _('%d days') % days


class ComodoCertificateTerm(models.Model):
    """One catalogue line: a certificate type for a number of days, with the reseller's price; no
    price means not offered. (An order's "term" is something else: the period its customer paid
    for, which starts with its first certificate.)"""

    _name = 'comodo.certificate.term'
    _description = 'Comodo Certificate Product'
    _order = 'type_id, days'

    name = fields.Char(compute='_compute_name', store=True)
    type_id = fields.Many2one(
        'comodo.certificate.type', string='Certificate Type', required=True, ondelete='cascade')
    # group_operator=False: a list grouped by type adds no days and no prices together.
    days = fields.Integer(
        required=True,
        group_operator=False,
        default=365,
        help="The 'days' Comodo is asked for: 365 is one year, 730 two years.")
    reseller_price = fields.Float(
        string='Default Sale Price',
        digits=dp.get_precision('Product Price'),
        group_operator=False,
        help='What your customers pay for this term unless their hosting plan sets its own price. '
             'Leave it empty (0) to keep the term off sale.')
    available = fields.Boolean(
        compute='_compute_available',
        store=True,
        help='Offered to customers: the term has a price and its type is active.')
    product_id = fields.Many2one(
        'product.product',
        string='Sale Product',
        readonly=True,
        copy=False,
        ondelete='restrict',
        help='The service product sale orders and invoices carry for this term.')

    _sql_constraints = [
        ('type_days_unique', 'unique(type_id, days)', 'Each term may be priced only once per type.'),
        ('days_positive', 'CHECK(days > 0)', 'A term lasts at least one day.'),
        ('price_not_negative', 'CHECK(reseller_price >= 0)', 'A price cannot be negative.'),
    ]

    @api.depends('type_id.name', 'days')
    def _compute_name(self):
        for term in self:
            term.name = '%s, %s' % (term.type_id.name, term_label(term.days))

    @api.depends('reseller_price', 'type_id.active')
    def _compute_available(self):
        for term in self:
            term.available = term.reseller_price > 0 and term.type_id.active

    @api.model
    def create(self, vals):
        term = super(ComodoCertificateTerm, self).create(vals)
        term._sync_product()
        return term

    @api.multi
    def write(self, vals):
        result = super(ComodoCertificateTerm, self).write(vals)
        if {'reseller_price', 'days', 'type_id'} & set(vals):
            self._sync_product()
        return result

    def _customer_price(self, partner):
        """What this customer pays for the term: the one place every price comes from.

        Among the customer's plans that allow Comodo SSL, the most favourable price applies (a
        plan without certificate billing makes it free); else the reseller price.
        """
        self.ensure_one()
        plans = partner._comodo_ssl_plans() if partner else self.env['hosting.plan']
        if not plans:
            return self.reseller_price
        return min(plan._certificate_price(self) for plan in plans)

    def _sale_price(self, partner, pricelist, company, date=None):
        """_customer_price, which is in the company's currency, in the pricelist's currency (the
        currency of the sale order and its invoice), at the rate of `date` (default today)."""
        price = self._customer_price(partner)
        return company.currency_id.with_context(date=date).compute(price, pricelist.currency_id)

    def _check_validation_method(self, domains, dcv_method, dcv_email):
        """Refuse, saying what to change, a validation method this certificate cannot use for these
        domains: at sale confirmation, in the portal's buy form, and when the customer changes the
        method of an order the CA waits for."""
        self.ensure_one()
        cert_type = self.type_id
        if dcv_method not in DCV_METHODS:
            raise ComodoRefusal(_('Choose how the domain is validated.'))
        if dcv_method == 'EMAIL' and len(domains) > 1:
            # Each domain would need its own approver address: file or DNS validation scale.
            raise ComodoRefusal(_('%s: validate several domains with a file or a DNS record, not by '
                                  'email.') % cert_type.name)
        if dcv_method == 'EMAIL' and not dcv_email:
            raise ComodoRefusal(_('Choose the approver email address for validation by email.'))
        if cert_type.wildcard and dcv_method in FILE_DCV_METHODS:
            raise ComodoRefusal(_('Wildcard certificates cannot be validated with a file on the '
                                  'web site: choose DNS (CNAME) or email.'))

    def _prepare_product_values(self):
        self.ensure_one()
        return {
            'name': self.name,
            'type': 'service',
            'invoice_policy': 'order',
            'list_price': self.reseller_price,
            'sale_ok': self.available,
            'purchase_ok': False,
            'comodo_term_id': self.id,
            'categ_id': self.env.ref('comodo_ssl_reseller.product_category_ssl').id,
        }

    def _sync_product(self):
        """Keep each term's sale product in step with its price: unpriced means not sellable.

        The product is created the first time a term is priced, and never deleted, so that past
        sale orders and invoices keep pointing at it.
        """
        for term in self.sudo():
            values = term._prepare_product_values()
            if term.product_id:
                term.product_id.write(values)
            elif term.available:
                term.product_id = self.env['product.product'].sudo().create(values)

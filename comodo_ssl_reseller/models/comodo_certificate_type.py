from odoo import _, api, fields, models

VALIDATION_LEVELS = [
    ('dv', 'Domain Validation (DV)'),
    ('ov', 'Organization Validation (OV)'),
    ('ev', 'Extended Validation (EV)'),
]


class ComodoCertificateType(models.Model):
    """A certificate product of the Comodo catalogue, as the reseller offers it."""

    _name = 'comodo.certificate.type'
    _description = 'Comodo Certificate Type'
    _order = 'sequence, name'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    product_code = fields.Integer(
        string='Comodo Product Code',
        required=True,
        help="The 'product' number Comodo expects in AutoApplySSL, e.g. 287 for PositiveSSL.")
    validation_level = fields.Selection(VALIDATION_LEVELS, required=True, default='dv')
    wildcard = fields.Boolean(help='Covers every first-level subdomain: the domain is *.example.com.')
    multi_domain = fields.Boolean(help='Covers several domains (SANs) in one certificate.')
    max_domains = fields.Integer(
        string='Maximum Domains',
        default=1,
        help='For multi-domain certificates: how many domains one order may name.')
    description = fields.Text(translate=True)
    term_ids = fields.One2many('comodo.certificate.term', 'type_id', string='Terms', copy=True)
    available = fields.Boolean(
        compute='_compute_available',
        search='_search_available',
        help='Offered to customers: at least one of its terms has a reseller price.')

    _sql_constraints = [
        ('product_code_unique', 'unique(product_code)',
         'Each Comodo product code can be configured only once.'),
        ('max_domains_positive', 'CHECK(max_domains >= 1)',
         'A certificate covers at least one domain.'),
    ]

    @api.depends('term_ids.available')
    def _compute_available(self):
        for cert_type in self:
            cert_type.available = any(cert_type.term_ids.mapped('available'))

    def _search_available(self, operator, value):
        if operator not in ('=', '!='):
            raise ValueError(_('Unsupported search on availability: %s') % operator)
        offered = self.env['comodo.certificate.term'].search([('available', '=', True)]).mapped('type_id')
        positive = (operator == '=') == bool(value)
        return [('id', 'in' if positive else 'not in', offered.ids)]

    @api.onchange('multi_domain')
    def _onchange_multi_domain(self):
        if not self.multi_domain:
            self.max_domains = 1

    @api.multi
    def write(self, vals):
        result = super(ComodoCertificateType, self).write(vals)
        if {'name', 'active', 'product_code'} & set(vals):
            self.mapped('term_ids')._sync_product()
        return result

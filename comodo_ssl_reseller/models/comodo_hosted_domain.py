from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..comodo_client import RequestError, check_domains
from ..comodo_client.keys import normalise_domain
from ..exceptions import ComodoRefusal


class ComodoHostedDomain(models.Model):
    """A domain name a customer's hosting holds, and where it lives.

    A certificate is a resource of such a domain: it is sold only for names the customer holds, and
    installed only on the web server that serves them, in the customer's own certificate folder
    there. The document root and the DNS zone are where the proof of control is published."""

    _name = 'comodo.hosted.domain'
    _description = 'Hosted Domain'
    _order = 'partner_id, name'

    name = fields.Char(string='Domain', required=True, index=True,
                       help='The host name as a certificate names it, e.g. www.example.com.')
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True, index=True,
                                 default=lambda self: self.env.user.company_id)
    subscription_id = fields.Many2one(
        'account.analytic.account', string='Hosting', index=True, ondelete='restrict',
        help='The customer\'s hosting subscription that holds this domain.')
    partner_id = fields.Many2one('res.partner', string='Customer', required=True, index=True,
                                 ondelete='restrict')
    deploy_target_id = fields.Many2one(
        'comodo.deploy.target', string='Web Server', ondelete='restrict',
        help='The web server that serves this domain; its certificates are installed there.')
    certificate_folder = fields.Char(
        help='Where this domain\'s certificate files go on the web server. Customers sharing a server '
             'never share a folder.')
    document_root = fields.Char(
        help='The folder the web server serves this domain from (for file validation).')
    dns_zone = fields.Char(string='DNS Zone', help='The DNS zone that holds this name, e.g. example.com.')
    needs_review = fields.Boolean(
        string='Review Needed', copy=False,
        help='Made automatically from earlier certificate orders: staff should confirm the customer, '
             'web server and folders.')

    _sql_constraints = [
        ('name_company_unique', 'unique(name, company_id)',
         'A domain is held by one customer only.'),
    ]

    @api.model
    def create(self, vals):
        return super(ComodoHostedDomain, self).create(self._normalised(vals))

    @api.multi
    def write(self, vals):
        return super(ComodoHostedDomain, self).write(self._normalised(vals))

    @api.model
    def _normalised(self, vals):
        if vals.get('name'):
            vals = dict(vals, name=normalise_domain(vals['name']))
        return vals

    @api.constrains('name')
    def _check_name(self):
        # A hosted domain is a host name a certificate can carry: never a wildcard (its base name
        # is held instead), never a typing mistake that no certificate could be ordered for.
        for domain in self:
            try:
                check_domains([domain.name])
            except RequestError as error:
                raise ValidationError(error.message)

    @api.constrains('subscription_id', 'partner_id')
    def _check_subscription_partner(self):
        for domain in self.filtered('subscription_id'):
            holder = domain.subscription_id.partner_id.commercial_partner_id
            if holder != domain.partner_id.commercial_partner_id:
                raise ValidationError(_('%s: the hosting %s belongs to %s, not to %s.') % (
                    domain.name, domain.subscription_id.name, holder.display_name,
                    domain.partner_id.display_name))

    @api.onchange('subscription_id')
    def _onchange_subscription_id(self):
        if self.subscription_id:
            self.partner_id = self.subscription_id.partner_id.commercial_partner_id
            self.deploy_target_id = self.deploy_target_id or self.subscription_id.deploy_target_id

    @api.model
    def _held_by(self, partner, company):
        """The active hosted domains of `partner`'s commercial entity in `company`."""
        return self.sudo().search([
            ('partner_id', 'child_of', partner.commercial_partner_id.id),
            ('company_id', '=', company.id),
        ])

    @api.model
    def _find(self, partner, company, name):
        """The hosted domain `name` of this customer, or an empty recordset. Asked for each name of
        every placement: the name is looked up first (stored normalised, one per company), and only
        a name found is checked to be the customer's (child_of searches the customer's contacts)."""
        hosted = self.sudo().search([('name', '=', normalise_domain(name)), ('company_id', '=', company.id)],
                                    limit=1)
        if not hosted:
            return hosted
        return self.sudo().search([('id', '=', hosted.id),
                                   ('partner_id', 'child_of', partner.commercial_partner_id.id)])

    @api.model
    def _check_certificate_names(self, partner, company, names):
        """The one rule for every path that orders a certificate: each name (a wildcard by its
        base name) must be a hosted domain of `partner` in `company`, or, where the company allows
        it, a name no customer's hosting holds ("hosted elsewhere"). Returns the hosted domain of
        the first name (empty for a name hosted elsewhere); else raises a refusal naming the name."""
        held = {domain.name: domain for domain in self._held_by(partner, company)}
        allows_external = company._comodo_allows_external_domains()
        first = self.browse()
        for index, name in enumerate(names):
            base = normalise_domain(name)
            wildcard = base.startswith('*.')
            base = base[2:] if wildcard else base
            hosted = held.get(base)
            if not hosted and (not allows_external or self._held_by_anyone(company, base)):
                raise ComodoRefusal(self._not_held_message(partner, name, base, wildcard))
            if wildcard and self._others_under(partner, company, base):
                # The wildcard would also be valid for a site another customer's hosting serves.
                raise ComodoRefusal(_('%s would also cover domains hosted for another customer: order '
                                      'certificates for your own names instead.') % name)
            if index == 0:
                first = hosted or first
        return first

    @api.model
    def _not_held_message(self, partner, name, base, wildcard):
        customer = partner.commercial_partner_id.display_name
        if wildcard:
            return _('%s needs %s, which is not one of the domains hosted for %s: a certificate is '
                     'ordered only for a domain of the customer\'s hosting. Ask us to add it first.') % (
                name, base, customer)
        return _('%s is not one of the domains hosted for %s: a certificate is ordered only for a '
                 'domain of the customer\'s hosting. Ask us to add it first.') % (name, customer)

    @api.model
    def _held_by_anyone(self, company, name):
        return bool(self.sudo().search_count([('name', '=', name), ('company_id', '=', company.id)]))

    @api.model
    def _others_under(self, partner, company, base):
        """The hosted domains of other customers that a wildcard for `base` covers (one label under it)."""
        suffix = '.' + base
        return self.sudo().search([('name', '=like', '%' + suffix), ('company_id', '=', company.id)]).filtered(
            lambda domain: domain.name.endswith(suffix) and '.' not in domain.name[:-len(suffix)]
            and domain.partner_id.commercial_partner_id != partner.commercial_partner_id)

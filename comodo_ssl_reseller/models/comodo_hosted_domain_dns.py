from datetime import date

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..comodo_client.keys import normalise_domain
from ..dcv_publish import CnamePublisher, DnsPublishError

# How a hosted domain is validated: Odoo publishes the proof itself, on the web server (a file under
# the document root) or on the DNS server (a CNAME). Email is for names hosted elsewhere only.
HOSTED_DCV_METHOD_SELECTION = [
    ('HTTP_CSR_HASH', 'File on the web site (HTTP)'),
    ('HTTPS_CSR_HASH', 'File on the web site (HTTPS)'),
    ('CNAME_CSR_HASH', 'DNS CNAME record'),
]
FILE_METHODS = ('HTTP_CSR_HASH', 'HTTPS_CSR_HASH')
WILDCARD_DCV_METHOD = 'CNAME_CSR_HASH'
EXTERNAL_DEFAULT_DCV_METHOD = 'HTTP_CSR_HASH'
# CA/Browser Forum ballot SC-090: email to constructed addresses (admin@, webmaster@, ...) is
# forbidden for validation from this day.
EMAIL_VALIDATION_ENDS = date(2028, 3, 15)


class ComodoHostedDomain(models.Model):
    """Where a hosted domain's DNS proof is published, and how its certificates are validated by
    default: a file for the name itself, a CNAME for a wildcard over it (the CA takes no file for
    wildcards)."""

    _inherit = 'comodo.hosted.domain'

    dns_server_id = fields.Many2one(
        'comodo.dns.server', string='DNS Server', ondelete='restrict', index=True,
        help='The hosting company\'s DNS server holding this name\'s zone; Odoo adds the validation CNAME '
             'there. By default the server already holding the zone, else the company\'s default.')
    dcv_method = fields.Selection(
        HOSTED_DCV_METHOD_SELECTION, string='Validation Method', required=True, default='HTTP_CSR_HASH',
        help='How new certificates for this name are validated: Odoo publishes the file on the web site '
             'or the CNAME on the DNS server. A wildcard over it is always validated by CNAME.')

    @api.model
    def create(self, vals):
        if 'dns_server_id' not in vals and vals.get('name'):
            company = self.env['res.company'].browse(vals.get('company_id')) if vals.get('company_id') \
                else self.env.user.company_id
            vals = dict(vals, dns_server_id=self.env['comodo.dns.server']._for_name(
                normalise_domain(vals['name']), company).id)
        return super(ComodoHostedDomain, self).create(vals)

    @api.onchange('name', 'company_id')
    def _onchange_name_dns_server(self):
        if self.name and not self.dns_server_id:
            self.dns_server_id = self.env['comodo.dns.server']._for_name(normalise_domain(self.name),
                                                                          self.company_id)

    @api.constrains('dns_server_id', 'company_id')
    def _check_dns_server_company(self):
        for domain in self.filtered('dns_server_id'):
            if domain.dns_server_id.sudo().company_id != domain.company_id:
                raise ValidationError(_('%s: the DNS server %s belongs to another company.') % (
                    domain.name, domain.dns_server_id.sudo().name))

    # -- the zone, found on demand -------------------------------------------------------------------

    @api.multi
    def action_find_dns_zone(self):
        """Asks the DNS server which of its zones holds the name, and keeps it."""
        self.ensure_one()
        self.check_access_rights('write')
        self.check_access_rule('write')
        zone = self._find_dns_zone()
        self.env.user.notify_info(_('%s is in zone %s on %s.') % (self.name, zone, self.dns_server_id.name))
        return True

    def _find_dns_zone(self):
        """The zone holding the name on its DNS server (by authoritative SOA queries), stored."""
        self.ensure_one()
        server = self.dns_server_id
        if not server:
            raise UserError(_('%s has no DNS server: choose the one that holds its zone.') % self.name)
        try:
            zone = CnamePublisher(server._lookup_server()).find_zone(self.name)
        except DnsPublishError as error:
            raise UserError(_('The zone of %s could not be found: %s') % (self.name, error.message))
        zone = zone.to_text(omit_final_dot=True)
        self.sudo().dns_zone = zone
        return zone

    # -- the validation method of a new order --------------------------------------------------------

    @api.model
    def _default_dcv_method(self, partner, company, name):
        """The method a new order for `name` starts with: a wildcard by CNAME, a hosted name by its
        hosted domain's method, a name hosted elsewhere by file (the customer publishes it)."""
        name = normalise_domain(name)
        if name.startswith('*.'):
            return WILDCARD_DCV_METHOD
        hosted = self._find(partner, company, name)
        return hosted.dcv_method if hosted else EXTERNAL_DEFAULT_DCV_METHOD

    @api.model
    def _dcv_method_choices(self, partner, company, name, today=None):
        """[(code, label)] a new order for `name` may choose from: no file for a wildcard, email only
        for a name hosted elsewhere, and only until the CA/Browser Forum ends it."""
        name = normalise_domain(name)
        wildcard = name.startswith('*.')
        base = name[2:] if wildcard else name
        choices = [(code, label) for code, label in HOSTED_DCV_METHOD_SELECTION
                   if not (wildcard and code in FILE_METHODS)]
        today = today or fields.Date.from_string(fields.Date.context_today(self))
        if not self._find(partner, company, base) and today < EMAIL_VALIDATION_ENDS:
            choices.append(('EMAIL', _('Email to an approver address (ends on %s)')
                            % EMAIL_VALIDATION_ENDS.isoformat()))
        return choices

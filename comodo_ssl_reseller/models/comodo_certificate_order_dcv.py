import logging
from datetime import datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..comodo_client import dcv_instructions
from ..comodo_client.dcv import csr_hashes
from ..dcv_preflight import PreflightConfig, preflight
from ..groups import SSL_MANAGERS
from .comodo_certificate_order import DCV_METHOD_SELECTION
from .comodo_hosted_domain_dns import FILE_METHODS, WILDCARD_DCV_METHOD

_logger = logging.getLogger(__name__)

# Where the pre-flight looks, as a CA would: the system resolver and ports 80/443 unless these
# system parameters say otherwise (a loopback DNS server and web server on high ports, for the demo
# and the tests). Values: "host:port" and "80=18080,443=18443". A DNS server that is not the
# Internet's has no root zone: its DNSSEC chains end at trust anchors of its own, one a line
# ("<zone> <DS or DNSKEY record>"); none means the root's.
DNS_SERVER_PARAMETER = 'comodo_ssl_reseller.dcv_dns_server'
PORT_MAP_PARAMETER = 'comodo_ssl_reseller.dcv_port_map'
TRUST_ANCHORS_PARAMETER = 'comodo_ssl_reseller.dcv_trust_anchors'


class ComodoCertificateOrderDcv(models.Model):
    """One name of a certificate order for the CSR it was ordered with: how it is validated, whether
    Odoo publishes the proof (and the receipt of what it published, to remove exactly that), what the
    last pre-flight found and what the CA says about it. A new CSR (reissue, corrected domain) means
    new proofs: the lines of an earlier CSR stay only until what was published for them is removed."""

    _name = 'comodo.certificate.order.dcv'
    _description = 'Domain Validation of a Certificate Name'
    _order = 'order_id, sequence, id'

    order_id = fields.Many2one('comodo.certificate.order', required=True, ondelete='cascade', index=True,
                               readonly=True)
    company_id = fields.Many2one(related='order_id.company_id', store=True, readonly=True, index=True)
    sequence = fields.Integer(readonly=True, help='The name\'s place in the order (the primary first).')
    name = fields.Char(string='Domain', required=True, readonly=True)
    csr_md5 = fields.Char(readonly=True, help='MD5 of the CSR this line\'s proof is derived from.')
    current = fields.Boolean(
        default=True, readonly=True, index=True,
        help='A name of the order\'s current CSR; cleared for an earlier CSR\'s name whose proof is '
             'still to be removed.')
    method = fields.Selection(DCV_METHOD_SELECTION, string='Validation Method', required=True, readonly=True)
    by_odoo = fields.Boolean(string='Published by Odoo', readonly=True,
                             help='Odoo publishes the proof for this name (file on the web server or '
                                  'CNAME on the DNS server); otherwise the customer validates it.')
    hosted_domain_id = fields.Many2one('comodo.hosted.domain', readonly=True, ondelete='set null')
    # Where the proof was published: cleanup goes there even if the hosted domain moved since.
    deploy_target_id = fields.Many2one('comodo.deploy.target', readonly=True, ondelete='set null')
    dns_server_id = fields.Many2one('comodo.dns.server', readonly=True, ondelete='set null')
    receipt = fields.Text(readonly=True, groups=SSL_MANAGERS,
                          help='What publishing made (JSON), removed exactly once the CA has decided.')
    published_at = fields.Datetime(readonly=True)
    publish_error = fields.Text(readonly=True, groups=SSL_MANAGERS,
                                help='Why the last publication or removal failed.')
    publish_failed = fields.Boolean(
        readonly=True, help='Publishing failed in a way a person must fix: the customer is asked to '
                            'validate this name.')
    check_ok = fields.Boolean(string='Pre-flight Passed', readonly=True)
    check_code = fields.Char(string='Pre-flight Result', readonly=True)
    staff_sentence = fields.Text(readonly=True, help='What the last pre-flight found, for staff.')
    customer_sentence = fields.Text(readonly=True, help='What the last pre-flight found, in plain words.')
    checked_at = fields.Datetime(string='Checked', readonly=True)
    ca_status = fields.Char(string='CA Status', readonly=True, help='The CA\'s dcvStatus for this name.')
    validated_at = fields.Datetime(readonly=True, help='When the CA last reported this name validated.')

    def _instructions(self):
        self.ensure_one()
        order = self.order_id
        return dcv_instructions(order.csr_pem, self.method, self.name, order.unique_value)

    def _record_preflight(self, result):
        """Keeps a pre-flight's outcome on the line: every failure for staff, the first for the customer."""
        failures = result.failures
        if failures:
            staff = '; '.join('%s (%s)' % (check.sentence, check.code) for check in failures)
            first = failures[0].sentence
            customer = first[:1].upper() + first[1:] + '.'
        else:
            staff = '; '.join(check.sentence for check in result.checks)
            customer = _('%s is ready for the certificate authority\'s check.') % self.name
        self.write({
            'check_ok': result.ok, 'check_code': failures[0].code if failures else 'ok',
            'staff_sentence': staff, 'customer_sentence': customer,
            'checked_at': fields.Datetime.now(),
        })


class ComodoHostedDomain(models.Model):
    _inherit = 'comodo.hosted.domain'

    dcv_publish = fields.Boolean(
        string='Odoo Publishes the Proof', default=True,
        help='Odoo publishes the validation file or CNAME for this name\'s certificates. Untick it when '
             'the customer publishes them (the customer is then asked to validate).')

    def _can_publish(self, method):
        """Odoo can publish `method`'s proof for this name: a file needs the web server and the
        document root, a CNAME the DNS server."""
        self.ensure_one()
        if not self.dcv_publish:
            return False
        if method in FILE_METHODS:
            return bool(self.deploy_target_id and self.document_root)
        if method == WILDCARD_DCV_METHOD:
            return bool(self.dns_server_id)
        return False


class ComodoCertificateOrder(models.Model):
    _inherit = 'comodo.certificate.order'

    dcv_ids = fields.One2many('comodo.certificate.order.dcv', 'order_id', string='Domain Validation',
                              readonly=True, domain=[('current', '=', True)])

    def _validation_plan(self):
        """One current line per name of the order for its current CSR: created, or refreshed with
        how the name is validated now. Lines of an earlier CSR or name are kept (not current) while
        something published for them is still to be removed. Returns the current lines."""
        self.ensure_one()
        lines = self.env['comodo.certificate.order.dcv'].sudo().search([('order_id', '=', self.id)])
        csr_md5 = csr_hashes(self.csr_pem)[0] if self.csr_pem else False
        names = self._domains()
        outdated = lines.filtered(lambda line: line.csr_md5 != csr_md5 or line.name not in names)
        outdated.filtered('receipt').write({'current': False})
        outdated.filtered(lambda line: not line.receipt).unlink()
        current = lines - outdated
        for sequence, name in enumerate(names):
            values = dict(self._dcv_choice(name), sequence=sequence, current=True)
            line = current.filtered(lambda line: line.name == name)
            if not line:
                current |= current.create(dict(values, order_id=self.id, name=name, csr_md5=csr_md5))
            elif line.receipt and line.method != values['method']:
                # Published for another method: that proof stays until the CA decides; this name
                # is validated as the plan says from now on.
                line.write({'current': False})
                current = current - line | current.create(
                    dict(values, order_id=self.id, name=name, csr_md5=csr_md5))
            else:
                changed = {field: value for field, value in values.items()
                           if (line[field].id if field.endswith('_id') else line[field]) != value}
                if changed:
                    line.write(changed)
        return current.sorted('sequence')

    def _dcv_choice(self, name):
        """{method, by_odoo, hosted_domain_id} for `name`: Odoo publishes the proof of a name of
        this customer's hosting, by the hosted domain's method (a wildcard by CNAME), where it knows
        the web server and document root, or the DNS server. Any other name is validated by the
        customer, by the order's method (what the CA was asked for)."""
        wildcard = name.startswith('*.')
        hosted = self.env['comodo.hosted.domain']._find(self.partner_id, self.company_id,
                                                        name[2:] if wildcard else name)
        method = WILDCARD_DCV_METHOD if wildcard else hosted.dcv_method
        if hosted and hosted._can_publish(method):
            return {'method': method, 'by_odoo': True, 'hosted_domain_id': hosted.id}
        return {'method': self.dcv_method, 'by_odoo': False, 'hosted_domain_id': hosted.id}

    def _preflight_names(self, lines=None):
        """Runs the pre-flight for each current line (or `lines`) with the order's CSR and writes
        what it found on the line; True when every name passes."""
        self.ensure_one()
        lines = lines if lines is not None else self._validation_plan()
        config = self._preflight_config()
        now = datetime.utcnow()
        for line in lines:
            line._record_preflight(preflight(line.name, line._instructions(), covers_sibling=False,
                                             config=config, now=now))
        return all(lines.mapped('check_ok'))

    @api.model
    def _preflight_config(self):
        params = self.env['ir.config_parameter'].sudo()
        server = (params.get_param(DNS_SERVER_PARAMETER) or '').strip()
        port_map = (params.get_param(PORT_MAP_PARAMETER) or '').strip()
        anchors = {}
        for line in (params.get_param(TRUST_ANCHORS_PARAMETER) or '').splitlines():
            if line.strip():
                zone, _sep, record = line.strip().partition(' ')
                anchors.setdefault(zone, []).append(record.strip())
        try:
            host, _sep, port = server.rpartition(':') if server else (None, '', '53')
            ports = dict((int(standard), int(mapped)) for standard, mapped in
                         (pair.split('=') for pair in port_map.replace(' ', '').split(',') if pair))
            return PreflightConfig(dns_server=host or None, dns_port=int(port), http_ports=ports,
                                   trust_anchors=anchors or None)
        except ValueError:
            raise UserError(_('The system parameters %s ("host:port"), %s ("80=port,443=port") and %s '
                              '("zone record" lines) are not readable: correct or remove them.')
                            % (DNS_SERVER_PARAMETER, PORT_MAP_PARAMETER, TRUST_ANCHORS_PARAMETER))

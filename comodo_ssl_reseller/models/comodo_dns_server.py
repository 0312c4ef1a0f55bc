import base64
import binascii
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import html_escape

from ..dcv_publish import (TSIG_ALGORITHMS, DnsPublishError, DnsServer, DnsServerSettingsInvalid,
                           DnsServerUnreachable, NotAuthorised, UpdateRefused, ZoneNotFound)
from ..dcv_publish.server_check import check_server

_logger = logging.getLogger(__name__)

ALGORITHM_SELECTION = [('hmac-sha256', 'HMAC-SHA256'), ('hmac-sha512', 'HMAC-SHA512')]
assert {code for code, _label in ALGORITHM_SELECTION} == set(TSIG_ALGORITHMS)
# A test waits no longer than this for the server: a person is waiting for the answer.
TEST_TIMEOUT = 5


class ComodoDnsServer(models.Model):
    """A DNS server of the hosting company, where Odoo adds and removes the CNAME records that
    prove control of a domain to the CA, by RFC 2136 updates signed with a TSIG key.

    Deployment administrators set it up (whoever holds the key changes the company's zones); SSL
    managers read it, to choose it for a hosted domain. The TSIG secret lives in
    comodo.dns.server.key, which no user may read: here it is write-only, shown as set or not set.
    """

    _name = 'comodo.dns.server'
    _description = 'DNS Server'
    _inherit = ['mail.thread']
    _order = 'company_default desc, name'

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True, index=True,
                                 default=lambda self: self.env.user.company_id)
    company_default = fields.Boolean(
        string='Default for New Domains', track_visibility='onchange',
        help='New hosted domains of the company are published on this server unless another of its '
             'servers already holds their zone.')
    host = fields.Char(required=True, track_visibility='onchange',
                       help='Name or address of the primary (the server that takes dynamic updates).')
    port = fields.Integer(required=True, default=53, track_visibility='onchange')
    key_name = fields.Char(string='TSIG Key Name', required=True, track_visibility='onchange',
                           help='The key\'s name as the server\'s configuration names it, e.g. odoo-dcv.')
    key_algorithm = fields.Selection(ALGORITHM_SELECTION, string='TSIG Algorithm', required=True,
                                     default='hmac-sha256', track_visibility='onchange')
    # Write-only: reads answer nothing; a value written replaces the stored secret.
    key_secret = fields.Char(string='TSIG Secret', compute='_compute_key_secret', inverse='_inverse_key_secret')
    key_secret_summary = fields.Char(string='TSIG Secret Stored', compute='_compute_key_secret_summary')
    test_zone = fields.Char(
        string='Zone to Test',
        help='A zone this server holds, e.g. example.com, for Test connection. Empty: the zone of one '
             'of the domains published here.')
    connection_tested_at = fields.Datetime(string='Connection Tested', readonly=True, copy=False)
    connection_test_result = fields.Char(readonly=True, copy=False)
    connection_test_ok = fields.Boolean(readonly=True, copy=False)
    hosted_domain_ids = fields.One2many('comodo.hosted.domain', 'dns_server_id', string='Domains Published Here')

    def _compute_key_secret(self):
        for server in self:
            server.key_secret = False

    def _inverse_key_secret(self):
        for server in self.filtered('key_secret'):
            server._store_key_secret(server.key_secret)
        # Not even the cache keeps the secret written: a read in the same transaction answers nothing.
        self.invalidate_cache(['key_secret'], self.ids)

    def _compute_key_secret_summary(self):
        keys = self.env['comodo.dns.server.key'].sudo()
        for server in self:
            server.key_secret_summary = _('set') if server.id and keys._is_set(server) else _('not set')

    @api.constrains('port')
    def _check_port(self):
        for server in self:
            if not 0 < server.port < 65536:
                raise ValidationError(_('%s: the port must be between 1 and 65535.') % server.name)

    @api.constrains('company_default', 'company_id', 'active')
    def _check_one_default(self):
        for server in self.filtered(lambda server: server.company_default and server.active):
            others = self.sudo().search_count([('company_id', '=', server.company_id.id),
                                               ('company_default', '=', True), ('id', '!=', server.id)])
            if others:
                raise ValidationError(_('%s already has a default DNS server for new domains: untick it '
                                        'there first.') % server.company_id.name)

    def _store_key_secret(self, secret):
        self.ensure_one()
        secret = secret.strip()
        try:
            decoded = base64.b64decode(secret.encode('ascii'), validate=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            decoded = b''
        if not decoded:
            # The value itself is never repeated: an error message reaches logs and screens.
            raise ValidationError(_('The TSIG secret of %s is refused: paste the key\'s secret as the '
                                    'server\'s configuration gives it (base64, e.g. from tsig-keygen).')
                                  % self.name)
        self.env['comodo.dns.server.key'].sudo()._store(self, secret)

    def _dns_server(self, timeout=None):
        """The plain-Python view of this server for the publishers, with the decrypted secret."""
        self.ensure_one()
        secret = self.env['comodo.dns.server.key'].sudo()._secret_of(self)
        if not secret:
            raise UserError(_('The DNS server %s has no TSIG secret: enter it on its form.') % self.name)
        extra = {'timeout': timeout} if timeout else {}
        return DnsServer(self.host, self.port, self.key_name, secret, self.key_algorithm, **extra)

    def _lookup_server(self):
        """This server for queries only (finding a zone): no secret is decrypted for them."""
        self.ensure_one()
        return DnsServer(self.host, self.port, timeout=TEST_TIMEOUT)

    # -- Test connection (deployment administrators: the access list stops everyone else) --------

    @api.multi
    def action_test_connection(self):
        """Asks the server for the zone's SOA with authority, then sends a signed update that changes
        nothing: the key is proven without touching a record. The one-sentence result is a
        notification; the detail goes to the chatter."""
        self.ensure_one()
        self._check_deploy_admin()
        zone = self._zone_to_test()
        try:
            lines = check_server(self._dns_server(timeout=TEST_TIMEOUT), zone)
        except DnsPublishError as error:
            self._record_test(False, self._test_failure_sentence(error, zone), [error.message])
            return True
        self._record_test(True, _('%s: the connection works and the TSIG key is accepted for zone %s.')
                          % (self.name, zone), lines)
        return True

    def _zone_to_test(self):
        zone = self.test_zone or self.hosted_domain_ids.filtered('dns_zone')[:1].dns_zone
        if not zone:
            raise UserError(_('Enter a zone this server holds in "Zone to Test" first (e.g. example.com).'))
        return zone.strip().rstrip('.').lower()

    def _test_failure_sentence(self, error, zone):
        """One plain sentence a person acts on: what to check, never the secret."""
        if isinstance(error, DnsServerUnreachable):
            return _('%s did not answer at %s, port %d: check the address and port, and that the server '
                     'lets Odoo connect.') % (self.name, self.host, self.port)
        if isinstance(error, NotAuthorised):
            return _('%s did not accept the TSIG key %s: its name, algorithm or secret differs from the '
                     'server\'s configuration.') % (self.name, self.key_name)
        if isinstance(error, UpdateRefused):
            return _('%s knows the TSIG key %s but does not let it change zone %s: allow the key to update '
                     'that zone in the server\'s configuration.') % (self.name, self.key_name, zone)
        if isinstance(error, ZoneNotFound):
            return _('%s does not hold zone %s: check "Zone to Test" and the address.') % (self.name, zone)
        if isinstance(error, DnsServerSettingsInvalid):
            return _('%s: the TSIG settings cannot work (algorithm or secret): enter them again.') % self.name
        return _('%s answered the test with an error: see the details below.') % self.name

    def _record_test(self, ok, sentence, lines):
        self.write({'connection_tested_at': fields.Datetime.now(), 'connection_test_result': sentence,
                    'connection_test_ok': ok})
        self.message_post(body='<p>%s</p><ul>%s</ul>' % (
            _('Test connection: %s') % (_('works') if ok else _('failed')),
            ''.join('<li>%s</li>' % html_escape(line) for line in lines)))
        _logger.info('DNS server %s (#%d): connection test %s', self.name, self.id, 'passed' if ok else 'failed')
        if ok:
            self.env.user.notify_info(sentence, title=_('DNS server'))
        else:
            self.env.user.notify_warning(sentence, title=_('DNS server'), sticky=True)

    def _check_deploy_admin(self):
        # A button is a method call: RPC checks no access right before running it.
        self.check_access_rights('write')
        self.check_access_rule('write')

    # -- which server a domain is published on -----------------------------------------------------

    @api.model
    def _for_name(self, name, company):
        """The server a new hosted domain `name` of `company` is published on: the one already holding
        its zone (by the zones of the domains published there and its zone to test), else the
        company's default; an empty recordset when neither is known."""
        servers = self.sudo().search([('company_id', '=', company.id)])
        if not name:
            return servers.filtered('company_default')[:1]
        zones = {}
        for server in servers:
            for zone in server.hosted_domain_ids.mapped('dns_zone') + [server.test_zone]:
                if zone:
                    zones.setdefault(zone.strip().rstrip('.').lower(), server)
        holding = [zone for zone in zones if name == zone or name.endswith('.' + zone)]
        if holding:
            return zones[max(holding, key=len)].sudo(self.env.uid)
        return servers.filtered('company_default')[:1].sudo(self.env.uid)

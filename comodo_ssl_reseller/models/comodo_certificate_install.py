import logging
from datetime import datetime, timedelta

from odoo import _, api, fields, models
from odoo.addons.queue_job.job import job

from ..deploy import (POSTPONED, ROLLED_BACK, SKIPPED, VERIFIED, install_certificate, restore_previous,
                      self_signed_roots)
from ..deploy.verify import leaf_sha256
from ..groups import SSL_MANAGERS
from ..lifecycle import INSTALL_CHANNEL, backoff

_logger = logging.getLogger(__name__)

STATES = [
    ('queued', 'Queued'),
    ('staged', 'Staged'),
    ('validated', 'Validated'),
    ('active', 'Active'),
    ('verified', 'Verified'),
    ('postponed', 'Postponed'),
    ('failed', 'Failed'),
    ('rolled_back', 'Rolled Back'),
    ('superseded', 'Superseded'),
    ('skipped', 'Not Needed'),
    # Verified once, no longer served: a later install (or restore) for the domain took its place.
    ('replaced', 'Replaced'),
]
# The installer's step names as the timeline's states.
REACHED_STATES = {'preflight': 'queued', 'staged': 'staged', 'validated': 'validated',
                  'activated': 'active', 'verified': 'verified'}
WAITING_STATES = ('queued', 'postponed')
# First key of the advisory lock held while a domain's files in one folder of one server change ('inst').
FILES_LOCK = 0x696e7374
# An unreachable server is tried again later, doubling the wait up to a ceiling.
RETRY_LONGEST_DELAY = timedelta(hours=4)


class ComodoCertificateInstall(models.Model):
    """One attempt to put a certificate on a deployment target, with its timeline and every
    step's output. The key to install is kept encrypted until the attempt ends, then dropped."""

    _name = 'comodo.certificate.install'
    _description = 'Certificate Installation'
    _order = 'id desc'

    order_id = fields.Many2one('comodo.certificate.order', required=True, readonly=True, index=True,
                               ondelete='cascade')
    company_id = fields.Many2one(related='order_id.company_id', store=True, readonly=True)
    target_id = fields.Many2one('comodo.deploy.target', required=True, readonly=True, ondelete='restrict')
    domain = fields.Char(required=True, readonly=True)
    certificate_folder = fields.Char(
        readonly=True, help='The folder on the web server the files went to: the customer\'s own. '
                            'Empty on older records: the web server\'s folder.')
    purpose = fields.Selection([('temporary', 'Temporary certificate'), ('install', 'Install'),
                                ('restore', 'Restore the previous certificate')],
                               required=True, readonly=True, default='install')
    state = fields.Selection(STATES, required=True, readonly=True, default='queued', index=True)
    failed_step = fields.Char(readonly=True)
    error = fields.Text(readonly=True)
    log = fields.Text(string='Steps', readonly=True, help='Every step with what the server answered.')
    certificate_pem = fields.Text(string='Certificate', readonly=True)
    chain_pem = fields.Text(string='CA Chain', readonly=True)
    encrypted_private_key = fields.Text(readonly=True, copy=False, groups=SSL_MANAGERS)
    expected_sha256 = fields.Char(string='Installed Leaf SHA-256', readonly=True)
    served_sha256 = fields.Char(string='Served Leaf SHA-256', readonly=True)
    replaced_sha256 = fields.Char(
        string='Takes Away Leaf SHA-256', readonly=True,
        help='For a restore after a temporary certificate: the temporary leaf. Nothing is put back '
             'unless it is still the installed one.')
    attempts = fields.Integer(readonly=True)
    next_try_at = fields.Datetime(readonly=True)
    finished_at = fields.Datetime(readonly=True)

    @api.multi
    def name_get(self):
        # Breadcrumbs and links say what was installed where, not "comodo.certificate.install,2".
        # The server's name only: SSL users may read no more of it.
        purposes = dict(self._fields['purpose']._description_selection(self.env))
        return [(install.id, _('%s on %s (%s)') % (install.domain, install.target_id.sudo().name,
                                                   purposes[install.purpose]))
                for install in self]

    @api.model
    def _start(self, order, target, certificate_pem=None, chain_pem=None, private_key_pem=None,
               purpose='install', domain=None, certificate_folder=None, replaced_sha256=None):
        """Records the install and queues its job. The files go to the customer's own folder on
        `target` unless `certificate_folder` says where an earlier install put them."""
        install = self.sudo().create({
            'order_id': order.id, 'target_id': target.id, 'domain': domain or order.domain,
            'purpose': purpose,
            'certificate_folder': certificate_folder or order._install_folder(target),
            'certificate_pem': certificate_pem, 'chain_pem': chain_pem,
            'expected_sha256': certificate_pem and leaf_sha256(certificate_pem),
            'replaced_sha256': replaced_sha256,
        })
        # Encrypted once the record exists: the token is bound to it.
        install.encrypted_private_key = self.env['comodo.encryption']._encrypt(
            install, 'encrypted_private_key', private_key_pem)
        install._enqueue()
        return install

    def _enqueue(self, eta=None):
        for install in self.sudo().with_context(tracking_disable=True):
            install.with_delay(channel=INSTALL_CHANNEL, eta=eta,
                               identity_key='comodo-install-%d-%d' % (install.id, install.attempts))._job_install()

    @job(default_channel=INSTALL_CHANNEL)
    def _job_install(self):
        install = self._lock_waiting()
        if not install:
            return _('Nothing to do: done, or being done by another worker.')
        # One change at a time on a domain's files: installs of one order wait for each other.
        self.env.cr.execute('SELECT id FROM comodo_certificate_order WHERE id = %s FOR UPDATE',
                            (install.order_id.id,))
        if install._is_superseded():
            # E.g. a temporary certificate whose job ran late, after the issued one was installed.
            install._supersede()
            return _('%s: superseded by a later installation') % install.domain
        target = install._deploy_target()
        # One change at a time on a domain's files, also between orders (e.g. two of one customer).
        files = '%s %s %s' % (install.target_id.id, target.certificate_folder, install.domain)
        self.env.cr.execute('SELECT pg_advisory_xact_lock(%s, hashtext(%s))', (FILES_LOCK, files))
        owner = install._owner_token()
        if install.purpose == 'restore':
            report = restore_previous(target, install.domain, owner=owner,
                                      replaced_sha256=install.replaced_sha256)
        else:
            report = install_certificate(
                target, install.domain, install.certificate_pem, install.chain_pem,
                self.env['comodo.encryption']._decrypt(install, 'encrypted_private_key',
                                                       install.encrypted_private_key),
                owner=owner, temporary=install.purpose == 'temporary',
                trusted_roots_pem=install._trusted_roots() if install.purpose == 'temporary' else ())
        install._record(report)
        return _('%s: %s') % (install.domain, install.state)

    def _deploy_target(self):
        target = self.target_id._deploy_target()
        return target.in_folder(self.certificate_folder) if self.certificate_folder else target

    def _owner_token(self):
        """How the files on the server name the order that kept a pair: unique across databases."""
        return '%s:comodo.certificate.order:%d' % (
            self.env['ir.config_parameter'].sudo().get_param('database.uuid'), self.order_id.id)

    def _trusted_roots(self):
        """Roots trusted besides the system's when judging what a site serves: in test mode, the
        roots of the chains the company's CA issued (e.g. the sandbox's), which no system trusts."""
        company = self.order_id.company_id
        if not company.comodo_test_mode:
            return []
        self.env.cr.execute('SELECT DISTINCT c.chain_pem FROM comodo_certificate_order o '
                            'JOIN comodo_certificate c ON c.id = o.certificate_id '
                            'WHERE o.company_id = %s AND c.chain_pem IS NOT NULL', (company.id,))
        return self_signed_roots([row[0] for row in self.env.cr.fetchall()])

    def _lock_waiting(self):
        self.env.cr.execute('SELECT id FROM comodo_certificate_install WHERE id IN %s AND state IN %s '
                            'FOR UPDATE SKIP LOCKED', (tuple(self.ids), WAITING_STATES))
        locked = self.browse([row[0] for row in self.env.cr.fetchall()])
        locked.invalidate_cache()
        return locked

    def _is_superseded(self):
        return bool(self.search_count([('order_id', '=', self.order_id.id), ('id', '>', self.id)]))

    def _supersede(self):
        self.write({'state': 'superseded', 'next_try_at': False, 'finished_at': fields.Datetime.now(),
                    'encrypted_private_key': False})

    def _record(self, report):
        values = {
            'attempts': self.attempts + 1,
            'failed_step': report.failed_step or False,
            'error': report.error or False,
            'served_sha256': report.served_sha256 or False,
            'log': self._format_steps(report.steps),
        }
        if report.state == POSTPONED:
            delay = backoff(self.attempts + 1, RETRY_LONGEST_DELAY)
            values.update(state='postponed', next_try_at=fields.Datetime.to_string(datetime.utcnow() + delay))
            self.write(values)
            # A new job, not queue_job's RetryableJobError: a job that raises has its transaction
            # undone (newer queue_job rolls it back), and with it what this try recorded for staff
            # (its log, the attempt, next_try_at, the chatter line). The retry is always a queued
            # job with its eta, also where the first try ran inline (tests run jobs at once: this
            # one must wait).
            self.with_context(test_queue_job_no_delay=False)._enqueue(eta=int(delay.total_seconds()))
            self.order_id.message_post(body=_('Installing on %s postponed: %s. Next try at %s.') % (
                self.target_id.name, report.error, values['next_try_at']))
            return
        if report.state in (VERIFIED, ROLLED_BACK) and self.purpose == 'restore':
            state = 'rolled_back'
        elif report.state == SKIPPED:
            state = 'skipped'
        elif report.state == VERIFIED:
            state = 'verified'
        else:
            state = report.state
        values.update(state=state, next_try_at=False, finished_at=fields.Datetime.now(),
                      encrypted_private_key=False)
        self.write(values)
        self.order_id.message_post(body=self._outcome_message())
        if state == 'verified' or (self.purpose == 'restore' and state == 'rolled_back'):
            self._mark_earlier_replaced()

    def _mark_earlier_replaced(self):
        """The server serves one certificate for the domain: the one this install verified (or the
        pair this restore put back). Earlier installs for the domain on that server that read
        Verified (this order's temporary certificate, another order's) are served no more; another
        order's chatter says which order took its place."""
        replaced = self.search([('target_id', '=', self.target_id.id), ('domain', '=', self.domain),
                                ('state', '=', 'verified'), ('id', '<', self.id)])
        replaced.write({'state': 'replaced'})
        for order in replaced.mapped('order_id') - self.order_id:
            order.message_post(body=_('%s no longer serves this order\'s certificate for %s: order %s '
                                      'installed another one there.') % (
                self.target_id.name, self.domain, self.order_id.name))

    def _outcome_message(self):
        if self.state == 'skipped':
            return _('Nothing changed on %s: %s.') % (self.target_id.name, self.error)
        if self.purpose == 'restore':
            if self.state == 'rolled_back':
                return _('The certificate that %s served before was restored.') % self.target_id.name
            return _('Restoring the previous certificate on %s failed at %s: %s') % (
                self.target_id.name, self.failed_step, self.error)
        if self.state == 'verified' and self.purpose == 'temporary':
            return _('Temporary certificate installed on %s and verified (SHA-256 %s): it is served '
                     'until Comodo issues.') % (self.target_id.name, self.served_sha256)
        if self.state == 'verified':
            return _('Installed on %s and verified: the server serves the certificate (SHA-256 %s).') % (
                self.target_id.name, self.served_sha256)
        if self.state == 'rolled_back':
            return _('Installing on %s failed at %s: %s. The previous certificate was put back and is '
                     'served.') % (self.target_id.name, self.failed_step, self.error)
        return _('Installing on %s failed at %s: %s') % (self.target_id.name, self.failed_step, self.error)

    @staticmethod
    def _format_steps(steps):
        return '\n\n'.join('[%s] %s\n%s' % ('ok' if entry['ok'] else 'FAILED', entry['step'], entry['output'])
                           for entry in steps)

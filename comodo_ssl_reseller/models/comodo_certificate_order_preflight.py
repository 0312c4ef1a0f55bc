import logging
from datetime import datetime, timedelta

from odoo import _, api, fields, models
from odoo.addons.queue_job.job import job

from .. import customer_words, lifecycle, validation_reuse
from ..comodo_client import dcv_instructions
from ..dcv_preflight import CNAME, preflight
from ..lifecycle import CA_CHANNEL
from .comodo_certificate_order_dcv import TRUST_ANCHORS_PARAMETER

_logger = logging.getLogger(__name__)


def staff_sentence(name, check):
    """The pre-flight's own sentence for certificate name `name`, with its cause's code, for staff."""
    sentence = check.sentence if name in check.sentence else '%s: %s' % (name, check.sentence)
    return '%s [%s]' % (sentence, check.code)


def customer_subject(name, check):
    """Whom the customer's sentence is about: the DNS record for a CNAME, else the certificate name
    (never a DNS server's address)."""
    return check.name if check.check == CNAME else name


class ComodoCertificateOrder(models.Model):
    """The pre-flight before the CA: an order (or a reissue) goes to the CA only once what the CA
    checks without the proof passes (the names resolve, CAA allows Sectigo, signed zones validate).
    A failing one waits, state unchanged, and is checked again on the lifecycle's backoff; it goes to
    the CA by itself once the cause is fixed. Check validation runs the same checks by hand."""

    _inherit = 'comodo.certificate.order'

    preflight_failure = fields.Text(
        string='Pre-flight Failure', readonly=True, copy=False,
        help='Why the order was not sent to Comodo yet: what the CA would refuse, one cause a line, with '
             'its code. Checked again automatically; empty once the checks pass.')
    preflight_causes = fields.Text(
        readonly=True, copy=False,
        help='The same causes as "code name" lines: the customer reads them in words of their own.')
    preflight_failures = fields.Integer(
        readonly=True, copy=False, help='Pre-flight runs failed in a row (the next check waits longer).')

    # -- before the CA: placing and reissuing wait for the pre-flight ------------------------------

    @job(default_channel=CA_CHANNEL)
    def _job_place(self):
        return self._hold_for_preflight('place') or super(ComodoCertificateOrder, self)._job_place()

    @job(default_channel=CA_CHANNEL)
    def _job_reissue(self):
        return self._hold_for_preflight('reissue') or super(ComodoCertificateOrder, self)._job_reissue()

    def _hold_for_preflight(self, kind):
        """Run the pre-flight on the order (locked, in the states `kind` of CA work acts on): None when
        it may go to the CA, else what the job says about waiting."""
        order = self._lock_for_ca(lifecycle.CA_WORK_STATES[kind])
        if not order:
            return None
        failures = order._preflight_before_ca()
        if failures:
            order._wait_for_preflight(failures)
            return _('Not sent to Comodo: %s') % order.preflight_failure
        if order.preflight_failure:
            order._preflight_now_passes()
        return None

    def _preflight_before_ca(self):
        """(name, failed check) of the checks the CA makes whatever the proof (dcv_preflight
        CheckResults), for each of the order's names the pre-flight is configured for."""
        self.ensure_one()
        # EMAIL: nothing to publish, so only the DNS checks run (resolves, CAA, DNSSEC).
        without_proof = dcv_instructions(None, 'EMAIL', self.domain)
        failures = []
        for name in self._domains():
            config = self._preflight_config_for(name)
            if config:
                result = preflight(name, without_proof, config=config)
                failures.extend((name, check) for check in result.failures)
        return failures

    def _preflight_config_for(self, name):
        """The PreflightConfig to check `name` with, or None when the company's scope leaves it out.
        A name in a zone of one of our DNS servers is asked there: it answers at once, without a
        resolver's cache. That server answers only for its own zones, so the chain from the root's
        keys cannot be walked through it: only the trust anchors the system parameter names are
        checked there (none: the DNSSEC chain is not checked, and the sentence says so)."""
        self.ensure_one()
        scope = self.company_id.sudo().comodo_preflight_scope
        hosted = self.sudo().hosted_domain_id
        zone = (hosted.dns_zone or '').strip().rstrip('.').lower()
        on_our_server = hosted.dns_server_id and zone and (name == zone or name.endswith('.' + zone))
        if scope == 'off' or (scope == 'hosted' and not on_our_server):
            return None
        config = self._preflight_config()
        if on_our_server:
            config.dns_server, config.dns_port = hosted.dns_server_id.host, hosted.dns_server_id.port
            if not self.env['ir.config_parameter'].sudo().get_param(TRUST_ANCHORS_PARAMETER):
                config.trust_anchors = {}
        return config

    def _wait_for_preflight(self, failures):
        """The order stays as it is and is checked again after the lifecycle's backoff."""
        self._record_preflight_failure(failures)
        count = self.preflight_failures + 1
        regular = timedelta(hours=self.company_id.comodo_poll_interval_hours)
        next_check = datetime.utcnow() + lifecycle.backoff(count, regular)
        self.write({'preflight_failures': count, 'next_check_at': fields.Datetime.to_string(next_check)})
        _logger.info('Certificate order %s: pre-flight failed (%s); next try at %s', self.name,
                     ', '.join(check.code for _name, check in failures), next_check)
        # A real job even in tests that run jobs at once: it runs at its time, not in this one.
        self._delay_ca_work(self.with_context(tracking_disable=True, test_queue_job_no_delay=False).with_delay(
            channel=CA_CHANNEL, eta=next_check, identity_key=self._ca_work_identity_key()))

    def _record_preflight_failure(self, failures):
        """Keep the causes (staff's sentences, the customer's codes); the chatter says them when they
        change, not on every retry."""
        staff = '\n'.join(staff_sentence(name, check) for name, check in failures)
        if staff != self.preflight_failure:
            self.message_post(body=_('Not sent to Comodo: the CA would refuse it as things are. %s '
                                     'Checked again automatically.') % staff)
        self.write({
            'preflight_failure': staff,
            'preflight_causes': '\n'.join('%s %s' % (check.code, customer_subject(name, check))
                                         for name, check in failures),
            'last_error': _('Not sent to Comodo yet, the pre-flight found: %s') % staff,
        })

    def _preflight_now_passes(self):
        self.write({'preflight_failure': False, 'preflight_causes': False, 'preflight_failures': 0,
                    'last_error': False})
        self.message_post(body=_('The pre-flight passes now: sending the order to Comodo.'))

    def _check_answer(self, state_before, certificate_before):
        if self.preflight_failure and self.state in lifecycle.TO_PLACE + ('reissue',):
            return _('Not sent to Comodo: %s Next try at %s.') % (
                self.preflight_failure, self._staff_time(self.next_check_at)), False
        return super(ComodoCertificateOrder, self)._check_answer(state_before, certificate_before)

    def _preflight_customer_sentences(self):
        """The causes the order waits for, as the customer reads them (translated)."""
        self.ensure_one()
        return [self._customer_sentence(*line.split(' ', 1))
                for line in (self.preflight_causes or '').splitlines() if line]

    def _customer_sentence(self, code, name):
        """What a failed pre-flight check says to the customer, in their words."""
        return _(customer_words.PREFLIGHT_FAILURES.get(code, customer_words.PREFLIGHT_OTHER)) % {'name': name}

    # -- Check validation: the same checks by hand, for staff and the customer ---------------------

    def action_check_validation(self):
        """Run the pre-flight now and say, per name, what the CA would find (one sentence each)."""
        for order in self._as_ssl_manager():
            results = order._check_validation_now(self.env.user.partner_id)
            title = _('Check validation of %s (%s)') % (order.name, order.domain)
            sentences = '\n'.join(staff for _name, _ok, staff, _customer in results)
            if all(ok for _name, ok, _staff, _customer in results):
                self.env.user.notify_info(sentences, title=title)
            else:
                self.env.user.notify_warning(sentences, title=title, sticky=True)
        return True

    def _check_validation_now(self, author):
        """[(name, ok, staff sentence, customer sentence)] for each of the order's names, from the
        pre-flight run now (with the proof once the CA has the order, else what the CA checks before
        it takes one); the results go to the chatter (failures with their codes) on behalf of
        `author`. An order waiting for the pre-flight goes to the CA at once when it passes."""
        self.ensure_one()
        if self.state in lifecycle.WAITING_FOR_CA:
            self._preflight_names()
            results = [(line.name, line.check_ok, line.staff_sentence, line.customer_sentence)
                       for line in self.dcv_ids]
        else:
            failures = self._preflight_before_ca()
            results = self._results_by_name(failures)
            if self.state in lifecycle.TO_PLACE + ('reissue',):
                self._after_check_by_hand(failures)
        self.message_post(author_id=author.id, body=_('Check validation by %s: %s') % (
            author.name, ' '.join(staff for _name, _ok, staff, _customer in results)))
        return results

    def _results_by_name(self, failures):
        """[(name, ok, staff sentence, customer sentence)]: each failure, or one passing line a name."""
        failed = {}
        for name, check in failures:
            failed.setdefault(name, []).append(check)
        results = []
        for name in self._domains():
            if name in failed:
                results.extend((name, False, staff_sentence(name, check),
                                self._customer_sentence(check.code, customer_subject(name, check)))
                               for check in failed[name])
            else:
                passed = _(customer_words.PREFLIGHT_PASSED) % {'name': name}
                results.append((name, True, passed, passed))
        return results

    def _after_check_by_hand(self, failures):
        if failures:
            self._record_preflight_failure(failures)
        elif self.preflight_failure:
            self._preflight_now_passes()
            self._enqueue_ca_work()

    def _preflight_waiting_words(self):
        """The portal's heading over the causes an order waits for."""
        return _(customer_words.PREFLIGHT_WAITING)

    # -- when each name was last validated ----------------------------------------------------------

    def _on_issued(self, result, checked=None):
        """The CA validated every name by the time it issued: a name with no validation date from the
        CA's own status gets the issue time, so that the pages can say until when it may be reused."""
        super(ComodoCertificateOrder, self)._on_issued(result, checked)
        self.sudo().dcv_ids.filtered(lambda line: not line.validated_at).write({'validated_at': self.issued_at})

    # -- the validation mail: why each name is left to the customer ------------------------------

    def _compute_dcv_instructions_html(self):
        for order in self:
            instructions = order._dcv_instructions()
            order.dcv_instructions_html = instructions and self.env['ir.qweb'].render(
                'comodo_ssl_reseller.mail_dcv_instructions',
                {'instructions': instructions, 'causes': order._customer_validation_causes()}).decode()

    def _customer_validation_causes(self):
        """{name: why the customer is asked to validate it}, in the customer's words."""
        causes = {}
        for line in self.dcv_ids:
            if line.checked_at and not line.check_ok:
                causes[line.name] = line.customer_sentence
            elif line.publish_failed:
                causes[line.name] = _(customer_words.VALIDATE_PUBLISH_FAILED) % {'name': line.name}
            elif not line.by_odoo:
                causes[line.name] = _(customer_words.VALIDATE_NOT_HOSTED) % {'name': line.name}
        return causes


class ComodoCertificateOrderDcv(models.Model):
    _inherit = 'comodo.certificate.order.dcv'

    reusable_until = fields.Datetime(
        string='CA May Reuse Until', compute='_compute_reusable_until',
        help='Until when the CA may reuse the last validation of this name instead of validating it '
             'again (CA/Browser Forum ballot SC-081v3, as Sectigo applies it).')

    @api.depends('validated_at')
    def _compute_reusable_until(self):
        for line in self.filtered('validated_at'):
            line.reusable_until = fields.Datetime.to_string(
                validation_reuse.reusable_until(fields.Datetime.from_string(line.validated_at)))

    def _record_preflight(self, result):
        """The customer reads the first failure in their own words (customer_words), never the
        pre-flight's technical sentence."""
        super(ComodoCertificateOrderDcv, self)._record_preflight(result)
        if result.failures:
            check = result.failures[0]
            self.customer_sentence = self.order_id._customer_sentence(
                check.code, customer_subject(self.name, check))

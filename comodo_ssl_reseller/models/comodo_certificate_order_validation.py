import json
import logging
from datetime import datetime, timedelta

from odoo import _, fields, models
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import job
from odoo.exceptions import UserError

from ..comodo_client import ComodoError
from ..deploy import DeployError, TargetUnreachable
from ..dcv_publish import (CnameProof, CnamePublisher, CnameReceipt, FileProof, FilePublisher,
                           FileReceipt, PublishError)
from .. import lifecycle
from ..lifecycle import CA_CHANNEL
from .comodo_hosted_domain_dns import FILE_METHODS

_logger = logging.getLogger(__name__)

# Once the proofs are published and the CA asked to check again, Odoo asks for the outcome this long
# after (the 4-hour poll follows; a status push, where the CA sends one, comes first).
CHECKS_AFTER_PUBLISHING = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15),
                           timedelta(hours=1))
# A publication or removal that failed for a passing cause is tried again with the lifecycle's
# backoff, never later than this.
LONGEST_RETRY = timedelta(hours=4)
# Another worker holds the order (a check, a placement): the job comes back after this.
BUSY_RETRY_SECONDS = 30

FILE, CNAME = 'file', 'cname'
RECEIPTS = {FILE: FileReceipt, CNAME: CnameReceipt}


class ComodoCertificateOrderDcv(models.Model):
    """Publishing one name's proof and removing exactly what was published."""

    _inherit = 'comodo.certificate.order.dcv'

    def _publish(self):
        """Publishes the proof where the hosted domain says and keeps the receipt. Raises
        PublishError, DeployError or UserError (a server without its key)."""
        self.ensure_one()
        hosted = self.hosted_domain_id
        if self.method in FILE_METHODS:
            target = hosted.deploy_target_id
            proof = FileProof.from_instructions(self._instructions(), hosted.document_root)
            with target._deploy_target().session() as session:
                receipt = FilePublisher(session).publish(proof)
            where, kind = {'deploy_target_id': target.id}, FILE
        else:
            server = hosted.dns_server_id
            receipt = CnamePublisher(server._dns_server()).publish(CnameProof.from_instructions(self._instructions()))
            where, kind = {'dns_server_id': server.id}, CNAME
        self.write(dict(where, receipt=json.dumps(dict(receipt.to_dict(), kind=kind)),
                        published_at=fields.Datetime.now(), publish_error=False, publish_failed=False))

    def _remove(self):
        """Removes exactly what the receipt says was published, on the server it was published on."""
        self.ensure_one()
        values = json.loads(self.receipt)
        kind = values.pop('kind')
        receipt = RECEIPTS[kind].from_dict(values)
        if kind == FILE:
            with self.deploy_target_id._deploy_target().session() as session:
                FilePublisher(session).cleanup(receipt)
        else:
            CnamePublisher(self.dns_server_id._dns_server()).cleanup(receipt)
        self.write({'receipt': False, 'publish_error': False})


def failure_of(error):
    """(one sentence, whether trying again unchanged may succeed) for a publication's failure."""
    if isinstance(error, PublishError):
        return error.message, error.transient
    if isinstance(error, DeployError):
        return error.message, isinstance(error, TargetUnreachable)
    return error.name if isinstance(error, UserError) else str(error), False


EXPECTED_FAILURES = (PublishError, DeployError, UserError, ValueError)


class ComodoCertificateOrder(models.Model):
    """Odoo validates the names of its customers' hosting itself: when the order starts waiting
    for the CA with a new key, it publishes each name's proof (a file under the document root over
    SSH, or a CNAME by signed dynamic update), runs the pre-flight, and asks the CA to check again;
    once the CA has decided, it removes exactly what it published."""

    _inherit = 'comodo.certificate.order'

    dcv_publish_failures = fields.Integer(
        readonly=True, copy=False, help='Publications (or pre-flights after them) that failed in a row.')
    dcv_removal_failures = fields.Integer(
        readonly=True, copy=False, help='Removals of published proofs that failed in a row.')

    # -- the hooks: the order starts waiting, the order is decided -------------------------------

    def _start_waiting_for_ca(self, transition=None, next_check_at=None, new_csr=False, placed=None):
        result = super(ComodoCertificateOrder, self)._start_waiting_for_ca(transition, next_check_at, new_csr,
                                                                           placed)
        for order in self:
            # A new wait tries again what failed before (staff may have fixed it and pressed Reset).
            if order.dcv_publish_failures:
                order.dcv_publish_failures = 0
            order.sudo().dcv_ids.filtered('publish_failed').write({'publish_failed': False})
            order._after_ca_outcome(_('publishing the validation proofs'), order._enqueue_publish)
        return result

    def _set_state(self, transition, values=None):
        result = super(ComodoCertificateOrder, self)._set_state(transition, values)
        if lifecycle.TRANSITIONS[transition][1] not in lifecycle.WAITING_FOR_CA:
            for order in self._holding_receipts():
                order._after_ca_outcome(_('removing the validation proofs'), order._enqueue_removal)
        return result

    def _holding_receipts(self):
        """Those of these orders with a line holding a receipt, asked for all of them at once (the
        daily cron ends thousands of terms): the others have nothing published to remove."""
        lines = self.env['comodo.certificate.order.dcv'].sudo().search([
            ('order_id', 'in', self.ids), ('receipt', '!=', False)])
        holding = set(lines.mapped('order_id').ids)
        return self.filtered(lambda order: order.id in holding)

    def _ask_customer_to_validate(self):
        # Only the names Odoo does not validate itself are the customer's to validate.
        if self.state == 'pending' and self.csr_pem and not self._names_for_the_customer():
            return
        return super(ComodoCertificateOrder, self)._ask_customer_to_validate()

    def _dcv_instructions(self):
        instructions = super(ComodoCertificateOrder, self)._dcv_instructions()
        if not instructions:
            return instructions
        names = self._names_for_the_customer().mapped('name')
        return [(domain, what) for domain, what in instructions if domain in names]

    def _names_for_the_customer(self):
        return self._validation_plan().filtered(lambda line: not line.by_odoo or line.publish_failed)

    # -- publishing ------------------------------------------------------------------------------

    def _enqueue_publish(self, eta=None):
        if not self.csr_pem or self._domains_validated_by_account() or not self._validation_plan().filtered('by_odoo'):
            return
        # A retry waits for its eta, also where tests run jobs at once.
        order = self.sudo().with_context(tracking_disable=True,
                                         **({'test_queue_job_no_delay': False} if eta else {}))
        order.with_delay(channel=CA_CHANNEL, eta=eta, identity_key='comodo-dcv-publish-%d-%s-%d' % (
            self.id, self.unique_value, self.dcv_publish_failures))._job_publish_proofs()

    @job(default_channel=CA_CHANNEL)
    def _job_publish_proofs(self):
        """Publish the proofs Odoo can publish, run the pre-flight on them, and ask the CA to check
        again once they pass. A failure that may pass is tried again later; the order waits."""
        order = self._locked_while_waiting()
        if not order:
            return _('Nothing to do: the CA is no longer waiting.')
        return order._publish_and_ask_again()

    def _locked_while_waiting(self):
        if self.state not in lifecycle.WAITING_FOR_CA:
            return self.browse()
        locked = self._lock_for_ca(lifecycle.WAITING_FOR_CA)
        if not locked:
            raise RetryableJobError(_('The order is being worked on'), seconds=BUSY_RETRY_SECONDS)
        return locked

    def _publish_and_ask_again(self):
        self.ensure_one()
        lines = self._validation_plan().filtered('by_odoo')
        may_pass = False
        for line in lines.filtered(lambda line: not line.receipt and not line.publish_failed):
            try:
                with self.env.cr.savepoint():
                    line._publish()
            except EXPECTED_FAILURES as error:
                sentence, transient = failure_of(error)
                self._publication_failed(line, sentence, transient)
                may_pass = may_pass or transient
        if any(lines.mapped('publish_failed')):
            self._after_ca_outcome(_('emailing the customer'), self._ask_customer_to_validate)
        if may_pass:
            return self._retry_publishing()
        published = lines.filtered('receipt')
        if not published:
            return _('Nothing published: a person must act.')
        if not self._preflight_names(published):
            self.message_post(body=_('Validation proofs published, but the pre-flight fails: %s. Odoo '
                                     'checks again later.') % '; '.join(published.filtered(
                                         lambda line: not line.check_ok).mapped('staff_sentence')))
            return self._retry_publishing()
        return self._ask_ca_to_check_again(published)

    def _publication_failed(self, line, sentence, passing):
        line.write({'publish_error': sentence, 'publish_failed': not passing})
        message = _('Publishing the validation proof of %s failed: %s') % (line.name, sentence)
        if passing:
            if not self.dcv_publish_failures:
                self.message_post(body=message + ' ' + _('Odoo tries again later.'))
        else:
            self._tell_ssl_managers(message + ' ' + _('The customer is asked to validate this name.'))

    def _retry_publishing(self):
        failures = self.dcv_publish_failures + 1
        delay = lifecycle.backoff(failures, LONGEST_RETRY)
        self.dcv_publish_failures = failures
        self._enqueue_publish(eta=datetime.utcnow() + delay)
        return _('Not ready; trying again in %s') % delay

    def _ask_ca_to_check_again(self, published):
        """AutoUpdateDCV with each published name's method, then checks on a stated schedule."""
        methods = [(line.name, line.method) for line in published]
        try:
            with self.company_id._comodo_client() as client:
                client.auto_update_dcv(self.ca_order_number, methods, multi_domain=self.type_id.multi_domain)
        except ComodoError as error:
            # The CA may have validated the names meanwhile (it checks by itself too): the checks
            # below tell; publishing runs again in case it did not.
            self.message_post(body=_('Validation proofs published for %s and checked, but Comodo could not '
                                     'be asked to check again: %s. Odoo asks again later.') % (
                                         ', '.join(published.mapped('name')), error))
            self._check_after_publishing()
            return self._retry_publishing()
        self.dcv_publish_failures = 0
        self.message_post(body=_('Validation proofs published for %s and checked; Comodo was asked to '
                                 'check again.') % ', '.join(published.mapped('name')))
        self._check_after_publishing()
        return _('Published and asked Comodo to check again')

    def _check_after_publishing(self):
        now = datetime.utcnow()
        # The checks wait for the CA to look, also where tests run jobs at once.
        later = self.sudo().with_context(tracking_disable=True, test_queue_job_no_delay=False)
        for delay in CHECKS_AFTER_PUBLISHING:
            later.with_delay(channel=CA_CHANNEL, eta=now + delay, identity_key='comodo-dcv-check-%d-%s-%d' % (
                self.id, self.unique_value, delay.total_seconds()))._job_check()

    # -- removing what was published -------------------------------------------------------------

    def _receipt_lines(self):
        """Lines holding a receipt: every one once decided; while the CA waits, only those of an
        earlier key or name (the current proofs are what the CA checks)."""
        domain = [('order_id', '=', self.id), ('receipt', '!=', False)]
        if self.state in lifecycle.WAITING_FOR_CA:
            domain.append(('current', '=', False))
        return self.env['comodo.certificate.order.dcv'].sudo().search(domain)

    def _enqueue_removal(self, eta=None):
        if not self._receipt_lines():
            return
        order = self.sudo().with_context(tracking_disable=True,
                                         **({'test_queue_job_no_delay': False} if eta else {}))
        order.with_delay(channel=CA_CHANNEL, eta=eta, identity_key='comodo-dcv-remove-%d-%s' % (
            self.id, eta or self.state))._job_remove_proofs()

    @job(default_channel=CA_CHANNEL)
    def _job_remove_proofs(self):
        """Remove exactly what was published for the order; a failure that may pass is tried again."""
        lines = self._receipt_lines()
        passing = []
        for line in lines:
            try:
                with self.env.cr.savepoint():
                    line._remove()
                    if not line.current:
                        line.unlink()
            except EXPECTED_FAILURES as error:
                sentence, may_pass = failure_of(error)
                line.publish_error = sentence
                message = _('Removing the validation proof of %s failed: %s') % (line.name, sentence)
                if may_pass:
                    passing.append(line)
                    self.message_post(body=message + ' ' + _('Odoo tries again later.'))
                else:
                    self._tell_ssl_managers(message + ' ' + _('Please remove it by hand.'))
        self.dcv_removal_failures = self.dcv_removal_failures + 1 if passing else 0
        if passing:
            self._enqueue_removal(eta=datetime.utcnow() + lifecycle.backoff(self.dcv_removal_failures,
                                                                            LONGEST_RETRY))
        removed = len(lines) - len(passing)
        return _('%d validation proofs removed, %d to try again') % (removed, len(passing))

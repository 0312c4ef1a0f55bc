"""Validating mode's schedule: a thread of its own checks each pending validating order when its check
is due (at once after the order, a reissue or an AutoUpdateDCV, then every --recheck-after seconds of
the sandbox's clock), outside the lifecycle's lock since a check waits on DNS and HTTP."""
import logging
import threading

from comodo_sandbox import validation
from comodo_sandbox.lifecycle import dcv_method_of, dcv_status

log = logging.getLogger('comodo_sandbox')
# How often (real seconds) the thread looks for due checks.
LOOK_EVERY_SECONDS = 0.5


class ValidationRunner(object):

    def __init__(self, lifecycle, validator, recheck_after):
        self.lifecycle = lifecycle
        self.validator = validator
        self.recheck_after = recheck_after
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name='dcv-checks', daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stopping = True
        self._wake.set()
        self._thread.join(30)

    def _run(self):
        while not self._stopping:
            self._wake.wait(LOOK_EVERY_SECONDS)
            self._wake.clear()
            try:
                for order in self.lifecycle.due_validations():
                    if self._stopping:
                        return
                    self.check(order)
            except Exception:  # the next round tries again; the thread must not die
                log.exception('validation round failed')

    def check(self, order):
        now = self.lifecycle.clock()
        results = {}
        for entry in order.dcv:
            if dcv_status(order, entry) != validation.VALIDATED:
                results[entry['domain']] = self.validator.check(
                    entry['domain'], entry['method'], order.csr_pem, order.unique_value, now)
        decided = self.lifecycle.record_checks(order, results, now + self.recheck_after)
        for name, outcome in sorted(results.items()):
            log.info('dcv order=%s name=%s method=%s %s%s', order.order_number, name,
                     dcv_method_of(order, name), 'passed' if outcome.passed else 'failed: ',
                     outcome.reason)
        return decided

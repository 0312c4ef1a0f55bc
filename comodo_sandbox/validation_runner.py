"""Validating mode's schedule: a thread of its own checks each pending validating order when its check
is due (at once after the order, a reissue or an AutoUpdateDCV, then every --recheck-after seconds of
the sandbox's clock), outside the lifecycle's lock since a check waits on DNS and HTTP."""
import logging
import threading

from comodo_sandbox import validation
from comodo_sandbox.lifecycle import dcv_status

log = logging.getLogger('comodo_sandbox')
# How often (real seconds) the thread looks for due checks.
LOOK_EVERY_SECONDS = 0.5


class ValidationRunner(object):

    def __init__(self, lifecycle, validator, recheck_after):
        self.lifecycle = lifecycle
        self.validator = validator
        self.recheck_after = recheck_after
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name='dcv-checks', daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(30)

    def _run(self):
        while not self._stop.wait(LOOK_EVERY_SECONDS):
            try:
                for order in self.lifecycle.due_validations():
                    if self._stop.is_set():
                        return
                    self._check(order)
            except Exception:  # the next round tries again; the thread must not die
                log.exception('validation round failed')

    def _check(self, order):
        now = self.lifecycle.clock()
        results = {}
        for entry in order.dcv:
            if dcv_status(order, entry) != validation.VALIDATED:
                outcome = self.validator.check(entry['domain'], entry['method'], order.csr_pem,
                                               order.unique_value, now)
                results[entry['domain']] = outcome
                log.info('dcv order=%s name=%s method=%s %s%s', order.order_number, entry['domain'],
                         entry['method'], 'passed' if outcome.passed else 'failed: ', outcome.reason)
        return self.lifecycle.record_checks(order, results, now + self.recheck_after)

"""Every change of an order's status, in one place and under one lock.

A pending order whose decision is due is decided when it is next read (there is no timer thread): the
due time is stored, so decisions survive restarts, and an automatic decision takes effect at the due
time itself (the certificate's notBefore), however late it is observed.
The state rules answer with the CA's own codes (-20 rejected, -21 revoked, ...).

In validating mode an order is decided by checking its names instead (validation_runner.py): its due
time is then the next check, and it is issued once every name has passed.
"""
import threading

from comodo_sandbox import products, scenarios, validation
from comodo_sandbox.clock import Clock
from comodo_sandbox.protocol import ApiError, invalid
from comodo_sandbox.store import ISSUED, PENDING, REJECTED, REVOKED, UNPAID

UNDECIDED = (PENDING, UNPAID)
# !AutoRefund gives the charge back within this many days of the order, and refuses after.
REFUND_WINDOW_DAYS = 30
DAY_SECONDS = 86400


class Lifecycle(object):

    def __init__(self, store, authority, issue_after, clock=None, on_decided=None, on_caa_failed=None):
        self.store = store
        self.authority = authority
        self.issue_after = issue_after
        self.clock = clock or Clock()
        # Called with each order once it is issued, rejected or revoked (the status push).
        self.on_decided = on_decided or (lambda order: None)
        # Called with a validating order when a name's CAA check newly forbids issuance.
        self.on_caa_failed = on_caa_failed or (lambda order: None)
        # Re-entrant: handlers hold it around "read, check, change" while the methods below take it too.
        self.lock = threading.RLock()

    def place(self, order):
        with self.lock:
            order.placed_at = self.clock()
            order.status = UNPAID if order.scenario == scenarios.UNPAID else PENDING
            order.due_at = self._start_deciding(order, order.placed_at)
            order.api_calls = 1
            return self.store.insert(order)

    def find(self, **reference):
        """The order (see Store.find for the references), with any due decision taken, or None."""
        with self.lock:
            order = self.store.find(**reference)
            return self._decide_if_due(order) if order else None

    def all_orders(self):
        with self.lock:
            return [self._decide_if_due(order) for order in self.store.all_orders()]

    def orders_numbered(self, order_numbers):
        """The orders with these numbers (unknown numbers left out), with any due decision taken."""
        with self.lock:
            return [self._decide_if_due(order) for order in self.store.find_numbered(order_numbers)]

    def count_call(self, **reference):
        """Like find, counting one more call naming the order."""
        with self.lock:
            order = self.find(**reference)
            if order:
                order.api_calls += 1
                self.store.update(order)
            return order

    def approve(self, order_number):
        """Decide now: issued at once (an unpaid order counts as paid)."""
        with self.lock:
            order = self._undecided(order_number)
            self._issue(order, self.clock())
            return order

    def reject(self, order_number):
        with self.lock:
            order = self._undecided(order_number)
            self._reject(order, self.clock())
            return order

    def replace(self, order_number, csr_pem, common_name, names, dcv, unique_value):
        """A reissue with a new CSR, free while the term runs: pending again, with a fresh decision
        timer; the certificate it replaces stays valid until then. While the order is undecided the
        CSR may name another domain (a typo fixed without a new order); once issued it may not."""
        with self.lock:
            order = self.find(order_number=order_number)
            _refuse_final(order)
            if order.status == UNPAID:
                raise ApiError(-22, 'The order is awaiting payment!')
            if common_name != order.common_name and order.status != PENDING:
                raise invalid('csr', "A reissue keeps the order's Common Name (%s)." % order.common_name)
            now = self.clock()
            if order.term_started_at is not None and _term_end(order) <= now:
                raise ApiError(-36, "The order's term has ended: a new certificate needs a new order!")
            order.csr_pem = csr_pem
            order.common_name = common_name
            order.domains = names
            order.dcv = dcv
            order.unique_value = unique_value or order.unique_value
            order.status = PENDING
            order.due_at = self._start_deciding(order, now)
            order.decided_at = None
            order.certificate_pem = ''
            order.serial_number = ''
            order.not_before = order.not_after = None
            self.store.update(order)
            return order

    def revoke(self, order_number, reason, code):
        """Issued becomes revoked; a certificate not issued yet is rejected instead (comodo-api.md §2)."""
        with self.lock:
            order = self.find(order_number=order_number)
            _refuse_final(order)
            now = self.clock()
            if order.status == ISSUED:
                if order.not_after < now:
                    raise ApiError(-35, 'The certificate has expired and cannot be revoked!')
                order.status = REVOKED
                order.decided_at = now
            else:
                order.status = REJECTED
                order.decided_at = now
            order.revocation_reason = reason
            order.revocation_code = code
            self.store.update(order)
            self.on_decided(order)
            return order

    def refund(self, order_number):
        """Give the order's charge back: its certificate is revoked (or, not issued yet, rejected).

        Codes are the sandbox's choice (the notes name none): -18 already refunded, as SiteLock
        uses it; -91 "not allowed in this context" once the refund window has passed.
        """
        with self.lock:
            order = self.find(order_number=order_number)
            if order.refunded_at is not None:
                raise ApiError(-18, 'The order has already been refunded!', 'orderNumber')
            now = self.clock()
            if now - order.placed_at > REFUND_WINDOW_DAYS * DAY_SECONDS:
                raise ApiError(-91, 'The refund period (%d days from the order) has passed!'
                               % REFUND_WINDOW_DAYS, 'orderNumber')
            if order.status == ISSUED:
                order.status = REVOKED
                order.decided_at = now
            elif order.status in UNDECIDED:
                order.status = REJECTED
                order.decided_at = now
            order.refunded_at = now
            self.store.update(order)
            return order

    def set_cost(self, order_number, cost):
        """Admin knob: what the CA says it charged for the order (to plant a cost mismatch)."""
        with self.lock:
            order = self._existing(order_number)
            order.total_cost = cost
            self.store.update(order)
            return order

    def move_placement(self, order_number, placed_at):
        """Admin knob: date the order at `placed_at` (Unix time), e.g. to leave the refund window.

        Its decision (if any) keeps its own time; an undecided order is due as long after the new
        date as before.
        """
        with self.lock:
            order = self._existing(order_number)
            if order.due_at is not None and order.status in UNDECIDED:
                order.due_at += placed_at - order.placed_at
            order.placed_at = placed_at
            self.store.update(order)
            return order

    def change_dcv(self, order_number, changes, resend=False):
        """Replaces the DCV entries of the domains in `changes`; `resend` counts a resent DCV email."""
        with self.lock:
            order = self._awaiting_validation(order_number)
            by_domain = {change['domain']: change for change in changes}
            order.dcv = [_changed_entry(order, entry, by_domain.get(entry['domain'])) for entry in order.dcv]
            order.dcv_resends += 1 if resend else 0
            if order.validates and order.status == PENDING:
                order.due_at = self.clock()  # AutoUpdateDCV asks the CA to check again now
            self.store.update(order)
            return order

    def due_validations(self):
        """Copies of the validating orders whose next check is due."""
        now = self.clock()
        with self.lock:
            return [order for order in self.store.all_orders()
                    if order.validates and order.status == PENDING and order.due_at is not None
                    and order.due_at <= now]

    def record_checks(self, checked, results, next_check_at):
        """Stores each name's outcome ({name: NameCheck}) of a check of `checked` (an order as it was
        read before the check); issues once every name has passed, else the order waits for
        `next_check_at`. A check made while the order changed (a reissue, a decision) is dropped."""
        with self.lock:
            order = self.store.find(order_number=checked.order_number)
            if order.status != PENDING or order.csr_pem != checked.csr_pem:
                return order
            now = self.clock()
            checked_methods = {entry['domain']: entry['method'] for entry in checked.dcv}
            caa_newly_failed = False
            for entry in order.dcv:
                outcome = results.get(entry['domain'])
                if outcome is not None and entry['method'] == checked_methods.get(entry['domain']):
                    caa_newly_failed |= validation.is_caa_refusal(outcome) and outcome.reason != entry.get('reason')
                    entry['status'] = validation.VALIDATED if outcome.passed else validation.NOT_VALIDATED
                    entry['reason'] = outcome.reason
                    entry['checks'] = entry.get('checks', 0) + 1
                    entry['checkedAt'] = now
            if every_name_validated(order):
                self._issue(order, now)
            else:
                if order.due_at == checked.due_at:  # else a new check was asked for meanwhile
                    order.due_at = next_check_at
                self.store.update(order)
                if caa_newly_failed:
                    self.on_caa_failed(order)
            return order

    def _awaiting_validation(self, order_number):
        order = self.find(order_number=order_number)
        _refuse_final(order)
        if order.status == ISSUED:
            raise ApiError(-4, 'Domain control validation is already complete for this order!', 'orderNumber')
        return order

    def _existing(self, order_number):
        order = self.find(order_number=order_number)
        if order is None:
            raise LookupError(order_number)
        return order

    def _undecided(self, order_number):
        order = self.store.find(order_number=order_number)
        if order is None:
            raise LookupError(order_number)
        if order.status not in UNDECIDED:
            raise ApiError(-4, 'The order is already %s.' % order.status, 'orderNumber')
        return order

    def _start_deciding(self, order, start):
        """When the order (placed or reissued at `start`) is next decided: a validating order is
        checked at once, its names not validated yet; others fall due as their scenario says."""
        if order.validates:
            for entry in order.dcv:
                entry.update(status=validation.NOT_VALIDATED, reason='', checks=0, checkedAt=None)
            return start
        return scenarios.due_time(order.scenario, start, self.issue_after)

    def _decide_if_due(self, order):
        if order.validates:
            return order
        if order.status == PENDING and order.due_at is not None and order.due_at <= self.clock():
            if scenarios.rejects_when_due(order.scenario):
                self._reject(order, order.due_at)
            else:
                self._issue(order, order.due_at)
        return order

    def _issue(self, order, at):
        if order.term_started_at is None:
            order.term_started_at = at
        issued = self.authority.issue(order.csr_pem, order.common_name, order.domains, at,
                                      _validity_days(order, at))
        order.status = ISSUED
        order.decided_at = at
        order.certificate_pem = issued.pem
        order.serial_number = issued.serial_number
        order.not_before = issued.not_before
        order.not_after = issued.not_after
        self.store.update(order)
        self.on_decided(order)

    def _reject(self, order, at):
        order.status = REJECTED
        order.decided_at = at
        self.store.update(order)
        self.on_decided(order)


def dcv_status(order, entry):
    """A name's validation status: Validated once the certificate was issued (by hand too), and in
    validating mode as soon as the name's check passed."""
    if order.status in (ISSUED, REVOKED):
        return validation.VALIDATED
    if order.validates:
        return entry.get('status') or validation.NOT_VALIDATED
    return validation.NOT_VALIDATED


def every_name_validated(order):
    return all(dcv_status(order, entry) == validation.VALIDATED for entry in order.dcv)


def _changed_entry(order, entry, change):
    """A name's DCV entry after AutoUpdateDCV: in validating mode the same method keeps what its
    checks found (asking again does not undo a validation)."""
    if change is None:
        return entry
    if order.validates and change['method'] == entry['method']:
        return dict(entry, email=change['email'])
    return change


def _term_end(order):
    return order.term_started_at + order.days * DAY_SECONDS


def _validity_days(order, at):
    """What the issue date allows (SC-081v3), never past the end of the term paid for (so a
    certificate issued late in the term ends with it, to the second)."""
    days_left_in_term = (_term_end(order) - int(at)) / DAY_SECONDS  # the leaf starts at int(at)
    return min(order.validity_days, products.max_validity_days(at), days_left_in_term)


def _refuse_final(order):
    if order.status == REJECTED:
        raise ApiError(-20, 'The certificate request has been rejected!')
    if order.status == REVOKED:
        raise ApiError(-21, 'The certificate has been revoked!')

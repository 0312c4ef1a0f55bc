"""The life of a certificate order, as one table: its states, what each allows, and the CA work each
needs. Plain Python (no Odoo import): the order model, its views, the scheduled poll and the portal
all read it, so that "which state allows what" is written once.
"""
from datetime import timedelta

STATES = [
    ('awaiting_payment', 'Awaiting Payment'),
    ('draft', 'To Order'),
    ('pending', 'Validation Pending'),
    ('timeout', 'Timed Out'),
    ('error', 'Order Refused'),
    ('issued', 'Issued'),
    ('reissue', 'Reissuing'),
    ('rejected', 'Rejected'),
    ('cancelled', 'Cancelled'),
    ('revoked', 'Revoked'),
    ('expired', 'Expired'),
]
STATE_LABELS = dict(STATES)
INITIAL_STATE = 'draft'

# -- groups of states, by what they mean -----------------------------------------------------------

# Comodo has the order and has not decided yet (the Async Manager lists these; Reset restarts them).
WAITING_FOR_CA = ('pending', 'timeout')
# Not placed with Comodo yet, or refused when placed: Check places it (again).
TO_PLACE = ('draft', 'error')
# Staff may cancel: nothing is issued, and the order is not decided.
CANCELLABLE = ('awaiting_payment',) + TO_PLACE + WAITING_FOR_CA
# Staff may press Check: CA work (placing, polling or reissuing) can be done now.
CHECKABLE = TO_PLACE + WAITING_FOR_CA + ('reissue',)
# The order may hold a certificate in use (during a reissue, the one it replaces).
SERVING = ('issued', 'reissue') + WAITING_FOR_CA
# Inside a term whose end makes the certificate expire.
IN_TERM = ('issued', 'reissue')
# Decided for good: nothing changes the order any more.
FINAL = ('rejected', 'cancelled', 'revoked', 'expired')
# A renewal in one of these states will never serve the next term.
RENEWAL_LOST = ('cancelled', 'rejected', 'revoked')
# No longer delivered: an invoice still to validate is settled instead.
UNDELIVERED = ('rejected', 'cancelled')
# The scheduled poll queues these orders' CA work once their next check is due.
POLLED = ('draft', 'pending', 'reissue')
# A reissue under way, whatever CA work it waits for (sending the new CSR, the CA's validation of
# it): the certificate it replaces is still valid and served.
REISSUING = ('reissue',) + WAITING_FOR_CA
# The customer has a certificate for its names, or one on its way: a second purchase for one of them
# is pointed to it (pay it, follow it, reissue or renew it) instead of being sold.
HOLDS_ITS_NAMES = ('awaiting_payment', 'draft') + WAITING_FOR_CA + IN_TERM
# Orders the poll run's digest waits for.
DIGEST_WAITS_FOR = ('draft', 'pending')
# The Async Manager's list: everything not settled for good, plus billing steps (added by the view).
ASYNC_MANAGER = ('draft', 'pending', 'timeout', 'error', 'reissue')

# Ordering or validating: the customer waits on the CA's answer (a passing fault is retried by itself).
AWAITING_CA_ANSWER = ('draft', 'pending')
# Stopped before any certificate was made (a refused order until it is placed again).
STOPPED_UNISSUED = ('rejected', 'cancelled', 'error')
# A certificate was made for the order (an order in a reissue or an expired term still holds its own).
CERTIFICATE_MADE = ('issued', 'revoked')

# -- the CA work each state needs ------------------------------------------------------------------

CA_WORK = {
    'draft': 'place',
    'error': 'place',
    'pending': 'check',
    'timeout': 'check',
    'reissue': 'reissue',
}
# States a job of each kind may act on (it locks the order in one of them, else does nothing).
CA_WORK_STATES = {
    'place': TO_PLACE,
    'check': ('pending',),
    'reissue': ('reissue',),
}


# Check by hand (a button) also asks the CA about an order that timed out; jobs check pending ones.
CHECK_BY_HAND_STATES = dict(CA_WORK_STATES, check=WAITING_FOR_CA)


def ca_work(state):
    """'place', 'check' or 'reissue': the CA call an order in `state` needs; None if it needs none."""
    return CA_WORK.get(state)


def shown_state(state, has_certificate):
    """The state staff, customers and invoices read: a live certificate being reissued reads
    'reissue' ("Reissuing") also while the CA validates its new CSR, not a first order's
    "Validation Pending"."""
    return 'reissue' if has_certificate and state in REISSUING else state


# -- the transitions allowed -----------------------------------------------------------------------

# Each transition, by name, from the states it may start in to the state it reaches. A transition
# from a state to itself (restarting the wait) is listed where it happens.
TRANSITIONS = {
    'await_payment': (('draft',), 'awaiting_payment'),
    'paid': (('awaiting_payment',), 'draft'),
    'placed': (TO_PLACE, 'pending'),
    'refused': (TO_PLACE, 'error'),
    'reset': (WAITING_FOR_CA, 'pending'),
    'timed_out': (('pending',), 'timeout'),
    'issued': (WAITING_FOR_CA, 'issued'),
    'foreign_certificate': (WAITING_FOR_CA, 'error'),
    'rejected': (WAITING_FOR_CA, 'rejected'),
    'revoked_by_ca': (WAITING_FOR_CA, 'revoked'),
    'revoked_by_customer': (SERVING, 'revoked'),
    'cancelled': (CANCELLABLE, 'cancelled'),
    'start_reissue': (('issued',), 'reissue'),
    'reissue_sent': (('reissue',), 'pending'),
    # The current certificate stays: a refused reissue (when sent, or when decided) goes back to it.
    'reissue_failed': (('reissue',) + WAITING_FOR_CA, 'issued'),
    'term_ended': (IN_TERM, 'expired'),
}
ALLOWED = {(source, target) for sources, target in TRANSITIONS.values() for source in sources}


def allowed(source, target):
    return (source, target) in ALLOWED


def reachable_states():
    """The states an order can be in: the initial one and every state a transition reaches from them."""
    reached, frontier = {INITIAL_STATE}, [INITIAL_STATE]
    while frontier:
        state = frontier.pop()
        for source, target in ALLOWED:
            if source == state and target not in reached:
                reached.add(target)
                frontier.append(target)
    return reached


# -- retrying after a failure ----------------------------------------------------------------------

# A passing fault (a busy CA, an unreachable web server) is tried again soon, the wait doubling
# after each failure in a row, up to the regular interval of that work.
RETRY_FIRST_DELAY = timedelta(minutes=5)


def backoff(failures, longest):
    """The wait after the `failures`-th failure in a row (1 for the first): 5 minutes, doubling
    each time, never longer than `longest`."""
    # The exponent is bounded: after 2**20 first delays every wait is `longest` anyway.
    return min(RETRY_FIRST_DELAY * (2 ** min(max(failures, 1) - 1, 20)), longest)


# -- when a certificate is replaced inside its term ------------------------------------------------

# A certificate is replaced two thirds into its life: its last third is the time to retry a reissue
# that fails (the CA, the validation, the installation) while it still serves. A fixed number of days
# before expiry would replace a 47-day certificate after 17 days, or leave a long one no time.
REISSUE_AT_FRACTION_OF_LIFE = 2.0 / 3
# Yet never so late that fewer than the company's retry days are left, except that a certificate
# is kept for the first half of its life whatever its length.
REISSUE_NEVER_BEFORE_FRACTION_OF_LIFE = 0.5


def reissue_due_at(valid_from, valid_until, retry_days):
    """When a certificate valid from `valid_from` until `valid_until` (datetimes) is reissued: two
    thirds into its life, or earlier when that would leave fewer than `retry_days` days, but never
    before half its life."""
    life = valid_until - valid_from
    latest = valid_from + life * REISSUE_AT_FRACTION_OF_LIFE
    earliest = valid_from + life * REISSUE_NEVER_BEFORE_FRACTION_OF_LIFE
    return max(earliest, min(latest, valid_until - timedelta(days=retry_days)))


# -- job channels ----------------------------------------------------------------------------------

# Calls to the CA: the channel's capacity is how many may be in flight at once.
CA_CHANNEL = 'root.comodo'
# Installations over SSH are slow (minutes for an unreachable host): a channel of their own, so that
# they never hold the CA calls' capacity.
INSTALL_CHANNEL = 'root.comodo_install'

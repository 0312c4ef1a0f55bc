"""Faults planned on demand through the admin endpoints, for tests of a client's error handling.

A planned fault hits the next `count` form-API calls (of one `action`, or of any), then is used up.
Kinds:
- `error`: the protocol error `code` (default -14), in the call's encoding;
- `http500`: HTTP 500 with an HTML error page, as a broken front end answers;
- `garbled`: HTTP 200 with a body that is not the protocol (a proxy's page, cut short);
- `drop`: the connection is closed without an answer;
- `hang`: the call waits `seconds` first, then runs and answers (a client with a shorter timeout
  has given up by then, but the CA acted).
With `after=Y` the call runs first and only its answer is replaced (the CA acted, the client cannot
know): `error`, `http500`, `garbled`, `drop`. Faults live in memory only: a restart clears them.
"""
import threading

from comodo_sandbox.protocol import ApiError, Form, parse_integer

KINDS = ('error', 'http500', 'garbled', 'drop', 'hang')
# What the HTTP layer sends instead of the answer (kinds not in here answer through the protocol).
TRANSPORT_KINDS = ('http500', 'garbled', 'drop')
MESSAGES = {
    -14: 'An unknown error occurred! Please try again.',
    -42: 'Call limit reached! Please try again later.',
}
HTTP_500_BODY = b'<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>\n'
GARBLED_BODY = b'<html><body>Proxy Error: the upstream server sent an inv'
MAX_HANG_SECONDS = 120


class Fault(object):

    def __init__(self, kind, code=-14, count=1, action=None, after=False, seconds=0.0):
        self.kind = kind
        self.code = code
        self.count = count
        self.action = action
        self.after = after
        self.seconds = seconds

    def error(self):
        return ApiError(self.code, MESSAGES.get(self.code, 'Planned fault %d.' % self.code))

    def summary(self):
        return {'kind': self.kind, 'code': self.code if self.kind == 'error' else None, 'count': self.count,
                'action': self.action, 'after': self.after, 'seconds': self.seconds}


def fault_from_form(pairs):
    """A Fault from the admin form (`kind`, [`code`], [`count`], [`action`], [`after`], [`seconds`]);
    ValueError on a bad value."""
    form = Form(pairs)
    kind = form.get('kind')
    if kind not in KINDS:
        raise ValueError('kind: one of %s is expected' % ', '.join(KINDS))
    code = parse_integer(form.get('code') or '-14')
    if code is None or code >= 0:
        raise ValueError('code: a negative integer is expected')
    count = parse_integer(form.get('count') or '1')
    if count is None or count < 1:
        raise ValueError('count: a positive integer is expected')
    try:
        seconds = float(form.get('seconds') or (1 if kind == 'hang' else 0))
    except ValueError:
        raise ValueError('seconds: a number is expected')
    if not 0 <= seconds <= MAX_HANG_SECONDS:
        raise ValueError('seconds: 0 to %d is expected' % MAX_HANG_SECONDS)
    try:
        after = form.flag('after')
    except ApiError:
        raise ValueError('after: Y or N is expected')
    if after and kind == 'hang':
        raise ValueError('after: a hang always comes before the call runs')
    return Fault(kind, code=code, count=count, action=form.get('action'), after=after, seconds=seconds)


class FaultPlan(object):
    """The planned faults, first planned first used; shared by the server's threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []

    def add(self, fault):
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, action):
        """The fault that hits this call of `action` (one use of it), or None."""
        with self._lock:
            for fault in self._faults:
                if fault.action in (None, action):
                    fault.count -= 1
                    if not fault.count:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self):
        with self._lock:
            return [fault.summary() for fault in self._faults]

    def clear(self):
        with self._lock:
            cleared, self._faults = len(self._faults), []
        return cleared

"""The sandbox's clock: real time, or real time moved by an offset so that tests and demos can jump to
a date (an issue date under the CA/Browser Forum limits, the end of a term) without sleeping.

The moved clock keeps running: set to 2026-12-02 00:00, it reads 00:00:05 five seconds later.
"""
import datetime
import threading
import time

from comodo_sandbox.protocol import parse_integer


class Clock(object):

    def __init__(self, now=None):
        self._lock = threading.Lock()
        self._offset = 0.0
        if now is not None:
            self.set(now)

    def __call__(self):
        with self._lock:
            return time.time() + self._offset

    def set(self, now):
        """Reads `now` (Unix time) from here on; None goes back to real time."""
        with self._lock:
            self._offset = 0.0 if now is None else float(now) - time.time()

    @property
    def moved(self):
        with self._lock:
            return self._offset != 0.0


def parse_time(text):
    """Unix time from `1796169600` or an ISO date `2026-12-02` / `2026-12-02T10:00:00` (UTC); ValueError
    otherwise."""
    text = (text or '').strip()
    number = parse_integer(text)
    if number is not None and number >= 0:
        return number
    for layout in ('%Y-%m-%dT%H:%M:%S', '%Y-%m-%d'):
        try:
            moment = datetime.datetime.strptime(text, layout)
        except ValueError:
            continue
        return int(moment.replace(tzinfo=datetime.timezone.utc).timestamp())
    raise ValueError('a Unix time or a date like 2026-12-02 or 2026-12-02T10:00:00 is expected')

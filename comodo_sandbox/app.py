"""The sandbox's state: its settings, its CA, its orders; shared by the API and the admin pages."""
import os
import random
import threading

from comodo_sandbox.admin_access import load_or_create_token
from comodo_sandbox.ca import CertificateAuthority
from comodo_sandbox.faults import FaultPlan
from comodo_sandbox.clock import Clock
from comodo_sandbox.lifecycle import Lifecycle
from comodo_sandbox.push import Pusher
from comodo_sandbox.store import Store


class SandboxApp(object):

    def __init__(self, settings):
        self.settings = settings
        os.makedirs(settings.data, exist_ok=True)
        self.authority = CertificateAuthority(os.path.join(settings.data, 'ca'))
        self.store = Store(os.path.join(settings.data, 'orders.sqlite3'))
        self.clock = Clock(getattr(settings, 'now', None))
        pusher = Pusher(settings.push_url)
        self.lifecycle = Lifecycle(self.store, self.authority, settings.issue_after, self.clock,
                                   on_decided=pusher.order_decided, on_caa_failed=pusher.caa_check_failed)
        self._random = random.Random(settings.seed)
        self._random_lock = threading.Lock()
        self.faults = FaultPlan()
        self.admin_token = getattr(settings, 'admin_token', None) or load_or_create_token(settings.data)
        self.validation = _start_validation(settings, self.lifecycle)

    @property
    def validating(self):
        """Validating mode (--validate): orders of the normal scenario are decided by checking their
        names, not by the timer."""
        return self.validation is not None

    def fails_randomly(self):
        """True for a share --fail-rate of calls (repeatable with --seed)."""
        with self._random_lock:
            return self._random.random() < self.settings.fail_rate

    def close(self):
        if self.validation is not None:
            self.validation.stop()
        self.store.close()


def _start_validation(settings, lifecycle):
    if not getattr(settings, 'validate', False):
        return None
    # Imported here: dnspython is needed in validating mode only.
    from comodo_sandbox.dns_lookup import DnsLookup
    from comodo_sandbox.validation import Validator
    from comodo_sandbox.validation_runner import ValidationRunner
    address, port = settings.dns_server
    validator = Validator(DnsLookup(address, port), settings.port_map)
    return ValidationRunner(lifecycle, validator, settings.recheck_after).start()

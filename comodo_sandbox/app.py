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
        self.lifecycle = Lifecycle(self.store, self.authority, settings.issue_after, self.clock,
                                   on_decided=Pusher(settings.push_url).order_decided)
        self._random = random.Random(settings.seed)
        self._random_lock = threading.Lock()
        self.faults = FaultPlan()
        self.admin_token = getattr(settings, 'admin_token', None) or load_or_create_token(settings.data)

    def fails_randomly(self):
        """True for a share --fail-rate of calls (repeatable with --seed)."""
        with self._random_lock:
            return self._random.random() < self.settings.fail_rate

    def close(self):
        self.store.close()

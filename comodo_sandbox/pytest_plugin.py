"""pytest plugin: a shared Comodo sandbox CA for the whole test session, and a factory for tests that
need their own (other options, a restart, ...).

The sandbox runs as a subprocess (`python -m comodo_sandbox`): tests reach it over HTTP only, like the
addon does, and nothing of the server is imported here. The shared one is exported to the code under
test as COMODO_SANDBOX_URL (the API base, `.../products/`), COMODO_SANDBOX_ADMIN (`http://host:port`)
and COMODO_SANDBOX_ADMIN_TOKEN (what its admin pages ask for, in the X-Sandbox-Admin-Token header).
"""
import os
import queue
import subprocess
import sys
import threading
from urllib.parse import urlsplit

import pytest
import requests

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
READY_PREFIX = 'comodo-sandbox listening on '
ADMIN_TOKEN_PREFIX = 'comodo-sandbox admin token: '
START_TIMEOUT = 30
STOP_TIMEOUT = 5
HTTP_TIMEOUT = 10
ADMIN_TOKEN_HEADER = 'X-Sandbox-Admin-Token'
# Orders stay pending for an hour unless a test approves them or uses an instant-/reject- domain.
SHARED_OPTIONS = {'issue_after': 3600}


class SandboxAdmin(object):
    """A running sandbox's admin endpoints: decide orders by hand, read its orders and API calls."""

    def __init__(self, admin_base, admin_token, admin_verify=True):
        self.admin_base = admin_base.rstrip('/')
        self.admin_token = admin_token
        self.admin_verify = admin_verify

    @property
    def admin_headers(self):
        """The header that opens the admin endpoints, for requests made by hand."""
        return {ADMIN_TOKEN_HEADER: self.admin_token}

    def approve(self, order_number):
        return self._admin('post', '/admin/orders/%s/approve' % order_number)

    def reject(self, order_number):
        return self._admin('post', '/admin/orders/%s/reject' % order_number)

    def orders(self):
        return self._admin('get', '/admin/orders.json')

    def calls(self):
        return self._admin('get', '/admin/calls.json')

    def call_counts(self):
        """{action: calls received} since the last reset_calls, e.g. {"WebHostReport": 3}."""
        return self._admin('get', '/admin/calls/counts.json')

    def reset_calls(self):
        return self._admin('post', '/admin/calls/reset')

    def place_unseen(self, common_name, **fields):
        """An order placed at the CA without the API (nobody's client knows it); fields: product,
        days, placedAt."""
        return self._admin('post', '/admin/orders', dict(fields, commonName=common_name))

    def set_cost(self, order_number, cost):
        return self._admin('post', '/admin/orders/%s/cost' % order_number, {'cost': cost})

    def move_placement(self, order_number, placed_at):
        """Re-date an order at `placed_at` (Unix time)."""
        return self._admin('post', '/admin/orders/%s/placed-at' % order_number, {'placedAt': int(placed_at)})

    def plan_fault(self, kind, **fields):
        """Makes the next API calls fail (fields: code, count, action, after, seconds; see faults.py)."""
        if fields.get('after') is True:
            fields['after'] = 'Y'
        return self._admin('post', '/admin/faults', dict(fields, kind=kind))

    def planned_faults(self):
        return self._admin('get', '/admin/faults.json')

    def clear_faults(self):
        return self._admin('post', '/admin/faults/clear')

    def set_clock(self, now):
        """Move the sandbox's clock to `now` (Unix time or '2026-12-02'); None: back to real time."""
        return self._admin('post', '/admin/clock', {'now': '' if now is None else str(now)})

    def _admin(self, method, path, data=None):
        response = requests.request(method, self.admin_base + path,
                                    headers=dict(self.admin_headers, Accept='application/json'),
                                    data=data, timeout=HTTP_TIMEOUT, verify=self.admin_verify)
        response.raise_for_status()
        return response.json()


class SandboxProcess(SandboxAdmin):
    """One sandbox subprocess. Options are the command-line options in Python spelling
    (`issue_after=1` is `--issue-after 1`; `tls=True` is `--tls`)."""

    def __init__(self, data_dir, port=0, **options):
        self.data_dir = str(data_dir)
        self.port = port
        self.options = options
        self.admin_token = None
        self._process = None
        self._log = None

    @property
    def base(self):
        return '%s://127.0.0.1:%d' % ('https' if self.options.get('tls') else 'http', self.port)

    @property
    def url(self):
        return self.base + '/products/'

    @property
    def root_pem(self):
        return os.path.join(self.data_dir, 'ca', 'root.pem')

    @property
    def intermediate_pem(self):
        return os.path.join(self.data_dir, 'ca', 'intermediate.pem')

    @property
    def running(self):
        return self._process is not None

    @property
    def log_path(self):
        return os.path.join(self.data_dir, 'sandbox.log')

    def start(self):
        """Starts the sandbox and waits for its "listening on" line; the port it reports is kept, so a
        restart reuses it. The admin token is read from the line after it."""
        command = [sys.executable, '-m', 'comodo_sandbox', '--port', str(self.port), '--data', self.data_dir]
        for name, value in sorted(self.options.items()):
            flag = '--' + name.replace('_', '-')
            if value is True:
                command.append(flag)
            elif value is not False and value is not None:  # 0 is a value here, not "off"
                command += [flag, str(value)]
        os.makedirs(self.data_dir, exist_ok=True)
        self._log = open(self.log_path, 'ab')
        self._process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=self._log)
        line, token_line = self._next_line(), self._next_line()
        if not line.startswith(READY_PREFIX) or not token_line.startswith(ADMIN_TOKEN_PREFIX):
            self.stop()
            raise RuntimeError('The Comodo sandbox did not start: no "listening on" line within %ds.\n'
                               'Command: %s\nIts stdout: %r\nIts stderr:\n%s'
                               % (START_TIMEOUT, ' '.join(command), line + token_line, self._log_tail()))
        self.port = urlsplit(line[len(READY_PREFIX):].strip()).port
        self.admin_token = token_line[len(ADMIN_TOKEN_PREFIX):].split()[0]
        return self

    def stop(self):
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process.stdout.close()
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self):
        """Stops and starts again on the same port with the same data folder."""
        self.stop()
        return self.start()

    @property
    def admin_base(self):
        return self.base

    @property
    def admin_verify(self):
        return self.root_pem


    def _next_line(self):
        """The next stdout line, or '' if none comes within START_TIMEOUT (reading in a thread, as a
        pipe read cannot time out by itself)."""
        lines = queue.Queue()
        reader = threading.Thread(target=lambda: lines.put(self._process.stdout.readline()), daemon=True)
        reader.start()
        try:
            return lines.get(timeout=START_TIMEOUT).decode('utf-8', 'replace')
        except queue.Empty:
            return ''

    def _log_tail(self):
        with open(self.log_path, 'rb') as log:
            return log.read()[-4000:].decode('utf-8', 'replace')


@pytest.fixture(scope='session', autouse=True)
def comodo_sandbox(tmp_path_factory):
    """The session's shared sandbox, exported as COMODO_SANDBOX_URL, COMODO_SANDBOX_ADMIN and
    COMODO_SANDBOX_ADMIN_TOKEN."""
    sandbox = SandboxProcess(tmp_path_factory.mktemp('comodo-sandbox'), **SHARED_OPTIONS).start()
    exported = {'COMODO_SANDBOX_URL': sandbox.url, 'COMODO_SANDBOX_ADMIN': sandbox.base,
                'COMODO_SANDBOX_ADMIN_TOKEN': sandbox.admin_token}
    previous = {name: os.environ.get(name) for name in exported}
    os.environ.update(exported)
    try:
        yield sandbox
    finally:
        sandbox.stop()
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def sandbox_factory(tmp_path_factory):
    """`sandbox_factory(**options)` starts a sandbox of its own (own port and data folder), stopped
    when the test ends."""
    started = []

    def start(**options):
        sandbox = SandboxProcess(tmp_path_factory.mktemp('comodo-sandbox'), **options)
        started.append(sandbox)
        return sandbox.start()

    yield start
    for sandbox in started:
        sandbox.stop()

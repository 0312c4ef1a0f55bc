"""A real Odoo server on the server-test database that `make test` prepares, for tests that drive
Odoo from outside (XML-RPC, queue_job's job runner, its log file, pg_dump of what it committed)."""
import os
import signal
import socket
import subprocess
import time
import xmlrpc.client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ODOO = os.path.join(ROOT, '.venv', 'bin', 'odoo')


def wait(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError('timed out after %d s waiting for %s' % (timeout, what))


def _http_port(config_path):
    with open(config_path) as handle:
        for line in handle:
            if line.startswith('http_port'):
                return int(line.split('=')[1])
    raise AssertionError('no http_port in %s' % config_path)


class OdooServer(object):

    def __init__(self, log_path, extra_args=(), environment=None):
        self.database = os.environ.get('COMODO_SERVER_TEST_DB')
        self.config = os.environ.get('COMODO_SERVER_TEST_CONFIG')
        assert self.database and self.config, 'run through `make test`: it prepares the server test database'
        self.port = _http_port(self.config)
        self.url = 'http://127.0.0.1:%d' % self.port
        self.log_path = log_path
        self.extra_args = list(extra_args)
        self.environment = dict(environment or {})
        self._process = None

    def start(self):
        # A session of its own: kill() reaches the workers and the cron worker too.
        self._process = subprocess.Popen([ODOO, '-c', self.config, '-d', self.database,
                                          '--logfile', self.log_path] + self.extra_args,
                                         env=dict(os.environ, **self.environment), start_new_session=True)
        wait(self._answers, 60, 'Odoo to listen on port %d' % self.port)
        return self

    def _answers(self):
        assert self._process.poll() is None, 'Odoo exited: see %s' % self.log_path
        with socket.socket() as probe:
            return probe.connect_ex(('127.0.0.1', self.port)) == 0

    def running(self):
        return self._process is not None and self._process.poll() is None

    def stop(self):
        self._process.terminate()
        self._process.wait(timeout=30)

    def kill(self):
        """SIGKILL to the whole process group, as a crash or an OOM kill of the machine does."""
        os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait(timeout=30)

    def caller(self, login='admin', password='admin'):
        """call(model, method, *args, **kwargs) over XML-RPC as this user."""
        uid = xmlrpc.client.ServerProxy(self.url + '/xmlrpc/2/common').authenticate(
            self.database, login, password, {})
        models = xmlrpc.client.ServerProxy(self.url + '/xmlrpc/2/object', allow_none=True)

        def call(model, method, *args, **kwargs):
            return models.execute_kw(self.database, uid, password, model, method, list(args), kwargs)
        return call

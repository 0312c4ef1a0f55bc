"""tests/odoo_server: a real Odoo server process, driven from outside.

What a test here may need: an `odoo` server of its own process (server_process.OdooServer, with
queue_job's job runner, workers if it asks for them, its log file) on the server-test database
`make test` prepares (COMODO_SERVER_TEST_DB, a copy of the test database: what the server commits
never meets the addon's transactional tests); XML-RPC, HTTP and psycopg2 to reach it and what it
committed; the sandbox CA, the mail sink (COMODO_MAIL_SINK_DIR) and the plain-Python packages by their
own names.
What it must not: import `odoo` in the test process (the server is reached from outside, as a
deployment is), or touch the test database the addon's tests run on. A test that can run inside
Odoo's test runner (TransactionCase, HttpCase) belongs in comodo_ssl_reseller/tests/.
"""
import pytest

from server_process import OdooServer


@pytest.fixture(scope='session')
def shared_server(tmp_path_factory):
    """The one threaded server (no workers) for every test here that needs no other start options,
    not started yet: each start costs seconds, and what the tests commit meets on the one database
    all the same. `odoo_server` starts it; a test that needs the database to itself stops it."""
    server = OdooServer(str(tmp_path_factory.mktemp('odoo-server') / 'odoo.log'))
    try:
        yield server
    finally:
        if server.running():
            server.stop()


@pytest.fixture
def odoo_server(shared_server):
    """The shared server, started if it is not running (again, after a test that stopped it)."""
    if not shared_server.running():
        shared_server.start()
    return shared_server


@pytest.fixture(scope='module')
def database_to_itself(shared_server):
    """No other Odoo server on the database while this module runs: the shared one runs queue_job's
    job runner and its cron thread, which would take this module's jobs (a second runner, told of
    the same jobs, races the first to start each of them) and run its crons."""
    if shared_server.running():
        shared_server.stop()

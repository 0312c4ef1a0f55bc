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
def odoo_server(tmp_path_factory):
    """One threaded server (no workers) for every test here that needs no other start options: each
    start costs seconds, and what the tests commit meets on the one database all the same."""
    server = OdooServer(str(tmp_path_factory.mktemp('odoo-server') / 'odoo.log')).start()
    try:
        yield server
    finally:
        server.stop()

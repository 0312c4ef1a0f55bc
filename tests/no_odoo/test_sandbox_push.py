"""--push-url: the sandbox calls a partner URL when it decides an order, as Sectigo's certificate
issuance push does."""
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox_api import SandboxApi

PUSH_WAIT_SECONDS = 20


@pytest.fixture
def partner():
    """A partner endpoint recording each call's path and query; answers 200."""
    received = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            received.put((self.command, urlsplit(self.path).path, parse_qs(urlsplit(self.path).query)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(('127.0.0.1', 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.received = received
    server.url = 'http://127.0.0.1:%d/comodo/push/s3cret-token' % server.server_address[1]
    yield server
    server.shutdown()
    server.server_close()


def test_decisions_are_pushed_to_the_partner(sandbox_factory, partner):
    sandbox = sandbox_factory(push_url=partner.url)
    api = SandboxApi(sandbox)
    approved, rejected = api.place('never-push1.example.com'), api.place('never-push2.example.com')
    assert partner.received.empty(), 'placing an order pushes nothing'
    sandbox.approve(approved)
    method, path, query = partner.received.get(timeout=PUSH_WAIT_SECONDS)
    assert (method, path) == ('GET', '/comodo/push/s3cret-token')
    certificate_id = [o for o in sandbox.orders() if o['orderNumber'] == approved][0]['certificateID']
    assert query == {'orderNumber': [str(approved)], 'certificateID': [str(certificate_id)],
                     'eventType': ['Certificate'], 'status': ['Issued'], 'statusCode': ['6']}
    sandbox.reject(rejected)
    _method, _path, query = partner.received.get(timeout=PUSH_WAIT_SECONDS)
    assert (query['orderNumber'], query['statusCode']) == ([str(rejected)], ['7'])
    api.fields('!AutoRevokeSSL', orderNumber=approved, revocationReason='key lost')
    _method, _path, query = partner.received.get(timeout=PUSH_WAIT_SECONDS)
    assert (query['orderNumber'], query['statusCode']) == ([str(approved)], ['8'])
    with open(sandbox.log_path) as log:
        assert 's3cret-token' not in log.read(), 'the push URL holds a secret: never logged'


def test_a_failing_partner_is_retried_and_never_holds_a_decision_up(sandbox_factory):
    # Nothing listens on port 9: every attempt fails.
    sandbox = sandbox_factory(push_url='http://127.0.0.1:9/comodo/push/s3cret-token')
    api = SandboxApi(sandbox)
    order_number = api.place('never-push3.example.com')
    sandbox.approve(order_number)
    assert api.collect(order_number)['errorCode'] == ['2'], 'decided whatever the partner does'
    deadline = time.time() + PUSH_WAIT_SECONDS
    while _failed_attempts(sandbox) < 4 and time.time() < deadline:
        time.sleep(0.2)
    assert _failed_attempts(sandbox) == 4, 'the first try and three retries'


def _failed_attempts(sandbox):
    with open(sandbox.log_path) as log:
        return sum(1 for line in log if 'push order=' in line and 'failed (attempt' in line)

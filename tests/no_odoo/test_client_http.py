"""What the client puts on the wire, and how it takes transport failures, against a tiny server.

The sandbox tests cover the protocol end to end; these pin down the request fields and the
HTTP-level failures (HTML pages, 5xx, redirects, timeouts, refused connections) exactly.
"""
import datetime
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from comodo_client import (ComodoClient, ConfigurationError, PlacedOrder, TransientError,
                           build_csr, generate_private_key)


class LocalCa(object):
    """An HTTP server that records each POST and answers with whatever the test set."""

    def __init__(self):
        self.requests = []
        self.status, self.body, self.delay, self.headers = 200, 'errorCode=0', 0, {}
        ca = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get('Content-Length', 0))
                form = parse_qs(self.rfile.read(length).decode('ascii'), keep_blank_values=True)
                ca.requests.append((self.path, self.headers.get('Content-Type'),
                                    {key: values[0] for key, values in form.items()}))
                time.sleep(ca.delay)
                body = ca.body.encode('utf-8')
                try:
                    self.send_response(ca.status)
                    for name, value in ca.headers.items():
                        self.send_header(name, value)
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.url = 'http://127.0.0.1:%d/products/' % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, body, status=200, delay=0, headers=None):
        self.status, self.body, self.delay, self.headers = status, body, delay, headers or {}

    @property
    def last(self):
        return self.requests[-1]


@pytest.fixture(scope='module')
def server():
    ca = LocalCa()
    yield ca
    ca.server.shutdown()
    ca.server.server_close()


@pytest.fixture
def local_ca(server):
    server.requests[:] = []
    server.answer('errorCode=0')
    return server


@pytest.fixture(scope='module')
def csr_pem():
    # Find a CSR whose Base64 holds a '+', to prove the client URL-encodes it.
    for _ in range(50):
        csr = build_csr(generate_private_key('ec'), ['example.com'])
        if '+' in csr:
            return csr
    pytest.fail('no CSR with a "+" in 50 tries')


@pytest.mark.parametrize('slash', ['', '/'])
def test_place_order_fields_and_path(local_ca, csr_pem, slash):
    local_ca.answer('errorCode=0&orderNumber=123&totalCost=9.00&certificateID=77')
    client = ComodoClient(local_ca.url.rstrip('/') + slash, 'demo', 'se+cret&pw')
    placed = client.place_order(287, 365, csr_pem, ['example.com'], dcv_method='EMAIL',
                                dcv_emails=['admin@example.com'], unique_value='Abc1',
                                foreign_order_number='SO7')
    assert placed == PlacedOrder('123', '77', '9.00', True, 0, 'Abc1')
    path, content_type, fields = local_ca.last
    assert path == '/products/!AutoApplySSL'
    assert content_type == 'application/x-www-form-urlencoded'
    assert fields == {
        'loginName': 'demo', 'loginPassword': 'se+cret&pw', 'product': '287', 'days': '365',
        'csr': csr_pem.strip(), 'serverSoftware': '-1', 'isCustomerValidated': 'Y',
        'showCertificateID': 'Y', 'responseFormat': '1', 'dcvMethod': 'EMAIL',
        'dcvEmailAddress': 'admin@example.com', 'uniqueValue': 'Abc1', 'foreignOrderNumber': 'SO7',
    }


@pytest.mark.parametrize('method', ['HTTP_CSR_HASH', 'HTTPS_CSR_HASH', 'CNAME_CSR_HASH'])
def test_multi_domain_order_names_the_method_per_domain(local_ca, csr_pem, method):
    """Sectigo's reference: dcvEmailAddresses holds an address or a method name per domain, in
    domainNames order."""
    local_ca.answer('errorCode=0&orderNumber=126&totalCost=30.00')
    ComodoClient(local_ca.url, 'demo', 'demo').place_order(
        279, 365, csr_pem, ['example.com', 'www.example.com', 'example.org'], dcv_method=method)
    fields = local_ca.last[2]
    assert fields['dcvMethod'] == method
    assert fields['dcvEmailAddresses'] == ','.join([method] * 3)
    assert fields['domainNames'] == 'example.com,www.example.com,example.org'


def test_multi_domain_order_and_test_flag(local_ca, csr_pem):
    local_ca.answer('errorCode=1&orderNumber=124&totalCost=30.00')
    client = ComodoClient(local_ca.url, 'demo', 'demo', test_mode=True)
    placed = client.place_order(279, 365, csr_pem, ['example.com', 'www.example.com'],
                                dcv_emails=['admin@example.com', 'admin@example.com'])
    assert placed.paid is False and placed.ca_code == 1
    fields = local_ca.last[2]
    assert (fields['domainNames'], fields['primaryDomainName'], fields['dcvEmailAddresses'],
            fields['test']) == ('example.com,www.example.com', 'example.com',
                                'admin@example.com,admin@example.com', 'Y')
    assert 'dcvEmailAddress' not in fields
    # test=Y goes only where the notes document it.
    local_ca.answer('errorCode=0')
    client.resend_dcv('124')
    assert 'test' not in local_ca.last[2]
    client.revoke('124', 'key lost', 1)
    assert local_ca.last[2]['test'] == 'Y'
    local_ca.answer('errorCode=0&orderNumber=125&totalCost=9.00')
    assert ComodoClient(local_ca.url, 'demo', 'demo').place_order(
        279, 365, csr_pem, ['example.com']) and 'test' not in local_ca.last[2]


def test_collect_request(local_ca):
    local_ca.answer('errorCode=0')
    ComodoClient(local_ca.url, 'demo', 'demo').collect('123')
    path, _, fields = local_ca.last
    assert path == '/products/download/CollectSSL'
    assert fields == {'loginName': 'demo', 'loginPassword': 'demo', 'orderNumber': '123',
                      'queryType': '1', 'responseType': '3', 'showValidityPeriod': 'Y',
                      'showFQDN': 'Y', 'responseFormat': '1'}


def test_other_call_fields(local_ca, csr_pem):
    client = ComodoClient(local_ca.url, 'demo', 'demo')
    local_ca.answer('errorCode=0&certificateID=88')
    assert client.replace('123', csr_pem, 'CNAME_CSR_HASH', unique_value='Z9') == PlacedOrder(
        '123', '88', None, True, 0, 'Z9')
    assert local_ca.last[0] == '/products/!AutoReplaceSSL'
    assert local_ca.last[2]['dcvMethod'] == 'CNAME_CSR_HASH'
    assert 'dcvEmailAddress' not in local_ca.last[2]
    local_ca.answer('errorCode=0')
    client.update_dcv('123', 'HTTPS_CSR_HASH', domain='www.example.com')
    assert local_ca.last[0] == '/products/!AutoUpdateDCV'
    assert (local_ca.last[2]['newMethod'], local_ca.last[2]['domainName']) == (
        'HTTPS_CSR_HASH', 'www.example.com')
    client.revoke('123')
    assert local_ca.last[0] == '/products/!AutoRevokeSSL'
    assert 'revocationReason' not in local_ca.last[2] and local_ca.last[2]['codeReason'] == '0'
    local_ca.answer('0\nwhois_email\tnone\nlevel2_email\tadmin@example.com\n')
    assert client.dcv_emails('example.com') == ['admin@example.com']
    assert local_ca.last[0] == '/products/!GetDCVEmailAddressList'
    assert local_ca.last[2]['domainName'] == 'example.com'


def test_revoke_of_an_already_revoked_or_rejected_order_is_done(local_ca):
    client = ComodoClient(local_ca.url, 'demo', 'demo')
    for code in (-20, -21):
        local_ca.answer('errorCode=%d&errorMessage=Already' % code)
        assert client.revoke('123') is None


def test_report_filters(local_ca):
    local_ca.answer('errorCode=0&noOfResults=1&1_orderNumber=5&1_foreignOrderNumber=SO1')
    client = ComodoClient(local_ca.url, 'demo', 'demo')
    entries = client.report(notBefore=datetime.datetime(2024, 1, 2, 3, 4, 5),
                            orderNumber=['5', '6'], showCertificateID=True, lastResultNo=50)
    assert [entry.order_number for entry in entries] == ['5']
    assert local_ca.last[0] == '/products/!WebHostReport'
    fields = local_ca.last[2]
    assert (fields['notBefore'], fields['orderNumber'], fields['showCertificateID'],
            fields['lastResultNo']) == ('1704164645', '5,6', 'Y', '50')
    with pytest.raises(ValueError, match='orderNumbers'):
        client.report(orderNumbers='5')


def test_find_order(local_ca):
    client = ComodoClient(local_ca.url, 'demo', 'demo')
    local_ca.answer('errorCode=0&noOfResults=0')
    assert client.find_order('SO1') is None
    assert local_ca.last[2]['foreignOrderNumber'] == 'SO1'
    local_ca.answer('errorCode=0&noOfResults=2&1_orderNumber=9&1_foreignOrderNumber=SO1'
                    '&2_orderNumber=10&2_foreignOrderNumber=SO1')
    assert client.find_order('SO1') == '10'


@pytest.mark.parametrize('status, body, family', [
    (200, '<html><head><title>Sectigo</title></head><body>Maintenance</body></html>',
     TransientError),
    (200, '', TransientError),
    (500, 'errorCode=0', TransientError),
    (503, '<html>busy</html>', TransientError),
    (429, '', TransientError),
    (404, '<html>Not Found</html>', ConfigurationError),
    (403, 'Forbidden', ConfigurationError),
])
def test_http_level_failures(local_ca, status, body, family):
    local_ca.answer(body, status=status)
    with pytest.raises(family) as info:
        ComodoClient(local_ca.url, 'demo', 'demo').collect('1')
    assert type(info.value) is family and info.value.code is None


def test_redirect_is_not_followed(local_ca):
    local_ca.answer('', status=302, headers={'Location': 'https://example.invalid/products/'})
    with pytest.raises(ConfigurationError, match='HTTP 302'):
        ComodoClient(local_ca.url, 'demo', 'demo').collect('1')
    assert len(local_ca.requests) == 1


def test_timeout_is_transient(local_ca):
    local_ca.answer('errorCode=0', delay=1.0)
    started = time.time()
    with pytest.raises(TransientError, match='no answer from the CA within 0.2 s'):
        ComodoClient(local_ca.url, 'demo', 'demo', timeout=0.2).collect('1')
    assert time.time() - started < 1.0


def test_refused_connection_is_transient():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransientError, match='could not reach the CA'):
        ComodoClient('http://127.0.0.1:%d/products/' % port, 'demo', 'demo').collect('1')


def test_bad_url_is_configuration():
    with pytest.raises(ConfigurationError):
        ComodoClient('ca.example.com/products/', 'demo', 'demo').collect('1')


def test_password_and_private_data_are_never_logged(local_ca, csr_pem, caplog):
    caplog.set_level(logging.DEBUG)
    client = ComodoClient(local_ca.url, 'demo', 'Sup3rSecretPw')
    local_ca.answer('errorCode=0&orderNumber=1&totalCost=1')
    client.place_order(287, 365, csr_pem, ['example.com'])
    local_ca.answer('-16\nPermission denied')
    with pytest.raises(ConfigurationError):
        client.collect('1')
    assert caplog.records
    logged = caplog.text + ''.join(str(record.args) for record in caplog.records)
    assert 'Sup3rSecretPw' not in logged
    assert csr_pem.strip().splitlines()[1] not in logged
    assert 'Sup3rSecretPw' not in repr(client)

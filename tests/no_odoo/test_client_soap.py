"""The SOAP Certificate Manager backend (ComodoSoapClient): bundle splitting and code mapping
offline, then every call against the sandbox's EPKIManagerSSL endpoint over real HTTP."""
import datetime
import http.server
import socket
import threading
import time
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import comodo_client
from comodo_client import (ComodoClient, ComodoError, ComodoSoapClient, ConfigurationError,
                           OrderStatus, RequestError, TransientError, build_csr,
                           generate_private_key)
from comodo_client import certs, soap
from comodo_client.errors import error_for_code

import ca_checks


# --- offline: bundle splitting -------------------------------------------------------------------

def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, issuer, issuer_key, ca):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.utcnow()
    certificate = (x509.CertificateBuilder()
                   .subject_name(_name(subject)).issuer_name(_name(issuer))
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=90))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                   .sign(issuer_key or key, hashes.SHA256()))
    return certificate, key


@pytest.fixture(scope='module')
def chain():
    """(leaf, intermediate, root) PEM texts."""
    root, root_key = _certificate('Test Root', 'Test Root', None, True)
    intermediate, intermediate_key = _certificate('Test Intermediate', 'Test Root', root_key, True)
    leaf, _ = _certificate('www.example.com', 'Test Intermediate', intermediate_key, False)
    return tuple(certs.to_pem(c) for c in (leaf, intermediate, root))


@pytest.mark.parametrize('order', [(0, 1, 2), (2, 1, 0), (1, 0, 2), (2, 0, 1)])
def test_split_bundle_finds_leaf_and_orders_chain(chain, order):
    leaf, chain_certificates = certs.split_bundle('\n'.join(chain[i] for i in order))
    assert certs.to_pem(leaf) == chain[0]
    assert [certs.to_pem(c) for c in chain_certificates] == [chain[1], chain[2]]


def test_split_bundle_single_and_bare_der(chain):
    leaf, rest = certs.split_bundle(chain[0])
    assert certs.to_pem(leaf) == chain[0] and rest == []
    bare = ''.join(chain[0].strip().splitlines()[1:-1])
    leaf, rest = certs.split_bundle(bare)
    assert certs.to_pem(leaf) == chain[0] and rest == []


def test_split_bundle_pkcs7(chain):
    from cryptography.hazmat.primitives.serialization import pkcs7
    loaded = [x509.load_pem_x509_certificate(p.encode()) for p in chain]
    text = pkcs7.serialize_certificates(loaded[::-1], serialization.Encoding.PEM).decode()
    leaf, rest = certs.split_bundle(text)
    assert certs.to_pem(leaf) == chain[0]
    assert [certs.to_pem(c) for c in rest] == [chain[1], chain[2]]


@pytest.mark.parametrize('text', ['', 'not a certificate',
                                  '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'])
def test_split_bundle_rejects_garbage(text):
    with pytest.raises(ValueError):
        certs.split_bundle(text)


def test_bundle_text_accepts_bytes(chain):
    assert soap._bundle_text(chain[0].encode()) == chain[0]
    der = x509.load_pem_x509_certificate(chain[0].encode()).public_bytes(
        serialization.Encoding.DER)
    assert certs.to_pem(certs.split_bundle(soap._bundle_text(der))[0]) == chain[0]


# --- offline: code mapping -----------------------------------------------------------------------

@pytest.mark.parametrize('code, family', [
    (-100, ConfigurationError), (-101, ConfigurationError), (-16, ConfigurationError),
    (-120, ConfigurationError), (-33, ConfigurationError), (-34, ConfigurationError),
    (-35, ConfigurationError), (-36, ConfigurationError),
    (-110, RequestError), (-111, RequestError), (-31, RequestError), (-32, RequestError),
    (-40, RequestError), (-10, RequestError), (-11, RequestError), (-12, RequestError),
    (-13, RequestError),
    (-14, TransientError),
    (-20, ComodoError), (-21, ComodoError), (-22, ComodoError), (-999, ComodoError),
])
def test_soap_code_families(code, family):
    error = error_for_code(code, 'x', api='soap')
    assert type(error) is family and error.code == code


@pytest.mark.parametrize('code, family', [
    (-35, RequestError), (-36, RequestError), (-40, RequestError), (-16, ConfigurationError),
    (-14, TransientError), (-100, ComodoError), (-110, ComodoError),
])
def test_form_code_families_unchanged(code, family):
    assert type(error_for_code(code, 'x')) is family
    assert type(error_for_code(code, 'x', api='form')) is family


def test_soap_code_error_carries_a_message():
    error = soap._code_error(-100)
    assert isinstance(error, ConfigurationError) and 'authentication' in error.message


@pytest.mark.parametrize('fault_code, family', [
    ('soap:Client', ConfigurationError), ('{http://www.w3.org/2003/05/soap-envelope}Sender',
                                          ConfigurationError),
    ('soap:Server', TransientError), (None, TransientError),
])
def test_fault_families(fault_code, family):
    from zeep.exceptions import Fault
    assert type(soap._fault_error('enroll', Fault('boom', code=fault_code))) is family


def test_exported():
    assert comodo_client.ComodoSoapClient is ComodoSoapClient
    assert 'ComodoSoapClient' in comodo_client.__all__


def test_constructor_does_not_touch_the_network():
    with ComodoSoapClient('http://127.0.0.1:1/ws/EPKIManagerSSL?wsdl', 'l', 'sekrit', 'c') as client:
        assert client.endpoint == 'http://127.0.0.1:1/ws/EPKIManagerSSL'
        assert 'sekrit' not in repr(client)


@pytest.mark.parametrize('name', ['dcv_emails', 'resend_dcv', 'update_dcv', 'auto_update_dcv', 'replace', 'report'])
def test_unsupported_operations(name):
    client = ComodoSoapClient('http://127.0.0.1:1/ws/EPKIManagerSSL?wsdl', 'l', 'p', 'c')
    with pytest.raises(ConfigurationError, match='not available through the Certificate Manager'):
        getattr(client, name)('1')
    assert client.find_order('SO-1') is None


def test_same_interface_as_form_backend():
    for name in ('place_order', 'collect', 'revoke', 'find_order', 'dcv_emails', 'resend_dcv',
                 'update_dcv', 'auto_update_dcv', 'replace', 'report', 'close', '__enter__', '__exit__'):
        assert callable(getattr(ComodoClient, name)) and callable(getattr(ComodoSoapClient, name))


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_unreachable_wsdl_is_transient():
    url = 'http://127.0.0.1:%d/ws/EPKIManagerSSL?wsdl' % _free_port()
    with ComodoSoapClient(url, 'l', 'p', 'c', timeout=2) as client:
        with pytest.raises(TransientError):
            client.collect('1')


class _Handler(http.server.BaseHTTPRequestHandler):
    status = 404
    body = b'nothing here'
    delay = 0

    def do_GET(self):
        time.sleep(self.delay)
        self.send_response(self.status)
        self.send_header('Content-Type', 'text/html')
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    """A plain HTTP server answering every GET as `handler` says; yields (base, handler)."""
    handler = type('Handler', (_Handler,), {})
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d' % server.server_port, handler
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize('status, body, family', [
    (404, b'nothing here', ConfigurationError),
    (503, b'busy', TransientError),
    (200, b'<html><body>a proxy page', TransientError),
])
def test_bad_wsdl_answers(web_server, status, body, family):
    base, handler = web_server
    handler.status, handler.body = status, body
    with ComodoSoapClient(base + '/ws/EPKIManagerSSL?wsdl', 'l', 'p', 'c', timeout=5) as client:
        with pytest.raises(family):
            client.collect('1')


def test_slow_wsdl_is_transient(web_server):
    base, handler = web_server
    handler.status, handler.body, handler.delay = 200, b'<x/>', 2
    with ComodoSoapClient(base + '/ws/EPKIManagerSSL?wsdl', 'l', 'p', 'c', timeout=0.5) as client:
        with pytest.raises(TransientError, match='no answer'):
            client.collect('1')


# --- against the sandbox's EPKIManagerSSL endpoint ----------------------------------------------

CERT_TYPE_DV = 287
CERT_TYPE_MULTI_DOMAIN = 279


def wsdl_url(sandbox):
    return sandbox.base + '/ws/EPKIManagerSSL?wsdl'


def soap_client(sandbox, timeout=10, login='demo', password='demo'):
    return ComodoSoapClient(wsdl_url(sandbox), login, password, 'demo', timeout=timeout)


@pytest.fixture
def client(comodo_sandbox):
    with soap_client(comodo_sandbox) as ca_client:
        yield ca_client


class Enrolled(object):
    """A certificate requested through enroll, with what went into it."""

    def __init__(self, ca_client, scenario='shop', key_type='rsa', cert_type=CERT_TYPE_DV,
                 extra_domains=()):
        self.domain = '%s-%s.example.com' % (scenario, uuid.uuid4().hex[:12])
        self.domains = [self.domain] + ['%s.%s' % (label, self.domain) for label in extra_domains]
        self.key_pem = generate_private_key(key_type)
        self.csr_pem = build_csr(self.key_pem, self.domains)
        self.foreign_order_number = 'SO-%s' % uuid.uuid4().hex[:12]
        self.placed = ca_client.place_order(cert_type, 365, self.csr_pem, self.domains,
                                            foreign_order_number=self.foreign_order_number)
        self.number = self.placed.order_number


def test_soap_enroll_pending_approve_issued(client, comodo_sandbox, tmp_path):
    enrolled = Enrolled(client)
    placed = enrolled.placed
    assert placed.order_number.isdigit() and placed.certificate_id == placed.order_number
    assert (placed.paid, placed.ca_code, placed.total_cost) == (True, 0, None)
    pending = client.collect(enrolled.number)
    assert (pending.status, pending.ca_code, pending.certificate_pem, pending.chain_pem) == (
        OrderStatus.PENDING, 0, None, [])
    comodo_sandbox.approve(enrolled.number)
    ca_checks.assert_issued_for(client.collect(enrolled.number), enrolled, comodo_sandbox, tmp_path)


def test_soap_instant_multi_domain_issued_at_once(client, comodo_sandbox, tmp_path):
    enrolled = Enrolled(client, 'instant', key_type='ec', cert_type=CERT_TYPE_MULTI_DOMAIN,
                        extra_domains=('www', 'mail'))
    ca_checks.assert_issued_for(client.collect(enrolled.number), enrolled, comodo_sandbox, tmp_path)


def test_soap_rejected_by_hand(client, comodo_sandbox):
    enrolled = Enrolled(client)
    comodo_sandbox.reject(enrolled.number)
    result = client.collect(enrolled.number)
    assert (result.status, result.ca_code, result.certificate_pem) == (
        OrderStatus.REJECTED, -20, None)


def test_soap_decisions_when_due(sandbox_factory):
    sandbox = sandbox_factory(issue_after=0.5)
    with soap_client(sandbox) as ca_client:
        rejected, issued = Enrolled(ca_client, 'reject'), Enrolled(ca_client)
        time.sleep(0.7)
        assert ca_client.collect(rejected.number).status == OrderStatus.REJECTED
        result = ca_client.collect(issued.number)
        assert result.status == OrderStatus.ISSUED and result.certificate_pem


def test_soap_revoke(client, comodo_sandbox):
    enrolled = Enrolled(client, 'instant')
    assert client.collect(enrolled.number).status == OrderStatus.ISSUED
    assert client.revoke(enrolled.number, reason='key compromise') is None
    result = client.collect(enrolled.number)
    assert (result.status, result.ca_code) == (OrderStatus.REVOKED, -21)
    # Repeating it is harmless (-21 counts as done).
    assert client.revoke(enrolled.number) is None


def test_soap_revoke_unknown_id_is_request_error(client):
    with pytest.raises(RequestError) as info:
        client.revoke('999999999')
    assert info.value.code == -40


def test_soap_enroll_sends_what_the_notes_say(client, comodo_sandbox):
    domain = 'shop-%s.example.com' % uuid.uuid4().hex[:12]
    domains = [domain, 'www.' + domain]
    placed = client.place_order(CERT_TYPE_MULTI_DOMAIN, 730, build_csr(
        generate_private_key('ec'), domains), domains, foreign_order_number='SO-soap-1')
    stored = next(o for o in comodo_sandbox.orders()
                  if str(o['orderNumber']) == placed.order_number)
    assert stored['foreignOrderNumber'] == 'SO-soap-1'   # sent as comments
    assert stored['days'] == 730                          # term 2 (years)
    assert stored['domains'] == domains and stored['product'] == CERT_TYPE_MULTI_DOMAIN
    calls = [c for c in comodo_sandbox.calls() if c['action'].startswith('soap.')]
    assert {'action': 'soap.enroll', 'orderNumber': int(placed.order_number),
            'errorCode': 0}.items() <= calls[-1].items()


@pytest.mark.parametrize('days, code', [(3650, -36)])
def test_soap_bad_term_is_configuration_error(client, days, code):
    domain = 'shop-%s.example.com' % uuid.uuid4().hex[:12]
    with pytest.raises(ConfigurationError) as info:
        client.place_order(CERT_TYPE_DV, days, build_csr(generate_private_key('ec'), [domain]),
                           [domain])
    assert info.value.code == code


def test_soap_scenarios(client, comodo_sandbox):
    flaky = Enrolled(client, 'flaky')             # the enroll is the order's 1st call
    with pytest.raises(TransientError) as info:
        client.collect(flaky.number)              # 2nd: -14
    assert info.value.code == -14 and info.value.retryable
    assert client.collect(flaky.number).status == OrderStatus.PENDING
    unpaid = Enrolled(client, 'unpaid')
    result = client.collect(unpaid.number)
    assert (result.status, result.ca_code) == (OrderStatus.AWAITING_PAYMENT, -22)
    with pytest.raises(ConfigurationError) as info:
        Enrolled(client, 'nocredit')
    assert info.value.code == -120


def test_soap_revoke_pending_rejects_it(client):
    enrolled = Enrolled(client)
    client.revoke(enrolled.number)
    assert client.collect(enrolled.number).status == OrderStatus.REJECTED


def test_soap_fail_rate_is_transient(sandbox_factory):
    sandbox = sandbox_factory(fail_rate=1.0)
    with soap_client(sandbox) as ca_client:
        with pytest.raises(TransientError) as info:
            ca_client.collect('1000001')
    assert info.value.code == -14


def test_soap_bad_login_is_configuration_error(comodo_sandbox):
    with soap_client(comodo_sandbox, password='wrong') as ca_client:
        with pytest.raises(ConfigurationError) as info:
            Enrolled(ca_client)
    assert info.value.code in (-100, -16)
    with soap_client(comodo_sandbox, password='wrong') as ca_client:
        with pytest.raises(ConfigurationError):
            ca_client.collect('1000001')


def test_soap_bad_csr_is_request_error(client):
    domain = 'shop-%s.example.com' % uuid.uuid4().hex[:12]
    bad_csr = '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----'
    with pytest.raises(RequestError) as info:
        client.place_order(CERT_TYPE_DV, 365, bad_csr, [domain])
    assert info.value.code in (-10, -11, -12, -13)


def test_soap_unknown_cert_type_is_configuration_error(client):
    domain = 'shop-%s.example.com' % uuid.uuid4().hex[:12]
    csr = build_csr(generate_private_key('ec'), [domain])
    with pytest.raises(ConfigurationError, match='not available to this account'):
        client.place_order(123456, 365, csr, [domain])


def test_soap_unsupported_operations_and_find_order(client):
    for name in ('dcv_emails', 'resend_dcv', 'update_dcv', 'replace', 'report'):
        with pytest.raises(ConfigurationError, match='Certificate Manager'):
            getattr(client, name)('1000001')
    assert client.find_order('SO-anything') is None


def test_soap_timeout_is_transient(sandbox_factory):
    sandbox = sandbox_factory(latency=1000, issue_after=3600)
    with soap_client(sandbox, timeout=0.3) as impatient:
        started = time.time()
        with pytest.raises(TransientError) as info:
            impatient.collect('1000001')
        assert time.time() - started < 2.5
    assert info.value.code is None and info.value.retryable


def test_soap_endpoint_gone_is_transient(sandbox_factory):
    sandbox = sandbox_factory(issue_after=3600)
    with soap_client(sandbox) as ca_client:
        Enrolled(ca_client)   # the WSDL is loaded
        sandbox.stop()
        with pytest.raises(TransientError):
            ca_client.collect('1000001')


def test_soap_never_logs_secrets(comodo_sandbox, caplog):
    import logging
    caplog.set_level(logging.DEBUG)
    with ComodoSoapClient(wsdl_url(comodo_sandbox), 'demo', 'demo', 'demo', timeout=10,
                          secret_key='s3cr3t-key') as ca_client:
        enrolled = Enrolled(ca_client)
        ca_client.collect(enrolled.number)
    assert 'CERTIFICATE REQUEST' not in caplog.text
    assert 's3cr3t-key' not in caplog.text
    assert '<password>' not in caplog.text and 'demo</' not in caplog.text

"""The client against the running sandbox CA, over real HTTP: every call and every error family.

The session sandbox decides nothing by itself for an hour, so orders stay pending until a test
approves or rejects them; private sandboxes (sandbox_factory) cover timing, latency and restarts.
"""
import time
import uuid

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from comodo_client import (ComodoClient, ConfigurationError, OrderStatus, RequestError,
                           TransientError, build_csr, dcv_instructions, generate_private_key)
from comodo_client import wire

import ca_checks

PRODUCT_DV = 287
PRODUCT_MULTI_DOMAIN = 279


@pytest.fixture
def client(comodo_sandbox):
    with ComodoClient(comodo_sandbox.url, 'demo', 'demo', timeout=10) as ca_client:
        yield ca_client


def new_domain(scenario='shop'):
    return '%s-%s.example.com' % (scenario, uuid.uuid4().hex[:12])


class Order(object):
    """A placed order with what went into it."""

    def __init__(self, ca_client, scenario='shop', key_type='rsa', product=PRODUCT_DV, days=365,
                 extra_domains=()):
        self.domain = new_domain(scenario)
        self.domains = [self.domain] + ['%s.%s' % (label, self.domain) for label in extra_domains]
        self.key_pem = generate_private_key(key_type)
        self.csr_pem = build_csr(self.key_pem, self.domains)
        self.foreign_order_number = 'SO-%s' % uuid.uuid4().hex[:12]
        approver = ca_client.dcv_emails(self.domain)[0]
        self.placed = ca_client.place_order(
            product, days, self.csr_pem, self.domains, dcv_method='EMAIL',
            dcv_emails=[approver] * len(self.domains),
            foreign_order_number=self.foreign_order_number)
        self.number = self.placed.order_number


def sandbox_order(sandbox, order_number):
    return next(o for o in sandbox.orders() if str(o['orderNumber']) == str(order_number))


def assert_issued_for(result, order, sandbox, tmp_path):
    ca_checks.assert_issued_for(result, order, sandbox, tmp_path)
    stored = sandbox_order(sandbox, order.number)
    assert stored['serialNumber'].upper().lstrip('0') == result.serial_number


# --- the life of an order -----------------------------------------------------------------------

def test_place_collect_pending_approve_issued(client, comodo_sandbox, tmp_path):
    order = Order(client)
    assert order.placed.paid is True and order.placed.ca_code == 0
    assert order.placed.order_number.isdigit() and order.placed.certificate_id
    assert order.placed.total_cost
    pending = client.collect(order.number)
    assert (pending.status, pending.ca_code, pending.certificate_pem, pending.chain_pem) == (
        OrderStatus.PENDING, 0, None, [])
    comodo_sandbox.approve(order.number)
    assert_issued_for(client.collect(order.number), order, comodo_sandbox, tmp_path)


def test_ec_multi_domain_order_is_issued_with_every_name(client, comodo_sandbox, tmp_path):
    order = Order(client, 'instant', key_type='ec', product=PRODUCT_MULTI_DOMAIN,
                  extra_domains=('www', 'mail'))
    assert_issued_for(client.collect(order.number), order, comodo_sandbox, tmp_path)


@pytest.mark.parametrize('method', ['HTTP_CSR_HASH', 'CNAME_CSR_HASH'])
def test_multi_domain_file_or_dns_order_is_validated_per_domain(client, comodo_sandbox, method):
    domain = new_domain()
    domains = [domain, 'www.' + domain]
    placed = client.place_order(PRODUCT_MULTI_DOMAIN, 365, build_csr(generate_private_key('ec'), domains),
                                domains, dcv_method=method)
    assert [(entry['domain'], entry['method']) for entry in
            sandbox_order(comodo_sandbox, placed.order_number)['dcv']] == [(d, method) for d in domains]


def test_leaf_found_in_a_text_answer_by_the_csr_key(client, comodo_sandbox):
    order = Order(client, 'instant')
    text = requests.post(comodo_sandbox.url + 'download/CollectSSL', timeout=10, data={
        'loginName': 'demo', 'loginPassword': 'demo', 'orderNumber': order.number, 'queryType': 1,
        'showValidityPeriod': 'Y', 'showFQDN': 'Y', 'responseFormat': 0}).text
    result = wire.read_collect(wire.parse_response(text), csr_pem=order.csr_pem)
    assert ca_checks.public_key_der(result.certificate_pem) == ca_checks.public_key_der(order.key_pem)
    assert len(result.chain_pem) == 2


def test_rejected_by_hand(client, comodo_sandbox):
    order = Order(client)
    comodo_sandbox.reject(order.number)
    result = client.collect(order.number)
    assert (result.status, result.ca_code, result.certificate_pem) == (
        OrderStatus.REJECTED, -20, None)


def test_decisions_when_due(sandbox_factory):
    sandbox = sandbox_factory(issue_after=0.2)
    with ComodoClient(sandbox.url, 'demo', 'demo', timeout=10) as ca_client:
        rejected, issued = Order(ca_client, 'reject'), Order(ca_client)
        never = Order(ca_client, 'never')
        time.sleep(0.3)
        result = ca_client.collect(rejected.number)
        assert (result.status, result.ca_code) == (OrderStatus.REJECTED, -20)
        assert ca_client.collect(issued.number).status == OrderStatus.ISSUED
        assert ca_client.collect(never.number).status == OrderStatus.PENDING


def test_revoke_issued_then_again(client):
    order = Order(client, 'instant')
    assert client.collect(order.number).status == OrderStatus.ISSUED
    assert client.revoke(order.number, 'key compromised', 1) is None
    result = client.collect(order.number)
    assert (result.status, result.ca_code) == (OrderStatus.REVOKED, -21)
    # The CA answers -21 "already revoked": a repeated revocation is done, not an error.
    assert client.revoke(order.number) is None


def test_revoke_pending_rejects(client):
    order = Order(client)
    client.revoke(order.number)
    assert client.collect(order.number).status == OrderStatus.REJECTED


def test_unpaid_awaits_payment(client, comodo_sandbox):
    order = Order(client, 'unpaid')
    assert (order.placed.paid, order.placed.ca_code) == (False, 1)
    result = client.collect(order.number)
    assert (result.status, result.ca_code) == (OrderStatus.AWAITING_PAYMENT, -22)
    comodo_sandbox.approve(order.number)
    assert client.collect(order.number).status == OrderStatus.ISSUED


# --- errors by family ---------------------------------------------------------------------------

def test_bad_password_is_configuration(comodo_sandbox):
    with ComodoClient(comodo_sandbox.url, 'demo', 'wrong', timeout=10) as ca_client:
        with pytest.raises(ConfigurationError) as info:
            ca_client.collect('1000001')
    assert info.value.code == -16 and not info.value.retryable
    assert str(info.value).startswith('Comodo error -16: ')


def test_no_credit_is_configuration_and_places_nothing(client, comodo_sandbox):
    domain = new_domain('nocredit')
    foreign_order_number = 'SO-%s' % uuid.uuid4().hex[:12]
    with pytest.raises(ConfigurationError) as info:
        client.place_order(PRODUCT_DV, 365, build_csr(generate_private_key('ec'), [domain]),
                           [domain], dcv_emails=client.dcv_emails(domain)[:1],
                           foreign_order_number=foreign_order_number)
    assert info.value.code == -15
    assert client.find_order(foreign_order_number) is None
    assert not [o for o in comodo_sandbox.orders() if o['commonName'] == domain]


def test_term_without_price_is_configuration(client):
    with pytest.raises(ConfigurationError) as info:
        Order(client, days=100)
    assert info.value.code == -115


def test_unknown_product_is_a_request_error(client):
    with pytest.raises(RequestError) as info:
        Order(client, product=999999)
    assert info.value.code == -4 and 'product' in info.value.message


@pytest.mark.parametrize('csr_kind, code', [('garbage', -9), ('wildcard', -5), ('small_key', -13)])
def test_bad_csr_is_a_request_error(client, csr_kind, code):
    domain = new_domain()
    if csr_kind == 'garbage':
        csr_pem = ('-----BEGIN CERTIFICATE REQUEST-----\nnot*base64!\n'
                   '-----END CERTIFICATE REQUEST-----')
    elif csr_kind == 'wildcard':
        csr_pem = build_csr(generate_private_key(), ['*.' + domain])
    else:
        small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        csr_pem = build_csr(small.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode(), [domain])
    with pytest.raises(RequestError) as info:
        client.place_order(PRODUCT_DV, 365, csr_pem, [domain])
    assert info.value.code == code and info.value.message


def test_timeout_is_transient_and_find_order_recovers_the_order(sandbox_factory):
    sandbox = sandbox_factory(latency=1000, issue_after=3600)
    domain = new_domain()
    csr_pem = build_csr(generate_private_key('ec'), [domain])
    with ComodoClient(sandbox.url, 'demo', 'demo', timeout=0.3) as impatient:
        started = time.time()
        with pytest.raises(TransientError) as info:
            impatient.place_order(PRODUCT_DV, 365, csr_pem, [domain],
                                  dcv_emails=['admin@example.com'], foreign_order_number='SO-lost')
        assert time.time() - started < 1.0
    assert info.value.code is None and info.value.retryable
    # The CA may still have placed it: the recovery look-up finds it by our own number.
    with ComodoClient(sandbox.url, 'demo', 'demo', timeout=10) as patient:
        order_number = patient.find_order('SO-lost')
        assert order_number is not None
        assert sandbox_order(sandbox, order_number)['commonName'] == domain


def test_html_page_is_not_a_crash(comodo_sandbox):
    # The admin site answers POSTs to unknown paths with a plain 404 page: the URL is wrong.
    with ComodoClient(comodo_sandbox.base + '/admin/', 'demo', 'demo', timeout=10) as ca_client:
        with pytest.raises(ConfigurationError, match='HTTP 404'):
            ca_client.collect('1000001')
    assert requests.get(comodo_sandbox.base + '/admin/', timeout=10).text.lstrip().startswith(
        '<!DOCTYPE html>')


def test_flaky_is_transient_then_succeeds(client):
    order = Order(client, 'flaky')          # the order's 1st call succeeds
    with pytest.raises(TransientError) as info:
        client.collect(order.number)        # 2nd: -14
    assert info.value.code == -14 and info.value.retryable
    assert client.collect(order.number).status == OrderStatus.PENDING   # 3rd: fine


def test_fail_rate_makes_every_call_transient(sandbox_factory):
    sandbox = sandbox_factory(fail_rate=1.0)
    with ComodoClient(sandbox.url, 'demo', 'demo', timeout=10) as ca_client:
        with pytest.raises(TransientError) as info:
            ca_client.dcv_emails('example.com')
    assert info.value.code == -14


def test_plain_http_refused_when_https_required(sandbox_factory):
    sandbox = sandbox_factory(require_https=True)
    with ComodoClient(sandbox.url, 'demo', 'demo', timeout=10) as ca_client:
        with pytest.raises(ConfigurationError) as info:
            ca_client.collect('1000001')
    assert info.value.code == -1


# --- validation calls ---------------------------------------------------------------------------

def test_dcv_emails(client):
    emails = client.dcv_emails('shop.example.co.uk')
    assert emails[:5] == ['%s@example.co.uk' % box for box in
                          ('admin', 'administrator', 'hostmaster', 'postmaster', 'webmaster')]
    assert 'admin@shop.example.co.uk' in emails and 'none' not in emails
    with pytest.raises(RequestError) as info:
        client.dcv_emails('192.0.2.7')
    assert info.value.code == -19
    with pytest.raises(RequestError) as info:
        client.dcv_emails('intranet')
    assert info.value.code == -37


def test_resend_dcv(client, comodo_sandbox):
    order = Order(client)
    before = sandbox_order(comodo_sandbox, order.number)['dcvResends']
    client.resend_dcv(order.number)
    client.resend_dcv(order.number, 'webmaster@example.com')
    assert sandbox_order(comodo_sandbox, order.number)['dcvResends'] == before + 2


def test_update_dcv_then_refused_once_issued(client, comodo_sandbox):
    order = Order(client)
    client.update_dcv(order.number, 'CNAME_CSR_HASH')
    assert 'CNAME_CSR_HASH' in repr(sandbox_order(comodo_sandbox, order.number)['dcv'])
    client.update_dcv(order.number, 'EMAIL', email='hostmaster@example.com')
    comodo_sandbox.approve(order.number)
    client.collect(order.number)
    with pytest.raises(RequestError):
        client.update_dcv(order.number, 'HTTP_CSR_HASH')


def test_auto_update_dcv_sets_each_names_method(client, comodo_sandbox):
    single = Order(client)
    client.auto_update_dcv(single.number, [(single.domain, 'CNAME_CSR_HASH')])
    assert [entry['method'] for entry in sandbox_order(comodo_sandbox, single.number)['dcv']] == ['CNAME_CSR_HASH']
    multi = Order(client, product=PRODUCT_MULTI_DOMAIN, extra_domains=('www', 'mail'))
    www, mail = multi.domains[1:]
    client.auto_update_dcv(multi.number, [(www, 'HTTP_CSR_HASH'), (mail, 'CNAME_CSR_HASH')], multi_domain=True)
    assert [(entry['domain'], entry['method']) for entry in sandbox_order(comodo_sandbox, multi.number)['dcv']] == [
        (multi.domain, 'EMAIL'), (www, 'HTTP_CSR_HASH'), (mail, 'CNAME_CSR_HASH')]
    with pytest.raises(ValueError):
        client.auto_update_dcv(multi.number, [(www, 'EMAIL')], multi_domain=True)
    with pytest.raises(RequestError):
        client.auto_update_dcv(multi.number, [('other.example.com', 'HTTP_CSR_HASH')], multi_domain=True)


def test_replace_issues_a_new_certificate_for_the_new_key(client, comodo_sandbox, tmp_path):
    order = Order(client, 'instant')
    first = client.collect(order.number)
    order.key_pem = generate_private_key('ec')
    new_csr = build_csr(order.key_pem, order.domains)
    replaced = client.replace(order.number, new_csr, dcv_method='HTTP_CSR_HASH',
                              unique_value='Reissue1')
    assert replaced.order_number == order.number
    assert replaced.certificate_id == order.placed.certificate_id
    assert replaced.unique_value == 'Reissue1'
    second = client.collect(order.number)
    assert_issued_for(second, order, comodo_sandbox, tmp_path)
    assert second.serial_number != first.serial_number


def test_dcv_hashes_agree_with_the_ca_decode_csr(comodo_sandbox):
    csr_pem = build_csr(generate_private_key(), [new_domain()])
    decoded = requests.post(comodo_sandbox.url + '!DecodeCSR', data={'csr': csr_pem},
                            timeout=10).text.split()
    ca_hashes = dict(line.split('=', 1) for line in decoded[1:])
    cname = dcv_instructions(csr_pem, 'CNAME_CSR_HASH', 'example.com')
    http = dcv_instructions(csr_pem, 'HTTP_CSR_HASH', 'example.com')
    assert cname.cname_name == '_%s.example.com' % ca_hashes['md5'].lower()
    assert cname.cname_target == '%s.%s.sectigo.com' % (ca_hashes['sha256'][:32].lower(),
                                                        ca_hashes['sha256'][32:].lower())
    assert http.file_name == '/.well-known/pki-validation/%s.txt' % ca_hashes['md5'].upper()
    assert http.file_content.split('\n')[0] == ca_hashes['sha256'].lower()


# --- reports ------------------------------------------------------------------------------------

def test_report_and_find_order(client, comodo_sandbox):
    order = Order(client, 'instant')
    client.collect(order.number)
    entries = client.report(orderNumber=order.number, showCertificateID=True)
    assert [entry.order_number for entry in entries] == [order.number]
    entry = entries[0]
    assert entry.order_status == 'Issued' and entry.date_time is not None
    certificate = entry.certificates[0]
    assert certificate.domain == order.domain
    assert certificate.certificate_id == order.placed.certificate_id
    assert certificate.serial_number == client.collect(order.number).serial_number
    assert certificate.not_before and certificate.not_after > certificate.not_before
    assert client.find_order(order.foreign_order_number) == order.number
    assert client.find_order('SO-never-placed-%s' % uuid.uuid4().hex) is None
    by_domain = client.report(fqdn=order.domain)
    assert [entry.order_number for entry in by_domain] == [order.number]


def test_restart_mid_order_loses_nothing(sandbox_factory):
    sandbox = sandbox_factory(issue_after=3600)
    with ComodoClient(sandbox.url, 'demo', 'demo', timeout=10) as ca_client:
        order = Order(ca_client)
        sandbox.restart()
        assert ca_client.collect(order.number).status == OrderStatus.PENDING
        assert ca_client.find_order(order.foreign_order_number) == order.number
        sandbox.approve(order.number)
        assert ca_client.collect(order.number).status == OrderStatus.ISSUED


# --- the other response style, read from the same CA --------------------------------------------

def test_text_style_answers_read_the_same(client, comodo_sandbox):
    order = Order(client, 'instant')
    urlencoded = client.collect(order.number)
    text = requests.post(comodo_sandbox.url + 'download/CollectSSL', timeout=10, data={
        'loginName': 'demo', 'loginPassword': 'demo', 'orderNumber': order.number,
        'queryType': 1, 'responseType': 3, 'showValidityPeriod': 'Y', 'showFQDN': 'Y',
        'responseFormat': 0}).text
    # Only the URL-encoded style carries the certificateStatus text.
    assert urlencoded.message == 'Issued'
    assert wire.read_collect(wire.parse_response(text)) == urlencoded._replace(message='')
    domain = new_domain()
    applied = requests.post(comodo_sandbox.url + '!AutoApplySSL', timeout=10, data={
        'loginName': 'demo', 'loginPassword': 'demo', 'product': PRODUCT_DV, 'days': 365,
        'csr': build_csr(generate_private_key('ec'), [domain]), 'serverSoftware': -1,
        'isCustomerValidated': 'Y', 'showCertificateID': 'Y', 'uniqueValue': 'Text0',
        'dcvEmailAddress': 'admin@example.com', 'responseFormat': 0}).text
    placed = wire.read_placed_order(wire.parse_response(applied), 'Text0')
    stored = sandbox_order(comodo_sandbox, placed.order_number)
    assert stored['commonName'] == domain
    assert placed.certificate_id == str(stored['certificateID'])
    assert placed.unique_value == 'Text0' and placed.paid
    replaced = requests.post(comodo_sandbox.url + '!AutoReplaceSSL', timeout=10, data={
        'loginName': 'demo', 'loginPassword': 'demo', 'orderNumber': placed.order_number,
        'csr': build_csr(generate_private_key('ec'), [domain]), 'showCertificateID': 'Y',
        'isCustomerValidated': 'Y', 'dcvMethod': 'CNAME_CSR_HASH', 'uniqueValue': 'Text1',
        'responseFormat': 0}).text
    assert wire.read_replaced_order(wire.parse_response(replaced), placed.order_number,
                                    'Text1') == placed._replace(unique_value='Text1',
                                                                total_cost=None)


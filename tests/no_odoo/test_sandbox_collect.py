"""CollectSSL and the life of an order: issuing (a real chain), rejection, revocation, reissue, flaky."""
import base64
import subprocess
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

PEM_END = '-----END CERTIFICATE-----'


def pem_blocks(lines):
    """The PEM blocks in TEXT answer lines, each ending with its newline as in a .pem file."""
    text = '\n'.join(lines) + '\n'
    return [block + PEM_END + '\n' for block in text.split(PEM_END + '\n')[:-1]]


def der_to_pem(text):
    return x509.load_der_x509_certificate(base64.b64decode(text)).public_bytes(serialization.Encoding.PEM).decode()


def public_der(key):
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def read(path):
    with open(path) as source:
        return source.read()


def test_pending_order_is_being_processed(api):
    order_number = api.place('pending.example.com')
    answer = api.collect(order_number)
    assert answer['errorCode'] == ['0'] and answer['orderNumber'] == [str(order_number)]
    assert 'certificate' not in answer
    assert api.text('download/CollectSSL', orderNumber=order_number, queryType=1, responseType=3) == ['0']


def test_issued_certificate_chain_verifies_with_openssl(api, comodo_sandbox, tmp_path):
    answer, key = api.apply('instant-chain.example.com', showCertificateID='Y')
    answer = api.collect(answer['orderNumber'][0], showValidityPeriod='Y', showFQDN='Y')
    assert answer['errorCode'] == ['2'] and answer['certificateStatus'] == ['Issued']
    assert answer['fqdn'] == ['instant-chain.example.com']
    leaf_pem = der_to_pem(answer['certificate'][0])
    intermediate_pem, root_pem = [der_to_pem(text) for text in answer['caCertificate']]
    assert intermediate_pem == read(comodo_sandbox.intermediate_pem)
    assert root_pem == read(comodo_sandbox.root_pem)
    (tmp_path / 'leaf.pem').write_text(leaf_pem)
    result = subprocess.run(['openssl', 'verify', '-CAfile', comodo_sandbox.root_pem, '-untrusted',
                             comodo_sandbox.intermediate_pem, str(tmp_path / 'leaf.pem')],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert result.returncode == 0 and result.stdout.strip().endswith(': OK'), result.stdout

    leaf = x509.load_pem_x509_certificate(leaf_pem.encode())
    assert public_der(leaf) == public_der(key)
    assert leaf.subject.rfc4514_string() == 'CN=instant-chain.example.com'
    assert leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName) == ['instant-chain.example.com']
    assert x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in leaf.extensions.get_extension_for_class(
        x509.ExtendedKeyUsage).value
    assert answer['notBefore'] == [str(int(leaf.not_valid_before_utc.timestamp()))]
    assert answer['notAfter'] == [str(int(leaf.not_valid_after_utc.timestamp()))]


def test_text_layout_of_an_issued_certificate(api, comodo_sandbox):
    order_number = api.place('instant-text.example.com')
    lines = api.text('download/CollectSSL', orderNumber=order_number, queryType=1, responseType=3,
                     showValidityPeriod='Y', showFQDN='Y')
    status, not_before, not_after, fqdn = lines[:4]
    assert status == '2' and fqdn == 'instant-text.example.com'
    assert int(not_after) - int(not_before) == 200 * 86400  # issued after 2026-03-15 (SC-081v3)
    # As the real CA answers: the CA certificates first, the customer's certificate last.
    intermediate, root, leaf = pem_blocks(lines[4:])
    assert x509.load_pem_x509_certificate(leaf.encode()).subject.rfc4514_string() == 'CN=instant-text.example.com'
    assert (intermediate, root) == (read(comodo_sandbox.intermediate_pem), read(comodo_sandbox.root_pem))

    assert api.text('download/CollectSSL', orderNumber=order_number, queryType=0) == ['1']
    assert api.text('download/CollectSSL', orderNumber=order_number, queryType=0, showFQDN='Y') == [
        '1', 'instant-text.example.com']
    assert len(pem_blocks(api.text('download/CollectSSL', orderNumber=order_number, queryType=2,
                                   responseType=3)[1:])) == 1
    assert pem_blocks(api.text('download/CollectSSL', orderNumber=order_number, queryType=3,
                               responseType=3)[1:]) == [intermediate, root]


def test_query_types_in_urlencoded_format(api):
    order_number = api.place('instant-query.example.com', showCertificateID='Y')
    status_only = api.collect(order_number, query_type=0)
    assert status_only['errorCode'] == ['1'] and 'certificate' not in status_only
    certificate_only = api.collect(order_number, query_type=2)
    assert 'certificate' in certificate_only and 'caCertificate' not in certificate_only
    chain_only = api.collect(order_number, query_type=3)
    assert 'certificate' not in chain_only and len(chain_only['caCertificate']) == 2


def test_collect_by_certificate_id(api):
    answer, _key = api.apply('instant-byid.example.com', showCertificateID='Y')
    collected = api.fields('download/CollectSSL', certificateID=answer['certificateID'][0], queryType=0,
                           responseFormat=1)
    assert collected['errorCode'] == ['1'] and collected['orderNumber'] == answer['orderNumber']


@pytest.mark.parametrize('fields, code, item', [
    ({'queryType': 9}, '-4', 'queryType'),
    ({'queryType': 'x'}, '-4', 'queryType'),
    ({'queryType': 1, 'responseType': 0}, '-4', 'responseType'),
    ({'queryType': 0, 'orderNumber': 'abc'}, '-4', 'orderNumber'),
    ({'queryType': 0, 'orderNumber': 42}, '-4', 'orderNumber'),
    ({'queryType': 0, 'orderNumber': ''}, '-3', 'orderNumber'),
])
def test_collect_argument_errors(api, fields, code, item):
    request = dict(orderNumber=api.place('args.example.com'), responseFormat=1)
    request.update(fields)
    answer = api.fields('download/CollectSSL', **request)
    assert answer['errorCode'] == [code] and answer['errorItem'] == [item], answer


def test_response_type_is_optional(api):
    """Sectigo's reference marks responseType optional: without it the certificates still come."""
    order_number = api.place('instant-notype.example.com')
    answer = api.fields('download/CollectSSL', orderNumber=order_number, queryType=1, responseFormat=1)
    assert answer['errorCode'] == ['2'] and answer['certificate'] and len(answer['caCertificate']) == 2
    lines = api.text('download/CollectSSL', orderNumber=order_number, queryType=1)
    assert lines[0] == '2' and len(pem_blocks(lines[1:])) == 3


def test_decisions_fall_due_after_issue_after(api_factory):
    api = api_factory(issue_after=60)
    rejected = api.place('reject-42.example.com')
    issued = api.place('due.example.com')
    never = api.place('never-1.example.com')
    assert [api.collect(number)['errorCode'] for number in (rejected, issued, never)] == [['0']] * 3
    # The sandbox's clock, not a sleep: a loaded machine must not decide the orders early.
    api.sandbox.set_clock(int(time.time()) + 61)
    assert api.collect(rejected)['errorCode'] == ['-20']
    assert api.text('download/CollectSSL', orderNumber=rejected, queryType=0)[0] == '-20'
    assert api.collect(issued)['errorCode'] == ['2']
    assert api.collect(never)['errorCode'] == ['0']
    assert api.sandbox.reject(never) == {'orderNumber': never, 'status': 'rejected'}
    assert api.collect(never)['errorCode'] == ['-20']


def test_flaky_order_fails_every_other_call(api):
    order_number = api.place('flaky-1.example.com')  # the order's 1st call
    codes = [api.collect(order_number)['errorCode'][0] for _ in range(4)]
    assert codes == ['-14', '0', '-14', '0']


def test_revocation(api):
    issued = api.place('instant-revoke.example.com')
    assert api.collect(issued)['errorCode'] == ['2']
    assert api.fields('!AutoRevokeSSL', orderNumber=issued, revocationReason='test', test='Y') == {'errorCode': ['0']}
    assert api.collect(issued)['errorCode'] == ['2']
    assert api.fields('!AutoRevokeSSL', orderNumber=issued, revocationReason='key lost',
                      codeReason=1) == {'errorCode': ['0']}
    assert api.collect(issued)['errorCode'] == ['-21']
    assert api.fields('!AutoRevokeSSL', orderNumber=issued)['errorCode'] == ['-21']

    pending = api.place('revoke-pending.example.com')
    assert api.fields('!AutoRevokeSSL', orderNumber=pending)['errorCode'] == ['0']
    assert api.collect(pending)['errorCode'] == ['-20']
    assert api.fields('!AutoRevokeSSL', orderNumber=pending)['errorCode'] == ['-20']
    assert api.fields('!AutoRevokeSSL', orderNumber=pending, codeReason=2)['errorItem'] == ['codeReason']
    assert api.fields('!AutoRevokeSSL')['errorCode'] == ['-3']


def test_revocation_by_serial_number(api, comodo_sandbox):
    order_number = api.place('instant-serial.example.com')
    api.collect(order_number)
    serial = [order for order in comodo_sandbox.orders() if order['orderNumber'] == order_number][0]['serialNumber']
    assert api.fields('!AutoRevokeSSL', serialNumber=serial.lower())['errorCode'] == ['0']
    assert api.collect(order_number)['errorCode'] == ['-21']


def test_reissue_with_a_new_key(api, make_csr):
    order_number = api.place('instant-replace.example.com')
    first = api.collect(order_number)['certificate'][0]
    csr, key = make_csr('instant-replace.example.com')
    lines = api.text('!AutoReplaceSSL', orderNumber=order_number, csr=csr, uniqueValue='again1')
    assert lines[0] == '0' and lines[3] == 'again1'
    second = api.collect(order_number)['certificate'][0]
    assert second != first
    leaf = x509.load_der_x509_certificate(base64.b64decode(second))
    assert public_der(leaf) == public_der(key)

    answer = api.fields('!AutoReplaceSSL', orderNumber=order_number, csr=make_csr('other.example.com')[0],
                        responseFormat=1)
    assert answer['errorCode'] == ['-4'] and answer['errorItem'] == ['csr']


def test_reissue_of_a_pending_order_restarts_its_timer_and_final_orders_refuse(api, comodo_sandbox, make_csr):
    order_number = api.place('replace-pending.example.com')
    due = [order for order in comodo_sandbox.orders() if order['orderNumber'] == order_number][0]['dueAt']
    csr, _key = make_csr('replace-pending.example.com')
    answer = api.fields('!AutoReplaceSSL', orderNumber=order_number, csr=csr, responseFormat=1)
    assert answer['errorCode'] == ['0'] and 'certificateID' in answer
    stored = [order for order in comodo_sandbox.orders() if order['orderNumber'] == order_number][0]
    assert stored['dueAt'] > due and stored['status'] == 'pending'
    comodo_sandbox.reject(order_number)
    assert api.text('!AutoReplaceSSL', orderNumber=order_number, csr=csr)[0] == '-20'

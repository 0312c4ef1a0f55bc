"""The response parsers and the error table, on bodies written by hand from the protocol notes."""
import base64
import datetime
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from comodo_client import (CollectResult, ComodoError, ConfigurationError, OrderStatus,
                           PlacedOrder, RequestError, TransientError)
from comodo_client import wire
from comodo_client.errors import error_for_code

NOT_BEFORE = datetime.datetime(2024, 1, 2, 3, 4, 5)
NOT_AFTER = datetime.datetime(2025, 1, 2, 3, 4, 5)
UNIX_NOT_BEFORE = '1704164645'  # 2024-01-02 03:04:05 UTC
UNIX_NOT_AFTER = '1735787045'   # 2025-01-02 03:04:05 UTC


def _certificate(subject_cn, issuer_cn, key, issuer_key, serial, ca):
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn)]))
               .public_key(key.public_key())
               .serial_number(serial)
               .not_valid_before(NOT_BEFORE)
               .not_valid_after(NOT_AFTER)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope='module')
def chain():
    """(leaf, intermediate, root) as Base64 DER without armour, the way the CA sends them."""
    root_key, inter_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = _certificate('Test Root', 'Test Root', root_key, root_key, 1, True)
    inter = _certificate('Test Intermediate', 'Test Root', inter_key, root_key, 2, True)
    leaf = _certificate('example.com', 'Test Intermediate', leaf_key, inter_key, 0xABCDEF0123,
                        False)
    return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode('ascii')
            for c in (leaf, inter, root)]


def _pem_body(pem):
    return ''.join(pem.strip().splitlines()[1:-1])


# --- generic parsing ----------------------------------------------------------------------------

def test_urlencoded_repeated_keys_become_lists():
    fields = wire.parse_urlencoded('errorCode=0&caCertificate=AAA&caCertificate=BBB&one=x&empty=')
    assert fields == {'errorCode': '0', 'caCertificate': ['AAA', 'BBB'], 'one': 'x', 'empty': ''}


@pytest.mark.parametrize('body', [
    '', '   \r\n', '<html><body><h1>Service Unavailable</h1></body></html>',
    '<!DOCTYPE html>\n<html>\n<head><title>Admin</title></head>\n</html>\n',
    'Internal Server Error', '404 Not Found\n', 'errorCode=abc&errorMessage=x', 'orderNumber=12',
    None,
])
def test_bodies_that_are_not_the_protocol_are_transient(body):
    with pytest.raises(TransientError) as info:
        wire.parse_response(body)
    assert info.value.retryable and info.value.code is None


def test_format0_error_takes_the_message_from_line_2():
    response = wire.parse_response('-16\r\nPermission denied!\r\n')
    assert (response.code, response.message) == (-16, 'Permission denied!')
    with pytest.raises(ConfigurationError) as info:
        wire.raise_for_code(response)
    assert info.value.code == -16 and info.value.message == 'Permission denied!'
    assert str(info.value) == 'Comodo error -16: Permission denied!'


def test_format1_error_decodes_message_and_names_the_item():
    response = wire.parse_response(
        "errorCode=-3&errorMessage=The+%27csr%27+argument+is+missing%21&errorItem=csr")
    assert response.code == -3
    assert response.message == "The 'csr' argument is missing! [csr]"
    with pytest.raises(RequestError):
        wire.raise_for_code(response)


def test_accepted_codes_do_not_raise():
    wire.raise_for_code(wire.parse_response('errorCode=-21&errorMessage=Revoked'), (-20, -21))


# --- the error table ----------------------------------------------------------------------------

@pytest.mark.parametrize('code, family', [
    (-14, TransientError), (-42, TransientError), (-23, TransientError), (-26, TransientError),
    (-16, ConfigurationError), (-15, ConfigurationError), (-1, ConfigurationError),
    (-17, ConfigurationError), (-115, ConfigurationError), (-2, ConfigurationError),
] + [(code, RequestError) for code in (-3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -18, -19,
                                       -24, -25, -35, -36, -37, -40, -41, -162)])
def test_error_families(code, family):
    error = error_for_code(code, 'text')
    assert type(error) is family and error.code == code and error.message == 'text'
    assert error.retryable == (family is TransientError)


@pytest.mark.parametrize('code', [-20, -21, -22, -90, -91, -160, -999])
def test_unknown_or_contextual_codes_are_the_base_class(code):
    error = error_for_code(code, '')
    assert type(error) is ComodoError and not error.retryable
    assert str(error) == 'Comodo error %d: no message from the CA' % code


def test_error_without_code_reads_well():
    assert str(TransientError('timed out')) == 'Comodo error: timed out'


# --- AutoApplySSL / AutoReplaceSSL --------------------------------------------------------------

def test_placed_order_format1():
    response = wire.parse_response('errorCode=0&orderNumber=3040824&totalCost=210.00'
                                   '&expectedDeliveryTime=1&certificateID=998877'
                                   '&uniqueValue=TnerFu0d')
    assert wire.read_placed_order(response, 'TnerFu0d') == PlacedOrder(
        '3040824', '998877', '210.00', True, 0, 'TnerFu0d')


def test_placed_order_format1_payment_required():
    response = wire.parse_response('errorCode=1&orderNumber=55&totalCost=9.50')
    placed = wire.read_placed_order(response)
    assert placed == PlacedOrder('55', None, '9.50', False, 1, None)


def test_placed_order_format0_positional_lines():
    placed = wire.read_placed_order(wire.parse_response('0\n1234567\n12.34\n1\n987654321\n'))
    assert placed == PlacedOrder('1234567', '987654321', '12.34', True, 0, None)


def test_placed_order_format0_with_state_line_and_unique_value():
    body = '1\n1234567\n12.34\n1\n987654321\nSomeState\nAbc123\n'
    placed = wire.read_placed_order(wire.parse_response(body), 'Abc123')
    assert placed == PlacedOrder('1234567', '987654321', '12.34', False, 1, 'Abc123')


def test_placed_order_error_raises():
    with pytest.raises(ConfigurationError):
        wire.read_placed_order(wire.parse_response('-15\nInsufficient credit\n'))


def test_replaced_order_format1_keeps_the_order_number():
    placed = wire.read_replaced_order(wire.parse_response(
        'errorCode=0&certificateID=42&expectedDeliveryTime=1'), '1000007')
    assert placed == PlacedOrder('1000007', '42', None, True, 0, None)


def test_replaced_order_format0():
    response = wire.parse_response('0\n42\n1\nNew1\n')
    assert wire.read_replaced_order(response, '1000007', 'New1') == PlacedOrder(
        '1000007', '42', None, True, 0, 'New1')
    assert wire.read_replaced_order(wire.parse_response('0\n42\n1\n'), '1000007') == PlacedOrder(
        '1000007', '42', None, True, 0, None)
    with pytest.raises(RequestError):
        wire.read_replaced_order(wire.parse_response('-36\nExpired\n'), '1000007')


# --- CollectSSL ---------------------------------------------------------------------------------

def test_collect_issued_format1_root_first_chain(chain):
    leaf, inter, root = chain
    # The CA may list the chain root first ([CD] reverses it): the result is ordered by issuer.
    body = ('errorCode=2&orderNumber=77&notBefore=%s&notAfter=%s&fqdn=example.com'
            '&certificate=%s&caCertificate=%s&caCertificate=%s&certificateStatus=Issued'
            % (UNIX_NOT_BEFORE, UNIX_NOT_AFTER, quote(leaf, safe=''), quote(root, safe=''),
               quote(inter, safe='')))
    result = wire.read_collect(wire.parse_response(body))
    assert isinstance(result, CollectResult)
    assert result.status == OrderStatus.ISSUED and result.ca_code == 2
    assert result.message == 'Issued'
    assert _pem_body(result.certificate_pem) == leaf
    assert result.certificate_pem.startswith('-----BEGIN CERTIFICATE-----\n')
    assert [_pem_body(pem) for pem in result.chain_pem] == [inter, root]
    assert (result.not_before, result.not_after) == (NOT_BEFORE, NOT_AFTER)
    assert result.serial_number == 'ABCDEF0123'
    assert result.fqdn == 'example.com'


def test_collect_single_ca_certificate_and_unescaped_plus(chain):
    leaf, inter, _ = chain
    # A '+' the CA forgot to escape arrives as a space after URL-decoding; it must still decode.
    body = 'errorCode=2&certificate=%s&caCertificate=%s' % (leaf, quote(inter, safe=''))
    result = wire.read_collect(wire.parse_response(body))
    assert _pem_body(result.certificate_pem) == leaf
    assert [_pem_body(pem) for pem in result.chain_pem] == [inter]
    # Without the CA's dates and FQDN, they come from the certificate.
    assert (result.not_before, result.not_after, result.fqdn) == (NOT_BEFORE, NOT_AFTER,
                                                                  'example.com')


def test_collect_serial_from_certificate_wins_over_a_wrong_one(chain):
    body = 'errorCode=2&serialNumber=01:02&certificate=%s' % quote(chain[0], safe='')
    assert wire.read_collect(wire.parse_response(body)).serial_number == 'ABCDEF0123'


def test_collect_issued_format0(chain):
    leaf, inter, root = chain
    body = '2\n%s\n%s\nexample.com\n%s\n%s\n%s\n' % (UNIX_NOT_BEFORE, UNIX_NOT_AFTER, leaf, inter,
                                                     root)
    result = wire.read_collect(wire.parse_response(body))
    assert result.status == OrderStatus.ISSUED
    assert _pem_body(result.certificate_pem) == leaf
    assert [_pem_body(pem) for pem in result.chain_pem] == [inter, root]
    assert (result.not_before, result.not_after, result.fqdn) == (NOT_BEFORE, NOT_AFTER,
                                                                  'example.com')


def test_collect_format0_as_the_real_ca_sends_it_leaf_last(chain):
    """Recorded CA traffic (responseFormat=0, queryType=1, responseType=3): the CA certificates
    come first and the customer's certificate last."""
    leaf, inter, root = chain
    body = '2\n%s\n%s\nexample.com\n%s\n%s\n%s\n' % (UNIX_NOT_BEFORE, UNIX_NOT_AFTER, inter, root,
                                                     leaf)
    result = wire.read_collect(wire.parse_response(body))
    assert _pem_body(result.certificate_pem) == leaf
    assert [_pem_body(pem) for pem in result.chain_pem] == [inter, root]
    assert result.serial_number == 'ABCDEF0123'


def test_collect_format0_leaf_is_the_one_with_the_csr_key(chain):
    """Two end-entity certificates (say a reissue's old and new one): the order's CSR decides."""
    leaf, inter, root = chain
    inter_key = ec.generate_private_key(ec.SECP256R1())
    # A second leaf under the intermediate's name, for a key whose CSR we hold.
    own_key = ec.generate_private_key(ec.SECP256R1())
    own = _certificate('example.com', 'Test Intermediate', own_key, inter_key, 0x1234, False)
    own_text = base64.b64encode(own.public_bytes(serialization.Encoding.DER)).decode('ascii')
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'example.com')]))
           .sign(own_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode('ascii'))
    body = '2\n\n\n\n%s\n%s\n%s\n%s\n' % (inter, leaf, own_text, root)
    assert _pem_body(wire.read_collect(wire.parse_response(body)).certificate_pem) == leaf
    result = wire.read_collect(wire.parse_response(body), csr_pem=csr)
    assert _pem_body(result.certificate_pem) == own_text and result.serial_number == '1234'


def test_collect_issued_but_not_attached():
    result = wire.read_collect(wire.parse_response('errorCode=1&orderNumber=77'))
    assert result.status == OrderStatus.ISSUED and result.certificate_pem is None
    assert result.chain_pem == [] and result.serial_number is None


@pytest.mark.parametrize('body, status, code', [
    ('errorCode=0&orderNumber=77', OrderStatus.PENDING, 0),
    ('0\n', OrderStatus.PENDING, 0),
    ('errorCode=-20&errorMessage=Request+rejected', OrderStatus.REJECTED, -20),
    ('-21\nRevoked\n', OrderStatus.REVOKED, -21),
    ('errorCode=-22&errorMessage=Awaiting+payment', OrderStatus.AWAITING_PAYMENT, -22),
])
def test_collect_statuses_are_results(body, status, code):
    result = wire.read_collect(wire.parse_response(body))
    assert (result.status, result.ca_code, result.certificate_pem) == (status, code, None)
    if code < 0:
        assert result.message


@pytest.mark.parametrize('body, family', [
    ('errorCode=-14&errorMessage=Unknown+error', TransientError),
    ('-16\nPermission denied\n', ConfigurationError),
    ('errorCode=-4&errorMessage=Invalid+orderNumber', RequestError),
    ('errorCode=7', ComodoError),
])
def test_collect_errors_raise_by_family(body, family):
    with pytest.raises(family):
        wire.read_collect(wire.parse_response(body))


@pytest.mark.parametrize('body', [
    'errorCode=2&certificate=bm90IGEgY2VydA%3D%3D',   # Base64 of "not a cert"
    'errorCode=2&orderNumber=77',                      # "attached", yet nothing is
    '2\n1704164645\n1735787045\nexample.com\n',
])
def test_collect_damaged_certificate_is_transient(body):
    with pytest.raises(TransientError):
        wire.read_collect(wire.parse_response(body))


def test_collect_damaged_ca_certificate_is_transient(chain):
    body = 'errorCode=2&certificate=%s&caCertificate=AAAA' % quote(chain[0], safe='')
    with pytest.raises(TransientError):
        wire.read_collect(wire.parse_response(body))


# --- GetDCVEmailAddressList ---------------------------------------------------------------------

def test_dcv_emails_tab_text():
    body = ('0\ndomain_name\tshop.example.com\nwhois_email\tnone\n'
            'level2_email\tadmin@example.com\nlevel2_email\thostmaster@example.com\n'
            'level3_email\tadmin@shop.example.com\nlevel2_email\tadmin@example.com\n')
    assert wire.read_dcv_emails(wire.parse_response(body)) == [
        'admin@example.com', 'hostmaster@example.com', 'admin@shop.example.com']


def test_dcv_emails_whois_first_and_urlencoded():
    body = 'errorCode=0&whois_email=owner%40example.com&level2_email=admin%40example.com'
    assert wire.read_dcv_emails(wire.parse_response(body)) == ['owner@example.com',
                                                               'admin@example.com']


# --- WebHostReport ------------------------------------------------------------------------------

@pytest.mark.parametrize('status_key', ['errorCode', 'error_code'])
def test_report_keys(status_key):
    body = (status_key + '=0&noOfResults=2'
            '&1_orderNumber=111&1_orderStatus=Issued&1_dateTime=1704164645'
            '&1_foreignOrderNumber=SO042&1_cost=12.00'
            '&1_1_type=certificate&1_1_domain=example.com&1_1_status=Valid'
            '&1_1_notBefore=1704164645&1_1_notAfter=1735787045&1_1_serialNumber=00%3AAB%3Acd'
            '&1_1_certificateID=9001&1_2_domain=www.example.com'
            '&2_orderNumber=222&2_orderStatus=Pending')
    first, second = wire.read_report(wire.parse_response(body))
    assert (first.order_number, first.order_status, first.date_time,
            first.foreign_order_number) == ('111', 'Issued', NOT_BEFORE, 'SO042')
    assert first.fields['cost'] == '12.00'
    cert = first.certificates[0]
    assert (cert.certificate_id, cert.domain, cert.status, cert.not_before, cert.not_after,
            cert.serial_number) == ('9001', 'example.com', 'Valid', NOT_BEFORE, NOT_AFTER, 'ABCD')
    assert first.certificates[1].domain == 'www.example.com'
    assert (second.order_number, second.certificates, second.foreign_order_number) == (
        '222', [], None)


def test_report_no_results():
    assert wire.read_report(wire.parse_response('errorCode=0&noOfResults=0')) == []


@pytest.mark.parametrize('value, expected', [
    ('1704164645', NOT_BEFORE), ('2024-01-02 03:04:05', NOT_BEFORE),
    ('2024-01-02T03:04:05Z', NOT_BEFORE), ('', None), (None, None), ('next tuesday', None),
    ('99999999999999999999', None),
])
def test_parse_time(value, expected):
    assert wire.parse_time(value) == expected

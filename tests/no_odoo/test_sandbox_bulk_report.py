"""The sandbox's WebHostReport for a list of order numbers, read with plain requests (not the CA
client, so the two check each other), and its count of the calls it received by kind."""
from urllib.parse import parse_qs

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOGIN = {'loginName': 'demo', 'loginPassword': 'demo'}
TIMEOUT = 20
UNKNOWN_ORDER = 999999999


def post(sandbox, action, **fields):
    response = requests.post(sandbox.url + action, data=dict(LOGIN, **fields), timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.text


def report(sandbox, **fields):
    return parse_qs(post(sandbox, '!WebHostReport', **fields), keep_blank_values=True)


def place(sandbox, common_name):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])).sign(key, hashes.SHA256())
    answer = post(sandbox, '!AutoApplySSL', product='287', days='365', serverSoftware='-1',
                  isCustomerValidated='Y', dcvMethod='CNAME_CSR_HASH', responseFormat='1',
                  csr=csr.public_bytes(serialization.Encoding.PEM).decode('ascii'))
    return int(parse_qs(answer)['orderNumber'][0])


@pytest.fixture
def sandbox(sandbox_factory):
    return sandbox_factory(issue_after=3600)


def test_report_by_order_numbers_with_validation_state_and_unknown_numbers_left_out(sandbox):
    pending, issued, rejected = [place(sandbox, 'never-%d.example.com' % index) for index in range(3)]
    unreadable = place(sandbox, 'unreadable-1.example.com')
    sandbox.approve(issued)
    sandbox.reject(rejected)
    asked = '%d,%d,%d,%d,%d' % (UNKNOWN_ORDER, rejected, issued, pending, unreadable)

    page = report(sandbox, orderNumber=asked, showStatusDetails='Y', lastResultNo=100)

    assert page['errorCode'] == ['0'] and page['noOfResults'] == ['4']
    rows = {int(page['%d_orderNumber' % row][0]): row for row in range(1, 5)}
    assert sorted(rows) == [pending, issued, rejected, unreadable]
    assert [rows[number] for number in (pending, issued, rejected, unreadable)] == [1, 2, 3, 4]

    def row(number, key):
        return page.get('%d_%s' % (rows[number], key), [None])[0]
    assert [row(pending, 'orderStatus'), row(pending, 'validationStatus'), row(pending, '1_status'),
            row(pending, '1_dcvStatus')] == ['Pending', 'Awaiting Validation', 'Pending', '0']
    assert [row(issued, 'validationStatus'), row(issued, '1_status'), row(issued, '1_dcvStatus')] == [
        'Validated', 'Issued', '1']
    assert [row(rejected, 'validationStatus'), row(rejected, '1_status'), row(rejected, '1_dcvStatus')] == [
        'Not Validated', 'Rejected', '0']
    assert [row(unreadable, key) for key in ('orderStatus', 'validationStatus', '1_status', '1_dcvStatus')] == [
        None] * 4
    assert row(unreadable, '1_domain') == 'unreadable-1.example.com'
    # Without showStatusDetails, no dcvStatus.
    assert '1_1_dcvStatus' not in report(sandbox, orderNumber=pending)


def test_pages_over_an_order_number_list_and_calls_counted_by_kind(sandbox):
    numbers = [place(sandbox, 'never-%d.example.com' % index) for index in range(5)]
    sandbox.reset_calls()
    asked = ','.join(str(number) for number in reversed(numbers + [UNKNOWN_ORDER]))

    pages = [report(sandbox, orderNumber=asked, firstResultNo=first, lastResultNo=first + 1)
             for first in (1, 3, 5, 7)]

    assert [page['noOfResults'] for page in pages] == [['2'], ['2'], ['1'], ['0']]
    listed = [int(page['%d_orderNumber' % row][0]) for page in pages
              for row in range(1, int(page['noOfResults'][0]) + 1)]
    assert listed == numbers
    post(sandbox, 'download/CollectSSL', orderNumber=numbers[0], queryType='0')
    assert sandbox.call_counts() == {'WebHostReport': 4, 'CollectSSL': 1}
    sandbox.reset_calls()
    assert sandbox.call_counts() == {}


def test_unlisted_order_is_left_out_of_the_report_but_collected(sandbox):
    listed, unlisted = place(sandbox, 'never-1.example.com'), place(sandbox, 'unlisted-1.example.com')

    page = report(sandbox, orderNumber='%d,%d' % (listed, unlisted), lastResultNo=100)

    assert page['noOfResults'] == ['1'] and page['1_orderNumber'] == [str(listed)]
    assert post(sandbox, 'download/CollectSSL', orderNumber=unlisted, queryType='0').splitlines()[0] == '0'

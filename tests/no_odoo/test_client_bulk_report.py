"""The client's bulk status call (WebHostReport by order numbers, paged) against a sandbox over HTTP.

Each test that counts CA calls has a sandbox of its own, so the counts hold nobody else's calls.
"""
import pytest

from comodo_client import (ComodoClient, ConfigurationError, ReportStatus, TransientError, build_csr,
                           generate_private_key, wire)
from comodo_client.bulk_report import statuses

PRODUCT_DV = 287
# No sandbox ever gives this number: its numbers start at 1000001 and count up.
UNKNOWN_ORDER = '999999999'


@pytest.fixture(scope='module')
def csr_pem():
    """csr_pem(scenario): a CSR for a domain of that sandbox scenario (the CSR's name decides it),
    one per scenario and one key for all: the report does not care whose they are."""
    key_pem, made = generate_private_key(), {}

    def csr_for(scenario):
        if scenario not in made:
            made[scenario] = build_csr(key_pem, ['%s-bulk.example.com' % scenario])
        return made[scenario]
    return csr_for


@pytest.fixture
def sandbox(sandbox_factory):
    return sandbox_factory(issue_after=3600)


@pytest.fixture
def client(sandbox):
    with ComodoClient(sandbox.url, 'demo', 'demo', timeout=20) as ca_client:
        yield ca_client


def place(client, csr_pem, scenario='never'):
    domain = '%s-bulk.example.com' % scenario
    return client.place_order(PRODUCT_DV, 365, csr_pem(scenario), [domain],
                              dcv_method='CNAME_CSR_HASH').order_number


def test_issued_rejected_revoked_unchanged_and_unpaid_in_one_page(client, sandbox, csr_pem):
    issued, rejected, revoked, unchanged = [place(client, csr_pem) for _ in range(4)]
    unpaid = place(client, csr_pem, 'unpaid')
    sandbox.approve(issued)
    sandbox.reject(rejected)
    sandbox.approve(revoked)
    client.revoke(revoked, 'key lost', 1)
    sandbox.reset_calls()

    asked = [issued, rejected, revoked, unchanged, unpaid]
    reported = client.report_statuses(asked, page_size=100)

    assert list(reported) == asked
    assert {number: reported[number].status for number in asked} == {
        issued: ReportStatus.ISSUED, rejected: ReportStatus.REJECTED, revoked: ReportStatus.REVOKED,
        unchanged: ReportStatus.PENDING, unpaid: ReportStatus.AWAITING_PAYMENT}
    assert reported[unchanged].validation == 'validationStatus=Awaiting Validation; dcvStatus=0'
    assert reported[issued].validation == 'validationStatus=Validated; dcvStatus=1'
    assert reported[issued].ca_status == 'Issued' and reported[issued].problem is None
    assert sandbox.call_counts() == {'WebHostReport': 1}


def test_page_boundary_250_orders_in_pages_of_100(client, sandbox, csr_pem):
    numbers = [place(client, csr_pem) for _ in range(250)]
    # Decided on both sides of each page boundary (the 100th and 101st, the 200th and 201st).
    decided = {numbers[index]: verb for index, verb in
               ((0, 'approve'), (99, 'reject'), (100, 'approve'), (199, 'approve'), (200, 'reject'),
                (249, 'approve'))}
    for number, verb in decided.items():
        getattr(sandbox, verb)(number)
    sandbox.reset_calls()

    reported = client.report_statuses(numbers, page_size=100)

    assert list(reported) == numbers
    expected = {number: ReportStatus.PENDING for number in numbers}
    expected.update({number: ReportStatus.ISSUED if verb == 'approve' else ReportStatus.REJECTED
                     for number, verb in decided.items()})
    assert {number: status.status for number, status in reported.items()} == expected
    # 100 + 100 + 50 orders: three calls, and nothing else asked of the CA.
    assert sandbox.call_counts() == {'WebHostReport': 3}


def test_row_without_a_status_is_unrecognised_and_collect_still_answers(client, sandbox, csr_pem):
    unreadable, readable = place(client, csr_pem, 'unreadable'), place(client, csr_pem)

    reported = client.report_statuses([unreadable, readable])

    assert reported[unreadable].status == ReportStatus.UNRECOGNISED
    assert reported[unreadable].problem == 'the report lists it without a status'
    assert reported[readable].status == ReportStatus.PENDING
    # The caller's fallback for that order: its own CollectSSL.
    assert client.collect(unreadable).status == ReportStatus.PENDING


def test_order_missing_from_the_report_is_marked_missing(client, sandbox, csr_pem):
    known = place(client, csr_pem)
    sandbox.reset_calls()

    reported = client.report_statuses([int(known), UNKNOWN_ORDER, known], page_size=10)

    assert list(reported) == [known, UNKNOWN_ORDER]
    assert reported[known].status == ReportStatus.PENDING
    assert reported[UNKNOWN_ORDER] == (UNKNOWN_ORDER, ReportStatus.MISSING, None, None,
                                       'the report does not list it')
    # The page came back short of an order, so the next page was asked for in case the CA pages
    # below the size asked: it was empty, and that ends it.
    assert sandbox.call_counts() == {'WebHostReport': 2}


def test_report_that_fails_as_a_whole_raises_its_family(client, sandbox, csr_pem):
    numbers = [place(client, csr_pem) for _ in range(3)]
    sandbox.plan_fault('garbled', action='WebHostReport')
    with pytest.raises(TransientError) as garbled:
        client.report_statuses(numbers, page_size=2)
    assert garbled.value.statuses == {}

    sandbox.plan_fault('error', code=-42, action='WebHostReport')
    with pytest.raises(TransientError) as limited:
        client.report_statuses(numbers)
    assert limited.value.code == -42

    with ComodoClient(sandbox.url, 'demo', 'wrong', timeout=20) as wrong_login:
        with pytest.raises(ConfigurationError) as refused:
            wrong_login.report_statuses(numbers)
    assert refused.value.code == -16

    with pytest.raises(ValueError):
        client.report_statuses(['1000001,1000002'])


def report_page(body):
    return wire.read_report_page(wire.parse_response(body))


def test_rows_the_client_cannot_read_cost_only_their_order():
    rows = report_page('errorCode=0&noOfResults=4'
                       '&1_orderNumber=11&1_1_status=caacheckfailed'
                       '&2_orderNumber=12&2_1_status=Issued&2_2_status=Revoked'
                       '&3_orderNumber=13&3_orderStatus=Issued&3_1_status=Issued'
                       '&4_orderNumber=99&4_1_status=Issued')
    reported = statuses(['11', '12', '13', '14'], rows)
    assert [status.status for status in reported.values()] == [
        ReportStatus.UNRECOGNISED, ReportStatus.UNRECOGNISED, ReportStatus.ISSUED, ReportStatus.MISSING]
    assert reported['11'].ca_status == 'caacheckfailed'
    assert reported['12'].problem == "the report gives it the unknown status 'Issued / Revoked'"
    assert reported['13'].validation is None


def test_page_without_its_row_count_fails_as_a_whole():
    with pytest.raises(TransientError):
        report_page('errorCode=0&1_orderNumber=11&1_1_status=Issued')

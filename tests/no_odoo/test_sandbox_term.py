"""The term and its certificates: validity capped by the issue date (CA/Browser Forum ballot
SC-081v3), free reissues (AutoReplaceSSL) while the term runs, and the clock tests move."""
import base64
import datetime

import pytest
import requests
from cryptography import x509

DAY = 86400


def unix(text):
    return int(datetime.datetime.strptime(text, '%Y-%m-%d').replace(tzinfo=datetime.timezone.utc).timestamp())


@pytest.fixture
def clock(comodo_sandbox):
    """Moves the shared sandbox's clock; always back to real time after the test."""
    try:
        yield comodo_sandbox.set_clock
    finally:
        comodo_sandbox.set_clock(None)


def leaf_of(answer):
    return x509.load_der_x509_certificate(base64.b64decode(answer['certificate'][0]))


def lifetime_days(leaf):
    return (leaf.not_valid_after_utc - leaf.not_valid_before_utc).days


def stored(comodo_sandbox, order_number):
    return [order for order in comodo_sandbox.orders() if order['orderNumber'] == order_number][0]


@pytest.mark.parametrize('issue_date, days, validity', [
    ('2026-01-10', 365, 365), ('2026-01-10', 380, 380), ('2026-01-10', 730, 397),
    ('2026-03-15', 365, 200), ('2026-12-02', 730, 200),
    ('2027-03-15', 365, 100), ('2029-03-14', 730, 100), ('2029-03-15', 730, 47),
])
def test_validity_is_what_the_issue_date_allows(api, comodo_sandbox, clock, issue_date, days, validity):
    clock(unix(issue_date))
    order_number = api.place('instant-cap-%s-%d.example.com' % (issue_date, days), days=days)
    leaf = leaf_of(api.collect(order_number))
    assert lifetime_days(leaf) == validity
    assert leaf.not_valid_before_utc.date().isoformat() == issue_date
    assert stored(comodo_sandbox, order_number)['days'] == days


def test_reissues_are_free_inside_the_term_and_refused_after_it(api, comodo_sandbox, clock, make_csr):
    clock(unix('2026-12-02'))
    order_number = api.place('instant-term-life.example.com', days=730)
    first = leaf_of(api.collect(order_number))
    assert lifetime_days(first) == 200
    cost_before = stored(comodo_sandbox, order_number)['totalCost']

    clock(unix('2027-05-21'))  # 30 days before the first certificate expires, under the 2027 limit
    csr, _key = make_csr('instant-term-life.example.com')
    assert api.text('!AutoReplaceSSL', orderNumber=order_number, csr=csr)[0] == '0'
    second = leaf_of(api.collect(order_number))
    assert second.serial_number != first.serial_number
    assert lifetime_days(second) == 100
    assert stored(comodo_sandbox, order_number)['totalCost'] == cost_before
    assert unix('2026-12-02') <= stored(comodo_sandbox, order_number)['termStartedAt'] < unix('2026-12-02') + 60

    clock(unix('2028-11-22'))  # ten days left in the two-year term: the certificate ends with it
    assert api.text('!AutoReplaceSSL', orderNumber=order_number, csr=make_csr('instant-term-life.example.com')[0])[0] == '0'
    last = leaf_of(api.collect(order_number))
    assert last.not_valid_after_utc.date().isoformat() == '2028-12-01'

    clock(unix('2028-12-02'))  # 730 days after the first issue: the term is over
    answer = api.text('!AutoReplaceSSL', orderNumber=order_number, csr=make_csr('instant-term-life.example.com')[0])
    assert answer[0] == '-36' and 'term has ended' in answer[1]


def test_clock_moves_by_the_admin_call_and_keeps_running(comodo_sandbox, clock):
    moved = clock('2027-04-01T10:00:00')
    assert moved['moved'] is True and unix('2027-04-01') + 10 * 3600 <= moved['now'] < unix('2027-04-01') + 10 * 3600 + 60
    read_later = requests.get(comodo_sandbox.base + '/admin/clock.json', headers=comodo_sandbox.admin_headers,
                              timeout=10).json()
    assert read_later['now'] >= moved['now']
    refused = requests.post(comodo_sandbox.base + '/admin/clock', data={'now': 'next tuesday'},
                            headers=comodo_sandbox.admin_headers, timeout=10)
    assert refused.status_code == 400 and 'now:' in refused.json()['error']
    back = clock(None)
    assert back['moved'] is False and abs(back['now'] - datetime.datetime.now().timestamp()) < 60


def test_now_option_starts_the_clock_there(api_factory):
    api = api_factory(now='2027-04-01', issue_after=3600)
    order_number = api.place('instant-cli-clock.example.com')
    assert lifetime_days(leaf_of(api.collect(order_number))) == 100
    placed_at = [order for order in api.sandbox.orders() if order['orderNumber'] == order_number][0]['placedAt']
    assert unix('2027-04-01') <= placed_at < unix('2027-04-01') + 60


def test_a_pending_order_takes_another_domain_an_issued_one_does_not(api, comodo_sandbox, make_csr):
    order_number = api.place('never-typo.example.com')
    answer = api.fields('!AutoReplaceSSL', orderNumber=order_number, csr=make_csr('never-fixed.example.com')[0],
                        dcvMethod='CNAME_CSR_HASH', responseFormat=1)
    assert answer['errorCode'] == ['0']
    fixed = stored(comodo_sandbox, order_number)
    assert (fixed['commonName'], fixed['domains'], fixed['status']) == (
        'never-fixed.example.com', ['never-fixed.example.com'], 'pending')
    comodo_sandbox.approve(order_number)
    assert 'never-fixed.example.com' in [name.value for name in leaf_of(api.collect(order_number)).extensions
                                         .get_extension_for_class(x509.SubjectAlternativeName).value]
    refused = api.fields('!AutoReplaceSSL', orderNumber=order_number, csr=make_csr('never-other.example.com')[0],
                         responseFormat=1)
    assert refused['errorCode'] == ['-4'] and refused['errorItem'] == ['csr']

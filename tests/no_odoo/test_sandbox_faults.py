"""Faults planned through the admin endpoints: each hits the calls it names, once per count, and the
call log says which calls it hit and whether the CA acted."""
import time

import pytest
import requests

LOGIN = {'loginName': 'demo', 'loginPassword': 'demo'}
HTTP_TIMEOUT = 20


@pytest.fixture
def sandbox(comodo_sandbox):
    comodo_sandbox.clear_faults()
    yield comodo_sandbox
    comodo_sandbox.clear_faults()


@pytest.fixture
def apply(sandbox, make_csr):
    """`apply(common_name, timeout)`: a raw AutoApplySSL call, its HTTP response."""
    def post(common_name, timeout=HTTP_TIMEOUT):
        return requests.post(sandbox.url + '!AutoApplySSL', timeout=timeout, data=dict(
            LOGIN, product=287, days=365, serverSoftware=-1, isCustomerValidated='N',
            csr=make_csr(common_name)[0], dcvMethod='CNAME_CSR_HASH',
            responseFormat=1))
    return post


def _post(sandbox, action, **fields):
    return requests.post(sandbox.url + action, data=dict(LOGIN, **fields), timeout=HTTP_TIMEOUT)


def _collect(sandbox, order_number):
    return _post(sandbox, 'download/CollectSSL', orderNumber=order_number, queryType=1, responseType=3,
                 responseFormat=1)


def _last_call(sandbox):
    return sandbox.calls()[-1]


@pytest.mark.parametrize('code, message', [(-14, 'unknown error'), (-42, 'Call limit reached')])
def test_error_codes_before_the_call(api, sandbox, code, message):
    order_number = api.place('fault-error.example.com')
    sandbox.plan_fault('error', code=code, action='CollectSSL')
    answer = _collect(sandbox, order_number)
    assert answer.status_code == 200
    assert 'errorCode=%d' % code in answer.text and message.replace(' ', '+') in answer.text
    assert _last_call(sandbox)['errorCode'] == code and _last_call(sandbox)['fault'] == 'error'
    assert 'errorCode=0' in _collect(sandbox, order_number).text, 'used up after one call'


def test_http500_and_garbled_before_the_call_place_nothing(sandbox, apply):
    orders_before = len(sandbox.orders())
    sandbox.plan_fault('http500', action='AutoApplySSL')
    sandbox.plan_fault('garbled', action='AutoApplySSL')
    first = apply('fault-500.example.com')
    assert first.status_code == 500 and 'Internal Server Error' in first.text
    second = apply('fault-garbled.example.com')
    assert second.status_code == 200 and second.text.startswith('<html>') and 'errorCode' not in second.text
    assert len(sandbox.orders()) == orders_before
    calls = sandbox.calls()[-2:]
    assert [(call['fault'], call['errorCode']) for call in calls] == [('http500', None), ('garbled', None)]


@pytest.mark.parametrize('kind, status', [('http500', 500), ('garbled', 200), ('error', 200)])
def test_after_the_call_the_ca_acted_but_the_answer_is_lost(sandbox, apply, kind, status):
    orders_before = len(sandbox.orders())
    sandbox.plan_fault(kind, action='AutoApplySSL', after=True)
    answer = apply('fault-after-%s.example.com' % kind)
    assert answer.status_code == status and 'orderNumber' not in answer.text
    orders = sandbox.orders()
    assert len(orders) == orders_before + 1 and orders[-1]['commonName'] == 'fault-after-%s.example.com' % kind
    call = _last_call(sandbox)
    assert call['fault'] == kind and call['orderNumber'] == orders[-1]['orderNumber']
    assert call['errorCode'] == (-14 if kind == 'error' else 0), 'the log keeps what the CA did'


def test_drop_closes_the_connection_without_an_answer(api, sandbox):
    order_number = api.place('fault-drop.example.com')
    sandbox.plan_fault('drop', count=2)
    for _attempt in range(2):
        with pytest.raises(requests.ConnectionError):
            _collect(sandbox, order_number)
    assert 'errorCode=0' in _collect(sandbox, order_number).text
    assert [call.get('fault') for call in sandbox.calls()[-3:]] == ['drop', 'drop', None]


def test_hang_outlasts_a_short_client_timeout_but_the_call_runs(sandbox, apply):
    sandbox.plan_fault('hang', seconds=1.5, action='AutoApplySSL')
    with pytest.raises(requests.Timeout):
        apply('fault-hang.example.com', timeout=0.5)
    # The sandbox finishes the call after the client left (polled for, not timed).
    for _attempt in range(100):
        if _last_call(sandbox).get('fault') == 'hang':
            break
        time.sleep(0.1)
    assert _last_call(sandbox)['errorCode'] == 0
    assert sandbox.orders()[-1]['commonName'] == 'fault-hang.example.com'


def test_faults_are_listed_and_cleared(sandbox):
    sandbox.plan_fault('error', code=-42, count=3, action='CollectSSL')
    assert sandbox.planned_faults() == [{'kind': 'error', 'code': -42, 'count': 3, 'action': 'CollectSSL',
                                         'after': False, 'seconds': 0.0}]
    assert sandbox.clear_faults() == {'cleared': 1}
    assert sandbox.planned_faults() == []


@pytest.mark.parametrize('fields', [
    {'kind': 'fire'}, {'kind': 'error', 'code': '14'}, {'kind': 'error', 'count': '0'},
    {'kind': 'hang', 'seconds': '1000'}, {'kind': 'hang', 'after': 'Y'}, {'kind': 'drop', 'after': 'maybe'},
])
def test_bad_fault_plans_are_refused(sandbox, fields):
    answer = requests.post(sandbox.base + '/admin/faults', data=fields, headers=sandbox.admin_headers,
                           timeout=HTTP_TIMEOUT)
    assert answer.status_code == 400 and answer.json()['error']
    assert sandbox.planned_faults() == []


def test_a_restart_clears_the_plan(sandbox_factory):
    sandbox = sandbox_factory(issue_after=3600)
    sandbox.plan_fault('http500', count=5)
    sandbox.restart()
    assert sandbox.planned_faults() == []

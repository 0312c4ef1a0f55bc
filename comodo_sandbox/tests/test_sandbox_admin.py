"""The admin page and endpoints: deciding by hand, and the log of API calls."""
import pytest
import requests


def test_admin_page_lists_orders_with_buttons(api, comodo_sandbox):
    order_number = api.place('admin-page.example.com')
    page = requests.get(comodo_sandbox.base + '/admin/', timeout=10)
    assert page.status_code == 200 and page.headers['Content-Type'].startswith('text/html')
    assert 'admin-page.example.com' in page.text
    assert 'action="/admin/orders/%d/approve"' % order_number in page.text
    assert 'action="/admin/orders/%d/reject"' % order_number in page.text


def test_approve_from_the_page_redirects_back(api, comodo_sandbox):
    order_number = api.place('admin-form.example.com')
    response = requests.post(comodo_sandbox.base + '/admin/orders/%d/approve' % order_number,
                             allow_redirects=False, timeout=10)
    assert response.status_code == 303 and response.headers['Location'] == '/admin/'
    assert api.collect(order_number)['errorCode'] == ['2']


def test_decisions_by_json(api, comodo_sandbox):
    approved = api.place('admin-approve.example.com')
    rejected = api.place('admin-reject.example.com')
    assert comodo_sandbox.approve(approved) == {'orderNumber': approved, 'status': 'issued'}
    assert comodo_sandbox.reject(rejected) == {'orderNumber': rejected, 'status': 'rejected'}
    assert api.collect(approved)['errorCode'] == ['2']
    assert api.collect(rejected)['errorCode'] == ['-20']
    again = requests.post(comodo_sandbox.base + '/admin/orders/%d/reject' % approved,
                          headers={'Accept': 'application/json'}, timeout=10)
    assert again.status_code == 409 and again.json()['orderNumber'] == approved
    assert requests.post(comodo_sandbox.base + '/admin/orders/1/approve', timeout=10).status_code == 404


def test_orders_json_fields(api, comodo_sandbox):
    order_number = api.place('admin-json.example.com', days=730, uniqueValue='U1', foreignOrderNumber='F1')
    order = [order for order in comodo_sandbox.orders() if order['orderNumber'] == order_number][0]
    assert order['domains'] == ['admin-json.example.com'] and order['product'] == 287 and order['days'] == 730
    assert order['status'] == 'pending' and order['uniqueValue'] == 'U1' and order['foreignOrderNumber'] == 'F1'
    assert order['dueAt'] - order['placedAt'] == pytest.approx(3600)


def test_calls_log_and_reset(api, comodo_sandbox):
    assert comodo_sandbox.reset_calls()['cleared'] >= 0
    assert comodo_sandbox.calls() == []
    order_number = api.place('calls.example.com')
    api.collect(order_number)
    api.fields('!WebHostReport', loginPassword='wrong')
    calls = comodo_sandbox.calls()
    assert [(call['action'], call['orderNumber'], call['errorCode']) for call in calls] == [
        ('AutoApplySSL', order_number, 0), ('CollectSSL', order_number, 0), ('WebHostReport', None, -16)]
    assert calls[0]['at'] <= calls[1]['at'] <= calls[2]['at']
    assert set(calls[0]) == {'action', 'orderNumber', 'errorCode', 'at'}
    comodo_sandbox.reset_calls()
    assert comodo_sandbox.calls() == []


def test_unknown_admin_path(comodo_sandbox):
    assert requests.get(comodo_sandbox.base + '/admin/nothing', timeout=10).status_code == 404

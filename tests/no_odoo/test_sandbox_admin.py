"""The admin page and endpoints: deciding by hand, the log of API calls, and who may use them."""
import os
import re
import stat

import pytest
import requests

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
EVIL_ORIGIN = 'http://evil.example.net'


def _get(sandbox, path, **kwargs):
    return requests.get(sandbox.base + path, headers=sandbox.admin_headers, timeout=10, **kwargs)


def _logged_in_browser(sandbox):
    """A session that logged in on the login page, as a person with a browser does."""
    browser = requests.Session()
    answer = browser.post(sandbox.base + '/admin/login', data={'token': sandbox.admin_token},
                          allow_redirects=False, timeout=10)
    assert answer.status_code == 303 and answer.headers['Location'] == '/admin/'
    return browser


def _status(sandbox, order_number):
    return [order for order in sandbox.orders() if order['orderNumber'] == order_number][0]['status']


def test_admin_page_lists_orders_with_buttons(api, comodo_sandbox):
    order_number = api.place('admin-page.example.com')
    page = _get(comodo_sandbox, '/admin/')
    assert page.status_code == 200 and page.headers['Content-Type'].startswith('text/html')
    assert 'admin-page.example.com' in page.text
    assert 'action="/admin/orders/%d/approve"' % order_number in page.text
    assert 'action="/admin/orders/%d/reject"' % order_number in page.text
    assert CSRF_FIELD.search(page.text), 'each button carries the form token'


def test_approve_from_the_page_redirects_back(api, comodo_sandbox):
    order_number = api.place('admin-form.example.com')
    browser = _logged_in_browser(comodo_sandbox)
    page = browser.get(comodo_sandbox.base + '/admin/', timeout=10)
    assert 'admin-form.example.com' in page.text
    response = browser.post(comodo_sandbox.base + '/admin/orders/%d/approve' % order_number,
                            data={'csrf_token': CSRF_FIELD.search(page.text).group(1)},
                            headers={'Origin': comodo_sandbox.base}, allow_redirects=False, timeout=10)
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
                          headers=dict(comodo_sandbox.admin_headers, Accept='application/json'), timeout=10)
    assert again.status_code == 409 and again.json()['orderNumber'] == approved
    assert requests.post(comodo_sandbox.base + '/admin/orders/1/approve', headers=comodo_sandbox.admin_headers,
                         timeout=10).status_code == 404


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
    assert _get(comodo_sandbox, '/admin/nothing').status_code == 404


# -- who may use the admin pages ---------------------------------------------------------------------

def test_without_the_token_nothing_is_shown_or_decided(api, comodo_sandbox):
    order_number = api.place('admin-anonymous.example.com')
    base = comodo_sandbox.base
    page = requests.get(base + '/admin/', timeout=10)
    assert page.status_code == 401 and 'action="/admin/login"' in page.text
    assert 'admin-anonymous.example.com' not in page.text
    for headers in ({}, {'X-Sandbox-Admin-Token': 'wrong'}, {'Cookie': 'sandbox_admin=wrong'}):
        for method, path in (('GET', '/admin/orders.json'), ('GET', '/admin/calls.json'),
                             ('POST', '/admin/orders/%d/approve' % order_number), ('POST', '/admin/clock'),
                             ('POST', '/admin/faults'), ('POST', '/admin/calls/reset')):
            answer = requests.request(method, base + path, headers=headers, data={'now': '2030-01-01'}, timeout=10)
            assert answer.status_code == 401, (method, path, headers)
            assert 'X-Sandbox-Admin-Token' in answer.json()['error']
    assert _status(comodo_sandbox, order_number) == 'pending'
    assert comodo_sandbox.calls(), 'the call log was not emptied'


def test_the_login_sets_a_strict_cookie(comodo_sandbox):
    base = comodo_sandbox.base
    wrong = requests.post(base + '/admin/login', data={'token': 'guess'}, allow_redirects=False, timeout=10)
    assert wrong.status_code == 401 and 'not the admin token' in wrong.text and 'Set-Cookie' not in wrong.headers
    right = requests.post(base + '/admin/login', data={'token': comodo_sandbox.admin_token},
                          allow_redirects=False, timeout=10)
    cookie = right.headers['Set-Cookie']
    assert right.status_code == 303
    for attribute in ('sandbox_admin=', 'HttpOnly', 'SameSite=Strict', 'Path=/admin'):
        assert attribute in cookie
    assert _logged_in_browser(comodo_sandbox).get(base + '/admin/orders.json', timeout=10).status_code == 200


def test_cross_site_posts_are_refused(api, comodo_sandbox):
    order_number = api.place('admin-cross-site.example.com')
    url = comodo_sandbox.base + '/admin/orders/%d/approve' % order_number
    browser = _logged_in_browser(comodo_sandbox)
    csrf = CSRF_FIELD.search(browser.get(comodo_sandbox.base + '/admin/', timeout=10).text).group(1)
    refused = [
        # Another site's form: the browser sends the cookie (were it not SameSite) but no form token.
        browser.post(url, headers={'Origin': EVIL_ORIGIN}, allow_redirects=False, timeout=10),
        browser.post(url, allow_redirects=False, timeout=10),
        browser.post(url, data={'csrf_token': 'guessed'}, allow_redirects=False, timeout=10),
        # Even with the page's token, or the header, a request from another origin is refused.
        browser.post(url, data={'csrf_token': csrf}, headers={'Origin': EVIL_ORIGIN}, allow_redirects=False,
                     timeout=10),
        browser.post(url, data={'csrf_token': csrf}, headers={'Sec-Fetch-Site': 'cross-site'},
                     allow_redirects=False, timeout=10),
        requests.post(url, headers=dict(comodo_sandbox.admin_headers, Origin=EVIL_ORIGIN), timeout=10),
        requests.post(comodo_sandbox.base + '/admin/login', data={'token': comodo_sandbox.admin_token},
                      headers={'Origin': EVIL_ORIGIN}, allow_redirects=False, timeout=10),
    ]
    assert [answer.status_code for answer in refused] == [403] * len(refused)
    assert _status(comodo_sandbox, order_number) == 'pending'


def test_the_token_is_printed_kept_and_can_be_chosen(sandbox_factory):
    sandbox = sandbox_factory(issue_after=3600)
    printed = sandbox.admin_token
    kept = os.path.join(sandbox.data_dir, 'admin-token')
    with open(kept) as handle:
        assert handle.read().strip() == printed
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    assert sandbox.restart().admin_token == printed, 'a restart keeps the token'
    assert requests.get(sandbox.base + '/admin/orders.json', headers=sandbox.admin_headers,
                        timeout=10, verify=sandbox.root_pem).status_code == 200
    chosen = sandbox_factory(admin_token='chosen-admin-token-4e1d')
    assert chosen.admin_token == 'chosen-admin-token-4e1d'
    assert chosen.orders() == []

"""The transport rules every call goes through, the timing options, TLS, and restarts."""
import os
import sqlite3
import time

import pytest
import requests

LOGIN = {'loginName': 'demo', 'loginPassword': 'demo'}


def test_get_is_refused_except_for_decode_csr(api, comodo_sandbox, make_csr):
    response = requests.get(comodo_sandbox.url + '!AutoApplySSL', params=LOGIN, timeout=10)
    assert response.status_code == 200 and response.text.split('\n')[:1] == ['-17']
    csr, _key = make_csr('get.example.com')
    decoded = requests.get(comodo_sandbox.url + '!DecodeCSR', params={'csr': csr}, timeout=10).text
    assert decoded.split('\n')[0] == '0'


def test_bad_or_missing_login(api):
    assert api.fields('!WebHostReport', loginPassword='wrong')['errorCode'] == ['-16']
    assert api.text('download/CollectSSL', loginPassword='wrong', queryType=0, orderNumber=1)[0] == '-16'
    assert api.fields('!WebHostReport', login=False)['errorCode'] == ['-16']
    assert api.fields('download/CollectSSL', loginName='Demo', queryType=0, orderNumber=1,
                      responseFormat=1)['errorCode'] == ['-16']


def test_percent_encoded_bang_and_unknown_actions(api):
    assert api.fields('%21WebHostReport')['errorCode'] == ['0']
    for action in ('!NoSuchAction', '!CollectSSL', 'WebHostReport', 'download/Other'):
        status, message = api.text(action)
        assert status == '-4' and 'Unknown action' in message, action


def test_body_must_be_form_encoded(comodo_sandbox):
    response = requests.post(comodo_sandbox.url + '!WebHostReport', json=LOGIN, timeout=10)
    assert response.status_code == 200 and response.text.startswith('errorCode=-4&')


@pytest.mark.parametrize('action, body', [
    ('!AutoApplySSL', b'\xff\xfe\x00garbage=%%%&&&==='),
    ('!AutoApplySSL', b'product=287&csr=&days=-1&serverSoftware=x&isCustomerValidated=Y'),
    ('download/CollectSSL', b'queryType=&orderNumber=99999999999999999999999'),
    ('!AutoRevokeSSL', b'serialNumber=zz&codeReason=1.5'),
    ('!AutoUpdateDCV', b'orderNumber=-1&newMethod=EMAIL'),
    ('!WebHostReport', b'firstResultNo=0&lastResultNo=x&orderNumber=a,b&fqdn=%25%25%25'),
    ('!GetDCVEmailAddressList', b'domainName=' + b'a.' * 300 + b'com'),
    ('!DecodeCSR', b'csr=MIIB'),
    ('!ResendDCVEmail', b'certificateID=nope'),
    ('!AutoReplaceSSL', b'orderNumber=1&csr=AAAA'),
])
def test_odd_input_never_breaks_the_server(comodo_sandbox, action, body):
    login = ('loginName=demo&loginPassword=demo&').encode()
    response = requests.post(comodo_sandbox.url + action, data=login + body, timeout=10,
                             headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert response.status_code == 200
    text = response.text
    code = text.split('\n')[0] if not text.startswith('errorCode=') else text.split('&')[0].split('=')[1]
    assert int(code) < 0, text
    assert 'Traceback' not in text


def test_require_https_answers_minus_1_over_plain_http(api_factory):
    api = api_factory(require_https=True)
    assert api.fields('!WebHostReport')['errorCode'] == ['-1']
    assert api.text('!AutoApplySSL')[0] == '-1'
    assert api.fields('download/CollectSSL', orderNumber=1, queryType=0, responseFormat=1)['errorCode'] == ['-1']


def test_tls_serves_https_trusted_by_the_root(api_factory):
    api = api_factory(tls=True, require_https=True, issue_after=0)
    assert api.sandbox.url.startswith('https://127.0.0.1:')
    order_number = api.place('tls.example.com')
    assert api.collect(order_number)['errorCode'] == ['2']
    with pytest.raises(requests.exceptions.SSLError):
        requests.post(api.sandbox.url + '!WebHostReport', data=LOGIN, timeout=10)
    assert api.sandbox.orders()[0]['orderNumber'] == order_number


def test_latency_and_slow_domains(api_factory):
    api = api_factory(latency=300, slow_latency=400)
    started = time.time()
    api.post('!WebHostReport')
    assert time.time() - started >= 0.3
    started = time.time()
    order_number = api.place('slow-1.example.com')
    assert time.time() - started >= 0.7
    started = time.time()
    api.collect(order_number)
    assert time.time() - started >= 0.7


def test_fail_rate_one_fails_every_call(api_factory):
    api = api_factory(fail_rate=1, seed=7)
    assert api.text('download/CollectSSL', queryType=0, orderNumber=1)[0] == '-14'
    assert api.fields('!WebHostReport')['errorCode'] == ['-14']
    assert api.apply('any.example.com')[0]['errorCode'] == ['-14']
    assert api.sandbox.orders() == []


def test_restart_loses_nothing_and_logs_no_secrets(api_factory, make_csr):
    api = api_factory(login='reseller', password='s3cret-Passw0rd', issue_after=0.2)
    secret = {'loginName': 'reseller', 'loginPassword': 's3cret-Passw0rd'}
    csr, _key = make_csr('restart.example.com')
    lines = api.text('!AutoApplySSL', login=False, product=287, csr=csr, days=365, serverSoftware=-1,
                     isCustomerValidated='N', dcvMethod='CNAME_CSR_HASH', **secret)
    order_number = int(lines[1])
    pending = api.text('!AutoApplySSL', login=False, product=287, csr=make_csr('never-restart.example.com')[0],
                       days=365, serverSoftware=-1, isCustomerValidated='N', dcvMethod='CNAME_CSR_HASH', **secret)
    time.sleep(0.3)
    collected = api.fields('download/CollectSSL', login=False, orderNumber=order_number, queryType=1,
                           responseType=3, responseFormat=1, **secret)
    assert collected['errorCode'] == ['2']
    root = open(api.sandbox.root_pem).read()
    orders, calls = api.sandbox.orders(), api.sandbox.calls()

    api.sandbox.restart()
    assert open(api.sandbox.root_pem).read() == root
    assert api.sandbox.orders() == orders and api.sandbox.calls() == calls
    again = api.fields('download/CollectSSL', login=False, orderNumber=order_number, queryType=1,
                       responseType=3, responseFormat=1, **secret)
    assert again['certificate'] == collected['certificate'] and again['caCertificate'] == collected['caCertificate']
    assert api.sandbox.approve(int(pending[1]))['status'] == 'issued'
    next_number = api.text('!AutoApplySSL', login=False, product=287, csr=csr, days=365, serverSoftware=-1,
                           isCustomerValidated='N', dcvMethod='CNAME_CSR_HASH', **secret)[1]
    assert int(next_number) == int(pending[1]) + 1

    api.sandbox.stop()
    log = open(api.sandbox.log_path).read()
    assert 'AutoApplySSL order=%d result=0' % order_number in log
    assert 's3cret-Passw0rd' not in log and 'REQUEST' not in log and csr.splitlines()[1] not in log
    database = sqlite3.connect(os.path.join(api.sandbox.data_dir, 'orders.sqlite3'))
    assert database.execute('SELECT COUNT(*) FROM orders').fetchone() == (3,)
    database.close()

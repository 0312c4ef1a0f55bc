"""The sandbox CA in validating mode, over HTTP through its wire protocol: the addon's client orders
and publishes what it computes (comodo_client.dcv_instructions), the sandbox checks what it expects
from the CSR on its own, against the real DNS server (dns_rig's bind9) and the rig's real nginx."""
import http.server
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from comodo_client import (ComodoClient, OrderStatus, RequestError, build_csr, dcv_instructions,
                           generate_private_key)
from comodo_sandbox.pytest_plugin import SandboxProcess
from dns_rig import BROKEN_ZONE, SIGNED_ZONE

POSITIVE_SSL, POSITIVE_WILDCARD, POSITIVE_MULTI_DOMAIN = 287, 289, 279
LOGIN = {'loginName': 'demo', 'loginPassword': 'demo'}
DECISION_TIMEOUT = 20


@pytest.fixture(scope='module')
def sites(document_root_sites):
    """The names' web sites: a document root each on the rig's nginx, its ports standing for 80 and 443."""
    return document_root_sites


class Pushes(object):
    """An HTTP endpoint standing in for Odoo's status push: it keeps each pushed query."""

    def __init__(self):
        self.received = []
        received = self.received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                received.append({name: values[0] for name, values in parse_qs(urlsplit(self.path).query).items()})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = 'http://127.0.0.1:%d/comodo/push/secret' % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope='module')
def pushes():
    endpoint = Pushes()
    yield endpoint
    endpoint.close()


def start_sandbox(folder, dns_rig, sites, **options):
    settings = dict(validate=True, dns_server='%s:%d' % (dns_rig.host, dns_rig.port),
                    port_map=sites.port_map_option, recheck_after=1, issue_after=1)
    settings.update(options)
    return SandboxProcess(folder, **settings).start()


@pytest.fixture(scope='module')
def sandbox(tmp_path_factory, dns_rig, sites, pushes):
    """Checks every second (of its clock); a timer order would be decided after 1 s."""
    process = start_sandbox(tmp_path_factory.mktemp('validating-sandbox'), dns_rig, sites, push_url=pushes.url)
    yield process
    process.stop()


@pytest.fixture
def client(sandbox):
    return ComodoClient(sandbox.url, 'demo', 'demo', timeout=20)


def new_csr(*names):
    return build_csr(generate_private_key(), list(names))


def publish_file(sites, name, csr, method='HTTP_CSR_HASH'):
    proof = dcv_instructions(csr, method, name)
    sites.publish(name, proof.file_name, proof.file_content)


def publish_cname(dns_rig, name, csr, target=None):
    proof = dcv_instructions(csr, 'CNAME_CSR_HASH', name)
    dns_rig.set_records(proof.cname_name, 'CNAME', [(target or proof.cname_target) + '.'])


def web_name(dns_rig, sites, prefix=''):
    """A new name of the test zone, resolving to the rig and served by its nginx."""
    name = prefix + dns_rig.new_name()
    dns_rig.set_address(name)
    sites.add(name)
    return name


def wait_for_status(client, order_number, wanted, timeout=DECISION_TIMEOUT):
    deadline = time.time() + timeout
    while True:
        result = client.collect(order_number)
        if result.status == wanted or time.time() > deadline:
            return result
        time.sleep(0.2)


def stored(sandbox, order_number):
    return [order for order in sandbox.orders() if order['orderNumber'] == int(order_number)][0]


def checked_at_least(sandbox, order_number, times, timeout=DECISION_TIMEOUT):
    """The order's DCV entries once each was checked `times` times (the sandbox's own schedule)."""
    deadline = time.time() + timeout
    while True:
        entries = stored(sandbox, order_number)['dcv']
        if all(entry.get('checks', 0) >= times for entry in entries) or time.time() > deadline:
            return entries
        time.sleep(0.2)


def pushed(pushes, order_number, count, timeout=10):
    """(statusCode, status) of the order's pushes, once `count` came (or the time is up)."""
    deadline = time.time() + timeout
    while True:
        received = [(push['statusCode'], push['status']) for push in list(pushes.received)
                    if push.get('orderNumber') == order_number]
        if len(received) >= count or time.time() > deadline:
            return received
        time.sleep(0.1)


def post(sandbox, action, **fields):
    answer = requests.post(sandbox.url + action, data=dict(LOGIN, **fields), timeout=20)
    assert answer.status_code == 200
    return {name: values[0] for name, values in parse_qs(answer.text, keep_blank_values=True).items()}


def domain_details(sandbox, order_number):
    """GetMDCDomainDetails as {domainName: (dcvMethod, dcvStatus, details)}."""
    answer = post(sandbox, '!GetMDCDomainDetails', orderNumber=order_number, showStatusDetails='Y')
    assert answer['errorCode'] == '0', answer
    count = len([key for key in answer if key.endswith('_domainName')])
    return {answer['%d_domainName' % n]: (answer['%d_dcvMethod' % n], answer['%d_dcvStatus' % n],
                                          answer['%d_dcvStatusDetails' % n]) for n in range(1, count + 1)}


def test_an_order_whose_file_is_served_is_issued_and_pushed(sandbox, client, sites, dns_rig, pushes):
    name = web_name(dns_rig, sites)
    csr = new_csr(name)
    publish_file(sites, name, csr)
    placed = client.place_order(POSITIVE_SSL, 365, csr, [name], dcv_method='HTTP_CSR_HASH')
    result = wait_for_status(client, placed.order_number, OrderStatus.ISSUED)
    assert result.status == OrderStatus.ISSUED and result.fqdn == name
    assert domain_details(sandbox, placed.order_number) == {name: ('HTTP_CSR_HASH', 'Validated', '')}
    assert pushed(pushes, placed.order_number, 1) == [('6', 'Issued')]


def test_https_file_validation_passes_once_the_file_is_there(sandbox, client, sites, dns_rig):
    name = web_name(dns_rig, sites)
    csr = new_csr(name)
    placed = client.place_order(POSITIVE_SSL, 365, csr, [name], dcv_method='HTTPS_CSR_HASH')
    checked_at_least(sandbox, placed.order_number, 2)
    path = dcv_instructions(csr, 'HTTPS_CSR_HASH', name).file_name
    assert domain_details(sandbox, placed.order_number)[name] == (
        'HTTPS_CSR_HASH', 'Not Validated', 'https://%s%s answers 404' % (name, path))
    assert client.collect(placed.order_number).status == OrderStatus.PENDING

    publish_file(sites, name, csr, 'HTTPS_CSR_HASH')
    assert wait_for_status(client, placed.order_number, OrderStatus.ISSUED).status == OrderStatus.ISSUED


def test_a_missing_file_is_never_issued_however_often_it_is_checked(sandbox, client, sites, dns_rig):
    name = web_name(dns_rig, sites)
    csr = new_csr(name)
    placed = client.place_order(POSITIVE_SSL, 365, csr, [name], dcv_method='HTTP_CSR_HASH')
    [entry] = checked_at_least(sandbox, placed.order_number, 5)
    assert entry['checks'] >= 5, 'the sandbox checks again on its own'
    assert client.collect(placed.order_number).status == OrderStatus.PENDING
    url = 'http://%s%s' % (name, dcv_instructions(csr, 'HTTP_CSR_HASH', name).file_name)
    assert domain_details(sandbox, placed.order_number) == {
        name: ('HTTP_CSR_HASH', 'Not Validated', '%s answers 404' % url)}
    collected = post(sandbox, 'download/CollectSSL', orderNumber=placed.order_number, queryType=0,
                     responseFormat=1, showStatusDetails='Y')
    assert (collected['errorCode'], collected['dcvStatus'], collected['mdcDomainDetails']) == (
        '0', '0', '%s|HTTP_CSR_HASH|Not Validated' % name)


def test_a_redirect_on_the_file_url_does_not_pass(sandbox, client, sites, dns_rig):
    name = dns_rig.new_name()
    dns_rig.set_address(name)
    sites.add(name, redirects=['/.well-known/pki-validation/'])
    csr = new_csr(name)
    publish_file(sites, name, csr)  # there, but only behind the redirect to https
    placed = client.place_order(POSITIVE_SSL, 365, csr, [name], dcv_method='HTTP_CSR_HASH')
    checked_at_least(sandbox, placed.order_number, 2)
    path = dcv_instructions(csr, 'HTTP_CSR_HASH', name).file_name
    assert domain_details(sandbox, placed.order_number)[name][1:] == (
        'Not Validated', 'http://{0}{1} answers 301 to https://{0}{1}: redirects are not followed'.format(name, path))
    assert client.collect(placed.order_number).status == OrderStatus.PENDING


def test_a_wrong_cname_does_not_pass_and_the_right_one_does_when_the_ca_is_asked(
        tmp_path, dns_rig, sites, dns_name):
    lazy = start_sandbox(tmp_path, dns_rig, sites, recheck_after=3600)  # checks again only when asked
    try:
        client = ComodoClient(lazy.url, 'demo', 'demo', timeout=20)
        csr = new_csr(dns_name)
        publish_cname(dns_rig, dns_name, csr, target='wrong.sectigo.com')
        placed = client.place_order(POSITIVE_SSL, 365, csr, [dns_name], dcv_method='CNAME_CSR_HASH')
        checked_at_least(lazy, placed.order_number, 1)
        proof = dcv_instructions(csr, 'CNAME_CSR_HASH', dns_name)
        assert domain_details(lazy, placed.order_number)[dns_name][1:] == (
            'Not Validated', '%s points to wrong.sectigo.com, not %s' % (proof.cname_name, proof.cname_target))

        publish_cname(dns_rig, dns_name, csr)
        time.sleep(2)
        assert client.collect(placed.order_number).status == OrderStatus.PENDING, 'not checked before an hour'
        client.update_dcv(placed.order_number, 'CNAME_CSR_HASH')  # the same method: check again
        assert wait_for_status(client, placed.order_number, OrderStatus.ISSUED).status == OrderStatus.ISSUED
    finally:
        dns_rig.delete_name(dcv_instructions(csr, 'CNAME_CSR_HASH', dns_name).cname_name)
        lazy.stop()


def test_caa_forbidding_sectigo_blocks_a_served_file_and_is_pushed_once(sandbox, client, sites, dns_rig,
                                                                       dns_name, pushes):
    name = 'www.' + dns_name
    dns_rig.set_address(name)
    sites.add(name)
    dns_rig.set_caa(dns_name, '0 issue "letsencrypt.org"')
    csr = new_csr(name)
    publish_file(sites, name, csr)
    placed = client.place_order(POSITIVE_SSL, 365, csr, [name], dcv_method='HTTP_CSR_HASH')
    checked_at_least(sandbox, placed.order_number, 3)
    assert domain_details(sandbox, placed.order_number)[name][1:] == (
        'Not Validated', 'CAA on %s allows only letsencrypt.org (issue)' % dns_name)
    assert pushed(pushes, placed.order_number, 1) == [('3', 'PRE-SIGN FAILED')], 'once, not at each check'

    dns_rig.set_caa(dns_name, '0 issue "letsencrypt.org"', '0 issue "sectigo.com"')
    assert wait_for_status(client, placed.order_number, OrderStatus.ISSUED).status == OrderStatus.ISSUED
    assert pushed(pushes, placed.order_number, 2) == [('3', 'PRE-SIGN FAILED'), ('6', 'Issued')]


def test_issuewild_decides_for_the_wildcard(sandbox, client, dns_rig, dns_name):
    dns_rig.set_caa(dns_name, '0 issue "sectigo.com"', '0 issuewild "letsencrypt.org"')
    wildcard_csr, bare_csr = new_csr('*.' + dns_name), new_csr(dns_name)
    for csr in (wildcard_csr, bare_csr):
        publish_cname(dns_rig, dns_name, csr)
    wildcard = client.place_order(POSITIVE_WILDCARD, 365, wildcard_csr, ['*.' + dns_name], dcv_method='CNAME_CSR_HASH')
    bare = client.place_order(POSITIVE_SSL, 365, bare_csr, [dns_name], dcv_method='CNAME_CSR_HASH')
    assert wait_for_status(client, bare.order_number, OrderStatus.ISSUED).status == OrderStatus.ISSUED
    checked_at_least(sandbox, wildcard.order_number, 2)
    assert domain_details(sandbox, wildcard.order_number)['*.' + dns_name][1:] == (
        'Not Validated', 'CAA on %s allows only letsencrypt.org (issuewild)' % dns_name)

    dns_rig.set_caa(dns_name, '0 issue "sectigo.com"', '0 issuewild "sectigo.com"')
    assert wait_for_status(client, wildcard.order_number, OrderStatus.ISSUED).status == OrderStatus.ISSUED
    for csr in (wildcard_csr, bare_csr):
        dns_rig.delete_name(dcv_instructions(csr, 'CNAME_CSR_HASH', dns_name).cname_name)


def test_a_multi_domain_order_with_one_name_by_file_and_one_by_cname(sandbox, client, sites, dns_rig, dns_name):
    by_file = web_name(dns_rig, sites)
    csr = new_csr(by_file, dns_name)
    placed = client.place_order(POSITIVE_MULTI_DOMAIN, 365, csr, [by_file, dns_name], dcv_method='HTTP_CSR_HASH')
    client.update_dcv(placed.order_number, 'CNAME_CSR_HASH', domain=dns_name)
    publish_file(sites, by_file, csr)
    deadline = time.time() + DECISION_TIMEOUT
    while domain_details(sandbox, placed.order_number)[by_file][1] != 'Validated' and time.time() < deadline:
        time.sleep(0.2)
    details = domain_details(sandbox, placed.order_number)
    assert details[by_file] == ('HTTP_CSR_HASH', 'Validated', '')
    assert details[dns_name][:2] == ('CNAME_CSR_HASH', 'Not Validated')
    assert details[dns_name][2].startswith('no CNAME _')
    collected = post(sandbox, 'download/CollectSSL', orderNumber=placed.order_number, queryType=0,
                     responseFormat=1, showStatusDetails='Y')
    assert (collected['errorCode'], collected['dcvStatus'], collected['mdcDomainDetails']) == (
        '0', '0', '%s|HTTP_CSR_HASH|Validated,%s|CNAME_CSR_HASH|Not Validated' % (by_file, dns_name))

    publish_cname(dns_rig, dns_name, csr)
    assert wait_for_status(client, placed.order_number, OrderStatus.ISSUED).status == OrderStatus.ISSUED
    assert {name: status for name, (_method, status, _why) in domain_details(sandbox, placed.order_number).items()} == {
        by_file: 'Validated', dns_name: 'Validated'}
    dns_rig.delete_name(dcv_instructions(csr, 'CNAME_CSR_HASH', dns_name).cname_name)


def test_a_broken_dnssec_chain_blocks_and_a_good_one_does_not(sandbox, client, sites, dns_rig):
    orders = {}
    for zone in (SIGNED_ZONE, BROKEN_ZONE):
        name = dns_rig.new_name(zone)
        dns_rig.set_address(name)
        sites.add(name)
        csr = new_csr(name)
        publish_file(sites, name, csr)
        orders[zone] = (name, client.place_order(POSITIVE_SSL, 365, csr, [name], dcv_method='HTTP_CSR_HASH'))
    name, signed = orders[SIGNED_ZONE]
    assert wait_for_status(client, signed.order_number, OrderStatus.ISSUED).status == OrderStatus.ISSUED
    name, broken = orders[BROKEN_ZONE]
    checked_at_least(sandbox, broken.order_number, 2)
    assert domain_details(sandbox, broken.order_number)[name][1:] == (
        'Not Validated', 'DNSSEC: the DS of %s in its parent zone matches none of its keys' % BROKEN_ZONE)
    for zone in orders:
        dns_rig.delete_name(orders[zone][0])


@pytest.mark.parametrize('now, refused', [('2028-03-14T23:59:00', False), ('2028-03-15', True)])
def test_email_validation_is_refused_from_2028_03_15(sandbox, client, dns_name, now, refused):
    sandbox.set_clock(now)
    try:
        csr = new_csr(dns_name)
        order = lambda: client.place_order(POSITIVE_SSL, 365, csr, [dns_name], dcv_method='EMAIL',
                                           dcv_emails=['admin@' + dns_name])
        if refused:
            with pytest.raises(RequestError, match='Email validation ended on 2028-03-15'):
                order()
            return
        placed = order()
        checked_at_least(sandbox, placed.order_number, 1)
        assert domain_details(sandbox, placed.order_number)[dns_name][1:] == (
            'Not Validated', 'waiting for the approver to follow the emailed link')
        sandbox.set_clock('2028-03-15')
        with pytest.raises(RequestError, match='Email validation ended on 2028-03-15'):
            client.update_dcv(placed.order_number, 'EMAIL', email='admin@' + dns_name)
        with pytest.raises(RequestError, match='Email validation ended on 2028-03-15'):
            client.resend_dcv(placed.order_number)
        checked_at_least(sandbox, placed.order_number, 3)
        assert domain_details(sandbox, placed.order_number)[dns_name][1:] == (
            'Not Validated', 'email validation ended on 2028-03-15')
    finally:
        sandbox.set_clock(None)


def test_timer_scenarios_keep_their_behaviour_in_a_validating_sandbox(sandbox, client):
    csr = new_csr('instant-timer.example.test')
    placed = client.place_order(POSITIVE_SSL, 365, csr, ['instant-timer.example.test'], dcv_method='CNAME_CSR_HASH')
    assert client.collect(placed.order_number).status == OrderStatus.ISSUED
    rejected = client.place_order(POSITIVE_SSL, 365, new_csr('reject-timer.example.test'),
                                  ['reject-timer.example.test'], dcv_method='CNAME_CSR_HASH')
    assert wait_for_status(client, rejected.order_number, OrderStatus.REJECTED).status == OrderStatus.REJECTED

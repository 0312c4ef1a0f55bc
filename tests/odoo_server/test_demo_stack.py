"""`make run`'s demo, started by its own code (tools/stack.py's DemoStack: bind9, sshd and nginx, the
sandbox CA, Odoo with its job runner) on free ports and a copy of the server-test database (the demo
data, installed as `make run` installs it); its ports are `make run`'s only difference.

Then what the README promises after "buy on the portal as `portal`": nobody acts on the sandbox or in
Odoo, and the site serves the issued certificate; a name whose proof cannot be published is never
issued, however long the sandbox runs."""
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
import xmlrpc.client

import pytest
import requests

from comodo_sandbox.pytest_plugin import SandboxAdmin
from deploy.verify import leaf_sha256
from dns_rig import SIGNED_PARENT
from dns_rig.rig import free_port as free_udp_and_tcp_port
from server_process import wait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tools'))
try:
    import stack
finally:
    sys.path.pop(0)

SITE = 'www.mysite.example.com'
# The demo customer's other name: its proof is made impossible to publish (its document root is gone).
UNPUBLISHABLE = 'mysite.example.com'
CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# Generous: placing, publishing, the CA's check, the push, the check it prompts and the install are
# each seconds; nothing here measures speed.
ISSUED_AND_SERVED_TIMEOUT = 180


@pytest.fixture(scope='module')
def demo():
    """The demo stack on free ports, its files in a folder nginx's workers may read."""
    source = os.environ['COMODO_SERVER_TEST_DB']
    database = source + '_demo_stack'
    ports = stack.DemoPorts(odoo=stack.free_port(), sandbox=stack.free_port(), ssh=stack.free_port(),
                            nginx=stack.free_port(), apache=stack.free_port(), dns=free_udp_and_tcp_port(),
                            sites_http=stack.free_port(), sites_https=stack.free_port())
    # Its outgoing mail goes where the copied database says: the mail sink `make test` runs.
    config = stack.write_config(database + '.conf', http_port=ports.odoo, server_wide_modules='web,queue_job',
                                dbfilter='^%s$' % database)
    folder = tempfile.mkdtemp(prefix='comodo-demo-stack-')
    os.chmod(folder, 0o755)
    stack.clone_database(source, database)
    running = stack.DemoStack(config, database, ports, folder)
    try:
        yield running.start()
    finally:
        running.stop()
        stack.drop_database(database)
        shutil.rmtree(folder, ignore_errors=True)
        os.remove(config)


def caller(demo, login='admin', password='admin'):
    url = 'http://127.0.0.1:%d' % demo.ports.odoo
    uid = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common').authenticate(demo.database, login, password, {})
    models = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object', allow_none=True)

    def call(model, method, *args, **kwargs):
        return models.execute_kw(demo.database, uid, password, model, method, list(args), kwargs)
    return call


def command_line(process):
    with open('/proc/%d/cmdline' % process.pid) as handle:
        return handle.read().split('\0')


def option(arguments, name):
    return arguments[arguments.index(name) + 1]


def test_the_demo_sandbox_validates_against_the_demo_dns_server_and_document_roots(demo):
    ports = demo.ports
    arguments = command_line(demo.sandbox)
    assert '--validate' in arguments
    assert option(arguments, '--dns-server') == '127.0.0.1:%d' % ports.dns
    assert option(arguments, '--port-map') == '80=%d,443=%d' % (ports.sites_http, ports.sites_https)
    assert option(arguments, '--push-url').startswith('http://127.0.0.1:%d/comodo/push/' % ports.odoo)

    call = caller(demo)
    dns_server_id = call('ir.model.data', 'xmlid_to_res_id', stack.DEMO_DNS_SERVER_XMLID)
    dns_server = call('comodo.dns.server', 'read', [dns_server_id], ['host', 'port'])[0]
    assert (dns_server['host'], dns_server['port']) == ('127.0.0.1', ports.dns)
    # Odoo's own checks look where the sandbox looks.
    assert call('ir.config_parameter', 'get_param', stack.CHECKS_DNS_SERVER_PARAMETER) == '127.0.0.1:%d' % ports.dns
    assert call('ir.config_parameter', 'get_param', stack.CHECKS_PORT_MAP_PARAMETER) == option(arguments, '--port-map')
    anchors = call('ir.config_parameter', 'get_param', stack.CHECKS_TRUST_ANCHORS_PARAMETER).splitlines()
    assert anchors and all(line.startswith(SIGNED_PARENT + '. ') for line in anchors), anchors
    hosted = call('comodo.hosted.domain', 'search_read', [('name', 'in', list(stack.DEMO_HOSTED_DOMAINS))],
                  ['name', 'dns_server_id', 'deploy_target_id', 'document_root'])
    assert sorted(domain['name'] for domain in hosted) == sorted(stack.DEMO_HOSTED_DOMAINS)
    resolver = demo.dns_server.resolver()
    for domain in hosted:
        name = domain['name']
        assert domain['dns_server_id'][0] == dns_server_id, name
        assert domain['deploy_target_id'][1] == stack.DEMO_TARGET_NAME, name
        assert [record.to_text() for record in resolver.resolve(name, 'A')] == ['127.0.0.1'], name
        # What a CA fetches from the name's port 80 and 443: the file put in its document root.
        probe = '/.well-known/pki-validation/probe-%s.txt' % uuid.uuid4().hex
        demo.document_roots.publish(name, probe, 'probe of %s\n' % name, domain['document_root'])
        try:
            for scheme in ('http', 'https'):
                answer = demo.document_roots.fetch(name, probe, scheme)
                assert (answer.status_code, answer.text) == (200, 'probe of %s\n' % name), (name, scheme)
        finally:
            os.remove(domain['document_root'] + probe)


def portal_session(demo, login, password):
    base = 'http://127.0.0.1:%d' % demo.ports.odoo
    session = requests.Session()
    token = CSRF_TOKEN.search(session.get(base + '/web/login', timeout=60).text).group(1)
    session.post(base + '/web/login', data={'login': login, 'password': password, 'csrf_token': token}, timeout=60)
    assert '/web/login' not in session.get(base + '/my/certificates', timeout=60).url, 'logged in as %s' % login
    return session


def buy_on_portal(demo, session, term_id, domain):
    """The portal's Buy and install, as the customer presses it: the certificate order's id."""
    base = 'http://127.0.0.1:%d' % demo.ports.odoo
    form = session.get(base + '/my/certificates/buy', timeout=60)
    token = CSRF_TOKEN.search(form.text).group(1)
    answer = session.post(base + '/my/certificates/buy', timeout=120, allow_redirects=False, data={
        'csrf_token': token, 'term_id': term_id, 'domain': domain, 'dcv_method': 'HTTP_CSR_HASH'})
    assert answer.status_code in (302, 303), answer.text[-2000:]
    return int(re.search(r'/my/certificates/(\d+)', answer.headers['Location']).group(1))


def validation_files(document_root):
    folder = os.path.join(document_root, '.well-known', 'pki-validation')
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def sandbox_order(sandbox, number):
    return [order for order in sandbox.orders() if str(order['orderNumber']) == str(number)][0]


def test_a_portal_purchase_is_validated_issued_installed_and_served_with_nobody_acting(demo):
    call = caller(demo)
    company_id = call('ir.model.data', 'xmlid_to_res_id', 'base.main_company')
    # The demo's reseller account names the sandbox on `make run`'s port: here it has its own. The
    # tests before this one left unpaid certificates of the demo customer in the copied database.
    call('res.company', 'write', [company_id], {
        'comodo_api_url': 'http://127.0.0.1:%d/products/' % demo.ports.sandbox, 'comodo_login': 'demo',
        'comodo_password': 'demo', 'comodo_test_mode': True, 'comodo_max_unpaid_orders': 0})
    unpublishable = call('comodo.hosted.domain', 'search_read', [('name', '=', UNPUBLISHABLE)], ['document_root'])[0]
    # nginx still serves the name from its real document root (a 404 for any file), but the folder
    # Odoo would publish into does not exist on the web server.
    call('comodo.hosted.domain', 'write', [unpublishable['id']],
         {'document_root': unpublishable['document_root'] + '-missing'})
    term_id = call('ir.model.data', 'xmlid_to_res_id', 'comodo_ssl_reseller.certificate_term_positivessl_365')
    site_root = call('comodo.hosted.domain', 'search_read', [('name', '=', SITE)], ['document_root'])[0]['document_root']
    original = demo.webservers.served_sha256('nginx', SITE)

    customer = portal_session(demo, 'portal', 'portal')
    order_id = buy_on_portal(demo, customer, term_id, SITE)
    blocked_id = buy_on_portal(demo, customer, term_id, UNPUBLISHABLE)

    def served():
        order = call('comodo.certificate.order', 'read', [order_id], ['state', 'certificate_pem', 'install_ids'])[0]
        if order['state'] != 'issued' or not order['certificate_pem']:
            return None
        installs = call('comodo.certificate.install', 'read', order['install_ids'], ['purpose', 'state', 'served_sha256'])
        verified = [install for install in installs if install['purpose'] == 'install' and install['state'] == 'verified']
        return (order, verified[0]) if verified else None

    order, install = wait(served, ISSUED_AND_SERVED_TIMEOUT, 'the certificate issued, installed and verified')
    issued = leaf_sha256(order['certificate_pem'])
    assert install['served_sha256'] == issued
    assert demo.webservers.served_sha256('nginx', SITE) == issued != original
    # The document root's HTTPS (the name's port 443) serves it too, from the same files.
    assert demo.webservers.served_sha256('nginx', SITE, demo.ports.sites_https) == issued
    sandbox = SandboxAdmin('http://127.0.0.1:%d' % demo.ports.sandbox, demo.sandbox_token)
    number = call('comodo.certificate.order', 'read', [order_id], ['ca_order_number'])[0]['ca_order_number']
    checked = sandbox_order(sandbox, number)
    assert checked['status'] == 'issued'
    # Issued because the sandbox fetched the file Odoo published (not on a timer: a timer's order
    # has no checks).
    assert [(entry['domain'], entry['method'], entry.get('status')) for entry in checked['dcv']] == [
        (SITE, 'HTTP_CSR_HASH', 'Validated')] and checked['dcv'][0].get('checks'), checked['dcv']
    wait(lambda: not validation_files(site_root), 60, 'the validation file to be removed once issued')
    assert not call('mail.message', 'search_count', [
        ('model', '=', 'comodo.certificate.order'), ('res_id', '=', order_id),
        ('subject', 'ilike', 'please validate')]), 'the customer was never asked to validate'

    # However long the sandbox runs, the name without its file stays unvalidated and unissued.
    blocked_number = call('comodo.certificate.order', 'read', [blocked_id], ['ca_order_number'])[0]['ca_order_number']
    assert blocked_number, 'the order was placed'
    checks_so_far = wait(lambda: sandbox_order(sandbox, blocked_number)['dcv'][0].get('checks'), 60,
                         'the sandbox to check the unpublishable name')
    sandbox.set_clock(int(time.time()) + 30 * 86400)
    try:
        entry = wait(lambda: [entry for entry in sandbox_order(sandbox, blocked_number)['dcv']
                              if entry.get('checks', 0) > checks_so_far], 60, 'another check a month later')[0]
    finally:
        sandbox.set_clock(None)
    assert entry['status'] == 'Not Validated' and '404' in entry['reason'], entry
    assert sandbox_order(sandbox, blocked_number)['status'] == 'pending'
    blocked = call('comodo.certificate.order', 'read', [blocked_id], ['state', 'certificate_pem'])[0]
    assert blocked['state'] != 'issued' and not blocked['certificate_pem']

    def validation_mails():
        return call('mail.message', 'search_count', [
            ('model', '=', 'comodo.certificate.order'), ('res_id', '=', blocked_id),
            ('subject', 'ilike', 'please validate')])
    # The mail follows the publication job's failure, which a loaded machine may run after the
    # sandbox's checks above.
    assert wait(validation_mails, 90, 'the customer to be asked to publish the file Odoo could not') == 1, \
        'asked once'

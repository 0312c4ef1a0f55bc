"""`make run`'s demo, started by its own code (tools/stack.py's DemoStack: bind9, sshd and nginx, the
sandbox CA, Odoo with its job runner) on free ports and a copy of the server-test database (the demo
data, installed as `make run` installs it); its ports are `make run`'s only difference."""
import os
import shutil
import sys
import tempfile
import uuid
import xmlrpc.client

import pytest

from dns_rig import SIGNED_PARENT
from dns_rig.rig import free_port as free_udp_and_tcp_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tools'))
try:
    import stack
finally:
    sys.path.pop(0)


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

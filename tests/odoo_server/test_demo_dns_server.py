"""`make run` gives the demo database's DNS server the TSIG key of the bind9 it starts: encrypted by
Odoo, and working — Test connection passes and each demo domain's zone is found there. Run on a copy
of the server-test database (the demo's data, installed as `make run` installs it), against a rig of
its own on a free port (the demo's port belongs to `make run`)."""
import os
import subprocess
import sys

from dns_rig import DnsRig

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tools'))
try:
    import stack
finally:
    sys.path.pop(0)

CHECK = """
server = env.ref('comodo_ssl_reseller.dns_server_demo')
server.action_test_connection()
print('result\\t%s' % server.connection_test_result)
for hosted in env['comodo.hosted.domain'].search([('dns_server_id', '=', server.id)]):
    print('zone\\t%s\\t%s' % (hosted.name, hosted._find_dns_zone()))
"""


def _psql(database, query, *args):
    return subprocess.run(['psql', '-d', database, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', query] + list(args),
                          stdout=subprocess.PIPE, check=True, universal_newlines=True).stdout.strip()


def test_the_demo_dns_server_gets_this_runs_key():
    source, config = os.environ['COMODO_SERVER_TEST_DB'], os.environ['COMODO_SERVER_TEST_CONFIG']
    database = source + '_demo_dns'
    subprocess.run(['dropdb', '--if-exists', database], check=True)
    subprocess.run(['createdb', '-T', source, database], check=True)
    rig = DnsRig(extra_zones=stack.DEMO_DNS_ZONES,
                 addresses={name: '127.0.0.1' for name in stack.DEMO_HOSTED_DOMAINS}).start()
    try:
        server_id = stack.point_demo_dns_at(config, rig, database)
        row = _psql(database, 'SELECT host, port, key_name FROM comodo_dns_server WHERE id = %d' % server_id)
        assert row == '%s|%d|%s' % (rig.host, rig.port, rig.key_name)
        token = _psql(database, 'SELECT encrypted_secret FROM comodo_dns_server_key WHERE server_id = %d' % server_id)
        assert token.startswith('gAAAA') and rig.key_secret not in token

        shell = subprocess.run([stack.ODOO, 'shell', '-c', config, '-d', database, '--no-http', '--log-level=warn'],
                               input=CHECK.encode(), stdout=subprocess.PIPE, check=True)
        printed = [line.split('\t') for line in shell.stdout.decode().splitlines() if '\t' in line]
        assert ['result', 'Demo DNS server (local bind9): the connection works and the TSIG key is accepted '
                          'for zone mysite.example.com.'] in printed
        zones = {line[1]: line[2] for line in printed if line[0] == 'zone'}
        assert zones == {'mysite.example.com': 'mysite.example.com', 'www.mysite.example.com': 'mysite.example.com',
                         'www.othersite.example.com': 'othersite.example.com'}
    finally:
        rig.stop()
        subprocess.run(['dropdb', '--if-exists', database], check=True)

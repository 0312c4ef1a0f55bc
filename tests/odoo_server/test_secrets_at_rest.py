"""What a real Odoo server leaves behind after a certificate's whole life: no private key and no
reseller password in clear, in the database (pg_dump of every table, mail, chatter and jobs
included) or in its log."""
import subprocess
import uuid

import pytest

from comodo_sandbox.pytest_plugin import SandboxProcess
from server_process import wait

# Known values, to be found nowhere in clear.
RESELLER_PASSWORD = 'Known-Reseller-Pw-%s' % uuid.uuid4().hex[:8]


@pytest.fixture(scope='module')
def own_password_sandbox(tmp_path_factory):
    sandbox = SandboxProcess(tmp_path_factory.mktemp('sandbox-at-rest'), issue_after=0,
                             login='demo', password=RESELLER_PASSWORD).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def _issue_a_certificate(call, sandbox):
    call('res.company', 'write', [call('ir.model.data', 'xmlid_to_res_id', 'base.main_company')], {
        'comodo_api_url': sandbox.url, 'comodo_login': 'demo', 'comodo_password': RESELLER_PASSWORD,
        'comodo_test_mode': True})
    term_id = call('ir.model.data', 'xmlid_to_res_id', 'comodo_ssl_reseller.certificate_term_positivessl_365')
    call('comodo.certificate.term', 'write', [term_id], {'reseller_price': 10.0})
    product_id = call('comodo.certificate.term', 'read', [term_id], ['product_id'])[0]['product_id'][0]
    domain = 'instant-%s.example.com' % uuid.uuid4().hex[:10]
    sale_id = call('sale.order', 'create', {
        'partner_id': call('ir.model.data', 'xmlid_to_res_id', 'base.partner_demo_portal'),
        'order_line': [(0, 0, {'product_id': product_id, 'comodo_domain': domain,
                               'comodo_dcv_method': 'CNAME_CSR_HASH'})]})
    call('sale.order', 'action_confirm', [sale_id])

    def issued():
        orders = call('comodo.certificate.order', 'search_read', [('domain', '=', domain)],
                      ['state', 'private_key_pem'])
        return orders[0] if orders[0]['state'] == 'issued' else None
    return wait(issued, 60, 'the job runner to place and collect the order')


def test_no_key_and_no_password_in_clear_anywhere(odoo_server, own_password_sandbox):
    call = odoo_server.caller()
    order = _issue_a_certificate(call, own_password_sandbox)
    key_lines = order['private_key_pem'].splitlines()[1:-1]
    assert len(key_lines) > 10, 'SSL managers (admin) read the key through the order'

    dump = subprocess.run(['pg_dump', '--data-only', odoo_server.database], stdout=subprocess.PIPE,
                          check=True, universal_newlines=True).stdout
    assert 'comodo_certificate_key' in dump and 'mail_message' in dump and 'queue_job' in dump
    with open(odoo_server.log_path) as handle:
        log = handle.read()
    assert 'Placed as CA order' in dump, 'the jobs ran and their results are in the dump'
    for where, text in (('the database', dump), ('the Odoo log', log)):
        assert 'PRIVATE KEY' not in text, where
        assert not [line for line in key_lines if line in text], where
        assert RESELLER_PASSWORD not in text, where

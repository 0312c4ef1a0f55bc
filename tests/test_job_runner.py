"""The certificate lifecycle through a real Odoo server and queue_job's real job runner.

The Odoo tests run the CA jobs inline; this one starts `odoo` as its own process (with queue_job
as a server-wide module, so its job runner thread dispatches jobs over HTTP like in production),
talks to it over XML-RPC and checks that the jobs ran in the `root.comodo` channel. `make test`
prepares its database and configuration.
"""
import uuid
import xmlrpc.client

from server_process import wait


def test_certificate_order_runs_through_the_job_runner(odoo_server, comodo_sandbox):
    call = odoo_server.caller()

    company_id = call('ir.model.data', 'xmlid_to_res_id', 'base.main_company')
    call('res.company', 'write', [company_id], {
        'comodo_api_url': comodo_sandbox.url, 'comodo_login': 'demo', 'comodo_password': 'demo',
        'comodo_test_mode': True})
    term_id = call('ir.model.data', 'xmlid_to_res_id', 'comodo_ssl_reseller.certificate_term_positivessl_365')
    call('comodo.certificate.term', 'write', [term_id], {'reseller_price': 10.0})
    product_id = call('comodo.certificate.term', 'read', [term_id], ['product_id'])[0]['product_id'][0]
    # The demo portal customer holds the Business Hosting plan, which allows Comodo SSL.
    partner_id = call('ir.model.data', 'xmlid_to_res_id', 'base.partner_demo_portal')
    domain = 'instant-%s.example.com' % uuid.uuid4().hex[:10]
    sale_id = call('sale.order', 'create', {'partner_id': partner_id, 'order_line': [(0, 0, {
        'product_id': product_id, 'comodo_domain': domain, 'comodo_dcv_method': 'CNAME_CSR_HASH'})]})
    call('sale.order', 'action_confirm', [sale_id])

    order_domain = [('domain', '=', domain)]
    placed = call('comodo.certificate.order', 'search_read', order_domain, ['state'])
    assert [o['state'] for o in placed] == ['draft'], 'confirmation only queues the CA work'

    def issued():
        orders = call('comodo.certificate.order', 'search_read', order_domain,
                      ['state', 'ca_order_number', 'certificate_pem'])
        return orders[0] if orders[0]['state'] == 'issued' else None

    order = wait(issued, 60, 'the job runner to place and collect the order')
    assert 'BEGIN CERTIFICATE' in order['certificate_pem']
    assert comodo_sandbox.orders() and any(
        str(o['orderNumber']) == order['ca_order_number'] for o in comodo_sandbox.orders())
    jobs = call('queue.job', 'search_read', [('identity_key', 'like', 'comodo-place-%')],
                ['state', 'channel'])
    assert jobs and all(job['state'] == 'done' and job['channel'] == 'root.comodo' for job in jobs)

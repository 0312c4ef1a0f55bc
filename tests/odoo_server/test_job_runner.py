"""The certificate lifecycle through a real Odoo server and queue_job's real job runner.

The Odoo tests run the CA jobs inline; this one starts `odoo` as its own process (with queue_job
as a server-wide module, so its job runner thread dispatches jobs over HTTP like in production),
talks to it over XML-RPC and checks that the jobs ran in the `root.comodo` channel. `make test`
prepares its database and configuration.
"""
import uuid
import xmlrpc.client

from comodo_client import ComodoClient, build_csr, generate_private_key
from server_process import wait


def use_sandbox(call, sandbox):
    company_id = call('ir.model.data', 'xmlid_to_res_id', 'base.main_company')
    # The sandbox speaks plain http, which only test mode allows.
    call('res.company', 'write', [company_id], {
        'comodo_api_url': sandbox.url, 'comodo_login': 'demo', 'comodo_password': 'demo',
        'comodo_test_mode': True})
    return company_id


def sell_certificates(call, domains):
    """One confirmed sale of the demo portal customer with a PositiveSSL line per domain; the ids of
    its certificate orders."""
    term_id = call('ir.model.data', 'xmlid_to_res_id', 'comodo_ssl_reseller.certificate_term_positivessl_365')
    call('comodo.certificate.term', 'write', [term_id], {'reseller_price': 10.0})
    product_id = call('comodo.certificate.term', 'read', [term_id], ['product_id'])[0]['product_id'][0]
    sale_id = call('sale.order', 'create', {
        'partner_id': call('ir.model.data', 'xmlid_to_res_id', 'base.partner_demo_portal'),
        'order_line': [(0, 0, {'product_id': product_id, 'comodo_domain': domain,
                               'comodo_dcv_method': 'CNAME_CSR_HASH'}) for domain in domains]})
    call('sale.order', 'action_confirm', [sale_id])
    return call('comodo.certificate.order', 'search', [('sale_order_id', '=', sale_id)])


def test_certificate_order_runs_through_the_job_runner(odoo_server, comodo_sandbox):
    call = odoo_server.caller()
    use_sandbox(call, comodo_sandbox)
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


def test_threaded_server_polls_every_order_beyond_one_runs_budget(odoo_server, comodo_sandbox):
    """Odoo 11's threaded mode (workers=0): a run out of time (a zero budget: one batch) hands the
    rest to a continuation job, and every due order is polled, once, within those two runs."""
    call = odoo_server.caller()
    company_id = use_sandbox(call, comodo_sandbox)
    call('ir.config_parameter', 'set_param', 'comodo_ssl_reseller.poll_time_budget_seconds', '0')
    cron_id = call('ir.model.data', 'xmlid_to_res_id', 'comodo_ssl_reseller.ir_cron_poll_pending_orders')
    # Only the run fired below: the server's own cron thread must not poll these orders first.
    call('ir.cron', 'write', [cron_id], {'nextcall': '2100-01-01 00:00:00'})
    batch_size = 25
    call('ir.config_parameter', 'set_param', 'comodo_ssl_reseller.poll_batch_size', str(batch_size))
    count = batch_size + 5
    domain = 'never-poll-%s.example.com' % uuid.uuid4().hex[:10]
    csr = build_csr(generate_private_key('ec'), [domain])
    with ComodoClient(comodo_sandbox.url, 'demo', 'demo', timeout=10) as client:
        numbers = [client.place_order(287, 365, csr, [domain], dcv_method='CNAME_CSR_HASH').order_number
                   for _index in range(count)]
    term_id = call('ir.model.data', 'xmlid_to_res_id', 'comodo_ssl_reseller.certificate_term_positivessl_365')
    partner_id = call('ir.model.data', 'xmlid_to_res_id', 'base.partner_demo_portal')
    order_ids = [call('comodo.certificate.order', 'create', {
        'company_id': company_id, 'partner_id': partner_id, 'term_id': term_id, 'domain': domain,
        'dcv_method': 'CNAME_CSR_HASH', 'csr_pem': csr}) for _number in numbers]
    for order_id, number in zip(order_ids, numbers):
        call('comodo.certificate.order', 'write', [order_id], {
            'state': 'pending', 'ca_order_number': number, 'waiting_since': '2099-01-01 00:00:00',
            'next_check_at': '2000-01-01 00:00:00'})
    runs_before = call('comodo.poll.run', 'search', [])
    reports_before = _report_calls(comodo_sandbox)
    call('ir.cron', 'method_direct_trigger', [cron_id])

    def all_polled():
        orders = call('comodo.certificate.order', 'read', order_ids, ['attempts'])
        return all(order['attempts'] for order in orders)

    wait(all_polled, 120, 'every order to be polled')
    (run_id,) = [run for run in call('comodo.poll.run', 'search', []) if run not in runs_before]
    run = call('comodo.poll.run', 'read', [run_id], ['queued_count', 'order_ids'])[0]
    assert run['queued_count'] == count and sorted(run['order_ids']) == sorted(order_ids)
    continuations = call('queue.job', 'search_read',
                         [('identity_key', '=', 'comodo-poll-continue-%d' % run_id)], ['state'])
    assert [job['state'] for job in continuations] == ['done'], 'two runs: the cron and one continuation'
    orders = call('comodo.certificate.order', 'read', order_ids, ['attempts', 'state'])
    assert all(order['attempts'] == 1 and order['state'] == 'pending' for order in orders)
    collects = [c for c in comodo_sandbox.calls()
                if c['action'] == 'CollectSSL' and str(c['orderNumber']) in numbers]
    # Each polled once, by the bulk report: one page per batch (25 and 5 orders). The CA says none
    # changed, so none is asked about alone.
    assert _report_calls(comodo_sandbox) - reports_before == 2
    assert collects == []


def _report_calls(sandbox):
    return len([c for c in sandbox.calls() if c['action'] == 'WebHostReport'])


def test_a_pushed_order_is_decided_within_seconds(odoo_server, sandbox_factory):
    """The sandbox pushes its decision to Odoo's push URL; Odoo asks the CA through the job queue.
    Nothing else would check the order for four hours."""
    call = odoo_server.caller()
    url = odoo_server.url
    token_id = call('ir.model.data', 'xmlid_to_res_id', 'comodo_ssl_reseller.push_token_main_company')
    token = call('comodo.push.token', 'read', [token_id], ['token'])[0]['token']
    sandbox = sandbox_factory(issue_after=3600, push_url='%s/comodo/push/%s' % (url, token))
    company_id = use_sandbox(call, sandbox)
    domain = 'never-push-%s.example.com' % uuid.uuid4().hex[:10]
    csr = build_csr(generate_private_key('ec'), [domain])
    with ComodoClient(sandbox.url, 'demo', 'demo', timeout=10) as client:
        number = client.place_order(287, 365, csr, [domain], dcv_method='CNAME_CSR_HASH').order_number
    term_id = call('ir.model.data', 'xmlid_to_res_id', 'comodo_ssl_reseller.certificate_term_positivessl_365')
    partner_id = call('ir.model.data', 'xmlid_to_res_id', 'base.partner_demo_portal')
    order_id = call('comodo.certificate.order', 'create', {
        'company_id': company_id, 'partner_id': partner_id, 'term_id': term_id, 'domain': domain,
        'dcv_method': 'CNAME_CSR_HASH', 'csr_pem': csr})
    call('comodo.certificate.order', 'write', [order_id], {
        'state': 'pending', 'ca_order_number': number, 'waiting_since': '2099-01-01 00:00:00',
        'next_check_at': '2099-01-01 00:00:00'})
    sandbox.reset_calls()

    sandbox.approve(number)

    def decided():
        order = call('comodo.certificate.order', 'read', [order_id], ['state', 'certificate_pem'])[0]
        return order if order['state'] == 'issued' else None

    order = wait(decided, 30, 'the pushed order to be checked and issued')
    assert 'BEGIN CERTIFICATE' in order['certificate_pem']
    assert [c['action'] for c in sandbox.calls()] == ['CollectSSL'], 'one check, prompted by the push'
    with open(sandbox.log_path) as log:
        pushes = [line for line in log if 'push order=%s' % number in line]
    assert len(pushes) == 1 and 'HTTP 200' in pushes[0]
    with open(odoo_server.log_path) as log:
        request_lines = [line for line in log if '/comodo/push/' in line]
    assert request_lines, 'the push is in the server\'s request log'
    assert not [line for line in request_lines if token in line], 'written as /comodo/push/***'

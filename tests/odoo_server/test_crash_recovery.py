"""A real Odoo server with workers and queue_job's job runner, killed (SIGKILL of its process group)
in the middle of CA jobs and started again on the same data; and placements at the same moment
while another transaction holds the invoice journal's sequence.

Job states and lock holding go through PostgreSQL directly: the server's workers may all be busy
with slow CA calls.
"""
import time
import uuid
from datetime import date

import psycopg2
import pytest

from comodo_client import ComodoClient, build_csr, generate_private_key
from server_process import OdooServer, wait
from test_job_runner import sell_certificates, use_sandbox

# The sandbox holds the placement's and the check's calls this long (less than the company's
# 30-second CA timeout): both jobs are still running when the server is killed.
CA_HANG_SECONDS = 20


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    server = OdooServer(str(tmp_path_factory.mktemp('odoo-server') / 'odoo.log'),
                        extra_args=['--workers', '2']).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def db(server):
    connection = psycopg2.connect(dbname=server.database)
    connection.autocommit = True
    yield connection
    connection.close()


def _rows(db, query, *params):
    with db.cursor() as cr:
        cr.execute(query, params)
        return cr.fetchall()


def _current_date_range(call):
    """Today's numbering range of the customer invoices' journal, made now if it does not exist yet
    (else the first invoice would make it, in its own transaction: nothing to contend for)."""
    journal = call('account.journal', 'search_read', [('type', '=', 'sale')], ['sequence_id'], limit=1)[0]
    sequence_id = journal['sequence_id'][0]
    today = date.today().isoformat()
    ranges = call('ir.sequence.date_range', 'search', [
        ('sequence_id', '=', sequence_id), ('date_from', '<=', today), ('date_to', '>=', today)])
    return ranges[0] if ranges else call('ir.sequence.date_range', 'create', {
        'sequence_id': sequence_id, 'date_from': '%d-01-01' % date.today().year,
        'date_to': '%d-12-31' % date.today().year})


def test_placements_at_the_same_moment_leave_no_invoice_in_draft(server, db, comodo_sandbox):
    call = server.caller()
    company_id = use_sandbox(call, comodo_sandbox)
    call('res.company', 'write', [company_id], {'comodo_invoice_policy': 'open'})
    date_range_id = _current_date_range(call)
    holder = psycopg2.connect(dbname=server.database)
    try:
        # Another transaction numbering an invoice, for as long as the orders are being placed.
        with holder.cursor() as cr:
            cr.execute('SELECT id FROM ir_sequence_date_range WHERE id = %s FOR UPDATE', (date_range_id,))
        order_ids = []
        for _sale in range(3):
            domains = ['instant-%s.example.com' % uuid.uuid4().hex[:10] for _line in range(2)]
            order_ids += sell_certificates(call, domains)

        def all_issued():
            return all(state == 'issued' for (state,) in _rows(
                db, 'SELECT state FROM comodo_certificate_order WHERE id IN %s', tuple(order_ids)))
        wait(all_issued, 90, 'every order to be placed and issued')
        drafts = _rows(db, "SELECT count(*) FROM account_invoice WHERE comodo_order_id IN %s AND state = 'draft'",
                       tuple(order_ids))
        assert drafts == [(len(order_ids),)], 'the held sequence kept every validation from numbering'
    finally:
        holder.rollback()
        holder.close()

    def all_validated():
        states = _rows(db, 'SELECT state FROM account_invoice WHERE comodo_order_id IN %s', tuple(order_ids))
        return len(states) == len(order_ids) and all(state == 'open' for (state,) in states)
    wait(all_validated, 60, 'every invoice to be validated once the sequence is free')
    assert not call('comodo.certificate.order', 'search', [('id', 'in', order_ids), ('billing_step', '!=', False)])


def _ca_orders(sandbox, domain):
    return [order for order in sandbox.orders() if order['commonName'] == domain]


def _job_states(db, order_id, method):
    return [state for (state,) in _rows(
        db, "SELECT state FROM queue_job WHERE model_name = 'comodo.certificate.order' AND method_name = %s "
            "AND record_ids::jsonb @> jsonb_build_array(%s) ORDER BY id", method, order_id)]


def test_a_killed_server_resumes_its_jobs_at_once_and_orders_once(server, db, sandbox_factory):
    sandbox = sandbox_factory(issue_after=3600)
    call = server.caller()
    company_id = use_sandbox(call, sandbox)
    call('res.company', 'write', [company_id], {'comodo_invoice_policy': 'open'})
    # One order waiting at the CA, due for the poll; one sold now and being placed.
    checked_domain = 'never-%s.example.com' % uuid.uuid4().hex[:10]
    csr = build_csr(generate_private_key('ec'), [checked_domain])
    with ComodoClient(sandbox.url, 'demo', 'demo', timeout=10) as client:
        checked_number = client.place_order(287, 365, csr, [checked_domain], dcv_method='CNAME_CSR_HASH').order_number
    term_id = call('ir.model.data', 'xmlid_to_res_id', 'comodo_ssl_reseller.certificate_term_positivessl_365')
    checked_id = call('comodo.certificate.order', 'create', {
        'company_id': company_id, 'partner_id': call('ir.model.data', 'xmlid_to_res_id', 'base.partner_demo_portal'),
        'term_id': term_id, 'domain': checked_domain, 'dcv_method': 'CNAME_CSR_HASH', 'csr_pem': csr})
    call('comodo.certificate.order', 'write', [checked_id], {
        'state': 'pending', 'ca_order_number': checked_number, 'waiting_since': '2099-01-01 00:00:00',
        'next_check_at': '2000-01-01 00:00:00'})
    # The CA decides the waiting order: the poll's bulk report says so, and its CollectSSL hangs.
    sandbox.approve(checked_number)
    for action in ('CollectSSL', 'AutoApplySSL'):
        sandbox.plan_fault('hang', action=action, seconds=CA_HANG_SECONDS)
    cron_id = call('ir.model.data', 'xmlid_to_res_id', 'comodo_ssl_reseller.ir_cron_poll_pending_orders')
    call('ir.cron', 'method_direct_trigger', [cron_id])
    placed_domain = 'never-%s.example.com' % uuid.uuid4().hex[:10]
    (placed_id,) = sell_certificates(call, [placed_domain])

    wait(lambda: _job_states(db, checked_id, '_job_check_due') == ['started']
         and _job_states(db, placed_id, '_job_place') == ['started'], CA_HANG_SECONDS,
         'the check and the placement to run')
    server.kill()

    # The CA acted on the placement all the same; it decides that order too while Odoo is down.
    placed_at_ca = wait(lambda: _ca_orders(sandbox, placed_domain), CA_HANG_SECONDS + 10, 'the CA to take the order')
    sandbox.approve(placed_at_ca[0]['orderNumber'])
    server.start()
    restarted = time.time()

    def decided():
        return all(state == 'issued' for (state,) in _rows(
            db, 'SELECT state FROM comodo_certificate_order WHERE id IN %s', (checked_id, placed_id)))
    wait(decided, 60, 'both orders to be checked and decided after the restart')
    assert time.time() - restarted < 60
    assert _job_states(db, checked_id, '_job_check_due') == ['done'], 'the killed check ran again, once'
    assert _job_states(db, placed_id, '_job_place') == ['done'], 'the killed placement ran again, once'
    assert len(_ca_orders(sandbox, placed_domain)) == 1, 'ordered from the CA once'
    certificates = _rows(db, 'SELECT order_id, count(*) FROM comodo_certificate WHERE order_id IN %s '
                             'GROUP BY order_id', (checked_id, placed_id))
    assert sorted(certificates) == sorted([(checked_id, 1), (placed_id, 1)]), 'each certificate stored once'
    invoices = _rows(db, "SELECT state FROM account_invoice WHERE comodo_order_id = %s", placed_id)
    assert invoices == [('open',)], 'one invoice, validated'

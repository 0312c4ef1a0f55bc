"""Two real Odoo servers on one database, as a hosting company runs them past one machine: separate
processes and ports, `server_wide_modules = web,queue_job` and workers on both, queue_job's job runner
on one of them only (the other has `channels = root:0`), dispatching every job through a load
balancer in front of both. They place a batch of orders and share the poll that decides them; one
is killed (SIGKILL of its process group) in the middle of a poll job, and the other finishes.

Job states, locks and outcomes are read from PostgreSQL directly: the servers' workers may all be
busy with slow CA calls.
"""
import json
import os
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest

from comodo_client import ComodoClient, build_csr, generate_private_key
from server_process import OdooServer, wait
from test_crash_recovery import _rows
from test_job_runner import sell_certificates, use_sandbox

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tools'))
try:
    from server_pool import server_configs
finally:
    sys.path.pop(0)

ORDERS = 40
# Orders sold through a sale (and invoiced, so that a rejection credits the invoice); the others
# are recorded straight away, and the poll places them.
SOLD = 6
# Every call to the sandbox CA takes this long, as calls to Sectigo do over the internet: a poll job
# runs for seconds, long enough to be killed in the middle.
CA_LATENCY_MS = 300
# Orders per poll job (and per bulk report page): four jobs for the two servers to share.
POLL_BATCH_SIZE = 10


class ServerWithConfig(OdooServer):

    def __init__(self, log_path, config, port, name):
        # libpq names the server's database connections after it: the test sees which server's
        # worker holds a job's lock line (see running_on).
        super(ServerWithConfig, self).__init__(log_path, extra_args=['--workers', '2'],
                                               environment={'PGAPPNAME': name})
        self.config, self.port, self.name = config, port, name
        self.url = 'http://127.0.0.1:%d' % port


@pytest.fixture(scope='module')
def servers(tmp_path_factory, database_to_itself):
    """(runner, other, load balancer): `runner` runs the job runner, which sends every job through the
    load balancer to either server. They are the only servers on the database: one job runner."""
    folder = str(tmp_path_factory.mktemp('two-servers'))
    ((runner_config, runner_port), (other_config, other_port)), balancer = server_configs(
        os.environ['COMODO_SERVER_TEST_CONFIG'], folder, 2)
    runner = ServerWithConfig(os.path.join(folder, 'runner.log'), runner_config, runner_port, 'comodo-test-runner')
    other = ServerWithConfig(os.path.join(folder, 'other.log'), other_config, other_port, 'comodo-test-other')
    starting = [threading.Thread(target=server.start) for server in (runner, other)]
    for thread in starting:
        thread.start()
    for thread in starting:
        thread.join()
    try:
        yield runner, other, balancer
    finally:
        for server in (runner, other):
            if server.running():
                server.stop()
        balancer.stop()


@pytest.fixture
def db(servers):
    connection = psycopg2.connect(dbname=servers[0].database)
    connection.autocommit = True
    yield connection
    connection.close()


def _jobs(db, method, since_id=0):
    """{uuid: (state, tries, order ids)} of this addon's `method` jobs after queue_job id `since_id`."""
    return {job_uuid: (state, tries, json.loads(record_ids)) for job_uuid, state, tries, record_ids in _rows(
        db, "SELECT uuid, state, retry, record_ids FROM queue_job WHERE model_name = 'comodo.certificate.order' "
            "AND method_name = %s AND id > %s", method, since_id)}


def running_on(db, job_uuid):
    """The name of the server whose worker runs this addon's job `job_uuid` now, else None: the one
    whose connection holds the job's lock line (a row lock is the locking transaction's id in the
    row's xmax, and that transaction holds a lock on its own id).

    Not the server the job runner sent the job to: the runner gives up a request after a second and
    sets a job not yet started back to pending, then sends it again, maybe to the other server; the
    job runs where a worker first took it."""
    rows = _rows(db, "SELECT a.application_name FROM comodo_job_lock l JOIN queue_job j ON j.id = l.queue_job_id "
                     "JOIN pg_locks k ON k.locktype = 'transactionid' AND k.transactionid = l.xmax AND k.granted "
                     "JOIN pg_stat_activity a ON a.pid = k.pid WHERE j.uuid = %s", job_uuid)
    return rows[0][0] if rows else None


class _Described(object):
    """The text of what a wait() waits for, made when shown: the state at the time it gave up."""

    def __init__(self, describe):
        self.describe = describe

    def __str__(self):
        return self.describe()


def _lock_line_holders(db, job_uuid):
    """The PostgreSQL sessions that hold the lock line of this addon's job `job_uuid`."""
    return _rows(db, """
        SELECT a.application_name, a.state, a.wait_event_type, a.wait_event, now() - a.state_change
          FROM comodo_job_lock l JOIN queue_job j ON j.id = l.queue_job_id
          JOIN pg_locks k ON k.locktype = 'transactionid' AND k.transactionid = l.xmax AND k.granted
          JOIN pg_stat_activity a ON a.pid = k.pid WHERE j.uuid = %s""", job_uuid)


def _record_pending_orders(server, call, sandbox, company_id, domains):
    """Orders placed with the CA before this test (by an earlier server, or imported from another
    billing system), waiting for its decision: {order id: CA order number}."""
    key = generate_private_key('ec')
    csrs = [build_csr(key, [domain]) for domain in domains]

    def place(csr_and_domain):
        with ComodoClient(sandbox.url, 'demo', 'demo', timeout=10) as client:
            return client.place_order(287, 365, csr_and_domain[0], [csr_and_domain[1]],
                                      dcv_method='CNAME_CSR_HASH').order_number
    with ThreadPoolExecutor(4) as pool:
        numbers = list(pool.map(place, zip(csrs, domains)))
    term_id = call('ir.model.data', 'xmlid_to_res_id', 'comodo_ssl_reseller.certificate_term_positivessl_365')
    partner_id = call('ir.model.data', 'xmlid_to_res_id', 'base.partner_demo_portal')
    callers = threading.local()

    def record(domain_csr_number):
        domain, csr, number = domain_csr_number
        if not hasattr(callers, 'call'):
            callers.call = server.caller()
        return callers.call('comodo.certificate.order', 'create', {
            'company_id': company_id, 'partner_id': partner_id, 'term_id': term_id, 'domain': domain,
            'dcv_method': 'CNAME_CSR_HASH', 'csr_pem': csr, 'state': 'pending', 'ca_order_number': number,
            'waiting_since': '2099-01-01 00:00:00'}), str(number)
    with ThreadPoolExecutor(4) as pool:
        return dict(pool.map(record, zip(domains, csrs, numbers)))


def _other_clients(db, server_names):
    """The application names of the database's client sessions other than this test's own and those
    of the servers named: another Odoo server on the database, maybe with a job runner of its own."""
    return [name for (name,) in _rows(
        db, "SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND application_name NOT IN %s",
        tuple(server_names))]


def _billing_done(db, order_ids):
    """No billing step (validating, crediting an invoice) left due on these orders."""
    return not _rows(db, 'SELECT id FROM comodo_certificate_order WHERE id IN %s AND billing_step IS NOT NULL',
                     tuple(order_ids))


def _messages(db, order_ids, subject_pattern):
    """{order id: how many messages on it have a subject like `subject_pattern`}."""
    return dict(_rows(db, "SELECT res_id, count(*) FROM mail_message WHERE model = 'comodo.certificate.order' "
                          "AND res_id IN %s AND subject LIKE %s GROUP BY res_id", tuple(order_ids), subject_pattern))


def test_two_servers_share_placements_and_a_poll_and_lose_nothing_when_one_dies(servers, db, sandbox_factory):
    runner, other, balancer = servers
    assert _other_clients(db, [runner.name, other.name]) == [], 'the two servers alone on the database'
    sandbox = sandbox_factory(issue_after=3600, latency=CA_LATENCY_MS)
    call = runner.caller()
    company_id = use_sandbox(call, sandbox)
    call('res.company', 'write', [company_id], {'comodo_invoice_policy': 'open'})
    poll_cron_id = call('ir.model.data', 'xmlid_to_res_id', 'comodo_ssl_reseller.ir_cron_poll_pending_orders')
    # Only the poll fired below: neither server's cron thread polls these orders first.
    call('ir.cron', 'write', [poll_cron_id], {'nextcall': '2100-01-01 00:00:00'})
    call('ir.config_parameter', 'set_param', 'comodo_ssl_reseller.poll_batch_size', str(POLL_BATCH_SIZE))

    # The placements of a sale: jobs the runner sends to both servers.
    tag = uuid.uuid4().hex[:8]
    domains = ['never-%s-%02d.example.com' % (tag, index) for index in range(ORDERS)]
    sold_ids = sell_certificates(call, domains[:SOLD])
    number_of = _record_pending_orders(runner, call, sandbox, company_id, domains[SOLD:])

    def placed():
        rows = _rows(db, 'SELECT id, ca_order_number FROM comodo_certificate_order WHERE id IN %s '
                         "AND state = 'pending'", tuple(sold_ids))
        return dict(rows) if len(rows) == SOLD else None
    number_of.update(wait(placed, 120, 'the sale\'s orders to be placed'))
    wait(lambda: _billing_done(db, sold_ids), 120, 'the sale\'s invoices to be validated')
    assert _rows(db, "SELECT DISTINCT state FROM account_invoice WHERE comodo_order_id IN %s", tuple(sold_ids)) == [
        ('open',)], 'invoiced before the CA decides: a rejection credits the invoice'
    placed_on = {port for job_uuid in _jobs(db, '_job_place') for port in balancer.ports_of(job_uuid)}
    assert placed_on == {runner.port, other.port}, 'both servers placed orders'
    order_ids = sold_ids + sorted(set(number_of) - set(sold_ids))

    # The CA decides: every third order is issued, every third rejected, the rest still pending.
    approved, rejected, still_pending = order_ids[0::3], order_ids[1::3], order_ids[2::3]
    for order_id in approved:
        sandbox.approve(number_of[order_id])
    for order_id in rejected:
        sandbox.reject(number_of[order_id])
    # The orders fall due; the poll queues their checks, which both servers run.
    numbers = [number_of[order_id] for order_id in order_ids]
    call('comodo.certificate.order', 'write', order_ids, {'next_check_at': '2000-01-01 00:00:00'})
    (last_job_id,) = _rows(db, 'SELECT coalesce(max(id), 0) FROM queue_job')[0]
    sandbox.reset_calls()
    call('ir.cron', 'method_direct_trigger', [poll_cron_id])

    def a_check_half_done_on_the_other_server():
        collected = {str(call_['orderNumber']) for call_ in sandbox.calls() if call_['action'] == 'CollectSSL'}
        for job_uuid, (state, _tries, ids) in _jobs(db, '_job_check_due', last_job_id).items():
            job_numbers = {number_of[order_id] for order_id in ids}
            if state == 'started' and 0 < len(job_numbers & collected) < len(job_numbers) \
                    and running_on(db, job_uuid) == other.name:
                return job_uuid
        return None
    killed_job = wait(a_check_half_done_on_the_other_server, 60, 'a poll job half done on the other server')
    other.kill()
    state_at_kill, tries_at_kill, _ids = _jobs(db, '_job_check_due', last_job_id)[killed_job]
    assert state_at_kill == 'started', 'killed in the middle'

    # The requeuer cron (every minute on each server) gives the dead worker's job back to the runner,
    # counting the killed run as a try. The runner may start it again at once, so the job is found
    # requeued by its tries, not by its state: a state read just after the requeue may already be
    # "started" again, and stay so for the whole second run.
    requeue_cron_id = call('ir.model.data', 'xmlid_to_res_id', 'comodo_ssl_reseller.ir_cron_requeue_orphaned_jobs')

    def requeued():
        call('ir.cron', 'method_direct_trigger', [requeue_cron_id])
        state, tries, _ids = _jobs(db, '_job_check_due', last_job_id)[killed_job]
        return tries > tries_at_kill or state != 'started'
    wait(requeued, 30, _Described(lambda: 'the killed poll job to be requeued (its lock line held by %s)'
                                  % (_lock_line_holders(db, killed_job) or 'nobody')))

    def every_check_done():
        # The batches, the check jobs of orders a batch handed over after a concurrency error, and
        # the jobs that follow the decisions they learnt (mails, credit notes, installs).
        states = [state for method in ('_job_check_due', '_job_check', '_job_after_decision')
                  for state, _tries, _ids in _jobs(db, method, last_job_id).values()]
        return states and all(state == 'done' for state in states)
    wait(every_check_done, 90, 'the surviving server to finish the poll')
    wait(lambda: _billing_done(db, order_ids), 120, 'the rejected orders\' invoices to be credited')

    states = dict(_rows(db, 'SELECT id, state FROM comodo_certificate_order WHERE id IN %s', tuple(order_ids)))
    assert [states[order_id] for order_id in approved] == ['issued'] * len(approved)
    assert [states[order_id] for order_id in rejected] == ['rejected'] * len(rejected)
    assert [states[order_id] for order_id in still_pending] == ['pending'] * len(still_pending)
    assert dict(_rows(db, 'SELECT order_id, count(*) FROM comodo_certificate WHERE order_id IN %s GROUP BY order_id',
                      tuple(order_ids))) == {order_id: 1 for order_id in approved}, 'one certificate per issued order'
    assert dict(_rows(db, "SELECT comodo_order_id, count(*) FROM account_invoice WHERE comodo_order_id IN %s "
                          "AND type = 'out_refund' GROUP BY comodo_order_id", tuple(order_ids))) == {
        order_id: 1 for order_id in rejected if order_id in sold_ids}, 'one credit note per rejected invoice'
    assert _messages(db, order_ids, 'Your SSL certificate for % is ready') == {
        order_id: 1 for order_id in approved}, 'one mail per issued order'
    assert _messages(db, order_ids, 'Your SSL certificate request for % was rejected') == {
        order_id: 1 for order_id in rejected}, 'one mail per rejected order'
    assert _messages(db, order_ids, 'Your SSL certificate for %: please validate the domain') == {
        order_id: 1 for order_id in sold_ids + still_pending}, 'one validation mail per order found waiting'

    ca_orders = [order for order in sandbox.orders() if order['commonName'] in domains]
    assert sorted(order['commonName'] for order in ca_orders) == sorted(domains), 'each order placed once'
    poll_calls = sandbox.calls()
    assert not [c for c in poll_calls if c['action'] == 'AutoApplySSL'], 'the poll placed nothing'
    collects = {}
    for collect in (c for c in poll_calls if c['action'] == 'CollectSSL'):
        collects[str(collect['orderNumber'])] = collects.get(str(collect['orderNumber']), 0) + 1
    # Each try of a poll job asks the bulk report about its orders, then CollectSSL about those it
    # says were issued (a killed try, or one retried after a concurrency error, asks again); the
    # orders the report says were rejected, and those still pending, are asked by the report alone.
    poll_jobs = _jobs(db, '_job_check_due', last_job_id)
    tries = {number_of[order_id]: job_tries for _state, job_tries, ids in poll_jobs.values() for order_id in ids}
    assert sorted(tries) == sorted(numbers), 'every order in one poll job'
    reports = len([c for c in poll_calls if c['action'] == 'WebHostReport'])
    assert len(poll_jobs) <= reports <= sum(job_tries for _state, job_tries, _ids in poll_jobs.values())
    collected = {number_of[order_id] for order_id in approved}
    # An order whose check met a concurrency error (another job writing the same sale) has that
    # check undone alone and a check job of its own, which asks again; the batch asks no one twice.
    own_tries = {}
    for _state, job_tries, ids in _jobs(db, '_job_check', last_job_id).values():
        for order_id in ids:
            own_tries[number_of[order_id]] = own_tries.get(number_of[order_id], 0) + job_tries
    by_batch = {number: 1 if number in collected else 0 for number in numbers}
    assert {number: collects.get(number, 0) for number in numbers if tries[number] == 1 and number not in own_tries} == {
        number: by_batch[number] for number in numbers if tries[number] == 1 and number not in own_tries}, \
        'an issued order asked once, a rejected or pending one not at all, by a job that ran once'
    assert all(by_batch[number] + 1 <= collects.get(number, 0) <= by_batch[number] * tries[number] + own_tries[number]
               for number in own_tries), 'asked by the batch if issued, then by its own check job'
    assert all(by_batch[number] <= collects.get(number, 0) <= by_batch[number] * tries[number] + own_tries.get(number, 0)
               for number in numbers), 'at most once a try'
    assert poll_jobs[killed_job][1] >= 2, 'the killed job ran again'
    attempts = dict(_rows(db, 'SELECT id, attempts FROM comodo_certificate_order WHERE id IN %s', tuple(order_ids)))
    assert attempts == {order_id: 2 if order_id in sold_ids else 1 for order_id in order_ids}, \
        'one check recorded per order by the poll (the sale\'s orders had one at placement)'

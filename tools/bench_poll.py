"""Benchmark of the Async Manager poll: N due orders against a CA that answers in L ms.

    make bench [N=10000] [C=4] [LATENCY_MS=200] [RUNS=3]

Sets up a database with N pending certificate orders (each a real order in the sandbox CA), starts
the sandbox with --latency L and a real Odoo server in prefork mode (C + 2 workers, Odoo's stock
limit_time_cpu and limit_time_real) with queue_job's job runner and a `root.comodo` channel of
capacity C. Each run then measures three things, and the figures are printed per run and as the
median of the runs:

    poll_ratio=...          one in ten of the N orders is decided at the CA (issued or rejected,
                            in turn), then the poll cron is fired with the N orders due and the
                            bench waits until every one was checked: that time over N * L / C
                            (the CA's latency alone, C calls in flight, as a poll asking CollectSSL
                            about every order would at best). Target at N=10,000: at most 0.10.
                            Each run polls the orders no earlier run saw decided.
    rss_growth_mb=...       growth of the Odoo processes' memory from the first 10% of those checks
                            to the end (target: at most 100).
    poll_ca_calls=...       every call the sandbox received during the poll, and
                            poll_ca_calls_<kind>=... by kind (target: N/100 + the orders changed).
    poll_changed_orders=... the orders the poll found decided (no longer pending; the bench's orders
                            carry the CSR they were placed with, so an issued one is recorded as
                            issued).
    poll_followed_seconds=. poll_seconds plus the wait, after it, until every job that follows a
                            decision (customer mail, billing, install, refund; queued by the poll
                            with each decision, run after its batches in the same channel) is done.
    orm_overhead_ratio=...  with the sandbox at 0 latency, polling M = min(N, 2000) due orders
                            through the cron, over the same M CollectSSL calls made by bare clients,
                            C in flight in both (target: at most 1.3).
    placement_ratio=...     with the sandbox at 0 latency, confirming a sale of 100 certificate
                            lines until every certificate order is placed (key and CSR made, CA
                            order placed and first checked), over 100 bare AutoApplySSL calls of a
                            ready CSR, C in flight in both.

Runs under the project venv; `make bench` prepares the environment first.
"""
import argparse
import concurrent.futures
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import xmlrpc.client

import psutil
import psycopg2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'comodo_ssl_reseller'))
sys.path.insert(0, os.path.join(ROOT, 'tools'))

import server_pool  # noqa: E402  (tools/server_pool.py: several servers behind a load balancer)
import stack  # noqa: E402  (tools/stack.py: databases and configuration)
from comodo_client import ComodoClient, build_csr, generate_private_key  # noqa: E402
from comodo_sandbox.pytest_plugin import SandboxProcess  # noqa: E402

# COMODO_DB_SUFFIX keeps two checkouts' benchmarks on one PostgreSQL apart, as their test databases.
BENCH_DB = 'comodo_bench' + os.environ.get('COMODO_DB_SUFFIX', '')
TERM_XMLID = ('comodo_ssl_reseller', 'certificate_term_positivessl_365')
# The demo customer whose hosting plan includes Comodo SSL.
CUSTOMER_XMLID = 'base.partner_demo_portal'
OVERHEAD_ORDERS = 2000
PLACEMENT_LINES = 100
FIGURES = ('poll_ratio', 'rss_growth_mb', 'poll_ca_calls', 'poll_changed_orders', 'orm_overhead_ratio',
           'placement_ratio')
# One in this many of the orders polled is decided at the CA before each poll.
DECIDED_ONE_IN = 10


def log(message):
    print('bench: %s' % message, file=sys.stderr, flush=True)


def in_parallel(function, items, capacity):
    with concurrent.futures.ThreadPoolExecutor(capacity) as pool:
        return list(pool.map(function, items))


def place_sandbox_orders(sandbox, count, csr=None):
    """Real CA orders that stay pending ('never-' domains), placed in parallel without latency (all
    with `csr`, by default one made here for never-bench.example.com)."""
    csr = csr or build_csr(generate_private_key(), ['never-bench.example.com'])

    def place(index):
        with ComodoClient(sandbox.url, 'demo', 'demo', timeout=60) as client:
            return client.place_order(287, 365, csr, ['never-bench.example.com'],
                                      dcv_method='CNAME_CSR_HASH',
                                      foreign_order_number='bench-%d' % index).order_number

    return in_parallel(place, range(count), 16)


def insert_pending_orders(connection, ca_order_numbers, csr_pem=None):
    """The Odoo side of those orders, inserted in bulk, as an import would, with the CSR they were
    placed with (an issued one is then recorded as issued, as in real use; without it, it is refused
    as a certificate for another key). Their customers were told how to validate when the orders
    were placed and first checked: the poll only checks them."""
    with connection.cursor() as cr:
        cr.execute("""SELECT res_id FROM ir_model_data WHERE module = %s AND name = %s""", TERM_XMLID)
        term_id = cr.fetchone()[0]
        cr.execute('SELECT type_id FROM comodo_certificate_term WHERE id = %s', (term_id,))
        type_id = cr.fetchone()[0]
        cr.execute('SELECT partner_id FROM res_company WHERE id = 1')
        partner_id = cr.fetchone()[0]
        cr.execute("""
            INSERT INTO comodo_certificate_order
                (name, state, company_id, partner_id, term_id, type_id, domain, dcv_method, csr_pem,
                 ca_order_number, foreign_order_number, unique_value, placed_at, waiting_since,
                 next_check_at, attempts, transient_failures, key_generated, validation_mail_sent_at,
                 create_uid, write_uid, create_date, write_date)
            SELECT 'BENCH/' || n, 'pending', 1, %s, %s, %s, 'never-bench.example.com', 'CNAME_CSR_HASH', %s,
                   n, 'bench-' || n, 'bench' || n, now() at time zone 'UTC', now() at time zone 'UTC',
                   NULL, 0, 0, false, now() at time zone 'UTC',
                   1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM unnest(%s::text[]) AS n""", (partner_id, term_id, type_id, csr_pem, ca_order_numbers))
        cr.execute("UPDATE ir_cron SET active = false")  # only the polls fired below run
    connection.commit()


def make_due(connection, ca_order_numbers):
    """These bench orders due now (and never queued), every other one not due."""
    with connection.cursor() as cr:
        cr.execute("""
            UPDATE comodo_certificate_order SET next_check_at = NULL
             WHERE name LIKE 'BENCH/%%' AND NOT ca_order_number = ANY(%s)""", (list(ca_order_numbers),))
        cr.execute("""
            UPDATE comodo_certificate_order
               SET next_check_at = now() at time zone 'UTC' - interval '1 minute',
                   check_queued_at = NULL, last_check_at = NULL, state = 'pending',
                   waiting_since = now() at time zone 'UTC'
             WHERE name LIKE 'BENCH/%%' AND ca_order_number = ANY(%s)""", (list(ca_order_numbers),))
        # Finished jobs would only slow queue_job's look-ups down from one run to the next.
        cr.execute("DELETE FROM queue_job WHERE state = 'done'")
    connection.commit()


def database_now(connection):
    # To the second, as Odoo writes last_check_at.
    with connection.cursor() as cr:
        cr.execute("SELECT date_trunc('second', now() at time zone 'UTC')")
        value = cr.fetchone()[0]
    connection.commit()
    return value


def checked_count(connection, since):
    with connection.cursor() as cr:
        cr.execute("SELECT count(*) FROM comodo_certificate_order WHERE name LIKE 'BENCH/%%' "
                   "AND last_check_at >= %s", (since,))
        count = cr.fetchone()[0]
    connection.commit()
    return count


def follow_ups_left(connection):
    with connection.cursor() as cr:
        cr.execute("SELECT count(*) FROM queue_job WHERE method_name = '_job_after_decision' "
                   "AND state IN ('pending', 'enqueued', 'started')")
        count = cr.fetchone()[0]
    connection.commit()
    return count


def decided_count(connection, ca_order_numbers):
    with connection.cursor() as cr:
        cr.execute("SELECT count(*) FROM comodo_certificate_order WHERE name LIKE 'BENCH/%%' "
                   "AND ca_order_number = ANY(%s) AND state != 'pending'", (list(ca_order_numbers),))
        count = cr.fetchone()[0]
    connection.commit()
    return count


def create_certificate_sale(rpc, lines):
    """A draft sale of `lines` certificates (names the sandbox leaves pending) to the demo customer;
    returns its id."""
    term_id = rpc('ir.model.data', 'xmlid_to_res_id', '.'.join(TERM_XMLID))
    product_id = rpc('comodo.certificate.term', 'read', [term_id], ['product_id'])[0]['product_id'][0]
    partner_id = rpc('ir.model.data', 'xmlid_to_res_id', CUSTOMER_XMLID)
    tag = uuid.uuid4().hex[:8]
    return rpc('sale.order', 'create', {'partner_id': partner_id, 'order_line': [
        (0, 0, {'product_id': product_id, 'comodo_domain': 'never-sale-%s-%d.example.com' % (tag, index),
                'comodo_dcv_method': 'CNAME_CSR_HASH'}) for index in range(lines)]})


def point_companies_at_sandbox(connection, sandbox_url, company_values=''):
    """Every company orders from the sandbox (in test mode: the sandbox speaks plain http, which only
    test mode allows); `company_values` are more SQL assignments for res_company."""
    with connection.cursor() as cr:
        cr.execute("UPDATE res_company SET comodo_test_mode = true" + company_values)
        cr.execute("DELETE FROM comodo_reseller_account")
        # The password is set through Odoo once it runs: its token is bound to the account.
        cr.execute("INSERT INTO comodo_reseller_account (company_id, api_url, login) "
                   "SELECT id, %s, 'demo' FROM res_company", (sandbox_url,))
    connection.commit()


def start_odoo(config, port, database, logfile):
    """An Odoo server on `database` with the reseller password set, its job runner started:
    (its process, rpc(model, method, *args) as admin)."""
    odoo = subprocess.Popen([stack.ODOO, '-c', config, '-d', database, '--log-level=warn',
                             '--logfile', os.path.join(stack.RUN_DIR, logfile)])
    stack.wait_for_http(port, odoo)
    url = 'http://127.0.0.1:%d' % port
    uid = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common').authenticate(database, 'admin', 'admin', {})
    models = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object', allow_none=True)

    def rpc(model, method, *args):
        return models.execute_kw(database, uid, 'admin', model, method, list(args))

    rpc('res.company', 'write', rpc('res.company', 'search', []), {'comodo_password': 'demo'})
    time.sleep(6)  # queue_job's runner starts 5 s after the server
    return odoo, rpc


class OdooProcesses(object):
    """The Odoo master and its workers (and job runner): their memory taken together."""

    def __init__(self, process):
        self.process = process
        self.master = psutil.Process(process.pid)

    def rss(self):
        processes = [self.master] + self.master.children(recursive=True)
        total = 0
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:  # a worker recycled between listing and reading
                pass
        return total

    def check_alive(self):
        if self.process.poll() is not None:
            raise RuntimeError('Odoo exited during the benchmark: see .run/bench-odoo.log')


class ServersBehindBalancer(object):
    """The Odoo servers of `--servers` and their load balancer: measured as one server's processes are
    (OdooProcesses), and stopped as one server's process is (stack.stop)."""

    def __init__(self, balancer):
        self.processes, self._measured = [], []
        self.balancer = balancer

    def add(self, process):
        self.processes.append(process)
        self._measured.append(OdooProcesses(process))

    def rss(self):
        return sum(server.rss() for server in self._measured)

    def check_alive(self):
        for server in self._measured:
            server.check_alive()

    def poll(self):
        codes = [process.poll() for process in self.processes]
        return None if None in codes else codes[0]

    def terminate(self):
        for process in self.processes:
            stack.stop(process)
        self.balancer.stop()

    def wait(self, timeout=None):
        return [process.wait(timeout) for process in self.processes][0]

    def kill(self):
        for process in self.processes:
            process.kill()

    def print_jobs_by_server(self):
        """How many job requests (queue_job's runjob, a job sent again counted again) each server got."""
        routed = self.balancer.ports_of('/queue_job/runjob?')
        for number, port in enumerate(self.balancer.ports, 1):
            print('poll_job_requests_server%d=%d' % (number, routed.count(port)))


def start_servers_behind_balancer(config, count, database):
    """`count` Odoo servers on `database`, copies of `config` on ports of their own, as the README's
    "Several Odoo servers on one database" runs them: the first runs the job runner, which sends each
    job through a load balancer to any of them. (ServersBehindBalancer, rpc as admin on the first)."""
    folder = os.path.join(stack.RUN_DIR, 'bench-servers')
    os.makedirs(folder, exist_ok=True)
    configs, balancer = server_pool.server_configs(config, folder, count)
    servers, rpcs = ServersBehindBalancer(balancer), []
    try:
        for number, (server_config, port) in enumerate(configs, 1):
            process, rpc = start_odoo(server_config, port, database, 'bench-odoo-%d.log' % number)
            servers.add(process)
            rpcs.append(rpc)
    except Exception:
        servers.terminate()
        raise
    return servers, rpcs[0]


class Bench(object):

    def __init__(self, options, connection, odoo, rpc, data_dir, sandbox):
        self.options = options
        self.connection = connection
        self.odoo = odoo
        self.rpc = rpc
        self.data_dir = data_dir
        self.sandbox = sandbox
        self.cron_id = rpc('ir.model.data', 'xmlid_to_res_id',
                           'comodo_ssl_reseller.ir_cron_poll_pending_orders')

    def restart_sandbox(self, latency_ms):
        """The same sandbox (data and port, so Odoo's API URL holds) at another latency."""
        port = self.sandbox.port
        self.sandbox.stop()
        self.sandbox = SandboxProcess(self.data_dir, port=port, issue_after=3600,
                                      latency=latency_ms).start()

    def poll(self, ca_order_numbers, rss_baseline=False):
        """(seconds, rss growth in MB or None) for one poll of these orders through the cron."""
        make_due(self.connection, ca_order_numbers)
        self.sandbox.reset_calls()
        started_at = database_now(self.connection)
        start = time.time()
        self.rpc('ir.cron', 'method_direct_trigger', [self.cron_id])
        log('cron returned after %.1f s' % (time.time() - start))
        baseline = None
        while True:
            done = checked_count(self.connection, started_at)
            if rss_baseline and baseline is None and done >= len(ca_order_numbers) // 10:
                baseline = self.odoo.rss()
            if done >= len(ca_order_numbers):
                break
            self.odoo.check_alive()
            time.sleep(0.2)
        elapsed = time.time() - start
        growth = (self.odoo.rss() - baseline) / 1048576.0 if baseline is not None else None
        return elapsed, growth

    def wait_for_follow_ups(self):
        """Seconds until no job following a decision is left to run."""
        start = time.time()
        while follow_ups_left(self.connection):
            self.odoo.check_alive()
            time.sleep(0.2)
        return time.time() - start

    def decide_one_in_ten(self, ca_order_numbers):
        """Decide one in DECIDED_ONE_IN of these orders at the CA (issued and rejected in turn);
        returns the numbers decided."""
        decided = ca_order_numbers[::DECIDED_ONE_IN]
        for index, number in enumerate(decided):
            (self.sandbox.approve if index % 2 == 0 else self.sandbox.reject)(number)
        return decided

    def bare_collects(self, ca_order_numbers):
        capacity = self.options.capacity
        lanes = [ca_order_numbers[lane::capacity] for lane in range(capacity)]

        def collect_lane(numbers):
            with ComodoClient(self.sandbox.url, 'demo', 'demo', timeout=60) as client:
                for number in numbers:
                    client.collect(number)

        start = time.time()
        in_parallel(collect_lane, lanes, capacity)
        return time.time() - start

    def bare_placements(self, count):
        capacity = self.options.capacity
        csrs = [build_csr(generate_private_key(), ['never-bare-%d.example.com' % index])
                for index in range(count)]
        lanes = [list(enumerate(csrs))[lane::capacity] for lane in range(capacity)]

        def place_lane(items):
            with ComodoClient(self.sandbox.url, 'demo', 'demo', timeout=60) as client:
                for index, csr in items:
                    client.place_order(287, 365, csr, ['never-bare-%d.example.com' % index],
                                       dcv_method='CNAME_CSR_HASH')

        start = time.time()
        in_parallel(place_lane, lanes, capacity)
        return time.time() - start

    def confirm_sale(self, lines):
        """Seconds from confirming a sale of `lines` certificates to all of them placed."""
        sale_id = create_certificate_sale(self.rpc, lines)
        start = time.time()
        self.rpc('sale.order', 'action_confirm', [sale_id])
        while True:
            placed = self.rpc('comodo.certificate.order', 'search_count',
                              [('sale_order_id', '=', sale_id), ('state', '=', 'pending'),
                               ('attempts', '>', 0)])
            if placed >= lines:
                return time.time() - start
            self.odoo.check_alive()
            time.sleep(0.2)

    def run(self, all_numbers):
        """The figures of one run over the orders `all_numbers` (those no earlier run decided);
        removes from it the orders this run decides."""
        options = self.options
        figures = {}
        decided = self.decide_one_in_ten(all_numbers)
        polled = list(all_numbers)
        all_numbers[:] = [number for number in all_numbers if number not in set(decided)]
        self.restart_sandbox(options.latency_ms)
        log('poll: %d orders (%d decided at the CA), capacity %d, latency %d ms' % (
            len(polled), len(decided), options.capacity, options.latency_ms))
        elapsed, growth = self.poll(polled, rss_baseline=True)
        ideal = len(polled) * options.latency_ms / 1000.0 / options.capacity
        figures['poll_orders'] = len(polled)
        figures['poll_seconds'] = elapsed
        figures['poll_ideal_seconds'] = ideal
        figures['poll_ratio'] = elapsed / ideal
        figures['rss_growth_mb'] = growth
        calls = self.sandbox.call_counts()
        figures['poll_ca_calls'] = sum(calls.values())
        for kind, count in calls.items():
            figures['poll_ca_calls_%s' % kind] = count
        figures['poll_changed_orders'] = decided_count(self.connection, decided)
        figures['poll_followed_seconds'] = elapsed + self.wait_for_follow_ups()
        if options.poll_only:
            return figures

        self.restart_sandbox(0)
        sample = all_numbers[:OVERHEAD_ORDERS]
        bare = self.bare_collects(sample)
        through_cron, _growth = self.poll(sample)
        log('overhead: %d orders, bare %.1f s, through the cron %.1f s' % (len(sample), bare, through_cron))
        figures['orm_overhead_ratio'] = through_cron / bare

        bare = self.bare_placements(PLACEMENT_LINES)
        confirmed = self.confirm_sale(PLACEMENT_LINES)
        log('placement: %d lines, bare %.1f s, confirmed sale %.1f s' % (PLACEMENT_LINES, bare, confirmed))
        figures['placement_ratio'] = confirmed / bare
        return figures


def print_figures(figures, suffix=''):
    names = ('poll_orders', 'poll_seconds', 'poll_ideal_seconds', 'poll_followed_seconds') + FIGURES
    names += tuple(sorted(name for name in figures if name.startswith('poll_ca_calls_')))
    for name in names:
        if name not in figures:
            continue
        value = figures[name]
        print('%s%s=%s' % (name, suffix, value if isinstance(value, int) else '%.3f' % value), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--orders', type=int, default=10000)
    parser.add_argument('--capacity', type=int, default=4, help='CA calls in flight (channel capacity)')
    parser.add_argument('--latency-ms', type=int, default=200)
    parser.add_argument('--runs', type=int, default=3, help='measurements; the medians are printed last')
    parser.add_argument('--poll-only', action='store_true',
                        help='measure the poll alone (no orm_overhead_ratio nor placement_ratio)')
    parser.add_argument('--workers', type=int, default=None,
                        help='Odoo HTTP worker processes (default: capacity + 2, so every job in '
                             'flight has a worker and the cron one more)')
    parser.add_argument('--servers', type=int, default=1,
                        help='Odoo servers on the database, each with these workers, behind a load '
                             'balancer; the first runs the job runner (channel capacities are for all)')
    options = parser.parse_args()
    os.environ['PATH'] = os.path.join(stack.VENV, 'bin') + os.pathsep + os.environ['PATH']
    stack.CA_CHANNEL_CAPACITY = options.capacity

    port = stack.free_port()
    workers = options.workers if options.workers is not None else options.capacity + 2
    # stack.write_config sets no limit_time_*: Odoo's stock limits apply (60 s CPU, 120 s real).
    config = stack.write_config('bench.conf', http_port=port, server_wide_modules='web,queue_job',
                                dbfilter='^%s$' % BENCH_DB, workers=workers)
    stack.clone_database(stack.ensure_template(config), BENCH_DB)
    stack.install_addon(config, BENCH_DB)

    data_dir = tempfile.mkdtemp(prefix='comodo-bench-')
    sandbox = SandboxProcess(data_dir, issue_after=3600).start()
    odoo = bench = None
    try:
        log('placing %d orders in the sandbox' % options.orders)
        csr = build_csr(generate_private_key(), ['never-bench.example.com'])
        ca_order_numbers = place_sandbox_orders(sandbox, options.orders, csr)
        connection = psycopg2.connect(dbname=BENCH_DB)
        insert_pending_orders(connection, ca_order_numbers, csr)
        point_companies_at_sandbox(connection, sandbox.url)
        if options.servers > 1:
            odoo, rpc = start_servers_behind_balancer(config, options.servers, BENCH_DB)
            measured = odoo
        else:
            odoo, rpc = start_odoo(config, port, BENCH_DB, 'bench-odoo.log')
            measured = OdooProcesses(odoo)
        bench = Bench(options, connection, measured, rpc, data_dir, sandbox)
        runs = []
        undecided = list(ca_order_numbers)
        for number in range(1, options.runs + 1):
            log('run %d of %d' % (number, options.runs))
            runs.append(bench.run(undecided))
            print_figures(runs[-1], '_run%d' % number)
        print('poll_capacity=%d' % options.capacity)
        print('poll_workers=%d' % workers)
        print('poll_servers=%d' % options.servers)
        if options.servers > 1:
            odoo.print_jobs_by_server()
        print('runs=%d' % options.runs)
        medians = {name: statistics.median(run.get(name, 0) for run in runs)
                   for name in set().union(*runs)}
        for name in medians:
            if isinstance(runs[0].get(name, 0), int):
                medians[name] = int(medians[name])
        print_figures(medians)
        return 0
    finally:
        if odoo:
            stack.stop(odoo)
        # The bench restarts the sandbox at each latency: stop the one running now.
        (bench.sandbox if bench else sandbox).stop()


if __name__ == '__main__':
    sys.exit(main())

"""Benchmark of the Async Manager poll: N due orders against a CA that answers in L ms.

    make bench [N=10000] [C=4] [LATENCY_MS=200]

Sets up a database with N pending certificate orders (each a real order in the sandbox CA), starts
the sandbox with --latency L and a real Odoo server with queue_job's job runner and a `root.comodo`
channel of capacity C, fires the poll cron once and waits until every order was checked. Prints:

    poll_seconds=...     wall time from the cron's start to the last order checked
    poll_ideal_seconds=  N * L / C: the CA's latency alone, C calls in flight
    poll_ratio=...       poll_seconds / poll_ideal_seconds (target: at most 1.25)
    rss_growth_mb=...    growth of the Odoo server's memory from the first 10% of checks to the end

Runs under the project venv; `make bench` prepares the environment first.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

import psutil
import psycopg2
from cryptography.fernet import Fernet

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'comodo_ssl_reseller'))
sys.path.insert(0, os.path.join(ROOT, 'tools'))

import stack  # noqa: E402  (tools/stack.py: databases and configuration)
from comodo_client import ComodoClient, build_csr, generate_private_key  # noqa: E402
from comodo_sandbox.pytest_plugin import SandboxProcess  # noqa: E402

BENCH_DB = 'comodo_bench'
TERM_XMLID = ('comodo_ssl_reseller', 'certificate_term_positivessl_365')


def log(message):
    print('bench: %s' % message, file=sys.stderr, flush=True)


def place_sandbox_orders(sandbox, count):
    """Real CA orders that stay pending ('never-' domains), placed in parallel without latency."""
    csr = build_csr(generate_private_key(), ['never-bench.example.com'])

    def place(index):
        with ComodoClient(sandbox.url, 'demo', 'demo', timeout=60) as client:
            return client.place_order(287, 365, csr, ['never-bench.example.com'],
                                      dcv_method='CNAME_CSR_HASH',
                                      foreign_order_number='bench-%d' % index).order_number

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        return list(pool.map(place, range(count)))


def insert_pending_orders(connection, ca_order_numbers):
    """The Odoo side of those orders, all due now: inserted in bulk, as an import would."""
    with connection.cursor() as cr:
        cr.execute("""SELECT res_id FROM ir_model_data WHERE module = %s AND name = %s""", TERM_XMLID)
        term_id = cr.fetchone()[0]
        cr.execute('SELECT type_id FROM comodo_certificate_term WHERE id = %s', (term_id,))
        type_id = cr.fetchone()[0]
        cr.execute('SELECT partner_id FROM res_company WHERE id = 1')
        partner_id = cr.fetchone()[0]
        cr.execute("""
            INSERT INTO comodo_certificate_order
                (name, state, company_id, partner_id, term_id, type_id, domain, dcv_method,
                 ca_order_number, foreign_order_number, unique_value, placed_at, waiting_since,
                 next_check_at, attempts, transient_failures, key_generated,
                 create_uid, write_uid, create_date, write_date)
            SELECT 'BENCH/' || n, 'pending', 1, %s, %s, %s, 'never-bench.example.com', 'CNAME_CSR_HASH',
                   n, 'bench-' || n, 'bench' || n, now() at time zone 'UTC', now() at time zone 'UTC',
                   now() at time zone 'UTC' - interval '1 minute', 0, 0, false, 1, 1,
                   now() at time zone 'UTC', now() at time zone 'UTC'
              FROM unnest(%s::text[]) AS n""", (partner_id, term_id, type_id, ca_order_numbers))
        cr.execute("UPDATE ir_cron SET active = false")  # only the poll fired below runs
    connection.commit()


def checked_count(connection, since):
    with connection.cursor() as cr:
        cr.execute("SELECT count(*) FROM comodo_certificate_order WHERE name LIKE 'BENCH/%%' "
                   "AND last_check_at >= %s", (since,))
        return cr.fetchone()[0]


class OdooProcesses(object):
    """The Odoo master and its workers (and job runner): their memory taken together."""

    def __init__(self, pid):
        self.master = psutil.Process(pid)

    def rss(self):
        processes = [self.master] + self.master.children(recursive=True)
        total = 0
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:  # a worker recycled between listing and reading
                pass
        return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--orders', type=int, default=10000)
    parser.add_argument('--capacity', type=int, default=4, help='CA calls in flight (channel capacity)')
    parser.add_argument('--latency-ms', type=int, default=200)
    parser.add_argument('--workers', type=int, default=None,
                        help='Odoo HTTP worker processes (default: capacity + 2, so every job in '
                             'flight has a worker and the cron one more)')
    options = parser.parse_args()
    os.environ['PATH'] = os.path.join(stack.VENV, 'bin') + os.pathsep + os.environ['PATH']
    stack.CA_CHANNEL_CAPACITY = options.capacity

    port = stack.free_port()
    workers = options.workers if options.workers is not None else options.capacity + 2
    config = stack.write_config('bench.conf', http_port=port, server_wide_modules='web,queue_job',
                                dbfilter='^%s$' % BENCH_DB, workers=workers)
    stack.clone_database(stack.ensure_template(config), BENCH_DB)
    stack.install_addon(config, BENCH_DB)

    data_dir = tempfile.mkdtemp(prefix='comodo-bench-')
    sandbox = SandboxProcess(data_dir, issue_after=3600).start()
    odoo = None
    try:
        log('placing %d orders in the sandbox' % options.orders)
        ca_order_numbers = place_sandbox_orders(sandbox, options.orders)
        sandbox.stop()
        sandbox = SandboxProcess(data_dir, port=0, issue_after=3600, latency=options.latency_ms).start()
        connection = psycopg2.connect(dbname=BENCH_DB)
        insert_pending_orders(connection, ca_order_numbers)
        with connection.cursor() as cr:
            # The sandbox speaks plain http, which only test mode allows.
            cr.execute("UPDATE res_company SET comodo_test_mode = true")
            cr.execute("DELETE FROM comodo_reseller_account")
            password = Fernet(stack.encryption_key().encode()).encrypt(b'demo').decode()
            cr.execute("INSERT INTO comodo_reseller_account (company_id, api_url, login, encrypted_password) "
                       "SELECT id, %s, 'demo', %s FROM res_company", (sandbox.url, password))
        connection.commit()

        odoo = subprocess.Popen([stack.ODOO, '-c', config, '-d', BENCH_DB, '--log-level=warn',
                                 '--logfile', os.path.join(stack.RUN_DIR, 'bench-odoo.log')])
        stack.wait_for_http(port, odoo)
        url = 'http://127.0.0.1:%d' % port
        uid = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common').authenticate(BENCH_DB, 'admin', 'admin', {})
        models = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object')
        cron_id = models.execute_kw(BENCH_DB, uid, 'admin', 'ir.model.data', 'xmlid_to_res_id',
                                    ['comodo_ssl_reseller.ir_cron_poll_pending_orders'])
        time.sleep(6)  # queue_job's runner starts 5 s after the server

        with connection.cursor() as cr:
            cr.execute("SELECT now() at time zone 'UTC'")
            started_at = cr.fetchone()[0]
        connection.commit()
        log('firing the poll: %d orders, capacity %d, latency %d ms'
            % (options.orders, options.capacity, options.latency_ms))
        start = time.time()
        models.execute_kw(BENCH_DB, uid, 'admin', 'ir.cron', 'method_direct_trigger', [[cron_id]])
        log('cron returned after %.1f s (orders queued)' % (time.time() - start))
        baseline_rss = None
        server = OdooProcesses(odoo.pid)
        while True:
            done = checked_count(connection, started_at)
            connection.commit()
            if baseline_rss is None and done >= options.orders // 10:
                baseline_rss = server.rss()
            if done >= options.orders:
                break
            if odoo.poll() is not None:
                raise RuntimeError('Odoo exited during the benchmark: see .run/bench-odoo.log')
            time.sleep(0.5)
        elapsed = time.time() - start
        ideal = options.orders * options.latency_ms / 1000.0 / options.capacity
        print('poll_orders=%d' % options.orders)
        print('poll_capacity=%d' % options.capacity)
        print('poll_seconds=%.1f' % elapsed)
        print('poll_ideal_seconds=%.1f' % ideal)
        print('poll_ratio=%.3f' % (elapsed / ideal))
        print('poll_workers=%d' % workers)
        print('rss_growth_mb=%.1f' % ((server.rss() - baseline_rss) / 1048576.0))
        return 0
    finally:
        if odoo:
            stack.stop(odoo)
        sandbox.stop()


if __name__ == '__main__':
    sys.exit(main())

"""Benchmark of selling many certificates at once, and of the daily term cron on a busy day.

    make bench-placement [C=4] [RUNS=3] [TERMS=10000] [BENCH_PLACEMENT_ARGS=--terms-only]

A real Odoo server in prefork mode (C + 2 workers, Odoo's stock limit_time_cpu 60 s and
limit_time_real 120 s, queue_job's runner, channel `root.comodo` of capacity C), the sandbox CA at
0 latency, the company invoicing one invoice per sale. Each run measures, and the figures are
printed per run and as the median of the runs:

    confirm_seconds_100=...        the XML-RPC call confirming a sale of 100 certificate lines
                                   (target: at most 5).
    placement_seconds_100=...      from that call until every one of the 100 orders is placed and
                                   first checked (key and CSR made, CA order placed, first check;
                                   target: at most 20).
    placement_jobs_done_seconds_100=...  from that call until every job the placements queued is
                                   done too (the customers' "please validate" mails, the sale
                                   invoice's validation, the CA charges on the vendor bill).
    term_cron_seconds_10000=...    (named after TERMS) the daily term cron with TERMS terms due on one day (half of them
                                   ended, half of them to be told that their term ends in 10 days),
                                   fired by hand, until every one is done (its continuation jobs
                                   included).
    term_cron_longest_run_seconds  the longest single run among the cron and its continuations
                                   (target: within the stock limits, 60 s CPU and 120 s real).
    term_cron_runs                 the cron's run and its continuation jobs (target: 1).
    term_cron_first_run_cpu_seconds  the CPU time of the Odoo server's processes during the cron's
                                   run: its worker's, and what the idle ones spend meanwhile (the
                                   limit is on the worker's: 60 s).
    term_cron_cpu_seconds          the same over every run, until the day is done.
    rss_growth_mb=...              the Odoo processes' memory (master, workers and job runner,
                                   summed, as the poll's bench measures it) at the end of the run
                                   less after a warm-up: a sale of WARM_UP_LINES lines placed
                                   through the same workers before the first run, its jobs done
                                   (target: at most 100).
    rss_growth_from_start_mb=...   the same at the end of the run less right after the server
                                   started (fresh workers: mostly what loading code and caches
                                   costs each of them, not growth under load).

Runs under the project venv; `make bench` runs it after the poll's benchmark. With --terms-only,
each run measures the term cron alone (no sale, no placement).
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid

import psutil
import psycopg2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'comodo_ssl_reseller'))
sys.path.insert(0, os.path.join(ROOT, 'tools'))

import stack  # noqa: E402  (tools/stack.py: databases and configuration)
from bench_poll import (TERM_XMLID, OdooProcesses, create_certificate_sale, log,  # noqa: E402
                        point_companies_at_sandbox, start_odoo)
from comodo_sandbox.pytest_plugin import SandboxProcess  # noqa: E402

BENCH_DB = 'comodo_bench_placement' + os.environ.get('COMODO_DB_SUFFIX', '')
PLACEMENT_LINES = 100
# The warm-up sale: enough placement jobs for every worker to run a few before memory is measured.
WARM_UP_LINES = 20
FIGURES = ('confirm_seconds_100', 'placement_seconds_100', 'placement_jobs_done_seconds_100',
           'term_cron_seconds_%d',
           'term_cron_runs', 'term_cron_first_run_cpu_seconds', 'term_cron_cpu_seconds',
           'term_cron_longest_run_seconds', 'rss_growth_mb', 'rss_growth_from_start_mb')


class PlacementBench(object):

    def __init__(self, connection, odoo, rpc, terms, terms_only=False):
        self.connection = connection
        self.odoo = odoo
        self.rpc = rpc
        self.terms = terms
        self.terms_only = terms_only
        self.rss_at_start = odoo.rss()
        self.rss_warm = None

    def sql(self, query, params=None, fetch=False):
        with self.connection.cursor() as cr:
            cr.execute(query, params)
            rows = cr.fetchall() if fetch else None
        self.connection.commit()
        return rows

    def wait(self, done, what):
        while not done():
            self.odoo.check_alive()
            time.sleep(0.2)
        log('%s: done' % what)

    def place_sale(self, lines=PLACEMENT_LINES):
        sale_id = create_certificate_sale(self.rpc, lines)
        start = time.time()
        self.rpc('sale.order', 'action_confirm', [sale_id])
        confirmed = time.time() - start
        self.wait(lambda: self.rpc('comodo.certificate.order', 'search_count', [
            ('sale_order_id', '=', sale_id), ('state', '=', 'pending'), ('attempts', '>', 0)]) >= lines,
            'placement of %d lines' % lines)
        placed = time.time() - start
        # What the placements queued behind them (the customers' mails, the invoice's validation,
        # the CA charges' booking) is done before the term cron is measured.
        self.wait(lambda: not self.sql("SELECT count(*) FROM queue_job WHERE state IN ('pending', 'enqueued', "
                                       "'started')", fetch=True)[0][0], 'the jobs the placements queued')
        done = time.time() - start
        self.log_jobs(start)
        return confirmed, placed, done

    def log_jobs(self, since):
        """Each kind of job run since `since` (a time.time()): how many, their mean and total seconds."""
        rows = self.sql("""
            SELECT method_name, priority, count(*), avg(EXTRACT(EPOCH FROM date_done - date_started)),
                   sum(EXTRACT(EPOCH FROM date_done - date_started))
              FROM queue_job WHERE date_started >= to_timestamp(%s) AT TIME ZONE 'UTC' AND date_done IS NOT NULL
             GROUP BY method_name, priority ORDER BY min(date_started)""", (since,), fetch=True)
        for method, priority, count, mean, total in rows:
            log('jobs %s (priority %d): %d, %.3f s each, %.1f s in all' % (method, priority, count, mean, total))

    def warm_up(self):
        """A small sale placed through the same workers, then the memory baseline: growth is measured
        from workers that have run the placement path, as the poll's bench measures from its poll
        under way, not from freshly started ones."""
        if not self.terms_only:
            self.place_sale(WARM_UP_LINES)
        self.rss_warm = self.odoo.rss()
        log('memory after the warm-up: %.1f MB (%.1f MB at the start)'
            % (self.rss_warm / 1048576.0, self.rss_at_start / 1048576.0))

    def insert_due_terms(self):
        """TERMS issued orders whose terms fall due today: half ended, half ending in 10 days."""
        (term_id,), = self.sql('SELECT res_id FROM ir_model_data WHERE module = %s AND name = %s',
                               TERM_XMLID, fetch=True)
        (type_id,), = self.sql('SELECT type_id FROM comodo_certificate_term WHERE id = %s', (term_id,), fetch=True)
        (partner_id,), = self.sql('SELECT partner_id FROM res_company WHERE id = 1', fetch=True)
        tag = uuid.uuid4().hex[:8]
        self.sql("""
            INSERT INTO comodo_certificate_order
                (name, state, company_id, partner_id, term_id, type_id, domain, dcv_method,
                 ca_order_number, foreign_order_number, unique_value, placed_at, term_starts_at,
                 term_ends_at, auto_renew, attempts, transient_failures, key_generated,
                 create_uid, write_uid, create_date, write_date)
            SELECT 'TERM/' || %(tag)s || '/' || n, 'issued', 1, %(partner)s, %(term)s, %(type)s,
                   'term-' || %(tag)s || '-' || n || '.example.com', 'CNAME_CSR_HASH',
                   'term-' || %(tag)s || '-' || n, 'term-' || %(tag)s || '-' || n, 'term' || n,
                   now() at time zone 'UTC' - interval '1 year', now() at time zone 'UTC' - interval '1 year',
                   now() at time zone 'UTC' + CASE WHEN n %% 2 = 0 THEN interval '-1 hour' ELSE interval '10 days' END,
                   false, 0, 0, false, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM generate_series(1, %(count)s) AS n""",
                 {'tag': tag, 'partner': partner_id, 'term': term_id, 'type': type_id, 'count': self.terms})
        return tag

    def term_cron(self):
        tag = self.insert_due_terms()
        self.sql("DELETE FROM queue_job WHERE state = 'done'")
        cron_id = self.rpc('ir.model.data', 'xmlid_to_res_id', 'comodo_ssl_reseller.ir_cron_after_issuance')
        cpu_start = odoo_cpu_seconds(self.odoo.master)
        start = time.time()
        self.rpc('ir.cron', 'method_direct_trigger', [cron_id])
        first_run = time.time() - start
        first_run_cpu = odoo_cpu_seconds(self.odoo.master) - cpu_start

        def finished():
            (left,), = self.sql("""
                SELECT count(*) FROM comodo_certificate_order
                 WHERE name LIKE %s AND (state = 'issued' AND term_ends_at < now() at time zone 'UTC'
                       OR state = 'issued' AND id NOT IN (
                           SELECT res_id FROM mail_message WHERE model = 'comodo.certificate.order'
                              AND res_id IS NOT NULL AND create_date >= %s::timestamp))""",
                                ('TERM/%s/%%' % tag, time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(start - 1))),
                                fetch=True)
            (jobs,), = self.sql("""SELECT count(*) FROM queue_job WHERE method_name = '_job_continue_after_issuance'
                                   AND state NOT IN ('done', 'failed')""", fetch=True)
            return not left and not jobs

        self.wait(finished, 'term cron over %d terms' % self.terms)
        elapsed = time.time() - start
        cpu = odoo_cpu_seconds(self.odoo.master) - cpu_start
        runs = self.sql("""SELECT EXTRACT(EPOCH FROM date_done - date_started) FROM queue_job
                            WHERE method_name = '_job_continue_after_issuance' AND date_done IS NOT NULL""",
                        fetch=True)
        log('term cron: first run %.1f s (%.1f s CPU), %d continuation jobs' % (first_run, first_run_cpu, len(runs)))
        return {'term_cron_seconds_%d': elapsed,
                'term_cron_longest_run_seconds': max([first_run] + [float(row[0]) for row in runs]),
                'term_cron_runs': 1 + len(runs), 'term_cron_first_run_cpu_seconds': first_run_cpu,
                'term_cron_cpu_seconds': cpu}

    def run(self):
        figures = {}
        if not self.terms_only:
            (figures['confirm_seconds_100'], figures['placement_seconds_100'],
             figures['placement_jobs_done_seconds_100']) = self.place_sale()
        figures.update(self.term_cron())
        rss = self.odoo.rss()
        figures['rss_growth_mb'] = (rss - self.rss_warm) / 1048576.0
        figures['rss_growth_from_start_mb'] = (rss - self.rss_at_start) / 1048576.0
        return figures


def odoo_cpu_seconds(master):
    """The CPU time (user and system) the Odoo server's processes have used so far: the master's,
    its live workers', and the workers it has recycled (reaped, so counted as its children's)."""
    times = master.cpu_times()
    total = times.children_user + times.children_system
    for process in [master] + master.children(recursive=True):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:  # a worker recycled between listing and reading
            continue
        total += times.user + times.system
    return total


def print_figures(figures, terms, suffix=''):
    for name in (name for name in FIGURES if name in figures):
        print('%s%s=%.3f' % (name.replace('%d', str(terms)), suffix, figures[name]), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--capacity', type=int, default=4, help='CA calls in flight (channel capacity)')
    parser.add_argument('--runs', type=int, default=3, help='measurements; the medians are printed last')
    parser.add_argument('--terms', type=int, default=10000, help='terms due on the cron\'s day')
    parser.add_argument('--terms-only', action='store_true', help='measure the term cron alone, no placement')
    options = parser.parse_args()
    os.environ['PATH'] = os.path.join(stack.VENV, 'bin') + os.pathsep + os.environ['PATH']
    stack.CA_CHANNEL_CAPACITY = options.capacity

    port = stack.free_port()
    # stack.write_config sets no limit_time_*: Odoo's stock limits apply (60 s CPU, 120 s real).
    config = stack.write_config('bench-placement.conf', http_port=port, server_wide_modules='web,queue_job',
                                dbfilter='^%s$' % BENCH_DB, workers=options.capacity + 2)
    with open(config) as conf:
        text = conf.read()
    with open(config, 'w') as conf:
        # Prefork's longpolling server, on a port of its own: another bench's 8072 in use made it
        # restart (a whole Odoo start) every two seconds beside the work measured.
        conf.write(text.replace('[options]\n', '[options]\nlongpolling_port = %d\n' % stack.free_port(), 1))
    stack.clone_database(stack.ensure_template(config), BENCH_DB)
    stack.install_addon(config, BENCH_DB)

    sandbox = SandboxProcess(tempfile.mkdtemp(prefix='comodo-bench-placement-'), issue_after=3600).start()
    odoo = None
    try:
        connection = psycopg2.connect(dbname=BENCH_DB)
        point_companies_at_sandbox(connection, sandbox.url, ", comodo_invoice_grouping = 'sale'")
        with connection.cursor() as cr:
            cr.execute("UPDATE ir_cron SET active = false")  # only the cron fired below runs
        connection.commit()
        odoo, rpc = start_odoo(config, port, BENCH_DB, 'bench-placement-odoo.log')
        bench = PlacementBench(connection, OdooProcesses(odoo), rpc, options.terms, options.terms_only)
        bench.warm_up()
        runs = []
        for number in range(1, options.runs + 1):
            log('run %d of %d' % (number, options.runs))
            runs.append(bench.run())
            print_figures(runs[-1], options.terms, '_run%d' % number)
        print('placement_capacity=%d' % options.capacity)
        print('term_cron_terms=%d' % options.terms)
        print('runs=%d' % options.runs)
        print_figures({name: statistics.median(run[name] for run in runs) for name in FIGURES if name in runs[0]},
                      options.terms)
        return 0
    finally:
        if odoo:
            stack.stop(odoo)
        sandbox.stop()


if __name__ == '__main__':
    sys.exit(main())

"""Where one batch of the scheduled poll spends its time: cProfile, in one process.

    .venv/bin/python benchmarks/profile_poll.py [--orders 100] [--decided 10] [--latency-ms 0] [--top 40]
                                                [--reuse]

Makes a database of its own (`comodo_profile_poll` + $COMODO_DB_SUFFIX, a copy of the template with
the addon installed) and a sandbox CA, places --orders pending orders in the sandbox and inserts them
in Odoo as `make bench` does, then decides --decided of them at the CA (issued and rejected in
turn). Inside one Odoo process (no HTTP, no job runner) it fires the poll's cron (not profiled),
then runs the jobs it left one by one as the job runner would, each committed, profiling each kind
of job apart: the batch check (`_job_check_due`) first, then whatever it queued. Prints each kind's
wall time, its CA calls (the sandbox's count), and its functions by cumulative and by own time; the
.prof files are kept in .run/. Changes no model code.
"""
import argparse
import cProfile
import collections
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'comodo_ssl_reseller'))
sys.path.insert(0, os.path.join(ROOT, 'tools'))

import psycopg2  # noqa: E402

import bench_poll  # noqa: E402  (tools/bench_poll.py: the bench's orders, made the same way)
from profile_confirmation import log, profiling_database, report  # noqa: E402  (the same set-up and printing)
import stack  # noqa: E402  (tools/stack.py: databases and configuration)
from comodo_client import build_csr, generate_private_key  # noqa: E402
from comodo_sandbox.pytest_plugin import SandboxProcess  # noqa: E402

DATABASE = 'comodo_profile_poll' + os.environ.get('COMODO_DB_SUFFIX', '')


def run_jobs(env, sandbox):
    """Runs every pending job until none is left, profiling each kind (method) of job apart:
    {method name: [profile, jobs run, seconds, {CA call kind: count}]}, in the order first run."""
    from odoo.addons.queue_job.job import Job
    kinds = collections.OrderedDict()
    while True:
        records = env['queue.job'].search([('state', 'in', ('pending', 'enqueued'))],
                                          order='priority, eta, id')
        if not records:
            return kinds
        for record in records:
            kind = kinds.setdefault(record.method_name, [cProfile.Profile(), 0, 0.0, collections.Counter()])
            job = Job.load(env, record.uuid)
            job.set_started()
            job.store()
            env.cr.commit()
            sandbox.reset_calls()
            start = time.time()
            kind[0].enable()
            try:
                job.perform()
                job.set_done()
                job.store()
                env.cr.commit()
            except Exception as error:  # a job that fails is recorded as failed, as the runner does
                env.cr.rollback()
                job = Job.load(env, record.uuid)
                job.set_failed(exc_info=repr(error))
                job.store()
                env.cr.commit()
                log('job %s failed: %r' % (record.name, error))
            kind[0].disable()
            kind[1] += 1
            kind[2] += time.time() - start
            kind[3].update(sandbox.call_counts())
            env.clear()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--orders', type=int, default=100)
    parser.add_argument('--decided', type=int, default=10, help='orders decided at the CA (issued, rejected in turn)')
    parser.add_argument('--latency-ms', type=int, default=0)
    parser.add_argument('--top', type=int, default=40)
    parser.add_argument('--reuse', action='store_true',
                        help='use the database a previous run made (its orders are polled again)')
    options = parser.parse_args()
    config, reuse = profiling_database('profile-poll.conf', DATABASE, options.reuse)
    sandbox = SandboxProcess(tempfile.mkdtemp(prefix='comodo-profile-poll-'), issue_after=3600,
                             latency=options.latency_ms).start()
    try:
        connection = psycopg2.connect(dbname=DATABASE)
        if reuse:
            with connection.cursor() as cr:
                cr.execute("DELETE FROM comodo_certificate_order WHERE name LIKE 'BENCH/%%'")
            connection.commit()
        csr = build_csr(generate_private_key(), ['never-bench.example.com'])
        numbers = bench_poll.place_sandbox_orders(sandbox, options.orders, csr)
        bench_poll.insert_pending_orders(connection, numbers, csr)
        bench_poll.point_companies_at_sandbox(connection, sandbox.url)
        step = max(1, options.orders // max(1, options.decided))
        for index, number in enumerate(numbers[::step][:options.decided]):
            (sandbox.approve if index % 2 == 0 else sandbox.reject)(number)
        bench_poll.make_due(connection, numbers)
        connection.close()

        import odoo
        from odoo import SUPERUSER_ID, api
        odoo.tools.config.parse_config(['-c', config, '-d', DATABASE, '--log-level=warn'])
        registry = odoo.registry(DATABASE)
        with api.Environment.manage(), registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.cr.execute("UPDATE queue_job SET state = 'done' WHERE state IN ('pending', 'enqueued', 'started')")
            env['res.company'].search([]).write({'comodo_password': 'demo'})
            env.cr.commit()
            env['comodo.certificate.order']._cron_poll_pending()
            env.cr.commit()
            kinds = run_jobs(env, sandbox)
            env.cr.execute("SELECT state, count(*) FROM comodo_certificate_order WHERE name LIKE 'BENCH/%%' "
                           "GROUP BY state ORDER BY state")
            states = env.cr.fetchall()

        for method, (profile, count, seconds, calls) in kinds.items():
            profile.dump_stats(os.path.join(stack.RUN_DIR, 'profile-poll-%s.prof' % method.strip('_')))
            report(profile, '%d x %s: %.1f s' % (count, method, seconds), options.top)
        for method, (profile, count, seconds, calls) in kinds.items():
            print('%s: %d jobs, %.3f s, CA calls %s' % (method, count, seconds, dict(calls)))
        print('orders by state: %s' % ', '.join('%s %d' % row for row in states))
        return 0
    finally:
        sandbox.stop()


if __name__ == '__main__':
    sys.exit(main())

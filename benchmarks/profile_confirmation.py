"""Where confirming a sale of many certificate lines spends its time: cProfile, in one process.

    .venv/bin/python benchmarks/profile_confirmation.py [--lines 100] [--top 40] [--invoice-per sale] [--reuse]

Makes a database of its own (`comodo_profile` + $COMODO_DB_SUFFIX, a copy of the template with the
addon installed), a sandbox CA at 0 latency, and a sale of N PositiveSSL lines for the demo customer,
as `make bench`'s placement does. Then, inside one Odoo process (no HTTP, no job runner), profiles
  1. `action_confirm` alone (what the customer or salesperson waits for), committed;
  2. the queue_job jobs it left, run one by one as the job runner would (placement, first check,
     and whatever they queue), each committed,
and prints each phase's wall time and its functions by cumulative and by own time. The .prof files
are kept in .run/ for snakeviz or pstats. Changes no model code.
"""
import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'tools'))

import stack  # noqa: E402  (tools/stack.py: databases and configuration)
from comodo_sandbox.pytest_plugin import SandboxProcess  # noqa: E402

DATABASE = 'comodo_profile' + os.environ.get('COMODO_DB_SUFFIX', '')
TERM_XMLID = 'comodo_ssl_reseller.certificate_term_positivessl_365'
CUSTOMER_XMLID = 'base.partner_demo_portal'


def log(message):
    print('profile: %s' % message, file=sys.stderr, flush=True)


def report(profile, title, top):
    for order in ('cumulative', 'tottime'):
        text = io.StringIO()
        pstats.Stats(profile, stream=text).strip_dirs().sort_stats(order).print_stats(top)
        print('===== %s, by %s =====' % (title, order))
        print(text.getvalue())


def pending_jobs(env):
    """The uuids of the jobs left to run, in the runner's order. Read in SQL as the runner does:
    browsing them read every field of every pending job, at each turn (a third of the time profiled)."""
    env.cr.execute("SELECT uuid FROM queue_job WHERE state IN ('pending', 'enqueued') ORDER BY priority, eta, id")
    return [row[0] for row in env.cr.fetchall()]


def run_jobs(env):
    """Runs every pending job, oldest first, until none is left; the number of jobs run."""
    from odoo.addons.queue_job.job import Job
    done = 0
    while True:
        jobs = pending_jobs(env)
        if not jobs:
            return done
        for uuid_ in jobs:
            job = Job.load(env, uuid_)
            job.set_started()
            job.store()
            env.cr.commit()
            try:
                job.perform()
                job.set_done()
            except Exception as error:  # a job that fails is recorded as failed, as the runner does
                env.cr.rollback()
                job = Job.load(env, uuid_)
                job.set_failed(exc_info=repr(error))
                log('job %s failed: %r' % (job.description, error))
            job.store()
            env.cr.commit()
            env.clear()
            done += 1


def profiling_database(config_name, database, reuse):
    """The configuration `config_name` for one Odoo process on `database`, made from the test
    template with the addon installed, unless `reuse` and it exists; returns (config, reused)."""
    os.environ['PATH'] = os.path.join(stack.VENV, 'bin') + os.pathsep + os.environ['PATH']
    config = stack.write_config(config_name, http_port=stack.free_port(), server_wide_modules='web,queue_job')
    reused = reuse and database in stack.database_names()
    if not reused:
        stack.clone_database(stack.ensure_template(config), database)
        stack.install_addon(config, database)
    return config, reused


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--lines', type=int, default=100)
    parser.add_argument('--top', type=int, default=40)
    parser.add_argument('--invoice-per', choices=('sale', 'certificate'), default='sale',
                        help="the company's invoicing: one invoice per sale (as `make bench`), or per certificate")
    parser.add_argument('--reuse', action='store_true',
                        help='use the database a previous run made (its earlier sales stay in it)')
    options = parser.parse_args()
    config, _reused = profiling_database('profile.conf', DATABASE, options.reuse)
    sandbox = SandboxProcess(tempfile.mkdtemp(prefix='comodo-profile-'), issue_after=3600).start()
    try:
        import odoo
        from odoo import SUPERUSER_ID, api
        odoo.tools.config.parse_config(['-c', config, '-d', DATABASE, '--log-level=warn'])
        registry = odoo.registry(DATABASE)
        with api.Environment.manage(), registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.cr.execute("UPDATE res_company SET comodo_test_mode = true, comodo_invoice_grouping = %s",
                           (options.invoice_per,))
            # Jobs an earlier run left (--reuse) are not this sale's: they are not profiled.
            env.cr.execute("UPDATE queue_job SET state = 'done' WHERE state IN ('pending', 'enqueued', 'started')")
            env['comodo.reseller.account'].search([]).unlink()
            for company in env['res.company'].search([]):
                env['comodo.reseller.account'].create({'company_id': company.id, 'api_url': sandbox.url,
                                                       'login': 'demo'})
            env['res.company'].search([]).write({'comodo_password': 'demo'})
            term = env.ref(TERM_XMLID)
            tag = uuid.uuid4().hex[:8]
            sale = env['sale.order'].create({'partner_id': env.ref(CUSTOMER_XMLID).id, 'order_line': [
                (0, 0, {'product_id': term.product_id.id,
                        'comodo_domain': 'never-profile-%s-%d.example.com' % (tag, index),
                        'comodo_dcv_method': 'CNAME_CSR_HASH'}) for index in range(options.lines)]})
            env.cr.commit()

            confirm = cProfile.Profile()
            start = time.time()
            confirm.enable()
            sale.action_confirm()
            env.cr.commit()
            confirm.disable()
            confirm_seconds = time.time() - start

            jobs = cProfile.Profile()
            start = time.time()
            jobs.enable()
            job_count = run_jobs(env)
            jobs.disable()
            jobs_seconds = time.time() - start
            placed = env['comodo.certificate.order'].search_count(
                [('sale_order_id', '=', sale.id), ('attempts', '>', 0)])

        for name, profile in (('confirm', confirm), ('jobs', jobs)):
            profile.dump_stats(os.path.join(stack.RUN_DIR, 'profile-%s.prof' % name))
        report(confirm, 'action_confirm of %d lines: %.1f s' % (options.lines, confirm_seconds), options.top)
        report(jobs, '%d jobs after it: %.1f s' % (job_count, jobs_seconds), options.top)
        print('confirm_seconds_%d=%.3f' % (options.lines, confirm_seconds))
        print('jobs_seconds_%d=%.3f' % (options.lines, jobs_seconds))
        print('jobs_run=%d' % job_count)
        print('orders_placed=%d' % placed)
        return 0
    finally:
        sandbox.stop()


if __name__ == '__main__':
    sys.exit(main())

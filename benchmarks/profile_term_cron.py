"""Where the daily term cron spends its time: cProfile, in one process.

    .venv/bin/python benchmarks/profile_term_cron.py [--per-kind 200] [--kinds ended,expiry,reissue,renewal]
                                                     [--top 40] [--reuse]

Makes a database of its own (`comodo_profile_term` + $COMODO_DB_SUFFIX, a copy of the template with
the addon installed) and a sandbox CA at 0 latency, inserts N issued orders of the demo customer for
each kind of work the cron does today:
  ended    the term ended an hour ago (shown expired);
  expiry   the term ends in 10 days, auto-renewal off (the 30- and 7-day notice, one mail);
  reissue  the certificate is two thirds through its life, the term runs a year longer (reissue);
  renewal  the term ends in 10 days, auto-renewed (the renewal invoiced, then its 15-day reminder);
then profiles one run of `_cron_after_issuance` (time budget lifted: one run does everything),
committed, and prints its wall time, what it did, and its functions by cumulative and by own time.
The .prof file is kept in .run/ for snakeviz or pstats. Changes no model code; the jobs the cron
queues (reissues sent to the CA) are not run.
"""
import argparse
import cProfile
import os
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'tools'))
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))

import stack  # noqa: E402  (tools/stack.py: databases and configuration)
from comodo_sandbox.pytest_plugin import SandboxProcess  # noqa: E402
from profile_confirmation import CUSTOMER_XMLID, TERM_XMLID, log, profiling_database, report  # noqa: E402

DATABASE = 'comodo_profile_term' + os.environ.get('COMODO_DB_SUFFIX', '')
KINDS = ('ended', 'expiry', 'reissue', 'renewal')
# Each kind's dates, relative to the cron's `now`: term end, certificate's validity, auto-renewal.
KIND_SQL = {
    'ended': ("interval '-1 hour'", None, 'false'),
    'expiry': ("interval '10 days'", None, 'false'),
    'reissue': ("interval '400 days'", ("interval '-300 days'", "interval '60 days'"), 'true'),
    'renewal': ("interval '10 days'", None, 'true'),
}


def insert_orders(cr, kind, count, partner_id, term_id, type_id, now):
    """`count` issued orders of `kind` (KIND_SQL), as a busy day's database holds them."""
    ends, validity, auto_renew = KIND_SQL[kind]
    valid_from, valid_until = validity or ("interval '-1 year'", ends)
    tag = '%s-%s' % (kind, uuid.uuid4().hex[:6])
    cr.execute("""
        INSERT INTO comodo_certificate_order
            (name, state, company_id, partner_id, term_id, type_id, domain, dcv_method,
             ca_order_number, foreign_order_number, unique_value, placed_at, term_starts_at,
             term_ends_at, valid_from, valid_until, reissue_due_at, auto_renew, attempts,
             transient_failures, key_generated, create_uid, write_uid, create_date, write_date)
        SELECT 'PROF/' || %(tag)s || '/' || n, 'issued', 1, %(partner)s, %(term)s, %(type)s,
               'prof-' || %(tag)s || '-' || n || '.example.com', 'CNAME_CSR_HASH',
               'prof-' || %(tag)s || '-' || n, 'prof-' || %(tag)s || '-' || n, 'prof' || n,
               %(now)s::timestamp - interval '1 year', %(now)s::timestamp - interval '1 year',
               %(now)s::timestamp + {ends},
               %(now)s::timestamp + {valid_from}, %(now)s::timestamp + {valid_until},
               CASE WHEN %(kind)s = 'reissue' THEN %(now)s::timestamp - interval '1 day' END,
               {auto_renew}, 0, 0, false, 1, 1, %(now)s, %(now)s
          FROM generate_series(1, %(count)s) AS n""".format(
        ends=ends, valid_from=valid_from, valid_until=valid_until, auto_renew=auto_renew),
        {'tag': tag, 'partner': partner_id, 'term': term_id, 'type': type_id, 'count': count,
         'now': now, 'kind': kind})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--per-kind', type=int, default=200)
    parser.add_argument('--kinds', default=','.join(KINDS), help='a comma-separated subset of %s' % (KINDS,))
    parser.add_argument('--top', type=int, default=40)
    parser.add_argument('--reuse', action='store_true',
                        help='use the database a previous run made (what it left is done already)')
    options = parser.parse_args()
    kinds = [kind for kind in options.kinds.split(',') if kind]
    config, _reused = profiling_database('profile-term.conf', DATABASE, options.reuse)
    sandbox = SandboxProcess(tempfile.mkdtemp(prefix='comodo-profile-term-'), issue_after=3600).start()
    try:
        import odoo
        from odoo import SUPERUSER_ID, api, fields
        odoo.tools.config.parse_config(['-c', config, '-d', DATABASE, '--log-level=warn'])
        registry = odoo.registry(DATABASE)
        with api.Environment.manage(), registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.cr.execute("UPDATE res_company SET comodo_test_mode = true, comodo_allow_external_domains = true")
            env['comodo.reseller.account'].search([]).unlink()
            for company in env['res.company'].search([]):
                env['comodo.reseller.account'].create({'company_id': company.id, 'api_url': sandbox.url,
                                                       'login': 'demo'})
            env['res.company'].search([]).write({'comodo_password': 'demo'})
            env['ir.config_parameter'].set_param('comodo_ssl_reseller.term_cron_time_budget_seconds', '100000')
            term = env.ref(TERM_XMLID)
            # A day of its own: a --reuse run's orders are not due again.
            env.cr.execute("SELECT coalesce(max(term_starts_at), now() at time zone 'UTC') + interval '2 years' "
                           "FROM comodo_certificate_order")
            now = fields.Datetime.from_string(env.cr.fetchone()[0])
            for kind in kinds:
                insert_orders(env.cr, kind, options.per_kind, env.ref(CUSTOMER_XMLID).id, term.id,
                              term.type_id.id, fields.Datetime.to_string(now))
            env.cr.execute("SELECT count(*) FROM mail_mail")
            mails_before = env.cr.fetchone()[0]
            env.cr.execute("SELECT count(*) FROM queue_job")
            jobs_before = env.cr.fetchone()[0]
            env.cr.commit()
            env.clear()

            profile = cProfile.Profile()
            start = time.time()
            profile.enable()
            env['comodo.certificate.order']._cron_after_issuance(now=now)
            env.cr.commit()
            profile.disable()
            seconds = time.time() - start

            env.cr.execute("SELECT state, count(*) FROM comodo_certificate_order WHERE name LIKE 'PROF/%' "
                           "GROUP BY state")
            states = dict(env.cr.fetchall())
            env.cr.execute("SELECT count(*) FROM mail_mail")
            mails = env.cr.fetchone()[0] - mails_before
            env.cr.execute("SELECT count(*) FROM queue_job")
            jobs = env.cr.fetchone()[0] - jobs_before

        profile.dump_stats(os.path.join(stack.RUN_DIR, 'profile-term-cron.prof'))
        report(profile, 'term cron, %d orders of each of %s: %.1f s' % (options.per_kind, kinds, seconds),
               options.top)
        log('orders by state: %s; mails queued: %d; jobs queued: %d' % (states, mails, jobs))
        print('term_cron_seconds_%d=%.3f' % (options.per_kind * len(kinds), seconds))
        return 0
    finally:
        sandbox.stop()


if __name__ == '__main__':
    sys.exit(main())

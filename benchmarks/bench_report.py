"""Micro-benchmark of the bulk status report: N orders asked about through WebHostReport pages.

    make bench-report [N=10000] [C=4] [LATENCY_MS=200] [REPORT_PAGE=250] [RUNS=3]

Places N real orders in a sandbox CA of their own (one in ten then decided by the CA: of those, six
in ten issued, three rejected, one issued and revoked; the rest pending), restarts it with --latency L,
and each run asks the CA client's report_statuses for all N, REPORT_PAGE order numbers per call.
No Odoo: this measures the CA side of a poll that uses the report, the groundwork for poll_ratio and
poll_ca_calls once the Async Manager's poll does. Printed per run and as the median of the runs:

    report_calls=...           every call the sandbox received during the report, all kinds (and
                               report_calls_<Action>=... per kind)
    report_seconds=...         the report's wall time
    poll_ideal_seconds=...     N * L / C: what a per-order poll with C calls in flight needs at best
    report_ratio=...           report_seconds over poll_ideal_seconds (the issue's poll_ratio target
                               for the whole poll is 0.10)
    report_changed_orders=...  orders the report gave as issued, rejected or revoked
    report_unread_orders=...   orders it left unrecognised or missing (a poll would CollectSSL them)

The run fails (exit 1) if a decided order is not reported with its decision.
"""
import argparse
import concurrent.futures
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'comodo_ssl_reseller'))

from comodo_client import ComodoClient, ReportStatus, build_csr, generate_private_key  # noqa: E402
from comodo_sandbox.pytest_plugin import SandboxProcess  # noqa: E402

PRODUCT_DV = 287
PLACING_THREADS = 16
CHANGED = (ReportStatus.ISSUED, ReportStatus.REJECTED, ReportStatus.REVOKED)
UNREAD = (ReportStatus.UNRECOGNISED, ReportStatus.MISSING)


def log(message):
    print('bench-report: %s' % message, file=sys.stderr, flush=True)


def in_parallel(function, items):
    with concurrent.futures.ThreadPoolExecutor(PLACING_THREADS) as pool:
        return list(pool.map(function, items))


def client_for(sandbox):
    return ComodoClient(sandbox.url, 'demo', 'demo', timeout=120)


def place_orders(sandbox, count):
    """Real CA orders that stay pending until decided by hand ('never-' domains), in parallel."""
    csr = build_csr(generate_private_key(), ['never-bench.example.com'])
    lanes = [list(range(count))[lane::PLACING_THREADS] for lane in range(PLACING_THREADS)]

    def place_lane(indexes):
        with client_for(sandbox) as client:
            return [client.place_order(PRODUCT_DV, 365, csr, ['never-bench.example.com'],
                                       dcv_method='CNAME_CSR_HASH').order_number for _ in indexes]

    return sorted((number for lane in in_parallel(place_lane, lanes) for number in lane), key=int)


def decide_one_in_ten(sandbox, numbers):
    """{order number: expected status} of the orders decided: every tenth one."""
    expected = {}
    for position, number in enumerate(numbers[::10]):
        share = position % 10
        expected[number] = (ReportStatus.REVOKED if share == 9 else
                            ReportStatus.REJECTED if share >= 6 else ReportStatus.ISSUED)

    def decide(number):
        if expected[number] == ReportStatus.REJECTED:
            sandbox.reject(number)
            return
        sandbox.approve(number)
        if expected[number] == ReportStatus.REVOKED:
            with client_for(sandbox) as client:
                client.revoke(number, 'benchmark', 0)

    in_parallel(decide, list(expected))
    return expected


def run_report(sandbox, numbers, expected, options):
    sandbox.reset_calls()
    with client_for(sandbox) as client:
        start = time.time()
        reported = client.report_statuses(numbers, page_size=options.page_size)
        elapsed = time.time() - start
    counts = sandbox.call_counts()
    wrong = [number for number, status in reported.items()
             if status.status != expected.get(number, ReportStatus.PENDING)]
    if wrong:
        raise SystemExit('bench-report: %d orders reported wrongly, e.g. %s: %s'
                         % (len(wrong), wrong[0], reported[wrong[0]]))
    ideal = len(numbers) * options.latency_ms / 1000.0 / options.capacity
    figures = {
        'report_calls': sum(counts.values()),
        'report_seconds': elapsed,
        'poll_ideal_seconds': ideal,
        'report_ratio': elapsed / ideal,
        'report_changed_orders': sum(1 for status in reported.values() if status.status in CHANGED),
        'report_unread_orders': sum(1 for status in reported.values() if status.status in UNREAD),
    }
    figures.update(('report_calls_%s' % action, count) for action, count in counts.items())
    return figures


def print_figures(figures, suffix=''):
    for name in sorted(figures):
        value = figures[name]
        print('%s%s=%s' % (name, suffix, value if isinstance(value, int) else '%.3f' % value), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--orders', type=int, default=10000)
    parser.add_argument('--capacity', type=int, default=4, help='C of N x L / C (a per-order poll\'s calls in flight)')
    parser.add_argument('--latency-ms', type=int, default=200)
    parser.add_argument('--page-size', type=int, default=250, help='order numbers per WebHostReport call')
    parser.add_argument('--runs', type=int, default=3)
    options = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix='comodo-bench-report-')
    sandbox = SandboxProcess(data_dir, issue_after=3600).start()
    try:
        start = time.time()
        numbers = place_orders(sandbox, options.orders)
        expected = decide_one_in_ten(sandbox, numbers)
        log('placed %d orders, decided %d, in %.1f s' % (len(numbers), len(expected), time.time() - start))
        port = sandbox.port
        sandbox.stop()
        sandbox = SandboxProcess(data_dir, port=port, issue_after=3600, latency=options.latency_ms).start()
        runs = []
        for number in range(1, options.runs + 1):
            runs.append(run_report(sandbox, numbers, expected, options))
            print_figures(runs[-1], '_run%d' % number)
        print('report_orders=%d' % options.orders)
        print('report_page_size=%d' % options.page_size)
        print('runs=%d' % options.runs)
        medians = {name: statistics.median(run.get(name, 0) for run in runs) for name in runs[0]}
        print_figures({name: int(value) if isinstance(runs[0][name], int) else value
                       for name, value in medians.items()})
        return 0
    finally:
        sandbox.stop()


if __name__ == '__main__':
    sys.exit(main())

# The two commands a newcomer needs are `make run` (the demo) and `make test` (the whole suite).
.PHONY: run test screenshots sandbox bench bench-report bench-placement env postgres browser webservers clean

# cryptography 44 warns on import that its Python 3.7 support is deprecated: the tools run here (and
# every Python they start) silence that one warning.
export PYTHONWARNINGS = ignore:Python 3.7 is no longer supported:UserWarning

PORT ?= 8090
DATA ?= .run/sandbox
ARGS ?=

env:
	@bash tools/bootstrap.sh

postgres:
	@bash tools/postgres.sh

browser:
	@bash tools/browser.sh

webservers:
	@bash tools/webservers.sh

run: env postgres webservers
	@.venv/bin/python tools/stack.py run

test: env postgres browser webservers
	@.venv/bin/python tools/stack.py test $(PYTEST_ARGS)

# The README's pictures in docs/, taken in Chromium from a throw-away copy of the demo (no `make run` needed).
screenshots: env postgres browser
	@.venv/bin/python tools/screenshots.py

# The Async Manager's poll against a slow CA, on Odoo's stock limits: prints poll_ratio,
# rss_growth_mb, poll_ca_calls (and by kind), poll_changed_orders, orm_overhead_ratio and
# placement_ratio per run and their medians. BENCH_ARGS=--poll-only measures the poll alone.
N ?= 10000
C ?= 4
LATENCY_MS ?= 200
RUNS ?= 3
BENCH_ARGS ?=
bench: env postgres bench-report bench-placement
	@.venv/bin/python tools/bench_poll.py --orders $(N) --capacity $(C) --latency-ms $(LATENCY_MS) --runs $(RUNS) $(BENCH_ARGS)

# The bulk status report alone (no Odoo): N orders, one in ten decided, asked about in WebHostReport
# pages of REPORT_PAGE against the sandbox at LATENCY_MS: prints report_calls, report_seconds and
# N x L / C beside them (benchmarks/bench_report.py).
REPORT_PAGE ?= 250
bench-report: env
	@.venv/bin/python benchmarks/bench_report.py --orders $(N) --capacity $(C) --latency-ms $(LATENCY_MS) --page-size $(REPORT_PAGE) --runs $(RUNS)

# Selling many certificates at once and the daily term cron on a busy day, through a real Odoo on
# stock limits: prints confirm_seconds_100, placement_seconds_100, term_cron_seconds_10000 (TERMS
# terms due on one day) and rss_growth_mb per run and their medians (benchmarks/bench_placement.py);
# BENCH_PLACEMENT_ARGS=--terms-only measures the term cron alone.
TERMS ?= 10000
BENCH_PLACEMENT_ARGS ?=
bench-placement: env postgres
	@.venv/bin/python benchmarks/bench_placement.py --capacity $(C) --runs $(RUNS) --terms $(TERMS) $(BENCH_PLACEMENT_ARGS)

sandbox: env
	.venv/bin/python -m comodo_sandbox --port $(PORT) --data $(DATA) $(ARGS)

# Resets the demo: drops the databases made here (their files are in .run) and removes .run; the
# next `make run` starts from fresh demo data and a new sandbox CA.
clean:
	@if [ -x .venv/bin/python ]; then .venv/bin/python tools/stack.py clean; else rm -rf .run; fi

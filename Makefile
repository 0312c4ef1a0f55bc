# The two commands a newcomer needs are `make run` (the demo) and `make test` (the whole suite).
.PHONY: run test sandbox bench env postgres browser webservers clean

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

# The Async Manager's poll against a slow CA: prints poll_ratio=... and rss_growth_mb=...
N ?= 10000
C ?= 4
LATENCY_MS ?= 200
bench: env postgres
	@.venv/bin/python tools/bench_poll.py --orders $(N) --capacity $(C) --latency-ms $(LATENCY_MS)

sandbox: env
	.venv/bin/python -m comodo_sandbox --port $(PORT) --data $(DATA) $(ARGS)

clean:
	rm -rf .run

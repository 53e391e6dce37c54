# Named commands. The README needs only two: `make demo` and `make test`.
.PHONY: demo test test-fast test-saleor bench-hook-overhead bench-app-backfill migrations clean

PORT ?= 8000
demo:            ## the standalone demo: SQLite, a synthetic B2B shop, served on 127.0.0.1:$(PORT) (make demo PORT=8001)
	bin/bootstrap base
	mkdir -p .demo
	LTV_DATA_DIR=$(CURDIR)/.demo .venv/bin/saleor-ltv ltv_demo --addr 127.0.0.1:$(PORT) $(DEMO_ARGS)

test:            ## the whole test suite (PostgreSQL; Saleor tier where /opt/saleor-venv exists)
	bin/test

test-fast:       ## the inner loop: engine, ingest and both APIs on SQLite, no services, no browser
	bin/bootstrap test "[test]"
	LTV_TEST_DATABASE_URL="sqlite:///$$(mktemp -d)/ltv-fast.sqlite3" .venv/bin/python -m pytest -q -m "not slow" \
	  tests/engine tests/ingest tests/api tests/graphql tests/test_conf.py tests/test_layering.py

test-saleor:     ## only the Saleor tier
	bin/test-saleor-tier

bench-hook-overhead:  ## checkoutComplete with the plugin active vs inactive, in a real Saleor
	$${SALEOR_VENV:-/opt/saleor-venv}/bin/python -m pip install -q -e . && $${SALEOR_VENV:-/opt/saleor-venv}/bin/python bench/hook_overhead.py

bench-app-backfill:  ## the external App's GraphQL backfill (orders/s) beside a bare read and the plugin's ORM backfill
	$${SALEOR_VENV:-/opt/saleor-venv}/bin/python -m pip install -q -e . && $${SALEOR_VENV:-/opt/saleor-venv}/bin/python bench/app_backfill.py

migrations:      ## regenerate the app's migrations after a model change
	DJANGO_SETTINGS_MODULE=saleor_ltv_plugin.hosts.standalone.settings LTV_DEMO=1 LTV_DATA_DIR=/tmp .venv/bin/python -m django makemigrations saleor_ltv_plugin

clean:
	rm -rf .venv .demo build *.egg-info

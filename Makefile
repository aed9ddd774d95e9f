# Agora — the two contract commands are `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HTMX := platform_api/web/static/vendor/htmx.min.js
export AGORA_HOME ?= $(CURDIR)/.agora
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export SPARK_LOCAL_IP := 127.0.0.1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo test serve bench soak dags-test notebooks lock clean browser wrk

install: $(STAMP) $(HTMX)

# torch first and pinned (a CPU build lies on these machines' disk), then everything else in
# ONE pip call under constraints.txt, so a fresh clone gets the versions CI tested. The editable
# install is in compat mode (the repo root on sys.path), so packages added later import at once.
$(STAMP): pyproject.toml constraints.txt Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]' --config-settings editable_mode=compat
	@touch $@

# The web client's htmx, from the npm package pinned by web/package-lock.json (built, not committed).
$(HTMX): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --silent
	mkdir -p $(@D) && cp web/node_modules/htmx.org/dist/htmx.min.js $@

# Debian's chromium for the browser tests (tests/web/test_browser.py) when it is absent and apt-get
# can run as root; otherwise those tests skip and say why.
browser:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  export DEBIAN_FRONTEND=noninteractive && { apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }; }; } || \
	  echo "chromium is not installed (needs root and apt-get): the browser tests will skip"

demo: install
	$(BIN)/agora demo

serve: install
	$(BIN)/agora serve

# The 15 slowest tests are listed at the end: the suite must stay under 25 minutes on a clean clone.
test: install browser
	$(BIN)/python -m pytest tests --durations=15

# Debian's wrk, the feed benchmark's load tool (bench/feed.py), when it is absent and apt-get can run as root.
wrk:
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  export DEBIAN_FRONTEND=noninteractive && { apt-get install -y -qq wrk >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }; } || \
	  echo "wrk is not installed (needs root and apt-get): the feed benchmark will fail and say so"

bench: install wrk
	$(BIN)/python -m bench.run

# 10 minutes of mixed traffic while the API is killed -9 and Redis restarted; checks that no
# acknowledged write is lost, the outbox holds one event per change, and nothing answers 5xx.
soak: install
	$(BIN)/python -m soak.run --minutes $(or $(SOAK_MINUTES),10)

# Throwaway AIRFLOW_HOME + AGORA_HOME, a 120-user world, then `airflow dags test` for every DAG.
dags-test: install
	$(BIN)/python dags/check.py

# Throwaway AGORA_HOME, the chain the notebooks read, then every notebook executed with nbclient.
notebooks: install
	$(BIN)/python notebooks/run.py

lock: install
	{ head -n 2 constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu/torch==\1/'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) .agora

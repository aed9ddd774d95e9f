# Agora — the two contract commands are `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export AGORA_HOME ?= $(CURDIR)/.agora
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export SPARK_LOCAL_IP := 127.0.0.1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo test serve bench dags-test notebooks lock clean

install: $(STAMP)

# torch first and pinned (a CPU build lies on these machines' disk), then everything else in
# ONE pip call under constraints.txt, so a fresh clone gets the versions CI tested. The editable
# install is in compat mode (the repo root on sys.path), so packages added later import at once.
$(STAMP): pyproject.toml constraints.txt Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]' --config-settings editable_mode=compat
	@touch $@

demo: install
	$(BIN)/agora demo

serve: install
	$(BIN)/agora serve

test: install
	$(BIN)/python -m pytest tests

bench: install
	$(BIN)/python -m bench.run

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

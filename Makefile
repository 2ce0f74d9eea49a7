# OpenSeal — two set-up commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO   := $(CURDIR)/.openseal-demo
JOBS   ?= auto

.PHONY: install run test lint bench manual-shots clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The demo instance (made once), its administrators, then the server in the foreground.
run: install
	OPENSEAL_HOME=$(DEMO) $(PY) -m openseal demo --serve --host 127.0.0.1 --port 8000

test: install
	$(PY) -m pytest -n $(JOBS) -q --durations=15

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src/openseal/core
	$(VENV)/bin/lint-imports

bench: install
	$(PY) -m bench.run
	$(PY) -m bench.ofd
	$(PY) -m bench.audit
	$(PY) -m bench.batch

# The user manual's figures (docs/manual/images/*.jpg), taken by the browser tests.
manual-shots: install
	OPENSEAL_MANUAL_SHOTS=$(CURDIR)/docs/manual/images $(PY) -m pytest tests/browser -q -n 2

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .mypy_cache .ruff_cache

# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_OUT ?= demo

.PHONY: setup system-deps demo test lint clean-demo

setup: system-deps $(STAMP)
	@$(PY) scripts/i18n.py compile >/dev/null
	@$(PY) scripts/build_native.py

system-deps:
	@bash scripts/install-system-deps.sh

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: setup
	$(PY) -m workbench demo --out $(DEMO_OUT)

test: setup
	$(PY) -m pytest -n 2 --dist loadfile -q

lint: setup
	$(VENV)/bin/ruff check workbench tests benchmarks sample_captures
	$(VENV)/bin/lint-imports

clean-demo:
	rm -rf $(DEMO_OUT)

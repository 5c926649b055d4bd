# Everything a fresh machine needs: `make reproduce` or `make test` creates the venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: reproduce test lint bench clean wheel-example system lab-test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,bench,lab]"
	$(BIN)/pip install --quiet --force-reinstall --no-deps "pyserial-labgrid>=3.5.0.2"
	touch $(STAMP)

# Benchmarks run in a venv of their own: the baseline pytest-localftpserver registers a pytest
# plugin and makes pyftpdlib import pyOpenSSL, which the test venv must not have.
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet -e ".[dev,bench,bench-tools,lab]"
	$(BENCH_VENV)/bin/pip install --quiet --force-reinstall --no-deps "pyserial-labgrid>=3.5.0.2"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python -m benchmarks --quick

reproduce: $(STAMP)
	$(BIN)/hil reproduce

# Debian packages the tests use (needs root or sudo when one is missing).
system:
	.ci/system-packages

test: system $(STAMP)
	$(BIN)/ruff check hil tests benchmarks conftest.py examples setup.py
	$(BIN)/pytest -n 2
	$(BIN)/pytest -q tests/test_update_over_ftp.py --hil-key-type ecdsa-p256
	$(BIN)/pytest -q tests/test_update_over_ftp.py --hil-key-type ed25519
	$(BIN)/pytest -q tests/test_update_over_ftp.py --hil-layout external
	PYTHON=$(PYTHON) .ci/example-from-wheel
	.ci/lab-run

# The HIL test over labgrid places on 127.0.0.1 (coordinator, exporter, simulated DKs).
lab-test: system $(STAMP)
	.ci/lab-run

# The wheel in a fresh venv outside the repository: `hil reproduce` and examples/ (C core).
wheel-example:
	PYTHON=$(PYTHON) .ci/example-from-wheel

lint: $(STAMP)
	$(BIN)/ruff check hil tests benchmarks conftest.py examples setup.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) .pytest_cache .ruff_cache

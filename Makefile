# Every target installs what it needs on a machine that has only Python 3.12/3.13 and make:
# uv in .tools/uv, the project in .venv (from uv.lock), the SAM CLI in .tools/sam (its pins
# clash with the project's). Stamp files make a second run skip the installs.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.NOTPARALLEL:
MAKEFLAGS += --no-builtin-rules

UV_VERSION := 0.13.9
SAM_VERSION := 1.170.0

# pyenv shims answer for python3.12 / python3.13 only when PYENV_VERSION names them.
PYENV_VERSIONS := $(shell pyenv versions --bare 2>/dev/null | grep -E '^3\.1[23](\.[0-9]+)*$$' | sort -V | paste -sd: -)
ifneq ($(PYENV_VERSIONS),)
export PYENV_VERSION := $(PYENV_VERSIONS)
endif

# The project's Python (3.12 preferred: the Lambda runtime), as an absolute path.
PYTHON := $(shell for p in python3.12 python3.13; do \
	$(if $(PYENV_VERSION),PYENV_VERSION=$(PYENV_VERSION)) $$p -c 'import sys; print(sys.executable)' 2>/dev/null && break; \
	done)

export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1
export SAM_CLI_TELEMETRY := 0

UV := .tools/uv/bin/uv
UV_STAMP := .tools/uv/.installed-$(UV_VERSION)
VENV_STAMP := .venv/.synced
SAM := .tools/sam/bin/sam
SAM_STAMP := .tools/sam/.installed-$(SAM_VERSION)
BIN := .venv/bin
# functions/ is the Lambda code root and the import root; infra/ and tests/ import from "."
RUN := PYTHONPATH=$(CURDIR)/functions:$(CURDIR) $(BIN)/python
EXPORT_REQUIREMENTS := export --frozen --no-dev --no-hashes --no-emit-project --format requirements-txt

.PHONY: help demo test unit integration e2e faults run deploy lint build bench requirements crisis-words install clean

help:
	@echo "make demo          play one clinic story end to end, locally"
	@echo "make test          lint, build the SAM template, run the test suite"
	@echo "make unit          the domain's tests and the crisis net's evaluation (no AWS emulation)"
	@echo "make integration   adapters and handlers on moto"
	@echo "make e2e           the local stack over HTTP, with a fake Twilio server"
	@echo "make faults        the local stack killed, Twilio failing, ticks at once: the fault table"
	@echo "make run           the local stack on http://127.0.0.1:\$${TOUCHPOINT_PORT:-3000}"
	@echo "make deploy        sam build && sam deploy --guided (needs AWS credentials)"
	@echo "make lint          ruff, mypy, import-linter, sam validate --lint, cfn-lint"
	@echo "make bench         the benchmark suite"
	@echo "make requirements  regenerate functions/requirements.txt from uv.lock"
	@echo "make crisis-words  regenerate the crisis net's real-word list from Debian's word lists"

$(UV_STAMP):
	@test -n "$(PYTHON)" || { echo "error: python3.12 or python3.13 is needed" >&2; exit 1; }
	$(PYTHON) -m venv .tools/uv
	.tools/uv/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	touch $@

$(VENV_STAMP): pyproject.toml uv.lock $(UV_STAMP)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

$(SAM_STAMP): $(UV_STAMP)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) .tools/sam
	$(UV) pip install --quiet --python .tools/sam/bin/python aws-sam-cli==$(SAM_VERSION)
	touch $@

install: $(VENV_STAMP)

lint: $(VENV_STAMP) $(SAM_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	PYTHONPATH=functions $(BIN)/lint-imports
	$(SAM) validate --lint --template template.yaml
	$(BIN)/cfn-lint template.yaml

# sam build runs pip with the runtime's Python (python3.12), which must be on PATH.
build: $(SAM_STAMP)
	PATH="$(dir $(PYTHON)):$$PATH" $(SAM) build --cached --template template.yaml

test: lint build
	UV=$(CURDIR)/$(UV) $(BIN)/pytest -n 2

# The fast loop, tier by tier (make test runs them all, with the lints and sam build).
unit: $(VENV_STAMP)
	$(BIN)/pytest -n 2 tests/unit tests/crisis

integration: $(VENV_STAMP)
	$(BIN)/pytest -n 2 tests/integration

e2e: $(VENV_STAMP)
	UV=$(CURDIR)/$(UV) $(BIN)/pytest -n 2 tests/e2e

# The fault suite: the local stack killed and restarted on a moto server, Twilio failing,
# ticks at once; it prints the fault table (a few minutes; make test runs it too).
faults: $(VENV_STAMP)
	UV=$(CURDIR)/$(UV) $(BIN)/pytest -n 2 tests/faults

demo: $(VENV_STAMP)
	$(RUN) -m infra.demo

run: $(VENV_STAMP)
	$(RUN) -m infra.local_stack

deploy: build
	$(SAM) deploy --guided

bench: $(VENV_STAMP)
	$(RUN) tests/bench/run.py
	$(RUN) tests/bench/inbound.py
	$(RUN) tests/bench/crisis.py

# The crisis net's list of real words that look like typos of its key words (needs Debian's word lists).
crisis-words: $(VENV_STAMP)
	$(RUN) -m infra.crisis_real_words

requirements: $(UV_STAMP)
	$(UV) $(EXPORT_REQUIREMENTS) > functions/requirements.txt.tmp
	mv functions/requirements.txt.tmp functions/requirements.txt

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache

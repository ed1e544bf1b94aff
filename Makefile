# vpc-remediator: every target bootstraps the virtual environment it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# Deployment tools live apart from the test tools: the SAM CLI pins its own dependencies.
SAM_VENV    := .venv-sam
SAM         := $(SAM_VENV)/bin/sam
SAM_VERSION := 1.170.0
RUNTIME     := python3.13
REGION      ?= eu-south-1
REGIONS     ?= $(REGION)
export SAM_CLI_TELEMETRY := 0

.DEFAULT_GOAL := help
.PHONY: help demo install test unit integration template e2e explore lint typecheck fmt clean validate build deploy bench crosscheck stackset

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml constraints.txt functions/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PIP_CONSTRAINT=$(CURDIR)/constraints.txt $(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(STAMP) ## the seed story on a local AWS emulator (moto server on 127.0.0.1), fixed
	PYTHONPATH=$(CURDIR):$(CURDIR)/functions $(BIN)/python -m local_aws.demo $(DEMO_ARGS)

bench: $(STAMP) ## measure API calls, latency, cold start, memory; writes docs/bench/
	PIP_CONSTRAINT=$(CURDIR)/constraints.txt $(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	PYTHONPATH=$(CURDIR):$(CURDIR)/functions $(BIN)/python -m bench $(BENCH_ARGS)

# The launchers' own code, each in its own environment (never a dependency of the product or
# of `make test`): their verdicts against the remediator's on moto. Downloads ~1 GB the first time.
CROSSCHECK := skypilot=skypilot==0.8.1 skypilot=skypilot==0.14.1 skypilot-0.7=skypilot==0.7.0 \
              ray=ray==2.60.0 dstack=dstack==0.22.5 \
              parallelcluster=aws-parallelcluster==3.12.0
CROSSCHECK_RANDOM ?= 200

crosscheck: ## readiness vs SkyPilot's, Ray's, dstack's and ParallelCluster's own code (moto; slow, downloads them)
	@mkdir -p build/crosscheck; status=0; \
	for pair in $(CROSSCHECK); do \
	  launcher=$${pair%%=*}; spec=$${pair#*=}; venv=.venv-crosscheck-$$(echo $$spec | sed 's/==/-/'); \
	  if [ ! -x $$venv/bin/python ]; then \
	    $(PYTHON) -m venv $$venv && $$venv/bin/python -m pip install --quiet --upgrade pip && \
	    $$venv/bin/python -m pip install --quiet "$$spec" \
	      $$(grep -E '^(boto3|botocore|moto)==' constraints.txt) || exit 1; \
	  fi; \
	  out=build/crosscheck/$$(echo $$spec | sed 's/==/-/'); \
	  PYTHONPATH=$(CURDIR):$(CURDIR)/functions $$venv/bin/python -m tests.crosscheck $$launcher \
	    --random $(CROSSCHECK_RANDOM) --out $$out.json > $$out.log 2>&1; rc=$$?; \
	  grep -A20 '^crosscheck ' $$out.log || tail -n 20 $$out.log; [ $$rc -eq 0 ] || status=1; \
	done; exit $$status

install: $(STAMP) ## create .venv with the pinned tools and the package (editable)

# Parallel workers, one per core (pytest-xdist). The property tests draw a fixed set of
# examples (tests/properties.py, profile "ci"): a run never fails by chance.
PYTEST := $(BIN)/python -m pytest -q -n auto --dist worksteal
COVERAGE := --cov=vpc_remediator --cov-report=term:skip-covered

test: lint typecheck ## lint, type-check and run every test (with coverage)
	$(PYTEST) $(COVERAGE)

unit: $(STAMP) ## only the pure unit tests (no AWS emulator)
	$(PYTEST) tests/unit

integration: $(STAMP) ## only the tests against moto in process (adapters, handlers, service)
	$(PYTEST) tests/integration

template: $(STAMP) ## only the template tests (cfn-lint, the SAM transform, IAM, SCP, StackSets)
	$(PYTEST) tests/template

e2e: $(STAMP) ## only the end-to-end runs (a moto server, the CLI, the demo, the bench smoke)
	$(PYTEST) tests/e2e

# Random seeds and ten times the examples: for a developer hunting bugs, not for CI. A failure
# prints the example and the blob that reproduces it (@reproduce_failure).
explore: $(STAMP) ## the property tests with random seeds and 10x the examples
	$(PYTEST) --hypothesis-profile=explore --hypothesis-show-statistics tests/unit \
	  tests/integration/test_fuzz.py

lint: $(STAMP) ## ruff check and ruff format --check
	$(BIN)/ruff check functions tests local_aws bench deploy
	$(BIN)/ruff format --check functions tests local_aws bench deploy

typecheck: $(STAMP) ## mypy (strict) with the boto3 type stubs
	$(BIN)/mypy

fmt: $(STAMP) ## format and autofix
	$(BIN)/ruff format functions tests local_aws bench deploy
	$(BIN)/ruff check --fix functions tests local_aws bench deploy

$(SAM):
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli==$(SAM_VERSION)

validate: $(SAM) ## sam validate --lint (offline)
	$(SAM) validate --lint --region $(REGION)

# sam build needs the Lambda runtime's Python on PATH: python3.13, or pyenv's 3.13.
build: $(SAM) ## sam build with the runtime's Python
	@bin=$$($(RUNTIME) -c 'import os, sys; print(os.path.dirname(sys.executable))' 2>/dev/null); \
	if [ -z "$$bin" ] && command -v pyenv >/dev/null; then \
	  version=$$(pyenv versions --bare | grep -E '^3\.13(\.|$$)' | tail -n 1); \
	  [ -n "$$version" ] && bin="$$(pyenv prefix $$version)/bin"; \
	fi; \
	if [ ! -x "$$bin/$(RUNTIME)" ]; then \
	  echo "make build: $(RUNTIME) (the Lambda runtime) is not on PATH and pyenv has no 3.13;" \
	       "install it (pyenv install 3.13) or put $(RUNTIME) on PATH" >&2; exit 1; \
	fi; \
	PATH="$$bin:$$PATH" $(SAM) build --region $(REGION)

# StackSets with service-managed permissions take no transform: the SAM template transformed
# offline, the code in the bucket (docs/multi-account.md has the commands that deploy it).
PREFIX ?= vpc-remediator
stackset: $(STAMP) build ## build/stackset/template.yaml (no transform) and the code in s3://$(BUCKET)/$(PREFIX)/
	@[ -n '$(BUCKET)' ] || { echo "make stackset: BUCKET=<an S3 bucket the organisation can read> is required" >&2; exit 2; }
	PYTHONPATH=$(CURDIR):$(CURDIR)/functions $(BIN)/python -m deploy.stackset --bucket '$(BUCKET)' \
	  --prefix '$(PREFIX)' --region $(REGION) --regions $(REGIONS) --artifact .aws-sam/build/VpcChangesFunction

# EventBridge rules are regional: one stack per region. The first deploy to a region is guided
# and saves its answers in samconfig.toml under that region's name.
deploy: build ## sam deploy to $(REGIONS) in turn (guided the first time per region)
	@for region in $(REGIONS); do \
	  echo "== vpc-remediator -> $$region"; \
	  if grep -q "^\[$$region\.deploy\.parameters\]" samconfig.toml; then \
	    $(SAM) deploy --config-env $$region --region $$region || exit 1; \
	  else \
	    $(SAM) deploy --guided --config-env $$region --region $$region || exit 1; \
	  fi; \
	done

clean: ## remove the virtual environments and caches
	rm -rf $(VENV) $(SAM_VENV) .venv-crosscheck-* .pytest_cache .mypy_cache .ruff_cache .hypothesis .aws-sam \
	  .coverage .coverage.*

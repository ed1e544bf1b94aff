# vpc-remediator: every target bootstraps the virtual environment it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install test unit lint typecheck fmt clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml constraints.txt functions/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PIP_CONSTRAINT=$(CURDIR)/constraints.txt $(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP) ## create .venv with the pinned tools and the package (editable)

test: lint typecheck ## lint, type-check and run every test
	$(BIN)/python -m pytest -q

unit: $(STAMP) ## only the pure unit tests (no AWS emulator)
	$(BIN)/python -m pytest -q tests/unit

lint: $(STAMP) ## ruff check and ruff format --check
	$(BIN)/ruff check functions tests
	$(BIN)/ruff format --check functions tests

typecheck: $(STAMP) ## mypy (strict) with the boto3 type stubs
	$(BIN)/mypy

fmt: $(STAMP) ## format and autofix
	$(BIN)/ruff format functions tests
	$(BIN)/ruff check --fix functions tests

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .aws-sam

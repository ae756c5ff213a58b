# Each target bootstraps .venv when it is missing or older than pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench schema browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	SITEBOOK_ENV=$${SITEBOOK_ENV:-development} $(BIN)/sitebook serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# After changing the schema: rewrite schema.graphql (refuses breaking changes
# unless run as `.venv/bin/sitebook schema --allow-breaking`).
schema: $(STAMP)
	$(BIN)/sitebook schema

# Chromium for tests/test_browser_cors.py (Debian's package; playwright's own browser is never
# downloaded). Needs root or password-less sudo; without either the test says it is skipped.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] && echo || echo "sudo -n" ); \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium could not be installed: the browser test will be skipped"; }

bench: $(STAMP)
	$(BIN)/python bench/query_bench.py

clean:
	rm -rf $(VENV) .data

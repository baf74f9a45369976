# Offboarding: `make run` starts the product locally, `make test` runs the tests.
# Works on a fresh machine with python3 (3.11-3.13): the virtualenv is created on first use and
# refreshed only when pyproject.toml changes, so a second `make run` starts in seconds.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install; newer pyproject.toml => install again.
STAMP := $(VENV)/.installed
# Bytecode is kept (`__pycache__`, ignored by git) even where the environment says not to write it: the tests start
# hundreds of processes (web app, worker, command line, each test process), and without it each compiles the
# project's source again, about a second of CPU apiece; pytest keeps its rewritten test modules the same way.
unexport PYTHONDONTWRITEBYTECODE
TEST_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS='-k end_to_end -x'`.
PYTEST_ARGS ?=
# Test processes run side by side (pytest-xdist); each has its own database, Temporal servers and mail sinks.
# Most of a test's time is waiting on servers and timers, so a few more processes than cores pay off; 1 runs
# the suite in this process.
TEST_WORKERS ?= 4
# The processes take tests a few at a time from one queue, whose slow tests come first (tests/conftest.py); the tests
# of an `xdist_group` go to one process together, ahead of the rest, to share a set-up (tests/web/test_accessibility.py).
DISTRIBUTE := -n $(TEST_WORKERS) --dist loadgroup
# Each run ends with its twenty slowest tests, so that a test that grew slow is seen where it grew.
PYTEST := $(BIN)/pytest --durations=20 $(if $(filter 1,$(TEST_WORKERS)),,$(DISTRIBUTE))

.PHONY: run demo test test-fast test-postgres lint install clean distclean

run: $(STAMP)
	$(BIN)/python -m launcher

# With `make run` going in another terminal: fills the empty installation with a demo organisation.
demo: $(STAMP)
	$(BIN)/offboarding demo

# pytest exits 5 when it collects no tests: that fails the target too (the status is not masked).
test: $(STAMP) browser oidc-provider
	$(PYTEST) $(PYTEST_ARGS)

# The fast tier while working: every test but those on real processes or real time (marked slow).
test-fast: $(STAMP)
	$(PYTEST) -m "not slow" $(PYTEST_ARGS)

test-postgres: $(STAMP) browser oidc-provider
	OFFBOARDING_TEST_DATABASE_URL='$(TEST_POSTGRES_URL)' $(PYTEST) $(PYTEST_ARGS)

# Static checks: the linter and the formatter's check over the whole tree ([tool.ruff] in pyproject.toml), then the
# type checker over the product's packages (the list is [tool.mypy] files there). `ruff format .` formats.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "'$(PYTHON) -m venv' failed; on Debian or Ubuntu: apt-get install python3-venv" >&2; exit 1; }

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[test]'
	touch $@

# Build leftovers and caches; keeps the virtualenv and the data folder (your local cases).
clean:
	rm -rf build *.egg-info .pytest_cache .hypothesis test-artifacts
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# Also the virtualenv (the next `make run` installs everything again).
distclean: clean
	rm -rf $(VENV) tests/oidc/node_modules

# Debian's Chromium for tests/cases/test_browser.py (Playwright drives it; `playwright install` is never used).
# Installed with apt-get only when /usr/bin/chromium is missing; as root directly, otherwise through sudo.
CHROMIUM := /usr/bin/chromium
.PHONY: browser
browser:
	@if [ -x $(CHROMIUM) ]; then \
		echo "chromium: $$($(CHROMIUM) --version 2>/dev/null | head -n 1)"; \
	else \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update && $$SUDO apt-get install -y chromium; \
	fi

# The page catalogue: gather the strings of the code and templates, bring the Dutch catalogue up to date (new
# strings appear untranslated; tests/interviews/test_role_pages.py names them) and compile it.
.PHONY: translations
translations: $(STAMP)
	$(BIN)/pybabel extract -F i18n/babel.cfg -o i18n/locale/messages.pot --sort-output --no-location --omit-header .
	$(BIN)/pybabel update -i i18n/locale/messages.pot -d i18n/locale -l nl -w 120 --ignore-obsolete
	$(BIN)/pybabel compile -d i18n/locale
# The OpenID Connect provider tests/accounts/test_oidc_browser.py signs in against: the npm package oidc-provider, at the
# versions of tests/oidc/package-lock.json, run by Debian's Node.js. Installed here, once (again only when the
# lock file changes), never while the tests run. Node.js and npm come from apt-get when missing.
OIDC_DIR := tests/oidc
OIDC_STAMP := $(OIDC_DIR)/node_modules/.installed
.PHONY: oidc-provider
oidc-provider: $(OIDC_STAMP)

$(OIDC_STAMP): $(OIDC_DIR)/package.json $(OIDC_DIR)/package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update && $$SUDO apt-get install -y nodejs npm; \
	fi
	cd $(OIDC_DIR) && npm ci --no-audit --no-fund --ignore-scripts
	touch $@

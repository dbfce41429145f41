# OpenHomecare: `make run` and `make test` are the whole set-up (see README).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# An environment variable wins; otherwise the local settings (SQLite, in-process queue).
export DJANGO_SETTINGS_MODULE ?= homecare.config.settings.local

.PHONY: run test lint bench worker install browser clean backup restore

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --if-empty
	$(MANAGE) print_demo_signins
	$(MANAGE) runserver 127.0.0.1:8000

# Debian's Chromium for the browser journeys; Playwright never downloads a browser here.
browser:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

lint: install
	$(VENV)/bin/ruff check homecare bench
	DJANGO_SETTINGS_MODULE=homecare.config.settings.test $(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=homecare.config.settings.test $(MANAGE) check
	VENV=$(VENV) scripts/security-checks

# pytest exits 5 when it collects no tests, so an empty run fails here too.
test: install browser lint
	DJANGO_SETTINGS_MODULE=homecare.config.settings.test $(VENV)/bin/pytest $(PYTEST_ARGS)

bench: install
	DJANGO_SETTINGS_MODULE=homecare.config.settings.bench $(PY) -m bench.run $(BENCH_ARGS)
	DJANGO_SETTINGS_MODULE=homecare.config.settings.bench $(PY) -m bench.brokerage $(BROKERAGE_BENCH_ARGS)
	DJANGO_SETTINGS_MODULE=homecare.config.settings.bench $(PY) -m bench.visits $(VISITS_BENCH_ARGS)
	DJANGO_SETTINGS_MODULE=homecare.config.settings.bench $(PY) -m bench.payments $(PAYMENTS_BENCH_ARGS)
	DJANGO_SETTINGS_MODULE=homecare.config.settings.bench $(PY) -m bench.rostering $(ROSTERING_BENCH_ARGS)
	DJANGO_SETTINGS_MODULE=homecare.config.settings.bench $(PY) -m bench.reporting $(REPORTING_BENCH_ARGS)
	DJANGO_SETTINGS_MODULE=homecare.config.settings.bench $(PY) -m bench.reliability $(RELIABILITY_BENCH_ARGS)

worker: install
	$(MANAGE) rqworker default

# Backups of whichever database DATABASE_URL names (SQLite: online backup API; PostgreSQL: pg_dump -Fc),
# into var/backups/ with a manifest. `make restore` loads the newest (or BACKUP=file), migrates, verifies the
# audit chain and compares every table's rows; TARGET_URL=postgres://… rehearses it in another database.
backup: install
	$(MANAGE) backup_database

restore: install
	$(MANAGE) restore_database $(BACKUP) $(if $(TARGET_URL),--target-url "$(TARGET_URL)")

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .hypothesis

# Thước đo — the two commands: `make run` and `make test`. Both start from a clean clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install system-deps migrate seed serve test-sqlite test-postgres lint messages translations worker beat clean cluster cluster-stop

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(PY) scripts/compile_translations.py

migrate: install
	$(PY) manage.py migrate --noinput

# Seeds the demo city only when the database holds no units yet.
seed: migrate
	$(PY) manage.py seed_demo --if-empty

serve:
	@echo "Thước đo is at http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# Seeds on the first run; every run ends by printing the demo accounts and where to start.
run: migrate
	@$(PY) manage.py seed_demo --if-empty --print-accounts --base-url http://$(HOST):$(PORT)
	@$(MAKE) --no-print-directory serve

# The whole suite, with all its own set-up: the Debian packages it needs (installed as root,
# otherwise named; list in scripts/system-packages.txt), the virtualenv, lint and format, then
# SQLite, then the tests that matter on a real PostgreSQL the session starts itself. Redis, the
# Celery worker and Chromium are started by the tests that need them. Steps run in this order
# even under make -j.
test:
	@sh scripts/system_deps.sh
	@$(MAKE) --no-print-directory lint
	$(PY) -m pytest -p no:cacheprovider -n 2 --dist loadgroup
	$(PY) -m pytest -p no:cacheprovider --postgres

# Debian packages for the test servers (PostgreSQL, Redis, Chromium, fonts): see the list.
system-deps:
	@sh scripts/system_deps.sh

test-sqlite: install
	$(PY) -m pytest -n 2 --dist loadgroup

test-postgres: install
	$(PY) -m pytest --postgres

# Lint, format and the architecture contracts (.importlinter: the apps' layers).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Extract new strings, fill them from locale/vi/sources/*.json, compile (needs GNU gettext's xgettext).
messages: install
	$(PY) scripts/merge_translations.py

worker: install
	$(VENV)/bin/celery -A satisfaction worker --loglevel=info

beat: install
	$(VENV)/bin/celery -A satisfaction beat --loglevel=info --schedule var/celerybeat-schedule

# The multi-machine topology on loopback ports (docs/operations.md): primary + streaming standby,
# PgBouncer, Redis, two Celery workers on different queues, beat, gunicorn. State in var/cluster/.
cluster: install
	$(PY) scripts/cluster.py start

cluster-stop:
	$(PY) scripts/cluster.py stop

clean:
	rm -rf $(VENV) var

# The two commands: `make run` (set up everything and serve the portal) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Two workers: the machines have two cores.
PYTEST_WORKERS ?= 2

# make run is the demo: DEBUG and demo accounts on, SQLite unless DATABASE_URL says otherwise.
RUN_ENV := DEBUG=true DEMO_MODE=true DOCUMENT_SIGNING_KEY=var/signing/demo-key.pem DOCUMENT_SIGNING_CERT=var/signing/demo-cert.pem

.PHONY: run test lint format setup sysdeps migrate clean otp deploy-check

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

sysdeps:
	scripts/sysdeps.sh

migrate: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py loadpolicy

run: $(STAMP) migrate
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) $(BIN)/python manage.py demo_signing_certificate
	@echo "长宁区人工智能政策申报平台: http://$(HOST):$(PORT)/"
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The current second-factor code of a demo staff account: make otp ACCOUNT=demo-intake
otp: $(STAMP)
	@$(RUN_ENV) $(BIN)/python manage.py demo_totp $(ACCOUNT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(STAMP) sysdeps lint
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

# The production stack (gunicorn + Celery worker + beat, DEBUG off, whitenoise) on PostgreSQL and Redis,
# started on a free port with a database of its own, checked over HTTP, then stopped (operations/smoke.py).
deploy-check: $(STAMP)
	scripts/deploy_check.sh

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles var

#!/usr/bin/env bash
# make deploy-check: start the production stack locally and smoke-test it over HTTP (operations/smoke.py).
# PostgreSQL (DATABASE_URL's server, default 127.0.0.1:5432 as postgres) and Redis (REDIS_URL, default
# redis://127.0.0.1:6379/0) must be running; a database of its own is created and dropped. Every process
# it starts is stopped when it ends, however it ends (operations.smoke.running_stack).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m operations.smoke "$@"

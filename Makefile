# The two set-up commands (README): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/switchboard
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
DEMO_PORT ?= 8000

.PHONY: demo test install install-dev chromium redis-server lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium; it never downloads a browser).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The exactly-once push tests start their own redis-server next to the machine's (tests/integration).
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "installing Debian's redis-server for the worker tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server >/dev/null; }

# One command: venv, install, SQLite database, example workspace, models, logins, server.
demo: install
	$(BIN)/python manage.py demo --port $(DEMO_PORT)

# The whole test suite on PostgreSQL + Redis (+ a real Celery worker and headless Chromium where tested).
test: install-dev chromium redis-server
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_TASK_ALWAYS_EAGER=false \
	  $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install
	$(BIN)/python -m bench.speed
	$(BIN)/python -m bench.web
	$(BIN)/python -m bench.simulate
	$(BIN)/python -m bench.simulate.sweep
	$(BIN)/python -m bench.scale

clean:
	rm -rf var staticfiles .pytest_cache

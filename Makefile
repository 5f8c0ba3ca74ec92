# Development loop: `make` runs tests and lint (the same checks CI runs through pytest).
PY ?= python

.PHONY: check test lint format bench fixtures
check: test lint

test:
	$(PY) -m pytest -q

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	lint-imports

format:
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench:
	$(PY) bench/parse.py
	$(PY) bench/diff_store.py
	$(PY) bench/outbox.py
	$(PY) bench/webhooks.py

fixtures:
	$(PY) tests/fixtures/pages/build.py

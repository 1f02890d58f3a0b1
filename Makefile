# The two commands of the README: `make demo` and `make test`. Both build the virtual
# environment on first use and reuse it afterwards.

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint format demo sandbox bench bench-sandbox bench-sync bench-inventory clean

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest

demo: $(STAMP)
	$(BIN)/python -m tokopedia_sync.demo

sandbox: $(STAMP)
	$(BIN)/tokopedia-sandbox

bench: bench-sandbox bench-sync bench-inventory

bench-sandbox: $(STAMP)
	$(BIN)/python bench/sandbox_scale.py

bench-sync: $(STAMP)
	$(BIN)/python bench/sync_benchmark.py

bench-inventory: $(STAMP)
	$(BIN)/python bench/inventory_benchmark.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The two commands that matter on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean replica

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/swarmfi demo

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

# The genuine Uniswap V3 / Aave V3 artifacts the test replica is built from (tests only).
REPLICA := tests/replica
$(REPLICA)/node_modules/.package-lock.json: $(REPLICA)/package.json $(REPLICA)/package-lock.json
	npm ci --prefix $(REPLICA) --silent

replica: $(REPLICA)/node_modules/.package-lock.json

test: lint replica
	$(BIN)/python -m pytest

bench: $(VENV)/.installed
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV)

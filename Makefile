# The continuing-education platform. A newcomer needs two targets: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := libs/cekit launcher services/registry services/hours services/bases services/certificates gateway
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))
SERVICES := registry hours bases certificates

.PHONY: install run test test-fast lint contracts contracts-check bench-gateway bench-hours bench-certificates k8s-check clean

install: $(STAMP)

# Pinned dependencies first, then our own packages in editable mode without touching the pins.
$(STAMP): requirements.txt $(PYPROJECTS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps $(addprefix -e ,$(PACKAGES))
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ce-platform run

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/python scripts/contracts.py write

contracts-check: $(STAMP)
	$(BIN)/python scripts/contracts.py check

bench-gateway: $(STAMP)
	$(BIN)/python scripts/bench_gateway.py

bench-hours: $(STAMP)
	$(BIN)/python -m scripts.bench_hours $(ARGS)

bench-certificates: $(STAMP)
	$(BIN)/python -m scripts.bench_certificates $(ARGS)

k8s-check: $(STAMP)
	$(BIN)/python scripts/check_k8s.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

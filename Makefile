# Two commands from a fresh clone: `make run` and `make test`. Needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

.PHONY: install run test lint bench model clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install
	export FORUM_BASE_URL=$${FORUM_BASE_URL:-http://127.0.0.1:$(PORT)}; \
	$(FLASK) db upgrade && \
	$(FLASK) forum seed-demo --if-empty && \
	$(FLASK) search sync && \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Rebuild the shipped moderation model (moderation/artifacts/cold-start.npz) from ../shared/data.
model: install
	$(BIN)/python -m moderation.engine.build --data $${PARLEY_DATA_DIR:-../shared/data}

bench: install
	$(BIN)/python bench/forum_bench.py

clean:
	rm -rf $(VENV) *.egg-info

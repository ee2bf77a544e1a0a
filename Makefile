# Two entry points: `make run` (set up, build the default model if needed, start the app)
# and `make test` (set up with dev extras, run the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# The app has no login: it listens on this machine only unless HOST says otherwise (see README).
HOST ?= 127.0.0.1

.PHONY: run test model bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[app]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

model: $(VENV)/.installed
	$(BIN)/python -m assistant models build-default

run: model
	$(BIN)/streamlit run app.py --server.address $(HOST) --server.port $(PORT) \
		--server.headless true \
		--browser.gatherUsageStats false

test: $(VENV)/.installed-dev
	$(BIN)/python -m assistant models build-default
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed-dev
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/latency.py
	$(BIN)/python benchmarks/train.py
	$(BIN)/python benchmarks/batch.py
	$(BIN)/python benchmarks/browser.py
	$(BIN)/python benchmarks/public.py
	$(BIN)/python benchmarks/realdev.py

clean:
	rm -rf $(VENV) models/default .pytest_cache

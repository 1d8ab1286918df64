# The two commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-slow lint bench demo docs clean dashboard-images

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(BIN)/.installed-dev: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/.installed $@

run: $(BIN)/.installed
	$(BIN)/respbot run

demo: $(BIN)/.installed
	$(BIN)/respbot demo --days 5

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

# The long suites: thousands of property-test examples and the full crash harness.
test-slow: lint
	HYPOTHESIS_PROFILE=slow $(BIN)/pytest -m "slow or not slow"

bench: $(BIN)/.installed-dev
	$(BIN)/python -m bench

# Regenerates the command table in docs/commands.md from bot/core/commands.py (a test checks it is current).
docs: $(BIN)/.installed
	$(BIN)/python -c "import pathlib; from bot.core.command_docs import replace_table; \
	p = pathlib.Path('docs/commands.md'); p.write_text(replace_table(p.read_text()))"

# Re-take the dashboard screenshots in docs/images/ (needs chromium and chromium-driver from apt).
dashboard-images: $(BIN)/.installed-dev
	UPDATE_DOCS_IMAGES=1 REQUIRE_BROWSER=1 $(BIN)/pytest -q tests/dashboard/test_browser.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache test-artifacts

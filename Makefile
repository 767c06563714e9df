# Two commands on a machine with only Python: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test test-browser benchmark publish

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

demo: $(INSTALLED)
	$(BIN)/autograder grade examples/01-foundations/01-foundations.ipynb

test: $(INSTALLED)
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
		echo "Chromium not found: the browser tests (tests/test_browser.py) are skipped; install it with apt-get install chromium"
	$(BIN)/python -m pytest

# The student's JupyterLab and the TA's formgrader in headless Chromium (README, Browser tests).
test-browser: $(INSTALLED)
	$(BIN)/python -m pytest -n 0 tests/test_browser.py

benchmark: $(INSTALLED)
	$(BIN)/python benchmarks/grading_speed.py
	$(BIN)/python benchmarks/cluster_overhead.py

publish: $(INSTALLED)
	$(BIN)/python -m autograder.publish

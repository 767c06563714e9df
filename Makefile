# Two commands on a machine with only Python: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test benchmark publish

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

demo: $(INSTALLED)
	$(BIN)/autograder grade examples/01-foundations/01-foundations.ipynb

test: $(INSTALLED)
	$(BIN)/python -m pytest

benchmark: $(INSTALLED)
	$(BIN)/python benchmarks/grading_speed.py
	$(BIN)/python benchmarks/cluster_overhead.py

publish: $(INSTALLED)
	$(BIN)/python -m autograder.publish

# The two commands of the README: `make demo` and `make test`. Each sets up .venv first.
# TORCH_SPEC picks the torch build; the default is the CPU wheel this workplace keeps on disk.
PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q -e ".[test,benchmarks,interop]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/sciml demo --out runs/demo

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/nlse_vs_seed.py

clean:
	rm -rf $(VENV) runs build *.egg-info

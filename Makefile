# The two commands of the README: `make demo` and `make test`.
# Each creates .venv on first use and installs skmm with the extras it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.skmm-installed
# Two cores: run tests in two processes, one BLAS thread each. SCIPY_ARRAY_API
# lets scikit-learn's common checks exercise array-API dispatch.
PYTEST_WORKERS ?= 2

.PHONY: demo test venv bench clean docs

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,examples,dask]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/cross_modal/plot_ucm_image_text.py

test: $(STAMP)
	SCIPY_ARRAY_API=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --durations=15 $(PYTEST_ARGS)

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

# The user guide and API reference, warnings as errors, examples shown but not
# run (SKMM_DOCS_RUN_EXAMPLES=1 runs them). Output: docs/_build/html/index.html.
DOCS_STAMP := $(VENV)/.skmm-docs-installed
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html
	@echo "docs: docs/_build/html/index.html"

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache

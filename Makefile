# diancan — developer entry points. `make dev` runs the local stack, `make test` runs every check.
# The functions run on Lambda's python3.13; so do the venv and the tests. pyenv keeps 3.13 outside PATH here.
PYTHON_VERSION := 3.13
PY ?= $(firstword $(foreach p,python$(PYTHON_VERSION) $(wildcard $(HOME)/.pyenv/versions/$(PYTHON_VERSION).*/bin/python$(PYTHON_VERSION)),\
	$(if $(shell $(p) -c 'import sys; assert sys.version_info[:2] == ($(subst .,$(comma) ,$(PYTHON_VERSION)))' 2>/dev/null && echo ok),$(p))))
comma := ,
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: dev test main check demo lint unit bench clean lock miniprogram miniprogram-pictures service e2e

# The venv installs exactly requirements-dev.lock (hashes required); a venv of another Python is made anew.
$(STAMP): requirements-dev.lock
	@test -n "$(PY)" || { echo "Python $(PYTHON_VERSION) not found: install it (pyenv install $(PYTHON_VERSION)) or pass PY=..."; exit 1; }
	$(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] != ($(subst .,$(comma) ,$(PYTHON_VERSION))))' 2>/dev/null \
		|| { rm -rf $(VENV); $(PY) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --require-hashes -r requirements-dev.lock
	touch $(STAMP)

lock: $(STAMP)  ## resolve requirements.lock and requirements-dev.lock again (newest versions in range), then install
	$(BIN)/python infra/locks.py write
	$(MAKE) $(STAMP)

dev: $(STAMP)  ## start the local stack with demo data on http://127.0.0.1:$${PORT:-8000}
	$(BIN)/python -m local.stack

# Everything side by side, each part's output printed whole when it ends (--output-sync): the main run on two
# workers, the e2e session, the scripted journey and the mini-program's checks. The last three wait on HTTP,
# browsers and the clock much of their time, which the main run's CPU fills; the e2e and browser tests wait on
# conditions with generous ceilings, so the load they run at changes their time, not their outcome.
test: $(STAMP) lint  ## lint, then side by side: every test suite, the e2e suite, the scripted guest journey, the mini-program's checks
	$(MAKE) --no-print-directory -j 4 --output-sync=target main e2e demo miniprogram

# The main run on two workers; worksteal hands each worker one contiguous half of the tests in file order and
# moves tests from the end of a busy worker's queue to an idle one, so a module-scoped world (a live gateway
# with its sessions, a moto stack from the template, worker processes) is built about once instead of once on
# each worker, and neither worker idles at the end.
main: $(STAMP)  ## every test but the e2e session's, on two workers
	$(BIN)/python -m pytest -n 2 --dist worksteal -m "not e2e" $(PYTEST_ARGS)

# Where the e2e-marked tests live: collecting only these files skips the imports of the other 2,800 tests
# (tests/unit/test_unit_paths.py fails if an e2e test lives elsewhere).
E2E_PATHS := tests/e2e tests/console/test_console_browser.py tests/console/test_counter_browser.py tests/console/test_setup_browser.py

e2e: $(STAMP)  ## the e2e suite alone: HTTP against one local stack (tests marked e2e)
	$(BIN)/python -m pytest -m e2e $(E2E_PATHS) $(PYTEST_ARGS)

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
	$(BIN)/python infra/locks.py check

# Where the unit-marked tests live: collecting only these files (not the whole tree's 2,100 tests, whose imports
# take ~15 s) is what keeps the inner loop short. tests/unit/test_unit_paths.py fails if a unit test lives elsewhere.
UNIT_PATHS := tests/unit tests/local tests/proof/test_security.py
# The service tier: the use cases on in-memory fakes of the ports (tests/services/fakes.py), no moto. Every test
# there is marked `service`, and no service-marked test lives elsewhere (tests/unit/test_unit_paths.py).
SERVICE_PATHS := tests/services

unit: $(STAMP)
	$(BIN)/python -m pytest -m unit $(UNIT_PATHS) $(PYTEST_ARGS)

service: $(STAMP)  ## the service tier alone: use cases on in-memory fakes of the ports
	$(BIN)/python -m pytest -m service $(SERVICE_PATHS) $(PYTEST_ARGS)

# One pytest run for both tiers: the collection start-up is paid once.
check: $(STAMP) lint  ## the inner loop: lint, the unit tier and the service tier (≈ 25 s on 2 busy cores)
	$(BIN)/python -m pytest -m "unit or service" $(UNIT_PATHS) $(SERVICE_PATHS) $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis artifacts miniprogram/node_modules miniprogram/src/miniprogram_npm

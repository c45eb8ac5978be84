# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install clean image-test cluster-test

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Serves the API, the web page and /metrics on http://127.0.0.1:8080 (WARMTTS_HOST/WARMTTS_PORT).
run: install
	$(BIN)/warmtts serve

test: install
	$(BIN)/python -m pytest -q

# Two replicas behind HAProxy (apt-get install haproxy), a rolling restart under load (~1 min; also in `make test`).
cluster-test: install
	$(BIN)/python -m pytest -q tests/server/test_cluster.py

# Builds the container image from a Debian base and runs it with podman (root; minutes). Not in CI.
image-test:
	bash deploy/image-test.sh

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache

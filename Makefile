# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install sample clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/warmtts say "你好，欢迎使用 warmtts。Hello, and welcome to warmtts." -o sample.wav
	@echo "wrote sample.wav"

test: install
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache

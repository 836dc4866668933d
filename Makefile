VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test demo run bench lint

$(STAMP): requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

lint: $(STAMP)
	$(PY) -m ruff check .

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest

run: $(STAMP)
	$(PY) -m bot

bench: $(STAMP)
	$(PY) bench/client_bench.py
	$(PY) bench/ack_bench.py
	$(PY) bench/relay_bench.py
	$(PY) bench/inbound_latency.py

demo: $(STAMP)
	$(PY) -m sandbox.console

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test demo run bench lint soak

SOAK_SECONDS ?= 600
SOAK_EXAMPLES ?= 0

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
	$(PY) bench/ack_bench.py --burst --commands 200 --concurrency 20 --latency 1.0
	$(PY) bench/relay_bench.py
	$(PY) bench/report_bench.py
	$(PY) bench/inbound_latency.py

demo: $(STAMP)
	$(PY) -m sandbox.console

# The relay invariant state machine with random seeds: `make soak SOAK_SECONDS=600` or SOAK_EXAMPLES=200.
soak: $(STAMP)
	$(PY) -m tests.relay.soak --seconds $(SOAK_SECONDS) --examples $(SOAK_EXAMPLES)

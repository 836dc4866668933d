"""Shared fixtures: the Flowroute sandbox and the Slack emulator on loopback ports.

Nothing in the suite reaches the internet: every test talks to these local servers.
"""

import os

import pytest

from sandbox.flowroute import FlowrouteSandbox
from sandbox.slack import SlackEmulator

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key-DO-NOT-LOG"


@pytest.fixture(autouse=True)
def _scrub_env(monkeypatch):
    """Keep real Slack/Flowroute settings from leaking into tests."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "FLOWROUTE_", "FR_")):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def flowroute_sandbox():
    sandbox = FlowrouteSandbox(access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def slack_emulator():
    emulator = SlackEmulator()
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()

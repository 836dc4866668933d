"""Fixtures of the sandbox tests."""

import pytest


@pytest.fixture
def sandbox(flowroute_sandbox):
    """The Flowroute sandbox on a loopback port (tests/conftest.py starts and stops it)."""
    return flowroute_sandbox

"""Fixtures for the Flowroute client tests: a client pointed at the loopback sandbox."""

import pytest

from flowroute_api import FlowrouteClient
from tests.conftest import ACCESS_KEY, SECRET_KEY


@pytest.fixture
def sandbox(flowroute_sandbox):
    """The started sandbox, with any start-up traffic forgotten."""
    flowroute_sandbox.clear_requests()
    return flowroute_sandbox


@pytest.fixture
def client(sandbox):
    """A client on the sandbox with tiny backoff, so retry tests stay fast."""
    with FlowrouteClient(ACCESS_KEY, SECRET_KEY, base_url=sandbox.url, backoff_factor=0.01, timeout=(2, 5)) as api:
        yield api

"""Shared fixtures: the Flowroute sandbox and the Slack emulator on loopback ports.

Nothing in the suite reaches the internet: every test talks to these local servers.
"""

import os

import pytest

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
    from sandbox.flowroute import FlowrouteSandbox

    sandbox = FlowrouteSandbox(access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def slack_emulator():
    from sandbox.slack import SlackEmulator

    emulator = SlackEmulator()
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def bot(tmp_path, flowroute_sandbox, slack_emulator):
    """The real bot over HTTP on a loopback port, against the sandbox and the emulator."""
    from tests.helpers.bot import BotHarness

    harness = BotHarness(tmp_path / "bot.db", flowroute_sandbox, slack_emulator)
    try:
        yield harness
    finally:
        harness.stop()


@pytest.fixture
def make_bot(tmp_path, flowroute_sandbox, slack_emulator):
    """Build a bot with extra settings, e.g. make_bot(FLOWROUTE_BOT_AUDIT_CHANNEL="C0AUDIT")."""
    from tests.helpers.bot import BotHarness

    started = []

    def build(**env):
        harness = BotHarness(tmp_path / f"bot{len(started)}.db", flowroute_sandbox, slack_emulator, env=env)
        started.append(harness)
        return harness

    yield build
    for harness in started:
        harness.stop()


@pytest.fixture
def relay_bot(make_bot):
    """make_bot plus a fast relay config: relay_bot(FLOWROUTE_BOT_INBOX_CHANNEL="C0OPS", page_size=20)."""
    from tests.helpers.relay import fast_config

    def build(config: dict | None = None, **env):
        bot = make_bot(**env)
        bot.relay.config = fast_config(**(config or {}))
        return bot

    return build


@pytest.fixture
def convo_bot(make_bot):
    """make_bot with a fast relay, SEATTLE subscribed in CHANNEL, and the relay's first start done."""
    from tests.helpers.bot import ADMIN
    from tests.helpers.conversations import CHANNEL, SEATTLE, SENDER
    from tests.helpers.relay import fast_config

    def build(config: dict | None = None, **env):
        bot = make_bot(**{"FLOWROUTE_BOT_SENDERS": SENDER, **env})
        if bot.slack.user_name(SENDER) is None:
            bot.slack.add_user(SENDER, "carol")
        bot.relay.config = fast_config(**(config or {}))
        bot.store.save_subscription(SEATTLE, CHANNEL, ADMIN)
        bot.relay.poll_now()
        return bot

    return build

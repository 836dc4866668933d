"""`python -m bot` start-up as a process: refused credentials stop it with one line; services that are
down are waited for (with /healthz saying why) and the bot serves once they answer."""

import json
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
import requests

from sandbox.flowroute import FlowrouteSandbox
from sandbox.slack import SlackEmulator
from tests.bot.test_main import clean_env
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers.bot import free_port

SIGNING_SECRET = "s3cret-signing"
FAST_RETRY = "0.05,0.2"  # FLOWROUTE_BOT_STARTUP_BACKOFF: first retry and longest wait, in seconds


def bot_env(tmp_path, *, slack_url: str, slack_token: str, flowroute_url: str, **extra) -> dict:
    return clean_env(
        SLACK_BOT_TOKEN=slack_token, SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_url, FR_ACCESS_KEY=ACCESS_KEY, FR_SECRET_KEY=SECRET_KEY,
        FLOWROUTE_API_URL=flowroute_url, FLOWROUTE_BOT_DB=str(tmp_path / "bot.db"),
        **{"FLOWROUTE_BOT_STARTUP_BACKOFF": FAST_RETRY, **extra},
    )


def run_to_exit(tmp_path, env) -> subprocess.CompletedProcess:
    """The bot in `tmp_path` (its .env is read from there), until it exits."""
    return subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)


def assert_clean(text: str, *secrets: str) -> None:
    assert "Traceback" not in text
    for secret in (SECRET_KEY, SIGNING_SECRET, *secrets):
        assert secret not in text


class RunningBot:
    """`python -m bot` in the background; stderr goes to a file read with `log()`."""

    def __init__(self, tmp_path, env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / "bot.log"
        with self.log_path.open("w") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path,
                                            env={**env, "PORT": str(self.port)}, stdout=out, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text()

    def wait_for(self, predicate, what: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"the bot exited: {self.log()}"
            value = predicate()
            if value:
                return value
            assert time.monotonic() < deadline, f"timed out waiting for {what}; log:\n{self.log()}"
            time.sleep(0.05)

    def health(self):
        try:
            return requests.get(self.url + "/healthz", timeout=2)
        except requests.ConnectionError:
            return None

    def health_is(self, status: int) -> dict:
        """The body of the first /healthz answer with `status` (a 503 Response is falsy: keep the body)."""
        return self.wait_for(lambda: (r := self.health()) is not None and r.status_code == status and r.json(),
                             f"/healthz {status}")

    def not_ready_because(self, words: str) -> dict:
        """The first 503 /healthz body whose reason mentions `words` (before that: "starting")."""
        return self.wait_for(lambda: (r := self.health()) is not None and r.status_code == 503
                             and words in r.json().get("reason", "") and r.json(), f"/healthz 503 for {words!r}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=15)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def running(tmp_path):
    started = []

    def start(env):
        bot = RunningBot(tmp_path, env)
        started.append(bot)
        return bot

    yield start
    for bot in started:
        if bot.process.poll() is None:
            bot.process.kill()
            bot.process.wait()


def test_a_wrong_slack_token_stops_start_up_with_one_line(tmp_path, flowroute_sandbox, slack_emulator):
    env = bot_env(tmp_path, slack_url=slack_emulator.api_url, slack_token="xoxb-wrong-token-123",
                  flowroute_url=flowroute_sandbox.url)
    done = run_to_exit(tmp_path, env)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == \
        "flowroute-slack-ops: SLACK_BOT_TOKEN was refused by Slack (invalid_auth)"
    assert_clean(done.stderr + done.stdout, "xoxb-wrong-token-123")


@pytest.mark.parametrize("code", ["not_authed", "account_inactive", "token_revoked"])
def test_each_refusal_of_the_slack_token_stops_start_up(tmp_path, flowroute_sandbox, slack_emulator, code):
    slack_emulator.fail_next("auth.test", status=200, error=code)
    env = bot_env(tmp_path, slack_url=slack_emulator.api_url, slack_token=slack_emulator.token,
                  flowroute_url=flowroute_sandbox.url)
    done = run_to_exit(tmp_path, env)
    assert done.returncode == 2
    assert f"SLACK_BOT_TOKEN was refused by Slack ({code})" in done.stderr
    assert_clean(done.stderr + done.stdout, slack_emulator.token)


@pytest.mark.parametrize("status", [401, 403])
def test_refused_flowroute_keys_stop_start_up_with_one_line(tmp_path, slack_emulator, status):
    # 401: the sandbox refuses keys it does not know; 403: the account may not list numbers.
    sandbox = FlowrouteSandbox(access_key="other-key", secret_key="other-secret") if status == 401 else \
        FlowrouteSandbox(access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    with sandbox:
        if status == 403:
            sandbox.fail_next(status=403, path_prefix="/v2/numbers")
        env = bot_env(tmp_path, slack_url=slack_emulator.api_url, slack_token=slack_emulator.token,
                      flowroute_url=sandbox.url)
        done = run_to_exit(tmp_path, env)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        f"flowroute-slack-ops: FLOWROUTE_ACCESS_KEY / FLOWROUTE_SECRET_KEY were refused by Flowroute (HTTP {status})")
    assert_clean(done.stderr + done.stdout, slack_emulator.token, ACCESS_KEY)


def test_slack_down_then_up_the_bot_waits_then_serves(tmp_path, flowroute_sandbox, running):
    slack_port = free_port()  # nothing listens there yet: connections are refused
    emulator = SlackEmulator()
    env = bot_env(tmp_path, slack_url=f"http://127.0.0.1:{slack_port}/api/", slack_token=emulator.token,
                  flowroute_url=flowroute_sandbox.url, FLOWROUTE_BOT_POLL_SECONDS="1")
    bot = running(env)
    waiting = bot.not_ready_because("Slack cannot be reached")
    assert waiting["ok"] is False and waiting["serving"] is False
    assert waiting["reason"] == f"Slack cannot be reached at http://127.0.0.1:{slack_port}/api/: connection refused"
    events = requests.post(bot.url + "/slack/events", data="x", timeout=5)
    assert events.status_code == 503 and "Slack" in events.json()["reason"]
    bot.wait_for(lambda: bot.log().count("Not ready: Slack cannot be reached") >= 2, "two attempts logged")
    emulator.start(port=slack_port)
    try:
        healthy = bot.health_is(200)
        assert healthy["ok"] is True and healthy["serving"] is True and "reason" not in healthy
        # Several polls and send runs later, the INFO log still has no per-run scheduler line.
        first = healthy["last_poll"]["at"] if healthy["last_poll"] else None
        bot.wait_for(lambda: (body := bot.health().json())["last_poll"] and body["last_poll"]["at"] != first
                     and body, "another poll")
        assert requests.post(bot.url + "/slack/events", data="x", timeout=5).status_code == 401  # Bolt: unsigned
        assert bot.stop() == 0
    finally:
        emulator.stop()
    log = bot.log()
    assert "connection refused" in log and "timed out" not in log
    assert "executed successfully" not in log and "Running job" not in log
    assert "Starting in HTTP mode on port" in log and "Shutting down" in log
    assert_clean(log, emulator.token)


def test_flowroute_down_then_up_with_json_logs(tmp_path, slack_emulator, running):
    flowroute_port = free_port()
    env = bot_env(tmp_path, slack_url=slack_emulator.api_url, slack_token=slack_emulator.token,
                  flowroute_url=f"http://127.0.0.1:{flowroute_port}", LOG_FORMAT="json")
    bot = running(env)
    waiting = bot.not_ready_because("Flowroute connection")
    assert waiting["reason"] == f"Flowroute connection refused (at http://127.0.0.1:{flowroute_port})"
    bot.wait_for(lambda: bot.log().count("Not ready: Flowroute connection refused") >= 2, "two attempts logged")
    with sandbox_on(flowroute_port):
        bot.health_is(200)
        assert bot.stop() == 0
    log = bot.log()
    assert_clean(log, slack_emulator.token)
    entries = [json.loads(line) for line in log.splitlines()]
    assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    assert any("connection refused" in entry["message"] and entry["level"] == "WARNING" for entry in entries)


@contextmanager
def sandbox_on(port: int):
    """The Flowroute sandbox started late, on a port reserved earlier."""
    sandbox = FlowrouteSandbox(access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    sandbox.start(port=port)
    try:
        yield sandbox
    finally:
        sandbox.stop()


def test_sigterm_while_waiting_exits_0_promptly(tmp_path, running):
    env = bot_env(tmp_path, slack_url=f"http://127.0.0.1:{free_port()}/api/", slack_token="xoxb-unused",
                  flowroute_url=f"http://127.0.0.1:{free_port()}", FLOWROUTE_BOT_STARTUP_BACKOFF="30,60")
    bot = running(env)
    bot.health_is(503)
    bot.wait_for(lambda: "Not ready" in bot.log(), "the first attempt")
    stopped = time.monotonic()
    assert bot.stop() == 0
    assert time.monotonic() - stopped < 10  # not after the 30 s retry wait
    assert_clean(bot.log())

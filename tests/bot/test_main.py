"""`python -m bot` as a process: fail fast on bad settings, serve /healthz, stop cleanly on SIGTERM."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers.bot import free_port

ROOT = Path(__file__).resolve().parent.parent.parent


def clean_env(**values) -> dict:
    """Our variables only as given; PYTHONPATH finds the bot from any working directory (whose .env,
    if any, the bot reads: tests run it in tmp_path, never in the repository)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FLOWROUTE_", "FR_", "LOG_"))}
    env.update(PYTHONPATH=str(ROOT), **values)
    return env


def test_missing_settings_stop_start_up_with_one_line_naming_them(tmp_path):
    env = clean_env(SLACK_BOT_TOKEN="xoxb-secret-token", PORT="eighty")
    done = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    for name in ("SLACK_SIGNING_SECRET", "FLOWROUTE_ACCESS_KEY", "FLOWROUTE_SECRET_KEY", "PORT"):
        assert name in lines[0]
    assert "xoxb-secret-token" not in done.stderr + done.stdout


def test_http_mode_serves_healthz_and_stops_on_sigterm(tmp_path, flowroute_sandbox, slack_emulator):
    port = free_port()
    env = clean_env(
        SLACK_BOT_TOKEN=slack_emulator.token, SLACK_SIGNING_SECRET="s3cret", SLACK_API_URL=slack_emulator.api_url,
        FR_ACCESS_KEY=ACCESS_KEY, FR_SECRET_KEY=SECRET_KEY, FLOWROUTE_API_URL=flowroute_sandbox.url,
        FLOWROUTE_BOT_DB=str(tmp_path / "bot.db"), PORT=str(port), FLOWROUTE_BOT_POLL_SECONDS="3600",
    )
    log = tmp_path / "bot.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                if response.status_code == 200:
                    break  # 503 while start-up checks Slack and Flowroute
            except requests.ConnectionError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the bot did not start serving in time"
            time.sleep(0.1)
        assert response.json()["ok"] is True and response.json()["serving"] is True
        assert requests.post(f"http://127.0.0.1:{port}/slack/events", data="x", timeout=5).status_code == 401
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text()
    assert "Traceback" not in text
    for secret in (SECRET_KEY, "s3cret", slack_emulator.token):
        assert secret not in text


def test_socket_mode_is_used_when_an_app_token_is_set(tmp_path, flowroute_sandbox, slack_emulator):
    env = clean_env(
        SLACK_BOT_TOKEN=slack_emulator.token, SLACK_APP_TOKEN="xapp-not-valid-here",
        SLACK_API_URL=slack_emulator.api_url,
        FR_ACCESS_KEY=ACCESS_KEY, FR_SECRET_KEY=SECRET_KEY, FLOWROUTE_API_URL=flowroute_sandbox.url,
        FLOWROUTE_BOT_DB=str(tmp_path / "bot.db"), FLOWROUTE_BOT_POLL_SECONDS="3600",
    )
    done = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    # No signing secret was needed; the bot asked Slack for a Socket Mode connection with the app token,
    # which the emulator (not a Socket Mode server) does not offer: one clear line, exit 1.
    assert [call.method for call in slack_emulator.calls_to("apps.connections.open")] == ["apps.connections.open"]
    assert done.returncode == 1
    assert "Socket Mode could not connect: unknown_method" in done.stderr
    assert "Traceback" not in done.stderr and "xapp-not-valid-here" not in done.stderr + done.stdout


def test_help_prints_every_setting_and_exits_0(tmp_path):
    from core.settings import SETTINGS

    for flag in ("--help", "-h"):
        done = subprocess.run([sys.executable, "-m", "bot", flag], cwd=tmp_path, env=clean_env(),
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and done.stderr == ""
        for doc in SETTINGS:
            assert doc.name in done.stdout


def test_an_unknown_argument_is_one_line_and_exit_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bot", "--port", "80"], cwd=tmp_path, env=clean_env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["flowroute-slack-ops: unknown argument '--port' (try --help)"]


def test_settings_are_read_from_dot_env_in_the_working_directory_and_the_environment_wins(tmp_path):
    (tmp_path / ".env").write_text("# copied from .env.sample\nLOG_LEVEL=LOUD\nPORT=eighty\n")
    done = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=clean_env(), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "flowroute-slack-ops: Invalid settings: LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got 'LOUD'"]

    done = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=clean_env(LOG_LEVEL="INFO"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    line = done.stderr.strip()
    assert "LOG_LEVEL" not in line and "PORT must be a whole number, got 'eighty'" in line  # from .env
    assert "SLACK_BOT_TOKEN is missing" in line

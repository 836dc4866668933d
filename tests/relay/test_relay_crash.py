"""`python -m bot` killed with SIGKILL mid-relay (right after Slack accepted a post) and restarted: no loss,
no duplicate. The bot runs as a real subprocess against the in-test sandbox and emulator."""

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from core.storage import Store
from relay.posts import RELAY_EVENT
from relay.recover import STARTED
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers.bot import SIGNING_SECRET, free_port
from tests.helpers.relay import CHICAGO, REMOTE, SALES, SEATTLE, posted_ids

ROOT = Path(__file__).resolve().parents[2]


class KillOnPost:
    """An emulator subscriber that SIGKILLs the bot when Slack has stored the Nth relay post, before the
    HTTP answer leaves: the bot dies between Slack accepting the post and marking it delivered."""

    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0
        self.kill_at: int | None = None
        self.process: subprocess.Popen | None = None

    def __call__(self, event, message):
        if event != "posted" or (message.metadata or {}).get("event_type") != RELAY_EVENT:
            return
        with self.lock:
            self.count += 1
            if self.count == self.kill_at and self.process is not None:
                os.kill(self.process.pid, signal.SIGKILL)


def start_bot(env: dict, log_path: Path) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def test_sigkill_mid_relay_and_restart_loses_and_duplicates_nothing(tmp_path, flowroute_sandbox, slack_emulator):
    db_path = tmp_path / "crash.db"
    store = Store(str(db_path))
    store.migrate()
    for number, channel in ((SEATTLE, "C0OPS"), (SALES, "C0ALERTS"), (CHICAGO, "C0AUDIT")):
        store.save_subscription(number, channel, "U0ADMIN")
    env = {name: value for name, value in os.environ.items() if not name.startswith(("SLACK_", "FLOWROUTE_", "FR_"))}
    env.update({
        "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING", "PORT": str(free_port()),
        "SLACK_BOT_TOKEN": slack_emulator.token, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_emulator.api_url, "FLOWROUTE_ACCESS_KEY": ACCESS_KEY,
        "FLOWROUTE_SECRET_KEY": SECRET_KEY, "FLOWROUTE_API_URL": flowroute_sandbox.url,
        "FLOWROUTE_BOT_DB": str(db_path), "FLOWROUTE_BOT_POLL_SECONDS": "1",
    })
    killer = KillOnPost()
    slack_emulator.subscribe(killer)
    log_path = tmp_path / "bot.log"
    process = None
    try:
        killer.kill_at, killer.process = 2, (process := start_bot(env, log_path))
        slack_emulator.wait_for(lambda: store.get_state(STARTED) is not None, timeout=20)
        numbers = [SEATTLE, SALES, CHICAGO] * 2
        ids = [flowroute_sandbox.inject_message(REMOTE, number, f"before the crash {i}")["id"]
               for i, number in enumerate(numbers)]
        assert process.wait(timeout=20) == -signal.SIGKILL

        ids.append(flowroute_sandbox.inject_message(REMOTE, SEATTLE, "while the bot was dead")["id"])
        killer.kill_at, killer.process = 4, (process := start_bot(env, log_path))
        assert process.wait(timeout=20) == -signal.SIGKILL

        killer.kill_at, killer.process = None, (process := start_bot(env, log_path))
        slack_emulator.wait_for(lambda: store.get_relay_counts()["delivered"] == len(ids), timeout=30)
        posted = Counter(posted_ids(slack_emulator))
        assert set(posted) == set(ids) and set(posted.values()) == {1}, posted
        assert store.get_relay_counts() == {"pending": 0, "delivered": 7, "failed": 0, "unrouted": 0}
        assert killer.count == 7  # the two posts whose answer the bot never saw were not made again
        # ...because the restarted bot looked each of them up in the channel's history first.
        checks = [c for c in slack_emulator.calls_to("conversations.history") if "oldest" in c.args]
        assert len(checks) == 2
        process.terminate()  # SIGTERM: a clean stop (scheduler and relay shut down), exit status 0
        assert process.wait(timeout=15) == 0
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

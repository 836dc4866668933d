"""Callback test helpers: a bot whose callback URL the sandbox can reach, and callbacks turned on for real."""

from tests.helpers.bot import ADMIN, OPS, free_port
from tests.helpers.relay import fast_config

TOKEN = "cb-token-0123456789-abcdefghijklmnopqrstuvwxyz"  # 47 characters
CALLBACKS_PATH = "/flowroute/callbacks/"


def callback_env(port: int, **env) -> dict:
    return {"PORT": str(port), "FLOWROUTE_BOT_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "FLOWROUTE_BOT_CALLBACK_TOKEN": TOKEN, "FLOWROUTE_BOT_POLL_SECONDS": "60",
            "FLOWROUTE_BOT_INBOX_CHANNEL": OPS, **env}


def start_callback_bot(make_bot, *, port: int | None = None, turn_on: bool = True, **env):
    """A bot on a known port (its public URL), the relay's first start done, `inbox callbacks on` run by
    an admin; the sandbox retries fast. The scheduler stays stopped: only callbacks (or a test's poll) post."""
    bot = make_bot(**callback_env(port or free_port(), **env))
    bot.relay.config = fast_config()
    bot.relay.poll_now()
    bot.sandbox.callbacks.set_faults(retry_interval=0.05)
    if turn_on:
        bot.reply(bot.command("inbox callbacks on", user=ADMIN))
    return bot


def callback_url(bot) -> str:
    return f"{bot.url}{CALLBACKS_PATH}{TOKEN}"

"""Conversation test helpers: Seattle support's messages relayed into C0ALERTS, replies, and their readers."""

from datetime import datetime

from tests.helpers.bot import ADMIN

SEATTLE = "12065550100"  # ours (seed alias "Seattle support"), subscribed in CHANNEL
REMOTE = "12065557001"  # a customer; not in the sandbox's seed history
OTHER_REMOTE = "14255557002"
CHANNEL = "C0ALERTS"
SENDER = "U0CAROL"  # in FLOWROUTE_BOT_SENDERS: may answer by SMS, is not an admin


def relay_in(bot, body: str, *, remote: str = REMOTE, timestamp: datetime | None = None):
    """An inbound SMS from `remote` to SEATTLE, polled and posted; returns its Slack message."""
    mdr = bot.sandbox.inject_message(remote, SEATTLE, body, timestamp=timestamp)
    bot.relay.poll_now()
    bot.relay.send_pending()
    return post_of(bot, mdr["id"])


def post_of(bot, mdr_id: str):
    return bot.slack.wait_for(lambda: next(
        (m for m in bot.slack.messages(CHANNEL, include_ephemeral=False)
         if ((m.metadata or {}).get("event_payload") or {}).get("mdr_id") == mdr_id), None))


def answer(bot, post, text: str, *, user: str = ADMIN, files=None):
    """A person replies in the post's thread; Slack sends the bot the message event."""
    return bot.driver.post_user_message(text, user=user, channel=CHANNEL, thread_ts=post.thread_ts or post.ts,
                                        files=files)


def sends(bot, status: int | None = 202) -> list[dict]:
    """The message sends that reached Flowroute (accepted ones by default), as their attributes."""
    return [r.json["data"]["attributes"] for r in bot.sandbox.requests_to("POST", "/v2.1/messages")
            if status is None or r.status == status]


def reactions(bot, message) -> list[str]:
    return [reaction["name"] for reaction in bot.slack.message(message.id).reactions]


def wait_reaction(bot, message, name: str) -> None:
    bot.slack.wait_for(lambda: name in reactions(bot, message), timeout=10)


def bot_notes(bot, parent) -> list:
    """The bot's own texts in a thread that are not relay posts (its notes about replies)."""
    return [m for m in bot.slack.thread(CHANNEL, parent.ts)
            if m.user == bot.slack.bot_user_id and not m.metadata and not m.files]


def wait_note(bot, parent, needle: str):
    return bot.slack.wait_for(lambda: next((m for m in bot_notes(bot, parent) if needle in m.text), None), timeout=10)

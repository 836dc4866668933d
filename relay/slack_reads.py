"""Reading Slack back: one cursor pager, and the channel history and thread replies built on it.

Slack's list methods page with `cursor` and answer `response_metadata.next_cursor`, empty on the last page
(https://api.slack.com/apis/pagination).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

# Slack errors that say the channel will not take posts: fail its rows, keep the other channels going.
CHANNEL_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
NO_METHOD_ERRORS = frozenset({"unknown_method", "missing_scope", "not_allowed_token_type"})
# Guess: what chat.postMessage answers when a thread's parent was deleted (the emulator says thread_not_found).
THREAD_GONE_ERRORS = frozenset({"thread_not_found", "message_not_found", "invalid_thread_ts"})


def cursor_pages(call: Callable[..., dict], *, pages: int | None = None, **arguments) -> Iterator[dict]:
    """Each page `call(**arguments, cursor=...)` answers, following next_cursor, at most `pages` pages."""
    cursor, read = None, 0
    while pages is None or read < pages:
        page = call(**arguments, cursor=cursor)
        read += 1
        yield page
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


def history(slack: WebClient, channel: str, *, pages: int, oldest: float | None = None,
            latest: float | None = None) -> Iterator[dict]:
    """The channel's top-level messages, newest first, with metadata."""
    for page in cursor_pages(slack.conversations_history, pages=pages, channel=channel, include_all_metadata=True,
                             limit=200, **_bounds(oldest, latest)):
        yield from page.get("messages") or []


def replies(slack: WebClient, channel: str, thread_ts: str, *, pages: int, oldest: float | None = None,
            latest: float | None = None) -> Iterator[dict]:
    """A thread's messages, oldest first, with metadata; nothing when the thread is gone."""
    try:
        for page in cursor_pages(slack.conversations_replies, pages=pages, channel=channel, ts=thread_ts,
                                 include_all_metadata=True, limit=200, **_bounds(oldest, latest)):
            yield from page.get("messages") or []
    except SlackApiError as error:
        if error.response.get("error") not in THREAD_GONE_ERRORS:
            raise


def _bounds(oldest: float | None, latest: float | None) -> dict[str, str]:
    return {name: f"{max(0.0, value):.6f}" for name, value in (("oldest", oldest), ("latest", latest))
            if value is not None}

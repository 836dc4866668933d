"""Relay test helpers: a fast relay config, and readers for the relay's Slack posts."""

from datetime import timedelta

from relay.posts import RELAY_EVENT
from relay.service import RelayConfig

SEATTLE = "12065550100"  # seed: alias "Seattle support"
SALES = "12065550101"  # seed: alias "Seattle sales"
CHICAGO = "13125550123"  # seed: alias "Chicago NOC"
REMOTE = "12065559876"


def fast_config(**changes) -> RelayConfig:
    """Pacing off (it would only slow the tests down; test_pacing shows it working) and quick retries."""
    values = {"pace_seconds": 0.0, "backoff_seconds": 0.02, "max_backoff_seconds": 0.2, "send_budget_seconds": 10.0,
              "overlap": timedelta(minutes=10), "page_size": 50}
    values.update(changes)
    return RelayConfig(**values)


def relay_posts(emulator, channel=None) -> list:
    return [m for m in emulator.messages(channel, include_ephemeral=False)
            if (m.metadata or {}).get("event_type") == RELAY_EVENT]


def posted_ids(emulator, channel=None) -> list[str]:
    return [m.metadata["event_payload"]["mdr_id"] for m in relay_posts(emulator, channel)]


def post_text(message) -> str:
    """Everything a reader sees in a post: its blocks' texts (the fallback text is checked separately)."""
    parts = []
    for block in message.blocks:
        if block.get("text"):
            parts.append(block["text"]["text"])
        parts += [element.get("text", "") for element in block.get("elements", [])]
    return "\n".join(parts)

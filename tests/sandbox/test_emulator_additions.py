"""What the relay added to the Slack emulator: users.conversations (the bot's channels, for recovery)."""

from slack_sdk import WebClient


def test_users_conversations_lists_the_bots_channels_by_type_and_pages(slack_emulator):
    client = WebClient(token=slack_emulator.token, base_url=slack_emulator.api_url)
    slack_emulator.add_channel("G0TEAM", "team-private", is_private=True)

    public = client.users_conversations(types="public_channel", exclude_archived=True)
    assert [c["id"] for c in public["channels"]] == ["C0ALERTS", "C0AUDIT", "C0OPS"]  # not C0RANDOM, not C0OLD

    both = client.users_conversations(types="public_channel,private_channel", limit=2)
    ids = [c["id"] for c in both["channels"]]
    cursor = both["response_metadata"]["next_cursor"]
    while cursor:
        page = client.users_conversations(types="public_channel,private_channel", limit=2, cursor=cursor)
        ids += [c["id"] for c in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
    assert ids == ["C0ALERTS", "C0AUDIT", "C0OLD", "C0OPS", "G0TEAM"]
    assert all(c["is_member"] for c in both["channels"])

"""Many messages over many pages and numbers, and records that Flowroute lists late."""

import random
from datetime import UTC, datetime, timedelta

from tests.helpers.relay import CHICAGO, REMOTE, SALES, SEATTLE, posted_ids, relay_posts


def send_all(bot, expected: int, timeout: float = 20.0) -> None:
    bot.slack.wait_for(lambda: (bot.relay.send_pending() or True)
                       and bot.relay.status()["counts"]["delivered"] >= expected, timeout=timeout)


def test_250_messages_over_pages_and_numbers_arrive_once_in_the_right_channels_in_time_order(relay_bot):
    bot = relay_bot(config={"page_size": 40})
    for number, channel in ((SEATTLE, "C0ALERTS"), (SEATTLE, "C0OPS"), ("all", "C0AUDIT")):
        bot.store.save_subscription(number, channel, "U0ADMIN")
    bot.relay.poll_now()
    start = datetime.now(UTC)
    rng = random.Random(4)
    numbers = [SEATTLE, SALES, CHICAGO, "16465550199"]
    items = [{"from": f"1206555{2000 + i:04d}", "to": numbers[i % 4], "body": f"message {i}",
              "timestamp": (start + timedelta(milliseconds=rng.randrange(0, 120_000))).isoformat()}
             for i in range(250)]
    ids = bot.sandbox.inject_messages(items)

    result = bot.relay.poll_now()
    assert result.new == 250 and result.pages >= 7
    send_all(bot, 250 + 63)  # Seattle's 63 go to two channels

    by_id = {mdr_id: item for mdr_id, item in zip(ids, items, strict=True)}
    seattle = {i for i in ids if by_id[i]["to"] == SEATTLE}
    for channel, expected in (("C0ALERTS", seattle), ("C0OPS", seattle), ("C0AUDIT", set(ids) - seattle)):
        posted = posted_ids(bot.slack, channel)
        assert len(posted) == len(set(posted)) == len(expected) and set(posted) == expected
        times = [m.metadata["event_payload"]["timestamp"] for m in relay_posts(bot.slack, channel)]
        assert times == sorted(times)
    bot.relay.poll_now()
    bot.relay.send_pending()
    assert len(posted_ids(bot.slack)) == 313


def test_a_record_listed_late_inside_the_overlap_window_is_still_delivered(relay_bot):
    bot = relay_bot(FLOWROUTE_BOT_INBOX_CHANNEL="C0OPS", FLOWROUTE_BOT_BACKFILL_MINUTES="30")
    bot.relay.poll_now()
    bot.relay.send_pending()
    backfilled = posted_ids(bot.slack)  # seeded history of the last 30 minutes, if any
    on_time = bot.sandbox.inject_message(REMOTE, SEATTLE, "on time")
    bot.relay.poll_now()
    watermark = bot.relay.status()["watermark"]
    assert watermark[:22] >= on_time["attributes"]["timestamp"][:22]

    # Flowroute lists, only now, a record stamped three minutes before the watermark (inside the overlap).
    stamped = datetime.fromisoformat(watermark.replace("Z", "+00:00")) - timedelta(minutes=3)
    late = bot.sandbox.inject_message(REMOTE, SEATTLE, "late", timestamp=stamped)
    bot.relay.poll_now()
    bot.relay.send_pending()
    assert posted_ids(bot.slack) == backfilled + [late["id"], on_time["id"]]  # both were pending: time order

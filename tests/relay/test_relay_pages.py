"""Flowroute pages shorter than the limit asked (a server-side page cap): the relay still reads every page."""

from datetime import UTC, datetime, timedelta

from tests.relay.conftest import CHICAGO, SALES, SEATTLE, posted_ids
from tests.relay.test_relay_volume import send_all


def test_60_inbound_over_pages_capped_at_20_are_all_posted_exactly_once(relay_bot):
    bot = relay_bot(config={"page_size": 200})
    channels = {SEATTLE: "C0OPS", SALES: "C0ALERTS", CHICAGO: "C0AUDIT"}
    for number, channel in channels.items():
        bot.store.save_subscription(number, channel, "U0ADMIN")
    bot.relay.poll_now()  # first start: the seeded history is not replayed
    bot.sandbox.set_behaviour(page_cap=20)  # Flowroute answers limit=200 with 20 records and links.next
    start = datetime.now(UTC)
    numbers = list(channels)
    items = [{"from": f"1206555{3000 + i:04d}", "to": numbers[i % 3], "body": f"capped {i}",
              "timestamp": (start + timedelta(milliseconds=50 * i)).isoformat()} for i in range(60)]
    ids = bot.sandbox.inject_messages(items)

    result = bot.relay.poll_now()
    assert result.new == 60 and result.pages >= 3
    assert all(r.query["limit"] == ["200"] for r in bot.sandbox.requests_to("GET", "/v2.1/messages"))
    send_all(bot, 60)
    bot.relay.poll_now()
    bot.relay.send_pending()

    posted = posted_ids(bot.slack)
    assert len(posted) == len(set(posted)) == 60 and set(posted) == set(ids)
    for number, channel in channels.items():
        expected = [mdr_id for mdr_id, item in zip(ids, items, strict=True) if item["to"] == number]
        assert posted_ids(bot.slack, channel) == expected  # 20 each, in message-time order


def test_numbers_as_integers_amounts_as_strings_and_shared_timestamps_change_nothing(relay_bot):
    bot = relay_bot(config={"page_size": 4})
    bot.store.save_subscription(SEATTLE, "C0OPS", "U0ADMIN")
    bot.relay.poll_now()
    bot.sandbox.set_behaviour(integer_numbers=True, string_amounts=True, coarse_timestamps=True,
                              internal_next_links=False, page_cap=3)
    ids = bot.sandbox.inject_messages([{"from": "12065553000", "to": SEATTLE, "body": f"tie {i}"} for i in range(10)])
    assert len({bot.sandbox.message(mdr_id)["attributes"]["timestamp"] for mdr_id in ids}) == 1

    assert bot.relay.poll_now().new == 10
    send_all(bot, 10)
    assert sorted(posted_ids(bot.slack, "C0OPS")) == sorted(ids)
    bot.relay.poll_now()
    assert bot.relay.send_pending() == 0 and len(posted_ids(bot.slack)) == 10

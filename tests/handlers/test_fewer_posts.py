"""Issue 12 "Fewer steps, fewer posts", end to end: a purchase from a search list keeps the other offers even
when Slack's click carries no blocks of the ephemeral list (Slack's default for ephemeral messages)."""

import json

from handlers.numbers.ids import NUMBERS_BUY_ACTION
from tests.helpers.bot import OPS, shown, texts, wait_for_edit, wait_for_text


def test_buying_from_a_list_without_its_blocks_in_the_click_keeps_the_other_offers(bot):
    assert not bot.driver.include_ephemeral_message
    page = shown(bot, bot.command("numbers search --starts-with 1206555 --limit 3"))
    buys = [b for b in bot.driver.buttons(page) if b["action_id"] == NUMBERS_BUY_ACTION]
    bought = json.loads(buys[0]["value"])["number"]
    bot.driver.click(page, action_id=NUMBERS_BUY_ACTION, value=buys[0]["value"])

    listed = wait_for_edit(bot, page)
    body = texts(listed.blocks)
    assert body.index("Bought *+1 206-555-") < body.index("Setup $")  # the bought row first, then the offers
    others = [json.loads(b["value"])["number"] for b in bot.driver.buttons(listed)
              if b["action_id"] == NUMBERS_BUY_ACTION]
    assert len(others) == 3 and bought not in others  # the remaining offers, still buyable
    wait_for_text(bot, "bought *+1 206-555-", ephemeral=False)
    public = [m for m in bot.slack.messages(OPS, include_ephemeral=False) if "bought" in m.text]
    assert len(public) == 1

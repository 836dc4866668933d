"""What a relayed post shows: the body literally (no pings, no forged links), sender, recipient, time, id."""

from relay.posts import RELAY_EVENT, relay_post
from tests.helpers.relay import REMOTE, SEATTLE, post_text, relay_posts

HOSTILE = "hey <!channel> & <@U123> see <http://evil|click> a<b>c *bold*"


def test_a_hostile_body_is_shown_literally_and_pings_nobody(relay_bot):
    bot = relay_bot(FLOWROUTE_BOT_INBOX_CHANNEL="C0OPS")
    bot.relay.poll_now()
    bot.sandbox.inject_message(REMOTE, SEATTLE, HOSTILE)
    bot.relay.poll_now()
    bot.relay.send_pending()

    [post] = relay_posts(bot.slack, "C0OPS")
    shown = post_text(post)
    assert "hey &lt;!channel&gt; &amp; &lt;@U123&gt; see &lt;http://evil|click&gt; a&lt;b&gt;c *bold*" in shown
    for raw in ("<!channel>", "<@U123>", "<http://evil|click>", "<b>"):
        assert raw not in shown and raw not in post.text
    assert "&lt;!channel&gt;" in post.text  # the notification text is escaped too
    [body] = [b for b in post.blocks if b["type"] == "section" and b["text"].get("verbatim")]
    assert body["text"]["text"].startswith("> ")  # quoted, and verbatim: nothing auto-linked


def test_the_post_builder_is_pure_and_keeps_long_bodies_within_slack_limits():
    record = {"mdr_id": "mdr2-" + "ab" * 16, "at": "2026-03-01T12:00:00.250000Z", "from_number": REMOTE,
              "to_number": SEATTLE, "to_alias": "Support <team>", "body": "&" * 3000 + "\nthe end", "is_mms": 1}
    media = [{"file_name": "a.png", "mime_type": "image/png", "size": 2048, "error": None},
             {"file_name": "b.jpg", "mime_type": "image/jpeg", "size": None,
              "error": "HTTP 403, the link may have expired"}]
    post = relay_post(record, media, route="number")
    assert post == relay_post(record, media, route="number")
    assert post["metadata"] == {"event_type": RELAY_EVENT, "event_payload": {
        "mdr_id": record["mdr_id"], "timestamp": record["at"], "to": SEATTLE, "route": "number"}}
    texts = [b["text"]["text"] for b in post["blocks"] if b["type"] == "section"]
    assert all(len(text) <= 3000 for text in texts) and len(post["blocks"]) <= 50
    assert "(Support &lt;team&gt;)" in texts[0] and "*MMS*" in texts[0]
    assert sum(text.count("&amp;") for text in texts) == 3000
    assert any("`b.jpg` could not be downloaded" in text and "403" in text for text in texts)
    assert any("`a.png` (image/png, 2 KB)" in text for text in texts)
    context = post["blocks"][-1]["elements"][0]["text"]
    assert "<!date^1772366400^" in context and "2026-03-01 12:00:00 UTC" in context and record["mdr_id"] in context


def test_a_failed_media_download_leaves_a_line_instead_of_losing_the_text(make_bot, tmp_path):
    from sandbox.flowroute import FlowrouteSandbox
    from tests.conftest import ACCESS_KEY, SECRET_KEY
    from tests.helpers.bot import BotHarness
    from tests.helpers.relay import fast_config

    with FlowrouteSandbox(ACCESS_KEY, SECRET_KEY, media_ttl=0) as sandbox:  # every media link already expired
        bot = BotHarness(tmp_path / "m.db", sandbox, make_bot().slack, env={"FLOWROUTE_BOT_INBOX_CHANNEL": "C0OPS"})
        try:
            relay = bot.relay
            relay.config = fast_config()
            relay.poll_now()
            sandbox.inject_message(REMOTE, SEATTLE, "see the picture", media_urls=["https://example.com/x.png"])
            relay.poll_now()
            assert relay.send_pending() == 1
            [post] = relay_posts(bot.slack, "C0OPS")
            assert "see the picture" in post_text(post)
            assert "could not be downloaded" in post_text(post) and "403" in post_text(post)
            assert not bot.slack.calls_to("files.completeUploadExternal")
        finally:
            bot.stop()

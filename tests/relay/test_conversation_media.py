"""A file shared in a conversation thread: an image goes out as MMS through the bot's own expiring link;
anything else is refused in the thread, with the reason."""

import time
from urllib.parse import urlsplit

import requests

from relay.conversations import ACCEPTED_REACTION
from tests.helpers.conversations import (
    REMOTE,
    SEATTLE,
    answer,
    reactions,
    relay_in,
    sends,
    wait_note,
    wait_reaction,
)

PUBLIC = "https://bot.example.test"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


def test_an_image_goes_out_as_mms_through_the_bots_public_link_which_serves_it_then_expires(convo_bot):
    bot = convo_bot(FLOWROUTE_BOT_PUBLIC_URL=PUBLIC + "/")
    post = relay_in(bot, "Send me the map please")
    reply = answer(bot, post, "Here it is", files=[{"name": "map.png", "content": PNG}])
    wait_reaction(bot, reply, ACCEPTED_REACTION)

    [sent] = sends(bot)
    assert (sent["from"], sent["to"], sent["body"], sent["is_mms"]) == (SEATTLE, REMOTE, "Here it is", True)
    [url] = sent["media_urls"]
    assert url.startswith(PUBLIC + "/media/") and url.endswith(".png") and bot.slack.token not in url
    assert "MMS with 1 image" in wait_note(bot, post, "MMS").text

    path = urlsplit(url).path  # the public URL is a proxy in front of the bot; here we call the bot directly
    served = requests.get(bot.url + path, timeout=5)
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["Content-Type"] == "image/png" and served.headers["Cache-Control"] == "no-store"
    assert requests.get(bot.url + "/media/" + "A" * 43 + ".png", timeout=5).status_code == 404  # a guess fails

    service = bot.conversations
    service.clock = lambda: time.time() + service.config.media_ttl_seconds + 1
    assert requests.get(bot.url + path, timeout=5).status_code == 404  # expired
    bot.relay.check_replies()
    with bot.store.db() as db:
        assert db["reply_media"].count == 0  # and its bytes are gone


def test_a_file_that_is_not_an_image_is_refused_in_the_thread(convo_bot):
    bot = convo_bot(FLOWROUTE_BOT_PUBLIC_URL=PUBLIC)
    post = relay_in(bot, "Can I have the invoice?")
    reply = answer(bot, post, "attached", files=[{"name": "invoice.pdf", "content": b"%PDF-1.4 not an image"}])
    note = wait_note(bot, post, "invoice.pdf")
    assert "*not* sent" in note.text and "JPEG, PNG or GIF" in note.text
    bot.stop()
    assert sends(bot, status=None) == [] and reactions(bot, reply) == []


def test_an_image_over_flowroutes_750_kb_limit_is_refused(convo_bot):
    bot = convo_bot(FLOWROUTE_BOT_PUBLIC_URL=PUBLIC)
    post = relay_in(bot, "Photo?")
    answer(bot, post, "", files=[{"name": "huge.jpg", "content": b"\xff\xd8\xff" + b"0" * 800_000}])
    assert "750 kB" in wait_note(bot, post, "huge.jpg").text
    bot.stop()
    assert sends(bot, status=None) == []


def test_without_a_public_url_an_image_is_not_sent_and_the_thread_says_why(convo_bot):
    bot = convo_bot()
    post = relay_in(bot, "Photo?")
    answer(bot, post, "here", files=[{"name": "map.png", "content": PNG}])
    assert "*not* sent" in wait_note(bot, post, "FLOWROUTE_BOT_PUBLIC_URL").text
    bot.stop()
    assert sends(bot, status=None) == []

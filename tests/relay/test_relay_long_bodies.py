"""Long bodies reach Slack whole: sections break between words or lines, each under Slack's 3,000 characters."""

import random
import string

import pytest

from handlers.common import escape
from tests.relay.conftest import REMOTE, SEATTLE, relay_posts

SECTION_LIMIT = 3000  # Slack: a section block's text is at most 3000 characters


def body_sections(bot, body: str) -> list[str]:
    """Relay one inbound SMS with `body`; the texts of its post's body sections, as Slack stored them."""
    bot.store.save_subscription(SEATTLE, "C0OPS", "U0ADMIN")
    bot.relay.poll_now()
    bot.sandbox.inject_message(REMOTE, SEATTLE, body)
    bot.relay.poll_now()
    assert bot.relay.send_pending() == 1
    [post] = relay_posts(bot.slack, "C0OPS")
    texts = [block["text"]["text"] for block in post.blocks
             if block["type"] == "section" and block["text"].get("verbatim")]
    assert all(len(text) <= SECTION_LIMIT for text in texts), [len(text) for text in texts]
    assert not any("not shown" in (element.get("text") or "") for block in post.blocks
                   for element in block.get("elements", []))
    return texts


def unquoted(text: str) -> str:
    lines = text.split("\n")
    assert all(line.startswith("> ") for line in lines)
    return "\n".join(line[2:] for line in lines)


def test_a_4000_character_body_of_400_words_keeps_every_word_whole_in_one_section(relay_bot):
    rng = random.Random(9)
    words = ["".join(rng.choices(string.ascii_letters + "&<>'", k=rng.randrange(3, 16))) for _ in range(400)]
    body = " ".join(words)[:4000].rsplit(" ", 1)[0]
    words = body.split(" ")
    assert len(body) > 3900 and len(words) > 350

    sections = [unquoted(text) for text in body_sections(relay_bot(), body)]
    assert len(sections) >= 2
    assert "".join(sections) == escape(body)
    for word in words:
        assert any(escape(word) in section.split(" ") for section in sections), word


def test_line_breaks_are_preferred_to_word_breaks(relay_bot):
    lines = [f"line {i} " + "word " * 18 + "end" for i in range(60)]  # ~100 characters each
    body = "\n".join(lines)
    sections = [unquoted(text) for text in body_sections(relay_bot(), body)]
    assert len(sections) >= 2
    assert "\n".join(sections) == escape(body)  # every break is a line end
    assert all(section.split("\n")[0].startswith("line ") for section in sections)


def test_one_5000_character_word_is_cut_only_because_it_must_be(relay_bot):
    body = "".join(random.Random(3).choices(string.ascii_lowercase, k=5000))
    sections = [unquoted(text) for text in body_sections(relay_bot(), body)]
    assert len(sections) == 2 and "".join(sections) == body
    assert len(sections[0]) == SECTION_LIMIT - 2  # as full as the "> " quote allows


@pytest.mark.parametrize("body", ["&<>" * 1500, "a&b <c> " * 700])
def test_a_body_full_of_characters_slack_escapes_is_sized_by_its_escaped_length(relay_bot, body):
    sections = [unquoted(text) for text in body_sections(relay_bot(), body)]
    assert "".join(sections) == escape(body)
    assert len(sections) >= len(escape(body)) // SECTION_LIMIT + 1
    assert all("&" not in section.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "") for section in sections)

"""The Block Kit renderer: what the console prints for each block, and how buttons are numbered."""

from sandbox.console.render import (
    AnsiStyle,
    Names,
    confirm_lines,
    mrkdwn,
    render_blocks,
    render_message,
    render_view,
    summary,
    thread_lines,
)
from sandbox.slack import Message

NAMES = Names(user={"U0ADMIN": "alice"}.get, channel={"C0OPS": "ops"}.get)


def button(text, action_id, value="", **extra):
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id,
            "value": value, **extra}


def mrkdwn_text(text):
    return {"type": "mrkdwn", "text": text}


def test_header_section_fields_context_and_divider():
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Number +1 206-555-0100"}},
        {"type": "section", "text": mrkdwn_text("Alias *Seattle support*")},
        {"type": "section", "fields": [mrkdwn_text("*Primary route*\noffice-pbx"), mrkdwn_text("*E911*\nSeattle HQ")]},
        {"type": "divider"},
        {"type": "context", "elements": [mrkdwn_text("Updated by <@U0ADMIN>"), {"type": "plain_text", "text": "UTC"}]},
    ]
    assert render_blocks(blocks, names=NAMES).lines == [
        "  # Number +1 206-555-0100",
        "  Alias Seattle support",
        "  Primary route: office-pbx",
        "  E911: Seattle HQ",
        "  " + "─" * 40,
        "  Updated by @alice · UTC",
    ]


def test_buttons_are_numbered_in_reading_order_from_first_number():
    confirm = {"title": {"type": "plain_text", "text": "Buy?"}, "text": mrkdwn_text("Costs $1.00"),
               "confirm": {"type": "plain_text", "text": "Buy"}, "deny": {"type": "plain_text", "text": "Cancel"}}
    blocks = [
        {"type": "section", "block_id": "b1", "text": mrkdwn_text("+1 206-555-0142"),
         "accessory": button("Buy", "numbers_buy", '{"n":"12065550142"}', confirm=confirm)},
        {"type": "actions", "block_id": "pager", "elements": [button("Previous", "page_nav_prev", "p"),
                                                              button("Next", "page_nav_next", "n", style="primary")]},
    ]
    out = render_blocks(blocks, first_number=7)
    assert out.lines == ["  +1 206-555-0142   [7] Buy", "  [8] Previous  [9] Next"]
    buy, previous, following = out.clickables
    assert (buy.number, buy.action_id, buy.block_id, buy.value) == (7, "numbers_buy", "b1", '{"n":"12065550142"}')
    assert buy.confirm == confirm
    assert (previous.number, previous.text, following.number, following.style) == (8, "Previous", 9, "primary")


def test_selects_and_overflow_are_numbered_with_their_options():
    menu = {"type": "overflow", "action_id": "more",
            "options": [{"text": {"type": "plain_text", "text": "Release"}, "value": "release"},
                        {"text": {"type": "plain_text", "text": "Alias"}, "value": "alias"}]}
    out = render_blocks([{"type": "actions", "elements": [menu]}])
    assert out.lines == ["  [1] More ▾"]
    assert out.clickables[0].kind == "overflow"
    assert out.clickables[0].options == (("Release", "release"), ("Alias", "alias"))


def test_image_block_shows_title_and_url_and_context_image_its_alt_text():
    blocks = [
        {"type": "image", "image_url": "https://example.com/cat.png", "alt_text": "a cat",
         "title": {"type": "plain_text", "text": "MMS from +1 206-555-9876"}},
        {"type": "image", "image_url": "https://example.com/dog.png", "alt_text": "a dog"},
        {"type": "context", "elements": [{"type": "image", "image_url": "https://x/y.png", "alt_text": "logo"},
                                         mrkdwn_text("Flowroute")]},
    ]
    assert render_blocks(blocks).lines == [
        "  🖼️  MMS from +1 206-555-9876 — https://example.com/cat.png",
        "  🖼️  a dog — https://example.com/dog.png",
        "  [logo] · Flowroute",
    ]


def test_mrkdwn_links_mentions_entities_emoji_and_code():
    text = ("<@U0ADMIN> in <#C0OPS|ops> and <#C0OPS>: <https://flowroute.com|Flowroute> <https://x.io> "
            "<tel:+12065550100|+1 206-555-0100> <!here> &lt;b&gt; &amp; :warning: `*not bold*` *bold* _it_ "
            "starts_with")
    assert mrkdwn(text, NAMES) == (
        "@alice in #ops and #ops: Flowroute (https://flowroute.com) https://x.io +1 206-555-0100 @here <b> & ⚠️ "
        "`*not bold*` bold it starts_with"
    )


def test_ansi_style_marks_bold_headers_and_buttons():
    out = render_blocks([{"type": "header", "text": {"type": "plain_text", "text": "Hi"}},
                         {"type": "section", "text": mrkdwn_text("*x*")},
                         {"type": "actions", "elements": [button("Delete", "d", style="danger")]}], style=AnsiStyle())
    assert out.lines[0] == "  \x1b[1;4mHi\x1b[0m"
    assert out.lines[1] == "  \x1b[1mx\x1b[22m"
    assert out.lines[2] == "  \x1b[1;31m[1] Delete\x1b[0m"


def test_confirm_dialog_as_a_question():
    dialog = {"title": {"type": "plain_text", "text": "Release this number?"},
              "text": mrkdwn_text("*+1 206-555-0100* stops working\nat once."),
              "confirm": {"type": "plain_text", "text": "Release"}, "deny": {"type": "plain_text", "text": "Keep"},
              "style": "danger"}
    assert confirm_lines(dialog) == [
        "┌ Release this number?", "│ +1 206-555-0100 stops working", "│ at once.", "└ y = Release, n = Keep",
    ]


def test_message_heading_text_fallback_files_and_attachments():
    message = Message(id="M1", channel="C0OPS", ts="1.000001", user="UBOT", text="New *SMS* for <@U0ADMIN>",
                      files=[{"title": "photo.png", "mimetype": "image/png", "size": 2048,
                              "url_private": "http://127.0.0.1:1/files/F1/photo.png"}],
                      attachments=[{"title": "Legacy", "fields": [{"title": "From", "value": "+1 206-555-9876"}]}])
    out = render_message(message, names=NAMES, author="flowroute-bot", where="#ops", note="only visible to you")
    assert out.lines == [
        "flowroute-bot  #ops  only visible to you",
        "  New SMS for @alice",
        "  ▌ Legacy",
        "  ▌ From: +1 206-555-9876",
        "  📎 photo.png (image/png, 2.0 KB) http://127.0.0.1:1/files/F1/photo.png",
    ]


def test_blocks_win_over_text_and_rich_text_is_read():
    message = Message(id="M2", channel="C0OPS", ts="1.2", user="U0ADMIN", text="fallback", blocks=[
        {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
            {"type": "text", "text": "hello "}, {"type": "user", "user_id": "U0ADMIN"}]}]}])
    assert render_message(message, names=NAMES, author="alice").lines == ["alice", "  hello @alice"]


def test_thread_replies_are_indented_under_their_parent():
    assert thread_lines(["flowroute-bot  #ops", "  Sent."], "New SMS from +1 206-555-9876") == [
        "  ↳ in thread “New SMS from +1 206-555-9876”",
        "    │ flowroute-bot  #ops",
        "    │   Sent.",
    ]
    long = Message(id="M3", channel="C0OPS", ts="1.3", user="UBOT", text="x" * 80)
    assert summary(long, width=10) == "xxxxxxxxx…"


def test_modal_title_and_inputs():
    view = {"title": {"type": "plain_text", "text": "Set routes"}, "blocks": [
        {"type": "section", "text": mrkdwn_text("For *+1 206-555-0100*")},
        {"type": "input", "block_id": "primary", "label": {"type": "plain_text", "text": "Primary route"},
         "element": {"type": "static_select", "action_id": "p", "options": [
             {"text": {"type": "plain_text", "text": "office-pbx"}, "value": "1"},
             {"text": {"type": "plain_text", "text": "sip-reg"}, "value": "0"}]}},
        {"type": "input", "block_id": "alias", "optional": True, "label": {"type": "plain_text", "text": "Alias"},
         "element": {"type": "plain_text_input", "action_id": "a", "initial_value": "pbx"}},
    ]}
    assert render_view(view).lines == [
        "╔ Set routes",
        "  For +1 206-555-0100",
        "  Primary route: one of office-pbx, sip-reg",
        "  Alias (optional): plain text input [pbx]",
    ]


def test_unknown_blocks_do_not_break_rendering():
    assert render_blocks([{"type": "video", "title": "x"}]).lines == ["  [video block]"]

"""The Slack emulator through slack_sdk's own clients, and the driver against a recording fake bot."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from sandbox.slack import SlackDriver, SlackDriverError

SECRET = "driver-signing-secret"


@pytest.fixture
def client(slack_emulator):
    return WebClient(token=slack_emulator.token, base_url=slack_emulator.api_url)


def api_error(call) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value


def section(text: str, block_id: str | None = None) -> dict:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    return {**block, "block_id": block_id} if block_id else block


def button(action_id: str, text: str, value: str = "v", **extra) -> dict:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text},
            "value": value, **extra}


def modal(title: str = "Route", blocks: list | None = None, **extra) -> dict:
    return {"type": "modal", "title": {"type": "plain_text", "text": title},
            "submit": {"type": "plain_text", "text": "Save"}, "blocks": blocks or [section("hi")], **extra}


# ---------------------------------------------------------------------------------------------------------
# Auth, identity, conversations


def test_auth_test_and_token_checks(slack_emulator, client):
    identity = client.auth_test()
    assert (identity["user_id"], identity["bot_id"], identity["team_id"]) == ("UBOT", "BBOT", "T0001")
    wrong = WebClient(token="xoxb-wrong", base_url=slack_emulator.api_url)
    assert api_error(wrong.auth_test).response["error"] == "invalid_auth"
    missing = requests.post(slack_emulator.api_url + "auth.test", timeout=5).json()
    assert missing == {"ok": False, "error": "not_authed"}
    by_param = requests.post(slack_emulator.api_url + "users.info",
                             data={"token": slack_emulator.token, "user": "U0BOB"}, timeout=5).json()
    assert by_param["user"]["name"] == "bob"
    assert api_error(lambda: client.api_call("chat.frobnicate")).response["error"] == "unknown_method"
    recorded = slack_emulator.calls_to("users.info")[0]
    assert recorded.args == {"user": "U0BOB"} and recorded.status == 200  # the token is never recorded


def test_users_info_and_conversations_info(client):
    assert client.users_info(user="U0ADMIN")["user"]["is_admin"] is True
    assert api_error(lambda: client.users_info(user="U0NOBODY")).response["error"] == "user_not_found"
    ops = client.conversations_info(channel="C0OPS")["channel"]
    assert (ops["name"], ops["is_private"], ops["is_archived"], ops["is_member"]) == ("ops", False, False, True)
    assert client.conversations_info(channel="C0RANDOM")["channel"]["is_member"] is False
    assert client.conversations_info(channel="C0OLD")["channel"]["is_archived"] is True
    for hidden in ("C0NOPE", "G0SECRET"):
        assert api_error(lambda c=hidden: client.conversations_info(channel=c)).response["error"] == (
            "channel_not_found")


# ---------------------------------------------------------------------------------------------------------
# chat.*


def test_post_message_is_stored_with_metadata_and_returned_like_slack(slack_emulator, client):
    metadata = {"event_type": "fr_inbound", "event_payload": {"mdr": "mdr2-1"}}
    sent = client.chat_postMessage(channel="C0OPS", text="hello", blocks=[section("*hello*")], metadata=metadata)
    assert sent["channel"] == "C0OPS" and sent["message"]["bot_id"] == "BBOT"
    stored = slack_emulator.last_message("C0OPS")
    assert (stored.ts, stored.user, stored.text, stored.source) == (sent["ts"], "UBOT", "hello", "api")
    assert stored.metadata == metadata and stored.blocks[0]["block_id"]  # Slack fills in block ids
    as_form = client.api_call("chat.postMessage", params={"channel": "ops", "text": "x",
                                                          "metadata": json.dumps(metadata)})
    assert slack_emulator.message_for(as_form["message"]).metadata == metadata
    assert float(as_form["ts"]) > float(sent["ts"])


@pytest.mark.parametrize("channel, error", [
    ("C0NOPE", "channel_not_found"), ("C0RANDOM", "not_in_channel"), ("G0SECRET", "channel_not_found"),
    ("C0OLD", "is_archived"),
])
def test_post_message_channel_errors(slack_emulator, client, channel, error):
    assert api_error(lambda: client.chat_postMessage(channel=channel, text="x")).response["error"] == error
    assert slack_emulator.messages() == []


def test_post_message_text_errors(client):
    no_text = api_error(lambda: client.api_call("chat.postMessage", json={"channel": "C0OPS"}))
    assert no_text.response["error"] == "no_text"
    too_long = api_error(lambda: client.chat_postMessage(channel="C0OPS", text="x" * 40001))
    assert too_long.response["error"] == "msg_too_long"
    unknown_thread = api_error(lambda: client.chat_postMessage(channel="C0OPS", text="x", thread_ts="1.000001"))
    assert unknown_thread.response["error"] == "thread_not_found"


@pytest.mark.parametrize("blocks, pointer", [
    ([section("x")] * 51, "/blocks"),
    ([section("x" * 3001)], "/blocks/0/text/text"),
    ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "/blocks/0/text/text"),
    ([{"type": "actions", "elements": [button(f"a{i}", "b") for i in range(26)]}], "/blocks/0/elements"),
    ([{"type": "actions", "elements": [button("a", "b" * 76)]}], "/blocks/0/elements/0/text/text"),
    ([{"text": {"type": "mrkdwn", "text": "no type"}}], "/blocks/0"),
    ([section("a", "same"), section("b", "same")], "/blocks/1/block_id"),
])
def test_invalid_blocks_are_refused_with_slack_style_messages(slack_emulator, client, blocks, pointer):
    error = api_error(lambda: client.chat_postMessage(channel="C0OPS", text="x", blocks=blocks))
    assert error.response["error"] == "invalid_blocks"
    messages = error.response["response_metadata"]["messages"]
    assert any(m.startswith("[ERROR] ") and m.endswith(f"[json-pointer:{pointer}]") for m in messages), messages
    assert slack_emulator.messages() == []


def test_threads_count_replies_and_replies_lists_them(slack_emulator, client):
    parent = client.chat_postMessage(channel="C0OPS", text="parent")
    for n in range(3):
        client.chat_postMessage(channel="C0OPS", text=f"reply {n}", thread_ts=parent["ts"])
    stored = slack_emulator.message_for(parent["message"])
    assert stored.reply_count == 3 and stored.thread_ts == parent["ts"]
    replies = client.conversations_replies(channel="C0OPS", ts=parent["ts"])["messages"]
    assert [m["text"] for m in replies] == ["parent", "reply 0", "reply 1", "reply 2"]
    assert [m["text"] for m in client.conversations_history(channel="C0OPS")["messages"]] == ["parent"]


def test_ephemeral_update_and_delete(slack_emulator, client):
    ephemeral = client.chat_postEphemeral(channel="C0OPS", user="U0BOB", text="only bob")
    only_bob = slack_emulator.last_message("C0OPS")
    assert (only_bob.ts, only_bob.ephemeral_to) == (ephemeral["message_ts"], "U0BOB")
    assert client.conversations_history(channel="C0OPS")["messages"] == []
    posted = client.chat_postMessage(channel="C0OPS", text="v1", blocks=[section("one")])
    updated = client.chat_update(channel="C0OPS", ts=posted["ts"], text="v2")
    after = slack_emulator.message_for(posted["message"])
    assert updated["text"] == "v2" and after.text == "v2" and after.blocks[0]["text"]["text"] == "one"
    assert after.edited_ts and len(slack_emulator.messages(include_ephemeral=False)) == 1
    missing = api_error(lambda: client.chat_update(channel="C0OPS", ts="1.000002", text="x"))
    assert missing.response["error"] == "message_not_found"
    from_bob = slack_emulator.post_as_user("mine", user="U0BOB", channel="C0OPS")
    not_ours = api_error(lambda: client.chat_update(channel="C0OPS", ts=from_bob.ts, text="x"))
    assert not_ours.response["error"] == "cant_update_message"
    client.chat_delete(channel="C0OPS", ts=posted["ts"])
    assert slack_emulator.message(after.id).deleted
    assert [m.text for m in slack_emulator.messages("C0OPS", include_ephemeral=False)] == ["mine"]


def test_subscribers_see_posts_updates_and_deletes(slack_emulator, client):
    seen = []
    slack_emulator.subscribe(lambda event, obj: seen.append((event, getattr(obj, "text", None))))
    posted = client.chat_postMessage(channel="C0OPS", text="a")
    client.chat_update(channel="C0OPS", ts=posted["ts"], text="b")
    client.chat_delete(channel="C0OPS", ts=posted["ts"])
    assert seen == [("posted", "a"), ("updated", "b"), ("deleted", "b")]


def test_wait_for_returns_the_value_or_fails_with_context(slack_emulator, client):
    threading.Timer(0.05, lambda: client.chat_postMessage(channel="C0OPS", text="late")).start()
    assert slack_emulator.wait_for(lambda: slack_emulator.last_message("C0OPS")).text == "late"
    with pytest.raises(AssertionError, match=r"still \[\].*chat.postMessage -> 200 ok"):
        slack_emulator.wait_for(lambda: slack_emulator.messages("C0ALERTS"), timeout=0.1)
    with pytest.raises(AssertionError, match="raised IndexError"):
        slack_emulator.wait_for(lambda: slack_emulator.response_posts()[0], timeout=0.1)


# ---------------------------------------------------------------------------------------------------------
# conversations.history


def test_history_pages_newest_first_and_shows_metadata_only_when_asked(slack_emulator, client):
    metadata = {"event_type": "fr_inbound", "event_payload": {"n": 1}}
    for n in range(5):
        client.chat_postMessage(channel="C0ALERTS", text=f"m{n}", metadata=metadata)
    pages, cursor = [], None
    while True:
        page = client.conversations_history(channel="C0ALERTS", limit=2, cursor=cursor)
        pages.append([m["text"] for m in page["messages"]])
        assert all("metadata" not in m for m in page["messages"])
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] is bool(cursor)
        if not cursor:
            break
    assert pages == [["m4", "m3"], ["m2", "m1"], ["m0"]]
    with_meta = client.conversations_history(channel="C0ALERTS", include_all_metadata=True, limit=1)
    assert with_meta["messages"][0]["metadata"] == metadata
    timestamps = [m.ts for m in slack_emulator.messages("C0ALERTS")]
    window = client.conversations_history(channel="C0ALERTS", oldest=timestamps[1], latest=timestamps[3])
    assert [m["text"] for m in window["messages"]] == ["m2"]
    inclusive = client.conversations_history(channel="C0ALERTS", oldest=timestamps[1], inclusive=True, limit=10)
    assert [m["text"] for m in inclusive["messages"]] == ["m4", "m3", "m2", "m1"]


def test_history_access_errors(client):
    assert api_error(lambda: client.conversations_history(channel="C0RANDOM")).response["error"] == (
        "not_in_channel")
    assert api_error(lambda: client.conversations_history(channel="G0SECRET")).response["error"] == (
        "channel_not_found")
    bad_cursor = api_error(lambda: client.conversations_history(channel="C0OPS", cursor="???"))
    assert bad_cursor.response["error"] == "invalid_cursor"


# ---------------------------------------------------------------------------------------------------------
# views.*


def test_views_open_checks_trigger_ids(slack_emulator, client):
    trigger = slack_emulator.new_trigger_id(user_id="U0ADMIN")
    view = client.views_open(trigger_id=trigger, view=modal(callback_id="route_set"))["view"]
    assert view["id"].startswith("V") and view["hash"] and view["root_view_id"] == view["id"]
    assert view["state"] == {"values": {}} and view["previous_view_id"] is None
    assert slack_emulator.views[view["id"]]["callback_id"] == "route_set"
    assert slack_emulator.top_view("U0ADMIN")["id"] == view["id"]
    reused = api_error(lambda: client.views_open(trigger_id=trigger, view=modal()))
    assert reused.response["error"] == "exchanged_trigger_id"
    stale = slack_emulator.new_trigger_id()
    slack_emulator.advance_clock(3.1)
    assert api_error(lambda: client.views_open(trigger_id=stale, view=modal())).response["error"] == (
        "expired_trigger_id")
    assert api_error(lambda: client.views_open(trigger_id="1.2.3", view=modal())).response["error"] == (
        "invalid_trigger_id")


@pytest.mark.parametrize("view, pointer", [
    (modal(title="t" * 25), "/view/title/text"),
    (modal(submit={"type": "plain_text", "text": "s" * 25}), "/view/submit/text"),
    (modal(blocks=[section("x")] * 101), "/view/blocks"),
    (modal(callback_id="c" * 256), "/view/callback_id"),
    (modal(private_metadata="p" * 3001), "/view/private_metadata"),
    (modal(blocks=[{"type": "input", "label": {"type": "plain_text", "text": "L"}}]), "/view/blocks/0"),
    (modal(blocks=[{"type": "input", "label": {"type": "plain_text", "text": "L"}, "element": {
        "type": "static_select", "action_id": "s",
        "options": [{"text": {"type": "plain_text", "text": str(i)}, "value": str(i)} for i in range(101)]}}]),
     "/view/blocks/0/element/options"),
    (modal(blocks=[section("a", "b1"), section("b", "b1")]), "/view/blocks/1/block_id"),
    ({**modal(), "type": "dialog"}, "/view/type"),
])
def test_invalid_views_answer_invalid_arguments(slack_emulator, client, view, pointer):
    error = api_error(lambda: client.views_open(trigger_id=slack_emulator.new_trigger_id(), view=view))
    assert error.response["error"] == "invalid_arguments"
    assert any(m.endswith(f"[json-pointer:{pointer}]") for m in error.response["response_metadata"]["messages"])
    assert slack_emulator.views == {}


def test_views_update_by_id_or_external_id_with_hash_checks(slack_emulator, client):
    view = client.views_open(trigger_id=slack_emulator.new_trigger_id(), view=modal(external_id="ext-1"))["view"]
    updated = client.views_update(view_id=view["id"], hash=view["hash"], view=modal(title="Second"))["view"]
    assert updated["id"] == view["id"] and updated["hash"] != view["hash"]
    assert slack_emulator.views[view["id"]]["title"]["text"] == "Second"
    stale = api_error(lambda: client.views_update(view_id=view["id"], hash=view["hash"], view=modal()))
    assert stale.response["error"] == "hash_conflict"
    client.views_update(external_id="ext-1", view=modal(title="Third", external_id="ext-1"))
    assert slack_emulator.views[view["id"]]["title"]["text"] == "Third"
    assert api_error(lambda: client.views_update(view_id="V0NOPE", view=modal())).response["error"] == "not_found"


def test_views_push_stacks_up_to_three(slack_emulator, client):
    root = client.views_open(trigger_id=slack_emulator.new_trigger_id(user_id="U0ADMIN"), view=modal())["view"]
    pushed = []
    for title in ("Two", "Three"):
        trigger = slack_emulator.new_trigger_id(user_id="U0ADMIN", view_id=root["id"])
        pushed.append(client.views_push(trigger_id=trigger, view=modal(title=title))["view"])
    assert pushed[1]["root_view_id"] == root["id"] and pushed[1]["previous_view_id"] == pushed[0]["id"]
    assert slack_emulator.view_stack(root["id"]) == [root["id"], pushed[0]["id"], pushed[1]["id"]]
    trigger = slack_emulator.new_trigger_id(user_id="U0ADMIN", view_id=root["id"])
    assert api_error(lambda: client.views_push(trigger_id=trigger, view=modal())).response["error"] == (
        "push_limit_reached")


# ---------------------------------------------------------------------------------------------------------
# Injected failures


def test_injected_429_reaches_the_sdk_with_retry_after(slack_emulator, client):
    slack_emulator.fail_next("chat.postMessage", retry_after=7)
    error = api_error(lambda: client.chat_postMessage(channel="C0OPS", text="x"))
    assert error.response.status_code == 429 and error.response["error"] == "ratelimited"
    assert error.response.headers["Retry-After"] == "7"
    assert client.chat_postMessage(channel="C0OPS", text="x")["ok"]
    assert [c.status for c in slack_emulator.calls_to("chat.postMessage")] == [429, 200]
    assert len(slack_emulator.messages()) == 1


def test_rate_limit_retry_handler_retries_through_a_429(slack_emulator):
    client = WebClient(token=slack_emulator.token, base_url=slack_emulator.api_url,
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    slack_emulator.fail_next("chat.postMessage", retry_after=0)
    assert client.chat_postMessage(channel="C0OPS", text="after retry")["ok"]
    assert [c.status for c in slack_emulator.calls_to("chat.postMessage")] == [429, 200]


def test_server_errors_and_wildcard_failures(slack_emulator, client):
    slack_emulator.fail_next("*", 2, status=503)
    first = api_error(client.auth_test)
    assert first.response.status_code == 503 and first.response["error"] == "internal_error"
    assert api_error(lambda: client.users_info(user="U0BOB")).response.status_code == 503
    slack_emulator.fail_next("users.info", status=200, error="account_inactive")
    assert api_error(lambda: client.users_info(user="U0BOB")).response["error"] == "account_inactive"
    assert client.auth_test()["ok"]


def test_a_lost_answer_after_the_post_was_stored_is_a_5xx_but_the_post_is_in_history(slack_emulator, client):
    slack_emulator.lose_answer_next("chat.postMessage", status=503)
    error = api_error(lambda: client.chat_postMessage(channel="C0OPS", text="stored anyway"))
    assert error.response.status_code == 503 and error.response["error"] == "internal_error"
    history = client.conversations_history(channel="C0OPS")["messages"]
    assert [m["text"] for m in history] == ["stored anyway"]
    assert client.chat_postMessage(channel="C0OPS", text="answered")["ok"]
    assert [c.status for c in slack_emulator.calls_to("chat.postMessage")] == [503, 200]


def test_a_dropped_connection_after_the_post_was_stored(slack_emulator):
    client = WebClient(token=slack_emulator.token, base_url=slack_emulator.api_url, retry_handlers=[])
    slack_emulator.lose_answer_next("chat.postMessage", status=None)
    with pytest.raises(OSError):  # http.client.RemoteDisconnected, a ConnectionResetError
        client.chat_postMessage(channel="C0OPS", text="no answer")
    assert [m.text for m in slack_emulator.messages("C0OPS")] == ["no answer"]
    assert [c.status for c in slack_emulator.calls_to("chat.postMessage")] == [0]


def test_a_lost_answer_waits_for_a_call_that_succeeds_and_can_be_cleared(slack_emulator, client):
    slack_emulator.lose_answer_next("chat.postMessage", count=2)
    assert api_error(lambda: client.chat_postMessage(channel="C0RANDOM", text="x")).response["error"] == (
        "not_in_channel")  # refused: nothing stored, the answer is not lost
    assert api_error(lambda: client.chat_postMessage(channel="C0OPS", text="y")).response.status_code == 500
    assert slack_emulator.clear_failures() == 1
    assert client.chat_postMessage(channel="C0OPS", text="z")["ok"]


def test_page_cap_bounds_every_page_whatever_limit_asks(slack_emulator, client):
    for n in range(7):
        client.chat_postMessage(channel="C0ALERTS", text=f"m{n}")
    slack_emulator.page_cap = 3
    pages, cursor = [], None
    while True:
        page = client.conversations_history(channel="C0ALERTS", limit=200, cursor=cursor)
        pages.append([m["text"] for m in page["messages"]])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == [["m6", "m5", "m4"], ["m3", "m2", "m1"], ["m0"]]
    parent = slack_emulator.messages("C0ALERTS")[0]
    for n in range(4):
        client.chat_postMessage(channel="C0ALERTS", text=f"r{n}", thread_ts=parent.ts)
    replies = client.conversations_replies(channel="C0ALERTS", ts=parent.ts, limit=200)
    assert len(replies["messages"]) == 3 and replies["response_metadata"]["next_cursor"]
    channels = client.users_conversations(types="public_channel", limit=200)
    assert len(channels["channels"]) == 3 and channels["response_metadata"]["next_cursor"]


# ---------------------------------------------------------------------------------------------------------
# Files


def test_files_upload_v2_posts_the_file_in_the_channel(slack_emulator, client):
    result = client.files_upload_v2(channel="C0OPS", content=b"\x89PNG fake image", filename="mms.png",
                                    title="MMS", initial_comment="media from +1 206-555-0100")
    file_id = result["file"]["id"]
    stored = slack_emulator.uploaded_files[file_id]
    assert stored.content == b"\x89PNG fake image" and stored.completed and stored.mimetype == "image/png"
    message = slack_emulator.last_message("C0OPS")
    assert message.text == "media from +1 206-555-0100"
    assert [(f["id"], f["name"], f["title"], f["size"]) for f in message.files] == [(file_id, "mms.png", "MMS", 15)]
    download = requests.get(message.files[0]["url_private"], timeout=5,
                            headers={"Authorization": f"Bearer {slack_emulator.token}"})
    assert download.content == b"\x89PNG fake image"


def test_upload_url_answers_like_slack_and_unknown_files_are_refused(slack_emulator, client):
    ticket = client.files_getUploadURLExternal(filename="a.txt", length=3)
    answer = requests.post(ticket["upload_url"], data=b"abc", timeout=5)
    assert (answer.status_code, answer.text) == (200, "OK - 3")
    never_sent = client.files_getUploadURLExternal(filename="b.txt", length=3)["file_id"]
    error = api_error(lambda: client.files_completeUploadExternal(files=[{"id": never_sent}], channel_id="C0OPS"))
    assert error.response["error"] == "file_not_found"
    assert slack_emulator.messages() == []


# ---------------------------------------------------------------------------------------------------------
# response_url


def test_response_url_ephemeral_in_channel_and_five_use_limit(slack_emulator):
    url = slack_emulator.new_response_url(channel_id="C0OPS", user_id="U0BOB")
    hook = WebhookClient(url)
    assert (hook.send(text="just bob").status_code, slack_emulator.last_message().ephemeral_to) == (200, "U0BOB")
    hook.send(text="everyone", response_type="in_channel")
    public = slack_emulator.last_message()
    assert (public.ephemeral_to, public.source, public.user) == (None, "response_url", "UBOT")
    for n in range(3):
        assert hook.send(text=f"use {n + 3}").body == "ok"
    sixth = hook.send(text="too many")
    assert (sixth.status_code, sixth.body) == (404, "used_url")
    assert [p["text"] for p in slack_emulator.response_posts(url)][-1] == "too many"
    assert len(slack_emulator.messages()) == 5
    expiring = WebhookClient(slack_emulator.new_response_url(channel_id="C0OPS", user_id="U0BOB"))
    slack_emulator.advance_clock(30 * 60 + 1)
    assert (expiring.send(text="late").status_code, expiring.send(text="late").body) == (404, "expired_url")


def test_response_url_replace_and_delete_original(slack_emulator, client):
    original = client.chat_postMessage(channel="C0OPS", text="page 1", blocks=[section("page 1")])
    source = slack_emulator.message_for(original["message"])
    url = slack_emulator.new_response_url(channel_id="C0OPS", user_id="U0ADMIN", source_message_id=source.id)
    hook = WebhookClient(url)
    assert hook.send(text="page 2", blocks=[section("page 2")], replace_original=True).status_code == 200
    replaced = slack_emulator.message(source.id)
    assert (replaced.ts, replaced.text, replaced.blocks[0]["text"]["text"]) == (source.ts, "page 2", "page 2")
    assert len(slack_emulator.messages()) == 1
    invalid = hook.send(text="x", blocks=[section("x" * 3001)])
    assert (invalid.status_code, invalid.body) == (400, "invalid_blocks")
    in_thread = hook.send_dict({"text": "noted", "response_type": "in_channel", "thread_ts": source.ts,
                                "metadata": {"event_type": "fr_note", "event_payload": {}}})
    reply = slack_emulator.last_message()
    assert in_thread.status_code == 200 and (reply.thread_ts, reply.metadata["event_type"]) == (source.ts, "fr_note")
    assert slack_emulator.message(source.id).reply_count == 1
    assert hook.send(delete_original=True).status_code == 200
    assert slack_emulator.message(source.id).deleted and slack_emulator.messages() == [reply]
    command_url = slack_emulator.new_response_url(channel_id="C0OPS", user_id="U0ADMIN")
    WebhookClient(command_url).send(text="Working…")
    WebhookClient(command_url).send(text="Done", replace_original=True)
    assert [m.text for m in slack_emulator.messages()] == ["noted", "Done"]  # "Working…" was replaced


# ---------------------------------------------------------------------------------------------------------
# SlackDriver against a fake bot that records what it receives


class FakeBot:
    """A loopback HTTP endpoint that records requests and answers from a queue (default: empty 200)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple[int, str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fake.requests.append({"headers": dict(self.headers), "body": body.decode()})
                status, content_type, text = fake.answers.pop(0) if fake.answers else (200, "text/plain", "")
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(text.encode())))
                self.end_headers()
                self.wfile.write(text.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def answer(self, body: dict | str, status: int = 200) -> None:
        if isinstance(body, dict):
            self.answers.append((status, "application/json", json.dumps(body)))
        else:
            self.answers.append((status, "text/plain", body))

    def last(self) -> dict:
        return self.requests[-1]

    def last_payload(self) -> dict:
        return json.loads(parse_qs(self.last()["body"])["payload"][0])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def fake_bot():
    bot = FakeBot()
    try:
        yield bot
    finally:
        bot.stop()


@pytest.fixture
def driver(slack_emulator, fake_bot):
    return SlackDriver(slack_emulator, fake_bot.url, SECRET)


def assert_signed(request: dict) -> None:
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert SignatureVerifier(SECRET).is_valid_request(request["body"], headers)
    assert not SignatureVerifier("another-secret").is_valid_request(request["body"], headers)


def test_command_sends_slacks_form_fields_signed(slack_emulator, driver, fake_bot):
    result = driver.command("numbers list --limit 5", user="U0BOB", channel="C0ALERTS")
    request = fake_bot.last()
    assert_signed(request)
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    fields = {k: v[0] for k, v in parse_qs(request["body"], keep_blank_values=True).items()}
    assert list(fields) == ["token", "team_id", "team_domain", "channel_id", "channel_name", "user_id",
                            "user_name", "command", "text", "api_app_id", "is_enterprise_install",
                            "response_url", "trigger_id"]
    assert (fields["command"], fields["text"], fields["user_name"], fields["channel_name"]) == (
        "/flowroute", "numbers list --limit 5", "bob", "alerts")
    assert fields["response_url"] == result.response_url and fields["trigger_id"] == result.trigger_id
    assert (result.status, result.body, result.message) == (200, "", None)
    views = WebClient(token=slack_emulator.token, base_url=slack_emulator.api_url)
    assert views.views_open(trigger_id=result.trigger_id, view=modal())["ok"]


def test_command_ack_bodies_show_up_like_slack_shows_them(slack_emulator, driver, fake_bot):
    fake_bot.answer("usage: /flowroute numbers show NUMBER")
    plain = driver.command("numbers show")
    assert (plain.message.text, plain.message.ephemeral_to, plain.message.source) == (
        "usage: /flowroute numbers show NUMBER", "U0ADMIN", "ack")
    fake_bot.answer({"response_type": "in_channel", "text": "bought", "blocks": [section("bought")]})
    public = driver.command("numbers buy 2065550100")
    assert public.json["text"] == "bought" and public.message.ephemeral_to is None
    WebhookClient(public.response_url).send(text="bought (confirmed)", replace_original=True)
    assert slack_emulator.message(public.message.id).text == "bought (confirmed)"


def test_click_sends_block_actions_bound_to_the_message(slack_emulator, driver, fake_bot):
    confirm = {"title": {"type": "plain_text", "text": "Buy?"}, "text": {"type": "mrkdwn", "text": "$1"},
               "confirm": {"type": "plain_text", "text": "Buy"}, "deny": {"type": "plain_text", "text": "No"}}
    blocks = [section("+1 206-555-0100", "offer"),
              {"type": "actions", "block_id": "nav", "elements": [
                  button("numbers_buy", "Buy", "12065550100", style="primary", confirm=confirm),
                  button("page_next", "Next", "offset=10")]}]
    client = WebClient(token=slack_emulator.token, base_url=slack_emulator.api_url)
    posted = client.chat_postMessage(channel="C0OPS", text="offers", blocks=blocks)
    message = slack_emulator.message_for(posted["message"])
    assert [(b["action_id"], b["confirm"] is not None) for b in driver.buttons(message)] == [
        ("numbers_buy", True), ("page_next", False)]
    driver.click(message, text="Next", user="U0BOB")
    assert_signed(fake_bot.last())
    payload = fake_bot.last_payload()
    assert payload["type"] == "block_actions" and payload["user"]["id"] == "U0BOB"
    assert payload["container"] == {"type": "message", "message_ts": message.ts, "channel_id": "C0OPS",
                                    "is_ephemeral": False}
    assert payload["channel"] == {"id": "C0OPS", "name": "ops"} and payload["message"]["ts"] == message.ts
    action = payload["actions"][0]
    assert (action["type"], action["action_id"], action["block_id"], action["value"]) == (
        "button", "page_next", "nav", "offset=10")
    assert action["text"]["text"] == "Next" and action["action_ts"] and payload["trigger_id"]
    with pytest.raises(SlackDriverError, match="page_next"):
        driver.click(message, action_id="missing")
    driver.resend_last()  # a double click sends the same payload again
    assert fake_bot.last_payload() == payload and len(fake_bot.requests) == 2
    assert_signed(fake_bot.last())
    WebhookClient(payload["response_url"]).send(text="page 2", replace_original=True)
    assert slack_emulator.message(message.id).text == "page 2"
    WebhookClient(payload["response_url"]).send(delete_original=True)
    with pytest.raises(SlackDriverError, match="deleted"):
        driver.click(message, action_id="page_next")


def test_click_on_an_ephemeral_response_post_and_select(slack_emulator, driver, fake_bot):
    url = slack_emulator.new_response_url(channel_id="C0OPS", user_id="U0ADMIN")
    select = {"type": "static_select", "action_id": "route_pick", "options": [
        {"text": {"type": "plain_text", "text": name}, "value": value}
        for name, value in (("sip", "1"), ("pstn", "2"))]}
    WebhookClient(url).send(text="routes", blocks=[
        {"type": "section", "block_id": "pick", "text": {"type": "mrkdwn", "text": "pick"}, "accessory": select},
        {"type": "actions", "elements": [button("more", "More")]}])
    post = slack_emulator.response_posts(url)[0]
    driver.click(post, action_id="more")
    payload = fake_bot.last_payload()
    assert payload["container"]["is_ephemeral"] is True and "message" not in payload
    driver.select(post, "route_pick", "2")
    action = fake_bot.last_payload()["actions"][0]
    assert (action["type"], action["block_id"], action["selected_option"]["value"]) == ("static_select", "pick", "2")
    with pytest.raises(SlackDriverError, match=r"\['1', '2'\]"):
        driver.select(post, "route_pick", "9")


def route_modal() -> dict:
    options = [{"text": {"type": "plain_text", "text": f"route {n}"}, "value": str(n)} for n in (1, 2, 3)]
    label = {"type": "plain_text", "text": "L"}
    return modal(callback_id="routes_set", private_metadata='{"number": "12065550100"}', blocks=[
        {"type": "input", "block_id": "alias", "label": label,
         "element": {"type": "plain_text_input", "action_id": "alias_in", "initial_value": "front desk"}},
        {"type": "input", "block_id": "primary", "label": label,
         "element": {"type": "static_select", "action_id": "primary_in", "options": options}},
        {"type": "input", "block_id": "flags", "optional": True, "label": label,
         "element": {"type": "checkboxes", "action_id": "flags_in", "options": options}},
        {"type": "input", "block_id": "count", "label": label,
         "element": {"type": "number_input", "action_id": "count_in", "is_decimal_allowed": False}},
        {"type": "actions", "block_id": "tools", "elements": [button("test_route", "Test")]},
    ])


def open_route_modal(slack_emulator) -> dict:
    client = WebClient(token=slack_emulator.token, base_url=slack_emulator.api_url)
    return client.views_open(trigger_id=slack_emulator.new_trigger_id(user_id="U0ADMIN"), view=route_modal())["view"]


def test_submit_view_builds_state_like_slack(slack_emulator, driver, fake_bot):
    view = open_route_modal(slack_emulator)
    driver.submit_view(view["id"], {"primary": "2", "flags_in": ["1", "3"], "count": 4})
    assert_signed(fake_bot.last())
    payload = fake_bot.last_payload()
    assert payload["type"] == "view_submission" and payload["response_urls"] == []
    sent = payload["view"]
    assert (sent["id"], sent["callback_id"], sent["hash"]) == (view["id"], "routes_set", view["hash"])
    assert sent["private_metadata"] == '{"number": "12065550100"}'
    values = sent["state"]["values"]
    assert values["alias"]["alias_in"] == {"type": "plain_text_input", "value": "front desk"}
    assert values["primary"]["primary_in"]["selected_option"]["value"] == "2"
    assert [o["value"] for o in values["flags"]["flags_in"]["selected_options"]] == ["1", "3"]
    assert values["count"]["count_in"] == {"type": "number_input", "value": "4"}
    assert "tools" not in values
    assert not slack_emulator.is_view_open(view["id"])  # an empty 200 closes the modal
    with pytest.raises(SlackDriverError, match="not open"):
        driver.submit_view(view["id"], {})


def test_submit_view_applies_response_actions(slack_emulator, driver, fake_bot):
    view = open_route_modal(slack_emulator)
    fake_bot.answer({"response_action": "errors", "errors": {"primary": "pick a route"}})
    driver.submit_view(view["id"], {"primary": "1"})
    assert slack_emulator.is_view_open(view["id"])
    assert slack_emulator.view_errors[view["id"]] == {"primary": "pick a route"}
    fake_bot.answer({"response_action": "update", "view": modal(title="Check")})
    driver.submit_view(view["id"], {"primary": "3"})
    assert slack_emulator.views[view["id"]]["title"]["text"] == "Check"
    fake_bot.answer({"response_action": "push", "view": modal(title="Sure?")})
    driver.submit_view(view["id"])
    top = slack_emulator.top_view()
    assert top["title"]["text"] == "Sure?" and top["previous_view_id"] == view["id"]
    fake_bot.answer({"response_action": "clear"})
    driver.submit_view(top["id"])
    assert slack_emulator.top_view() is None
    with pytest.raises(SlackDriverError, match="unknown_typo"):
        driver.submit_view(open_route_modal(slack_emulator)["id"], {"unknown_typo": "x"})


def test_block_action_in_view_and_close(slack_emulator, driver, fake_bot):
    view = open_route_modal(slack_emulator)
    driver.block_action_in_view(view["id"], "test_route")
    payload = fake_bot.last_payload()
    assert payload["container"] == {"type": "view", "view_id": view["id"]} and "response_url" not in payload
    assert payload["view"]["id"] == view["id"] and payload["actions"][0]["action_id"] == "test_route"
    client = WebClient(token=slack_emulator.token, base_url=slack_emulator.api_url)
    assert client.views_push(trigger_id=payload["trigger_id"], view=modal(title="Result"))["ok"]
    driver.block_action_in_view(view["id"], "primary_in", "2")
    chosen = fake_bot.last_payload()
    assert chosen["actions"][0]["selected_option"]["value"] == "2"
    assert chosen["view"]["state"]["values"]["primary"]["primary_in"]["selected_option"]["value"] == "2"
    requests_before = len(fake_bot.requests)
    assert driver.close_view(slack_emulator.top_view()["id"]) is None  # no notify_on_close: Slack stays quiet
    assert len(fake_bot.requests) == requests_before and slack_emulator.top_view()["id"] == view["id"]
    noisy = client.views_open(trigger_id=slack_emulator.new_trigger_id(), view=modal(notify_on_close=True))["view"]
    driver.close_view(noisy["id"])
    closed = fake_bot.last_payload()
    assert (closed["type"], closed["view"]["id"], closed["is_cleared"]) == ("view_closed", noisy["id"], False)
    driver.submit_view(view["id"], {"count": 1})  # the select chosen earlier stays in the state
    submitted = fake_bot.last_payload()["view"]["state"]["values"]
    assert submitted["primary"]["primary_in"]["selected_option"]["value"] == "2"


def test_user_messages_and_events_are_signed_json(slack_emulator, driver, fake_bot):
    parent = slack_emulator.post_as_user("thread start", user="U0ADMIN", channel="C0OPS")
    message = driver.post_user_message("reply please", thread_ts=parent.ts)
    request = fake_bot.last()
    assert_signed(request)
    envelope = json.loads(request["body"])
    assert envelope["type"] == "event_callback" and envelope["event_id"] and envelope["event_time"]
    event = envelope["event"]
    assert (event["type"], event["user"], event["text"], event["ts"], event["thread_ts"]) == (
        "message", "U0BOB", "reply please", message.ts, parent.ts)
    assert event["channel_type"] == "channel" and message.source == "user"
    assert slack_emulator.message(parent.id).reply_count == 1
    driver.send_event({"type": "app_mention", "text": "hi"}, retry_num=1, retry_reason="http_timeout",
                      event_id="Ev123")
    retried = fake_bot.last()
    assert (retried["headers"]["X-Slack-Retry-Num"], retried["headers"]["X-Slack-Retry-Reason"]) == (
        "1", "http_timeout")
    assert json.loads(retried["body"])["event_id"] == "Ev123"
    fake_bot.answer({"challenge": "abc"})
    assert driver.url_verification("abc").json() == {"challenge": "abc"}
    assert json.loads(fake_bot.last()["body"])["type"] == "url_verification"
    stale = driver.sign("body", timestamp=int(time.time()) - 301)
    assert not SignatureVerifier(SECRET).is_valid("body", stale["X-Slack-Request-Timestamp"],
                                                  stale["X-Slack-Signature"])


def test_click_sends_the_pressed_buttons_own_value_when_buttons_share_an_action_id(slack_emulator):
    """One Buy button per search result: same action_id, different values; Slack sends the pressed one's."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from urllib.parse import parse_qs

    from sandbox.slack import SlackDriver

    received = []

    class Recorder(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append(json.loads(parse_qs(body)["payload"][0]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        from slack_sdk import WebClient

        client = WebClient(token=slack_emulator.token, base_url=slack_emulator.api_url)
        blocks = [{"type": "section", "block_id": f"offer_{n}", "text": {"type": "mrkdwn", "text": n},
                   "accessory": {"type": "button", "action_id": "buy", "value": n,
                                 "text": {"type": "plain_text", "text": "Buy"}}} for n in ("one", "two")]
        posted = client.chat_postMessage(channel="C0OPS", text="offers", blocks=blocks)
        driver = SlackDriver(slack_emulator, f"http://127.0.0.1:{server.server_port}/slack/events", "secret")
        driver.click(slack_emulator.last_message("C0OPS"), action_id="buy", value="two")
        action = received[0]["actions"][0]
        assert (action["value"], action["block_id"]) == ("two", "offer_two")
        assert posted["ok"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

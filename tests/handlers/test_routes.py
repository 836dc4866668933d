"""`/flowroute routes ...` end to end: signed Slack requests to the bot, the sandbox and the emulator behind it."""

import json

from blocks.kit import actions, button
from handlers.routes.ids import (
    ROUTES_ALIAS_BLOCK,
    ROUTES_DELETE_ACTION,
    ROUTES_EDGE_BLOCK,
    ROUTES_FAILOVER_ACTION,
    ROUTES_FAILOVER_BLOCK,
    ROUTES_PRIMARY_ACTION,
    ROUTES_PRIMARY_BLOCK,
    ROUTES_SET_OPEN_ACTION,
    ROUTES_TYPE_BLOCK,
    ROUTES_VALUE_BLOCK,
)
from tests.helpers.bot import ADMIN, OPS, USER, shown, texts, wait_for_edit, writes

SEATTLE_SUPPORT = "12065550100"  # seeded: primary route 1 (office-pbx), failover 0 (sip-reg)
SEATTLE_SALES = "12065550101"  # seeded: primary route 0, no failover
ADMIN_ONLY = "only Flowroute admins"
PAGE_NEXT = "page_nav_next"
PAGE_PREV = "page_nav_prev"


# --- helpers ----------------------------------------------------------------------------------------

def opened_view_id(bot, trigger_id) -> str:
    """The id of the view opened with `trigger_id` (polls: the bot opens it after the ack)."""
    call = bot.slack.wait_for(
        lambda: next((c for c in bot.slack.calls_to("views.open")
                      if c.args.get("trigger_id") == trigger_id and c.response.get("ok")), None),
        timeout=10,
    )
    return call.response["view"]["id"]


def view_when(bot, view_id, predicate):
    return bot.slack.wait_for(lambda: (view := bot.slack.views.get(view_id)) and predicate(view) and view,
                              timeout=10)


def block(view, block_id) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def open_create_form(bot, *, user=ADMIN):
    """`routes create` with no arguments; returns (result, view id) once the edge strategies are in."""
    result = bot.command("routes create", user=user)
    assert result.status == 200
    view_id = opened_view_id(bot, result.trigger_id)
    view_when(bot, view_id, lambda v: any(b.get("block_id") == ROUTES_EDGE_BLOCK for b in v["blocks"]))
    return result, view_id


def open_set_form(bot, number):
    result = bot.command(f"routes set {number}")
    assert result.status == 200
    view_id = opened_view_id(bot, result.trigger_id)
    return result, view_id, view_when(bot, view_id, lambda v: v["callback_id"] == "routes_set")


def submit(bot, view_id, values, *, user=ADMIN):
    response = bot.driver.submit_view(view_id, values, user=user)
    assert response.status_code == 200
    return response.json() if response.text.strip() else None


# --- routes list ------------------------------------------------------------------------------------

def test_list_shows_routes_by_alias_type_and_value_with_next_and_previous(bot):
    result = bot.command("routes list --limit 2")
    assert result.status == 200
    first = shown(bot, result)
    text = texts(first.blocks)
    assert "*sip-reg* (registered SIP device)" in text
    assert "*office-pbx* (host `pbx.example.com:5060`)" in text
    assert "noc-uri" not in text
    assert [b["action_id"] for b in bot.driver.buttons(first)] == [PAGE_NEXT]

    bot.driver.click(first, action_id=PAGE_NEXT)
    second = wait_for_edit(bot, first)
    text = texts(second.blocks)
    assert "*noc-uri* (SIP URI `sip:noc@example.net`)" in text
    assert "*forward-to-cell* (phone number +1 206-555-0999)" in text
    assert "office-pbx" not in text
    assert [b["action_id"] for b in bot.driver.buttons(second)] == [PAGE_PREV]  # routes 0-3: nothing after

    bot.driver.click(second, action_id=PAGE_PREV)
    back = bot.slack.wait_for(lambda: "office-pbx" in texts(bot.slack.message(first.id).blocks), timeout=10)
    assert back
    assert [r.query.get("offset") for r in bot.sandbox.requests_to("GET", "/v2/routes")] == [["0"], ["2"], ["0"]]


def test_list_filters_by_type_and_escapes_flowroute_text(bot):
    bot.flowroute.create_route("host", "evil.example.com", "<!channel> & <https://x.test|pay>")
    result = bot.command("routes list --type host")
    text = texts(shown(bot, result).blocks)
    assert "&lt;!channel&gt; &amp; &lt;https://x.test|pay&gt;" in text
    assert "<!channel>" not in text
    assert "office-pbx" in text and "noc-uri" not in text and "sip-reg" not in text
    assert bot.sandbox.requests_to("GET", "/v2/routes")[-1].query["route_type"] == ["host"]


# --- routes create, directly -------------------------------------------------------------------------

def test_create_directly_posts_the_route_in_channel_and_audits(bot):
    result = bot.command('routes create host pbx2.example.com:5061 "Backup PBX"')
    post = bot.reply(result)
    assert post["response_type"] == "in_channel"
    assert "*Backup PBX* (host `pbx2.example.com:5061`)" in post["text"] and "`100`" in post["text"]
    assert bot.sandbox.route("100") == {"id": "100", "route_type": "host", "value": "pbx2.example.com:5061",
                                        "alias": "Backup PBX", "edge_strategy_id": None}
    [create] = bot.sandbox.requests_to("POST", "/v2/routes")
    assert create.json == {"data": {"type": "route", "attributes": {
        "route_type": "host", "value": "pbx2.example.com:5061", "alias": "Backup PBX"}}}
    [entry] = bot.store.get_audit()
    assert (entry["user_id"], entry["action"], entry["ok"]) == (ADMIN, "routes create", 1)


def test_create_directly_without_alias_derives_one_and_says_so(bot):
    result = bot.command("routes create number 206-555-0177")
    post = bot.reply(result)
    assert "*forward-12065550177* (phone number +1 206-555-0177)" in post["text"]
    assert "No alias was given" in post["text"]
    assert bot.sandbox.route("100")["alias"] == "forward-12065550177"


def test_create_directly_with_a_bad_value_sends_nothing(bot):
    result = bot.command("routes create uri not-a-sip-uri office")
    post = bot.reply(result)
    assert "Route not created" in post["text"] and "SIP URI" in post["text"]
    assert "needs a TYPE and a VALUE" in bot.reply(bot.command("routes create host"))["text"]
    assert writes(bot) == []


def test_create_directly_shows_flowroutes_duplicate_alias_refusal(bot):
    result = bot.command("routes create host other.example.com office-pbx")
    post = bot.reply(result)
    assert post["text"].startswith(":no_entry_sign: Flowroute refused `routes create` for route `office-pbx` "
                                   "(Flowroute 422")
    assert "already exists" in post["text"]
    assert bot.sandbox.route("100") is None


# --- routes create, in a modal -----------------------------------------------------------------------

def test_create_form_valid_input_creates_the_route_closes_the_form_and_posts_the_result(make_bot):
    bot = make_bot(FLOWROUTE_BOT_AUDIT_CHANNEL="C0AUDIT")
    result, view_id = open_create_form(bot)
    view = bot.slack.views[view_id]
    assert view["callback_id"] == "routes_create"
    assert [o["value"] for o in block(view, ROUTES_TYPE_BLOCK)["element"]["options"]] == ["host", "number", "uri"]
    edges = block(view, ROUTES_EDGE_BLOCK)
    assert edges.get("optional") is True
    assert [o["text"]["text"] for o in edges["element"]["options"]][:2] == ["US-West-OR", "US-East-VA"]

    answer = submit(bot, view_id, {ROUTES_TYPE_BLOCK: "uri", ROUTES_VALUE_BLOCK: "sip:ops@example.org",
                                   ROUTES_ALIAS_BLOCK: "ops-uri", ROUTES_EDGE_BLOCK: "2"})
    assert answer is None  # empty 200: Slack closes the modal
    assert not bot.slack.is_view_open(view_id)
    assert bot.sandbox.route("100") == {"id": "100", "route_type": "uri", "value": "sip:ops@example.org",
                                        "alias": "ops-uri", "edge_strategy_id": 2}
    post = bot.reply(result)
    assert post["response_type"] == "in_channel"
    assert "*ops-uri* (SIP URI `sip:ops@example.org`)" in post["text"]
    announced = bot.slack.wait_for(lambda: bot.slack.messages("C0AUDIT"), timeout=10)
    assert "routes create" in announced[0].text and "ops-uri" in announced[0].text


def test_create_form_invalid_input_answers_field_errors_and_sends_nothing(bot):
    _, view_id = open_create_form(bot)
    before = len(bot.sandbox.requests)
    answer = submit(bot, view_id, {ROUTES_TYPE_BLOCK: "host", ROUTES_VALUE_BLOCK: "not a host!",
                                   ROUTES_ALIAS_BLOCK: "x" * 256})
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {ROUTES_VALUE_BLOCK, ROUTES_ALIAS_BLOCK}
    assert "host name or IP" in answer["errors"][ROUTES_VALUE_BLOCK]
    assert bot.slack.is_view_open(view_id)

    answer = submit(bot, view_id, {ROUTES_TYPE_BLOCK: "number", ROUTES_VALUE_BLOCK: "555-01",
                                   ROUTES_ALIAS_BLOCK: "cell"})
    assert list(answer["errors"]) == [ROUTES_VALUE_BLOCK] and "phone number" in answer["errors"][ROUTES_VALUE_BLOCK]
    answer = submit(bot, view_id, {ROUTES_TYPE_BLOCK: None, ROUTES_VALUE_BLOCK: "pbx.example.com",
                                   ROUTES_ALIAS_BLOCK: "x"})
    assert list(answer["errors"]) == [ROUTES_TYPE_BLOCK]
    assert bot.sandbox.requests[before:] == []


def test_create_form_shows_flowroutes_duplicate_alias_on_the_alias_field(bot):
    result, view_id = open_create_form(bot)
    answer = submit(bot, view_id, {ROUTES_TYPE_BLOCK: "host", ROUTES_VALUE_BLOCK: "pbx9.example.com",
                                   ROUTES_ALIAS_BLOCK: "office-pbx"})
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [ROUTES_ALIAS_BLOCK]
    assert "Flowroute 422" in answer["errors"][ROUTES_ALIAS_BLOCK]
    assert "already exists" in answer["errors"][ROUTES_ALIAS_BLOCK]
    assert bot.slack.is_view_open(view_id)
    assert [r.status for r in bot.sandbox.requests_to("POST", "/v2/routes")] == [422]
    failed = bot.slack.wait_for(lambda: bot.store.get_audit(), timeout=10)
    assert failed[0]["ok"] == 0 and "already exists" in failed[0]["result"]
    assert bot.slack.response_posts(result.response_url) == []


def test_create_form_when_flowroute_is_slow_answers_in_time_and_posts_the_result_later(bot):
    result, view_id = open_create_form(bot)
    bot.sandbox.set_latency(2.6)
    try:
        response = bot.driver.submit_view(view_id, {ROUTES_TYPE_BLOCK: "host", ROUTES_VALUE_BLOCK: "slow.example.com",
                                                    ROUTES_ALIAS_BLOCK: "slow"})
        assert response.elapsed.total_seconds() < 3
        assert response.json()["response_action"] == "update"
        assert "still working" in texts(response.json()["view"]["blocks"])
        # The create carries on after the form was answered, and its result reaches the channel.
        post = bot.reply(result, timeout=15)
        assert post["response_type"] == "in_channel" and "*slow*" in post["text"]
        assert bot.sandbox.route("100")["alias"] == "slow"
        assert [r.status for r in bot.sandbox.requests_to("POST", "/v2/routes")] == [201]
    finally:
        bot.sandbox.set_latency(0)


# --- routes set --------------------------------------------------------------------------------------

def test_set_with_options_makes_both_patches_and_posts_in_channel(bot):
    result = bot.command(f"routes set {SEATTLE_SALES} --primary office-pbx --failover 2")
    post = bot.reply(result)
    assert post["response_type"] == "in_channel"
    assert "+1 206-555-0101" in post["text"] and "*office-pbx*" in post["text"] and "*noc-uri*" in post["text"]
    base = f"/v2/numbers/{SEATTLE_SALES}/relationships"
    [primary] = bot.sandbox.requests_to("PATCH", f"{base}/primary_route")
    [failover] = bot.sandbox.requests_to("PATCH", f"{base}/failover_route")
    assert primary.json == {"data": {"type": "route", "id": "1"}}
    assert failover.json == {"data": {"type": "route", "id": "2"}}
    number = bot.sandbox.account_number(SEATTLE_SALES)
    assert (number["primary_route"], number["failover_route"]) == ("1", "2")
    assert [e["action"] for e in bot.store.get_audit()] == ["routes set", "routes set"]


def test_set_failover_none_removes_it(bot):
    post = bot.reply(bot.command(f"routes set {SEATTLE_SUPPORT} --failover none"))
    assert "no failover" in post["text"]
    assert [r.method for r in writes(bot)] == ["DELETE"]
    assert bot.sandbox.account_number(SEATTLE_SUPPORT)["failover_route"] is None


def test_set_with_an_unknown_route_says_so_and_changes_nothing(bot):
    post = bot.reply(bot.command(f"routes set {SEATTLE_SALES} --primary no-such-route"))
    assert "There is no route `no-such-route`" in post["text"]
    assert writes(bot) == []


def test_set_form_opens_within_the_trigger_window_with_current_routes_preselected(bot):
    result, view_id, view = open_set_form(bot, SEATTLE_SUPPORT)
    [opened] = bot.slack.calls_to("views.open")
    assert opened.args["trigger_id"] == result.trigger_id
    loading = opened.args["view"] if isinstance(opened.args["view"], dict) else json.loads(opened.args["view"])
    assert "Loading" in texts(loading["blocks"])
    [updated] = bot.slack.calls_to("views.update")
    assert updated.args["view_id"] == view_id and updated.args["hash"]

    primary = block(view, ROUTES_PRIMARY_BLOCK)["element"]
    failover = block(view, ROUTES_FAILOVER_BLOCK)["element"]
    assert [o["value"] for o in primary["options"]] == ["0", "1", "2", "3"]
    assert [o["value"] for o in failover["options"]] == ["none", "0", "1", "2", "3"]
    assert primary["initial_option"] == {"text": {"type": "plain_text", "text": "office-pbx (host)"}, "value": "1"}
    assert failover["initial_option"]["value"] == "0"

    assert submit(bot, view_id, {ROUTES_PRIMARY_ACTION: "2", ROUTES_FAILOVER_ACTION: "3"}) is None
    assert not bot.slack.is_view_open(view_id)
    number = bot.slack.wait_for(
        lambda: (n := bot.sandbox.account_number(SEATTLE_SUPPORT))["failover_route"] == "3" and n, timeout=10
    )
    assert number["primary_route"] == "2"
    post = bot.reply(result)
    assert post["response_type"] == "in_channel"
    assert "primary *noc-uri* (SIP URI)" in post["text"] and "failover *forward-to-cell* (phone number)" in post["text"]


def test_set_form_preselects_no_failover_and_keeps_it_without_a_delete(bot):
    result, view_id, view = open_set_form(bot, SEATTLE_SALES)
    assert block(view, ROUTES_FAILOVER_BLOCK)["element"]["initial_option"]["value"] == "none"
    assert block(view, ROUTES_PRIMARY_BLOCK)["element"]["initial_option"]["value"] == "0"
    assert submit(bot, view_id, {ROUTES_PRIMARY_ACTION: "3"}) is None
    post = bot.reply(result)
    assert "primary *forward-to-cell*" in post["text"]
    assert [(r.method, r.path.rsplit("/", 1)[1]) for r in writes(bot)] == [("PATCH", "primary_route")]


def test_set_form_for_a_number_not_on_the_account_shows_flowroutes_answer(bot):
    result = bot.command("routes set 12065550111")
    view_id = opened_view_id(bot, result.trigger_id)
    view = view_when(bot, view_id, lambda v: "404" in texts(v["blocks"]))
    assert "Flowroute 404" in texts(view["blocks"]) and view.get("submit") is None


def numbers_style_button_message(bot, number):
    """A message carrying the *Set routes* button the way `numbers show` does."""
    blocks = [actions(button("Set routes", ROUTES_SET_OPEN_ACTION, {"number": number}))]
    posted = bot.deps.slack.chat_postMessage(channel=OPS, text="number details", blocks=blocks)
    return bot.slack.wait_for(lambda: next(m for m in bot.slack.messages(OPS) if m.ts == posted["ts"]))


def test_set_form_opens_from_the_numbers_button_and_answers_in_that_channel(bot):
    source = numbers_style_button_message(bot, SEATTLE_SUPPORT)
    bot.driver.click(source, action_id=ROUTES_SET_OPEN_ACTION)
    [opened] = bot.slack.wait_for(lambda: bot.slack.calls_to("views.open"), timeout=10)
    view_id = opened.response["view"]["id"]
    view = view_when(bot, view_id, lambda v: v["callback_id"] == "routes_set")
    assert block(view, ROUTES_PRIMARY_BLOCK)["element"]["initial_option"]["value"] == "1"
    metadata = json.loads(view["private_metadata"])
    assert metadata["number"] == SEATTLE_SUPPORT and metadata["channel"] == OPS and "/response/" in metadata["url"]

    assert submit(bot, view_id, {ROUTES_PRIMARY_ACTION: "3", ROUTES_FAILOVER_ACTION: "none"}) is None
    post = bot.slack.wait_for(lambda: bot.slack.response_posts(metadata["url"]), timeout=10)[0]
    assert post["response_type"] == "in_channel" and "no failover" in post["text"]
    number = bot.sandbox.account_number(SEATTLE_SUPPORT)
    assert (number["primary_route"], number["failover_route"]) == ("3", None)


def test_set_button_refuses_non_admins_without_opening_a_form(bot):
    source = numbers_style_button_message(bot, SEATTLE_SUPPORT)
    bot.driver.click(source, action_id=ROUTES_SET_OPEN_ACTION, user=USER)
    refusal = bot.slack.wait_for(lambda: bot.slack.response_posts(), timeout=10)[0]
    assert ADMIN_ONLY in refusal["text"]
    assert bot.slack.calls_to("views.open") == []
    assert [r for r in bot.sandbox.requests if "/relationships/" in r.path] == []


# --- routes delete -----------------------------------------------------------------------------------

def test_delete_asks_first_then_deletes_an_unused_route_and_replaces_the_confirmation(bot):
    result = bot.command("routes delete forward-to-cell")
    confirmation = shown(bot, result)
    assert confirmation.ephemeral_to == ADMIN
    [danger] = bot.driver.buttons(confirmation)
    assert danger["action_id"] == ROUTES_DELETE_ACTION and danger["style"] == "danger"
    assert danger["confirm"]["style"] == "danger" and json.loads(danger["value"])["n"]
    assert writes(bot) == []

    bot.driver.click(confirmation, action_id=ROUTES_DELETE_ACTION)
    done = wait_for_edit(bot, confirmation)
    assert "deleted route *forward-to-cell*" in done.text
    assert bot.driver.buttons(done) == []
    assert bot.sandbox.route("3") is None
    assert [(r.method, r.path, r.status) for r in writes(bot)] == [("DELETE", "/v2/routes/3", 204)]
    [entry] = bot.store.get_audit()
    assert (entry["action"], entry["ok"]) == ("routes delete", 1)


def test_delete_double_click_deletes_once(bot):
    confirmation = shown(bot, bot.command("routes delete 3"))
    bot.sandbox.set_latency(0.5)  # keeps the first delete in flight while the second click arrives
    try:
        bot.driver.click(confirmation, action_id=ROUTES_DELETE_ACTION)
        bot.driver.click(confirmation, action_id=ROUTES_DELETE_ACTION)
        already = bot.slack.wait_for(
            lambda: next((p for p in bot.slack.response_posts() if "already done" in p.get("text", "")), None),
            timeout=10,
        )
        assert already["response_type"] == "ephemeral"
        wait_for_edit(bot, confirmation)
    finally:
        bot.sandbox.set_latency(0)
    assert [(r.method, r.path) for r in writes(bot)] == [("DELETE", "/v2/routes/3")]
    assert len(bot.store.get_audit()) == 1


def test_delete_of_a_route_in_use_names_the_numbers_before_asking(bot):
    reply = bot.reply(bot.command("routes delete office-pbx"))
    assert reply["text"].startswith(":no_entry_sign: Route *office-pbx* (host `pbx.example.com:5060`) is still "
                                    "used by +1 206-555-0100, so Flowroute would refuse")
    assert "routes set NUMBER" in reply["text"] and "blocks" not in reply  # no Delete button to press
    assert writes(bot) == [] and bot.sandbox.route("1") is not None


def test_delete_of_a_route_used_by_several_numbers_counts_them(bot):
    bot.flowroute.set_failover_route("13125550123", "1")
    text = bot.reply(bot.command("routes delete 1"))["text"]
    assert "still used by 2 numbers (+1 206-555-0100, +1 312-555-0123)" in text
    assert [w.path for w in writes(bot)] == ["/v2/numbers/13125550123/relationships/failover_route"]


def test_delete_of_a_route_taken_into_use_after_the_question_shows_a_readable_line(bot):
    confirmation = shown(bot, bot.command("routes delete 3"))
    bot.flowroute.set_primary_route(SEATTLE_SALES, "3")  # someone points a number at it meanwhile
    bot.driver.click(confirmation, action_id=ROUTES_DELETE_ACTION)
    done = wait_for_edit(bot, confirmation)
    assert done.text.startswith(":no_entry_sign: Route *forward-to-cell* is still used by one or more numbers, "
                                "so Flowroute kept it.")
    assert "(Flowroute 403" in done.text
    assert "Traceback" not in done.text and bot.driver.buttons(done) == []
    assert bot.sandbox.route("3") is not None
    assert [r.status for r in writes(bot)] == [204, 403]


def test_delete_refuses_the_builtin_route_and_unknown_routes(bot):
    assert "cannot be deleted" in bot.reply(bot.command("routes delete 0"))["text"]
    assert "There is no route `nope`" in bot.reply(bot.command("routes delete nope"))["text"]
    assert writes(bot) == []


# --- admins only ---------------------------------------------------------------------------------------

def test_non_admin_commands_are_refused_before_flowroute(bot):
    for text in ("routes create host a.example.com a", "routes create", f"routes set {SEATTLE_SALES} --primary 1",
                 f"routes set {SEATTLE_SALES}", "routes delete 3"):
        result = bot.command(text, user=USER)
        assert result.status == 200 and ADMIN_ONLY in result.json["text"], text
    assert bot.slack.calls_to("views.open") == []
    assert bot.sandbox.requests == []


def test_non_admin_submissions_and_clicks_are_refused_with_nothing_sent(bot):
    _, create_id = open_create_form(bot)
    answer = submit(bot, create_id, {ROUTES_TYPE_BLOCK: "host", ROUTES_VALUE_BLOCK: "b.example.com",
                                     ROUTES_ALIAS_BLOCK: "b"}, user=USER)
    assert ADMIN_ONLY in answer["errors"][ROUTES_TYPE_BLOCK]

    _, set_id, _ = open_set_form(bot, SEATTLE_SALES)
    answer = submit(bot, set_id, {ROUTES_PRIMARY_ACTION: "1"}, user=USER)
    assert ADMIN_ONLY in answer["errors"][ROUTES_PRIMARY_BLOCK]

    confirmation = shown(bot, bot.command("routes delete 3"))
    bot.driver.click(confirmation, action_id=ROUTES_DELETE_ACTION, user=USER)
    refusal = bot.slack.wait_for(
        lambda: next((p for p in bot.slack.response_posts() if ADMIN_ONLY in p.get("text", "")), None), timeout=10
    )
    assert refusal["response_type"] == "ephemeral"
    assert writes(bot) == []
    assert bot.sandbox.route("3") is not None


# --- Slack limits for large accounts (pure builders, checked with the emulator's validators) -----------------

def many_routes(count):
    return [{"id": str(100 + i), "attributes": {"alias": f"route-{i}-" + "x" * 90, "route_type": "uri",
                                                 "value": f"sip:user{i}@" + "a" * 200 + ".example.com"}}
            for i in range(count)]


def test_a_large_account_still_gives_valid_selects_and_lists():
    from handlers.routes.assign import set_routes_view
    from handlers.routes.listing import routes_list_message
    from sandbox.slack import blocks_errors, view_errors

    view = set_routes_view(SEATTLE_SUPPORT, many_routes(150), "240", None, {"number": SEATTLE_SUPPORT})
    assert view_errors(view) == []
    primary = block(view, ROUTES_PRIMARY_BLOCK)["element"]
    assert [len(group["options"]) for group in primary["option_groups"]] == [100, 50]
    assert primary["initial_option"]["value"] == "240"
    assert block(view, ROUTES_FAILOVER_BLOCK)["element"]["initial_option"]["value"] == "none"

    listing = routes_list_message(many_routes(100), route_type=None, limit=100, offset=0, has_next=True)
    assert blocks_errors(listing["blocks"]) == []
    assert texts(listing["blocks"]).count("route-") == 100


# --- check before asking: routes set and routes create ---------------------------------------------------

def test_set_refuses_a_failover_equal_to_the_primary(bot):
    text = bot.reply(bot.command(f"routes set {SEATTLE_SALES} --primary office-pbx --failover 1"))["text"]
    assert text == (":no_entry_sign: The failover route must differ from the primary: both would be *office-pbx* "
                    "(host `pbx.example.com:5060`). Choose another failover, or `--failover none`.")
    # Only one given: compared with the number's current other route (support: primary 1, failover 0).
    assert "must differ" in bot.reply(bot.command(f"routes set {SEATTLE_SUPPORT} --failover office-pbx"))["text"]
    assert "must differ" in bot.reply(bot.command(f"routes set {SEATTLE_SUPPORT} --primary sip-reg"))["text"]
    assert writes(bot) == []


def test_set_form_refuses_a_failover_equal_to_the_primary(bot):
    _, view_id, _ = open_set_form(bot, SEATTLE_SALES)
    answer = submit(bot, view_id, {ROUTES_PRIMARY_ACTION: "2", ROUTES_FAILOVER_ACTION: "2"})
    assert answer["errors"] == {ROUTES_FAILOVER_BLOCK: "The failover must be a different route from the primary "
                                                       "(or No failover)."}
    assert writes(bot) == [] and bot.slack.is_view_open(view_id)


def test_create_with_unquoted_words_is_refused_with_the_usage_line(bot):
    result = bot.command("routes create host not a host!! x y")
    assert result.status == 200
    assert result.json["text"] == ('Unexpected `host!! x y`: put values with spaces in double quotes.\n'
                                   'Usage: `/flowroute routes create [TYPE VALUE ["ALIAS"]]`')
    assert bot.sandbox.requests == []


def test_create_takes_a_quoted_alias_and_the_form_names_a_route_without_one_like_the_command(bot):
    post = bot.reply(bot.command("routes create host pbx3.example.com \u201cFront desk\u201d"))
    assert "*Front desk* (host `pbx3.example.com`)" in post["text"]

    _, view_id = open_create_form(bot)
    assert block(bot.slack.views[view_id], ROUTES_ALIAS_BLOCK)["optional"] is True
    assert submit(bot, view_id, {ROUTES_TYPE_BLOCK: "host", ROUTES_VALUE_BLOCK: "pbx4.example.com:5060",
                                 ROUTES_ALIAS_BLOCK: ""}) is None
    post = bot.slack.wait_for(lambda: next((p for p in bot.slack.response_posts() if "pbx4" in p.get("text", "")),
                                           None), timeout=10)
    assert "*pbx4-example-com-5060* (host `pbx4.example.com:5060`)" in post["text"]
    aliases = [r.json["data"]["attributes"]["alias"] for r in bot.sandbox.requests_to("POST", "/v2/routes")]
    assert aliases == ["Front desk", "pbx4-example-com-5060"]

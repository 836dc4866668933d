"""`/flowroute sms|mms` (confirm, then send once) and `/flowroute messages list|show` (message detail records)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from itertools import islice

from slack_bolt import App

from blocks.body import body_sections
from blocks.kit import (
    actions,
    button,
    context,
    fields_section,
    header,
    message,
    new_nonce,
    nonce_of,
    pager_block,
    section,
    with_nonce,
)
from blocks.text import escape, money, number_text, plural, range_text, shorten, slack_time, utc_text
from core.commands import Command, CommandContext, bind, decode_value
from core.deps import Deps
from core.errors import UserError, refusal_text
from core.work import in_background
from flowroute_api import FlowrouteError, attributes, plain_quotes, sms_segments
from flowroute_api.optouts import is_opt_out_refusal
from relay.callbacks import dlr_callback
from relay.optouts import explain_flowroute_refusal, refusal

MESSAGES_SEND_ACTION = "messages_send"
MESSAGES_CANCEL_ACTION = "messages_cancel"
DEFAULT_LIMIT = 10
LIST_WINDOW = timedelta(hours=24)
PREVIEW_CHARS = 80
LINES_PER_SECTION = 5  # each MDR line stays well under 600 chars, so a section stays under 3000
MAX_BUTTON_VALUE = 2000

# --- registration ------------------------------------------------------------------------------------

def register(app: App, deps: Deps) -> dict[str, Command]:
    app.action(MESSAGES_SEND_ACTION)(bind(deps, messages_send_clicked))
    app.action(MESSAGES_CANCEL_ACTION)(bind(deps, messages_cancel_clicked))
    return {
        "sms": Command(run=sms_command),
        "mms": Command(run=mms_command),
        "messages list": Command(page=messages_list_page),
        "messages show": Command(run=messages_show_command),
    }


# --- sms / mms: confirmation --------------------------------------------------------------------------

def sms_command(ctx: CommandContext) -> None:
    text, converted = plain_quotes(ctx.args["TEXT"])
    draft = {"kind": "sms", "from": ctx.args["FROM"], "to": ctx.args["TO"], "text": text, "media": []}
    refuse_opted_out(ctx.deps, draft)
    ctx.respond(**confirmation_message(draft, new_nonce(), quotes_converted=converted))


def mms_command(ctx: CommandContext) -> None:
    text, converted = plain_quotes(ctx.args.get("TEXT") or "")
    draft = {"kind": "mms", "from": ctx.args["FROM"], "to": ctx.args["TO"], "text": text,
             "media": list(ctx.args["URL"])}
    refuse_opted_out(ctx.deps, draft)
    ctx.respond(**confirmation_message(draft, new_nonce(), quotes_converted=converted))


def refuse_opted_out(deps: Deps, draft: dict) -> None:
    """Nothing goes to a recipient who opted out of messages from that number (relay/optouts.py)."""
    problem = refusal(deps.store, draft["from"], draft["to"])
    if problem:
        raise UserError(f":no_entry: {draft['kind'].upper()} not sent: {problem}")


def confirmation_message(draft: dict, nonce: str, *, quotes_converted: bool = False) -> dict:
    """The ephemeral "send this?" message; the draft travels in the Send button's value."""
    value = json.dumps(with_nonce({"d": draft}, nonce), separators=(",", ":"))
    if len(value) > MAX_BUTTON_VALUE:
        raise UserError(
            f":warning: That {draft['kind'].upper()} is too long to confirm in Slack "
            f"({len(draft['text'])} characters of text). Shorten it and try again."
        )
    kind = draft["kind"].upper()
    route = f"{number_text(draft['from'])} → {number_text(draft['to'])}"
    blocks = [header(f"Send this {kind}?"), fields_section(_draft_fields(draft))]
    if draft["text"]:
        blocks.append(section(quote(draft["text"])))
    if draft["media"]:
        blocks.append(section("*Media*\n" + "\n".join(f"• {escape(url)}" for url in draft["media"])))
    note = "Only you can see this. Nothing is sent until you press *Send*."
    if quotes_converted:
        note += " Smart quotes will be sent as plain quotes (Flowroute rejects smart quotes)."
    blocks.append(context(note))
    # This preview is the confirmation: the Send button carries no second dialog (issue 12, fewer steps).
    blocks.append(actions(
        button("Send", MESSAGES_SEND_ACTION, value, style="primary"),
        button("Cancel", MESSAGES_CANCEL_ACTION, json.dumps(with_nonce({"k": draft["kind"]}, nonce))),
        block_id="messages_confirm",
    ))
    return message(f"Send this {kind} from {route}?", blocks)


def _draft_fields(draft: dict) -> list[tuple[str, str]]:
    fields = [("From", number_text(draft["from"])), ("To", number_text(draft["to"]))]
    if draft["kind"] == "sms":
        encoding, segments = sms_segments(draft["text"])
        fields += [("Encoding", encoding), ("Segments", f"{segments} (charged per segment)")]
    else:
        encoding = sms_segments(draft["text"])[0] if draft["text"] else "no text"
        fields += [("Text encoding", encoding), ("Media", plural(len(draft['media']), "URL"))]
    return fields


def quote(text: str) -> str:
    """User text as a mrkdwn block quote, escaped, so it can't ping or forge links."""
    return "\n".join("> " + escape(line) for line in text.split("\n"))[:3000]


# --- sms / mms: the click -----------------------------------------------------------------------------

def messages_send_clicked(deps: Deps, ack, body, respond) -> None:
    ack()
    in_background(deps, respond, messages_send_work, deps, body["user"]["id"], body["actions"][0].get("value"),
                  respond)


def messages_send_work(deps: Deps, user_id: str, value: str, respond) -> None:
    """Send once per confirmation: the claim makes a double click or a retried request a no-op."""
    deps.audit.require_admin(user_id, "send messages")
    state = decode_value(value)
    draft = state.get("d")
    nonce = nonce_of(state)
    if not nonce or not isinstance(draft, dict) or draft.get("kind") not in ("sms", "mms"):
        raise UserError("That button is out of date; run the command again.")
    route = f"{number_text(draft['from'])} → {number_text(draft['to'])}"
    receipts_url = dlr_callback(deps.store, deps.settings)
    refuse_opted_out(deps, draft)  # they may have opted out since the confirmation was shown
    try:
        result = deps.audit.act_once(user_id, f"{draft['kind']}:{nonce}",
                                     already="That message was already sent (or cancelled).", action=draft["kind"],
                                     target=route, call=lambda: _send(deps.flowroute, draft, receipts_url))
    except FlowrouteError as error:
        if is_opt_out_refusal(error):
            reason = explain_flowroute_refusal(deps.store, draft["from"], draft["to"])
            respond(replace_original=True, text=f":warning: {draft['kind'].upper()} {route} was not sent: {reason}")
            return
        if error.status is None or not 400 <= error.status < 500:
            respond(replace_original=True, text=f":warning: {draft['kind'].upper()} {route} was not sent: "
                    f"{escape(error)}")
            return
        refusal = refusal_text(draft["kind"], error, number_text(draft["from"]))
        respond(replace_original=True, text=f"{refusal}\nThe {draft['kind'].upper()} {route} was not sent.")
        return
    mdr_id = ((result or {}).get("data") or {}).get("id") or "unknown"
    # Posted once: the private preview becomes the result. The text stays private (the audit channel, when
    # set, records the send without it).
    confirmation = sent_message(draft, mdr_id, user_id, route, for_channel=False)
    respond(**confirmation, replace_original=True)
    if mdr_id != "unknown" and getattr(respond, "response_url", None):
        # A delivery receipt edits this confirmation in place (relay/callbacks.py).
        deps.store.save_confirmation(mdr_id, respond.response_url, confirmation, time.time())
        deps.relay.apply_receipts(mdr_id)


def _send(client, draft: dict, receipts_url: str | None) -> dict:
    """`receipts_url`: the dlr_callback while Flowroute callbacks are on."""
    if draft["kind"] == "mms":
        return client.send_message(draft["from"], draft["to"], draft["text"] or None, media_urls=draft["media"],
                                   is_mms=True, dlr_callback=receipts_url)
    return client.send_message(draft["from"], draft["to"], draft["text"], dlr_callback=receipts_url)


def sent_message(draft: dict, mdr_id: str, user_id: str, route: str, *, for_channel: bool) -> dict:
    kind = draft["kind"].upper()
    who = f"<@{user_id}> sent" if for_channel else "Sent"
    text = f":white_check_mark: {who} an {kind} {route} (`{escape(mdr_id)}`)"
    blocks = [section(text)]
    if draft["text"]:
        blocks.append(section(quote(shorten(draft["text"], 300))))
    if draft["media"]:
        blocks.append(context(f"{plural(len(draft['media']), 'media URL')} attached."))
    blocks.append(context(f"Look it up with `/flowroute messages show {escape(mdr_id)}`."))
    return message(f"{who} an {kind} {route} ({mdr_id})", blocks)


def messages_cancel_clicked(deps: Deps, ack, body, respond) -> None:
    ack()
    in_background(deps, respond, messages_cancel_work, deps, body["user"]["id"], body["actions"][0].get("value"),
                  respond)


def messages_cancel_work(deps: Deps, user_id: str, value: str, respond) -> None:
    state = decode_value(value)
    claimed = deps.store.claim(f"{state.get('k')}:{state.get('n')}", user_id)
    text = "Cancelled; nothing was sent." if claimed else "That message was already sent (or cancelled)."
    respond(text=text, replace_original=claimed, response_type="ephemeral")


# --- messages list / show -------------------------------------------------------------------------------

def messages_list_page(deps: Deps, opts: dict) -> dict:
    """A page of MDRs; the default window (last 24 h) is fixed on the first page so Next stays in it."""
    limit, offset = int(opts.get("limit") or DEFAULT_LIMIT), int(opts.get("offset") or 0)
    end = _as_datetime(opts.get("end"))
    start = _as_datetime(opts.get("start")) or (end or datetime.now(UTC).replace(microsecond=0)) - LIST_WINDOW
    if end is not None and end <= start:
        raise UserError(f":no_entry_sign: The range is reversed: --end ({_when(end)}) is not after "
                        f"--start ({_when(start)}). Swap the two dates.")
    matching, complete = _window_records(deps, start, end, opts)
    records = matching[offset:offset + limit]
    window = f"{slack_time(start)} to {slack_time(end) if end else 'now'}" + _filters_text(opts)
    if not records:
        return message(f"No messages from {window}." if offset == 0 else "No more messages.")
    lines = [mdr_line(record) for record in records]
    blocks = [header("Messages")]
    for first in range(0, len(lines), LINES_PER_SECTION):
        blocks.append(section("\n".join(lines[first:first + LINES_PER_SECTION])))
    partial = "" if complete else f" (the newest of the first {MAX_WINDOW_RECORDS} records; narrow the range)"
    blocks.append(context(f"{range_text('Record', offset, len(records))} of {len(matching)}, newest first, from "
                          f"{window}{partial}. Details: `/flowroute messages show MDR_ID`."))
    state = {"start": start.isoformat(), "end": end.isoformat() if end else None, "limit": limit, "offset": offset,
             **{name: opts.get(name) for name in LIST_FILTERS}}
    pager = pager_block("messages list", state, has_next=offset + limit < len(matching), shown=len(records))
    if pager:
        blocks.append(pager)
    return message(f"Messages: {len(records)} records from {window}", blocks)


# Flowroute's MDR list (Messages v2.1 "look up a set of messages") filters by time only: the number, direction
# and status filters are applied here, to the window's records read page by page, then sorted newest first.
LIST_FILTERS = ("number", "direction", "status")
MAX_WINDOW_RECORDS = 2000


def _window_records(deps: Deps, start: datetime, end: datetime | None, opts: dict) -> tuple[list[dict], bool]:
    """The window's records that match the filters, newest first, and whether the whole window was read."""
    read = list(islice(deps.flowroute.iter_messages(start, end), MAX_WINDOW_RECORDS + 1))
    complete = len(read) <= MAX_WINDOW_RECORDS
    matching = [record for record in read[:MAX_WINDOW_RECORDS] if _matches(attributes(record), opts)]
    matching.sort(key=lambda record: str(attributes(record).get("timestamp") or ""), reverse=True)
    return matching, complete


def _matches(item: dict, opts: dict) -> bool:
    number, direction, status = (opts.get(name) for name in LIST_FILTERS)
    if number and number not in (str(item.get("from") or ""), str(item.get("to") or "")):
        return False
    if direction and str(item.get("direction") or "").lower() != direction:
        return False
    return not status or str(item.get("status") or "").lower() == status.lower()


def _filters_text(opts: dict) -> str:
    parts = []
    if opts.get("number"):
        parts.append(f"with {number_text(opts['number'])}")
    if opts.get("direction"):
        parts.append(str(opts["direction"]))
    if opts.get("status"):
        parts.append(f"status {escape(opts['status'])}")
    return f" ({', '.join(parts)})" if parts else ""


def mdr_line(record: dict) -> str:
    """One MDR as one line: direction, time, from → to, status, cost, id, escaped body preview."""
    item = attributes(record)
    kind = " · MMS" if item.get("is_mms") else ""
    head = (f"{direction_mark(item.get('direction'))} {slack_time(item.get('timestamp'))} "
            f"{number_text(item.get('from'))} → {number_text(item.get('to'))} · "
            f"{escape(item.get('status') or 'no status')} · {cost_text(item)}{kind} · `{escape(record.get('id'))}`")
    preview = shorten(item.get("body") or "", PREVIEW_CHARS)
    return head + (f"\n> {escape(preview)}" if preview else "")


def direction_mark(direction: str | None) -> str:
    return {"inbound": ":inbox_tray: in", "outbound": ":outbox_tray: out"}.get(direction or "", ":grey_question:")


def cost_text(item: dict) -> str:
    """Flowroute's `amount_display` (a string like "$0.0040"), else dollars from `amount_nanodollars`."""
    try:
        return money(int(item.get("amount_nanodollars")) / 1e9)
    except (TypeError, ValueError):
        pass
    shown = money(str(item.get("amount_display") or "").lstrip("$"))
    return shown if shown != "n/a" else escape(item.get("amount_display") or "cost n/a")


def messages_show_command(ctx: CommandContext) -> None:
    ctx.respond(**mdr_detail_message(ctx.deps.flowroute.get_message(ctx.args["MDR_ID"]) or {}))


def mdr_detail_message(response: dict) -> dict:
    record = response.get("data") or {}
    item = attributes(record)
    mdr_id = escape(record.get("id") or "?")
    encoding = {0: "GSM-7/ASCII", 8: "UCS-2"}.get(item.get("message_encoding"), escape(item.get("message_encoding")))
    blocks = [
        header(f"Message {record.get('id') or ''}"),
        fields_section([
            ("Direction", direction_mark(item.get("direction"))),
            ("Status", escape(item.get("status") or "no status")),
            ("From", number_text(item.get("from"))),
            ("To", number_text(item.get("to"))),
            ("Time", slack_time(item.get("timestamp"))),
            ("Cost", cost_text(item)),
            ("Type", f"{'MMS' if item.get('is_mms') else 'SMS'}, {escape(item.get('message_type') or '?')}"),
            ("Encoding", encoding),
        ]),
        *(body_sections(item["body"]) if item.get("body") else [section("_No text._")]),
    ]
    receipts = item.get("delivery_receipts") or []
    if receipts:
        blocks.append(section("*Delivery receipts*\n" + "\n".join(receipt_line(r) for r in receipts[:20])))
    media = media_lines(response)
    if media:
        blocks.append(section("*Media*\n" + "\n".join(media[:20])))
    blocks.append(context(f"Record `{mdr_id}`"))
    return message(f"Message {record.get('id')}: {item.get('direction')} {item.get('status')}", blocks)


def receipt_line(receipt: dict) -> str:
    code = receipt.get("status_code")
    description = receipt.get("status_code_description")
    detail = f" ({escape(code)}: {escape(description)})" if code is not None or description else ""
    return (f"• level {escape(receipt.get('level'))} {slack_time(receipt.get('timestamp'))} "
            f"*{escape(receipt.get('status') or '?')}*{detail}")


def media_lines(response: dict) -> list[str]:
    """Media from `relationships` joined to `included`, plus any `media_urls` the record carries."""
    included = {item.get("id"): item for item in response.get("included") or [] if isinstance(item, dict)}
    related = (((response.get("data") or {}).get("relationships") or {}).get("media") or {}).get("data") or []
    lines = []
    for ref in related:
        media = attributes(included.get(ref.get("id")) or {})
        name = media.get("file_name") or ref.get("id")
        size = f", {media['file_size']} bytes" if media.get("file_size") else ""
        link = f" {escape(media['url'])}" if media.get("url") else ""
        lines.append(f"• {escape(name)} ({escape(media.get('mime_type') or 'unknown type')}{size}){link}")
    lines += [f"• {escape(url)}" for url in attributes(response.get("data") or {}).get("media_urls") or []]
    return lines


# --- small helpers -----------------------------------------------------------------------------------------

def _as_datetime(value) -> datetime | None:
    """Dates arrive as datetimes from the parser and as ISO strings after a pager round trip."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise UserError("That button is out of date; run the command again.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _when(value) -> str:
    """`2026-01-02 03:04` (UTC) from a datetime or Flowroute's ISO timestamp; raw text when unreadable."""
    if not value:
        return "?"
    try:
        moment = _as_datetime(value)
    except UserError:
        return escape(value)
    return utc_text(moment)

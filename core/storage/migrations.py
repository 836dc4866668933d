"""The schema as numbered migrations (sqlite-utils `Migrations`): applied in order, each once."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("flowroute_bot")


@migrations()
def m001_audit(db: Database) -> None:
    db["audit"].create(
        {"id": int, "at": str, "user_id": str, "action": str, "target": str, "ok": int, "result": str},
        pk="id",
        not_null={"at", "user_id", "action"},
    )
    db["audit"].create_index(["at"])


@migrations()
def m002_claims(db: Database) -> None:
    # One row per confirmed action (a Buy click, an SMS send...): the primary key makes it happen once.
    db["claims"].create({"key": str, "at": str, "user_id": str}, pk="key")


@migrations()
def m003_subscriptions(db: Database) -> None:
    db["subscriptions"].create(
        {"number": str, "channel_id": str, "created_by": str, "created_at": str},
        pk=("number", "channel_id"),
    )


@migrations()
def m004_state(db: Database) -> None:
    db["state"].create({"key": str, "value": str, "updated_at": str}, pk="key")


@migrations()
def m005_relay(db: Database) -> None:
    # Inbound records the relay has taken in (its seen ids); channels = 0 means there was nowhere to post.
    db["inbound"].create(
        {"mdr_id": str, "at": str, "from_number": str, "to_number": str, "to_alias": str, "body": str,
         "is_mms": int, "channels": int, "seen_at": str},
        pk="mdr_id",
        not_null={"at"},
    )
    db["inbound"].create_index(["channels"])
    # One row per (record, channel): pending until Slack answered ok, or failed with a permanent error.
    # in_flight = a Slack call that may have taken effect got no clear answer (check Slack before resending).
    db["outbox"].create(
        {"mdr_id": str, "channel_id": str, "at": str, "route": str, "status": str, "attempts": int,
         "in_flight": int, "attempted_at": float, "next_attempt_at": float, "last_error": str, "slack_ts": str,
         "file_ids": str, "created_at": str, "delivered_at": str},
        pk=("mdr_id", "channel_id"),
        not_null={"at", "status"},
        defaults={"status": "pending", "attempts": 0, "in_flight": 0, "next_attempt_at": 0},
    )
    db["outbox"].create_index(["status", "channel_id", "at", "mdr_id"])
    # MMS media fetched at ingest (Flowroute's links expire); content is dropped once nothing waits for it.
    db["media"].create(
        {"mdr_id": str, "position": int, "file_name": str, "mime_type": str, "size": int, "content": bytes,
         "error": str},
        pk=("mdr_id", "position"),
    )
    db["relay_channels"].create({"channel_id": str, "last_error": str, "last_error_at": str}, pk="channel_id")


@migrations()
def m006_conversations(db: Database) -> None:
    # One Slack thread per conversation (channel, one of our numbers, one remote number) and quiet period.
    db["threads"].create(
        {"channel_id": str, "thread_ts": str, "our_number": str, "remote_number": str, "started_at": str,
         "last_at": str},
        pk=("channel_id", "thread_ts"),
        not_null={"our_number", "remote_number", "last_at"},
    )
    db["threads"].create_index(["channel_id", "our_number", "remote_number", "last_at"])
    # The thread an outbox row was last attempted in (NULL: a new thread), where to look after no answer.
    db["outbox"].add_column("thread_ts", str)
    # Thread replies typed in Slack, one row per message (channel, ts), inserted before anything is sent.
    db["replies"].create(
        {"channel_id": str, "ts": str, "thread_ts": str, "user_id": str, "from_number": str, "to_number": str,
         "body": str, "kind": str, "status": str, "mdr_id": str, "error": str, "created_at": str,
         "updated_at": float, "accepted_reacted": int, "delivered_at": str, "checks": int, "checked_at": float},
        pk=("channel_id", "ts"),
        not_null={"status"},
        defaults={"accepted_reacted": 0, "checks": 0, "checked_at": 0},
    )
    db["replies"].create_index(["status", "checked_at"])
    # Images of MMS replies, served to Flowroute at /media/<token> until expires_at; only the token's hash is kept.
    db["reply_media"].create(
        {"token_hash": str, "channel_id": str, "ts": str, "mime_type": str, "content": bytes, "expires_at": float},
        pk="token_hash",
    )


@migrations()
def m007_callbacks(db: Database) -> None:
    # Who brought an inbound record first (the poll or a Flowroute callback), and when a callback brought it
    # (also after the poll did): the poll's finds that no callback brought are "callbacks missed".
    db["inbound"].add_column("brought_by", str, not_null_default="poll")
    db["inbound"].add_column("callback_at", str)
    db["inbound"].create_index(["seen_at"])
    # Delivery receipts (DLR callbacks) for the bot's own sends, one row per record and level; `applied`
    # once what the bot said about the send (reaction, confirmation) shows it.
    db["receipts"].create(
        {"mdr_id": str, "level": int, "status": str, "status_code": str, "description": str, "at": str,
         "received_at": str, "applied": int},
        pk=("mdr_id", "level"),
        defaults={"applied": 0},
    )
    # The `sms`/`mms` command confirmations a receipt edits in place (Slack's response_url lives 30 minutes).
    db["sent_confirmations"].create(
        {"mdr_id": str, "response_url": str, "message": str, "created_at": float},
        pk="mdr_id",
    )
    # Callbacks per day (UTC): accepted inbound messages and receipts, refused bodies, the last one's time.
    db["callback_days"].create(
        {"day": str, "inbound": int, "receipts": int, "rejected": int, "last_at": str},
        pk="day",
        defaults={"inbound": 0, "receipts": 0, "rejected": 0},
    )


@migrations()
def m008_home_digest(db: Database) -> None:
    # One row per daily digest (the local date it is posted for): the primary key makes it happen once,
    # across restarts and however many processes run the job. posted_at/slack_ts stay NULL until Slack answered.
    db["digests"].create({"day": str, "covers": str, "channel_id": str, "claimed_at": str, "posted_at": str,
                          "slack_ts": str}, pk="day")


@migrations()
def m009_optouts(db: Database) -> None:
    # One row per (our number, remote number) that ever sent an opt-out or opt-in keyword: its current state
    # (flowroute_api.optouts.OptOutState), the keyword that set it, that message's time and record id.
    db["optouts"].create(
        {"our_number": str, "remote_number": str, "state": str, "keyword": str, "at": str, "mdr_id": str,
         "updated_at": str},
        pk=("our_number", "remote_number"),
        not_null={"state", "at"},
    )


@migrations()
def m010_approvals(db: Database) -> None:
    # Write commands waiting for a second admin (FLOWROUTE_BOT_APPROVAL). `value` is the confirmed button's
    # value, what the command runs with once approved; status moves open -> approved -> executing -> done, or
    # open -> rejected / cancelled / expired, each step by one conditional UPDATE (so it happens once).
    db["approvals"].create(
        {"id": str, "command": str, "value": str, "what": str, "cost": str, "requester": str, "channel_id": str,
         "message_ts": str, "status": str, "decided_by": str, "decided_at": str, "outcome": str, "created_at": str,
         "expires_at": str, "updated_at": str},
        pk="id",
        not_null={"command", "requester", "status", "expires_at"},
    )
    db["approvals"].create_index(["status", "expires_at"])

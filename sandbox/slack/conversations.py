"""The message store and the Web API methods that read and write it: auth.test, users.info,
users.conversations, conversations.info / .history / .replies / .join, chat.postMessage /
.postEphemeral / .update / .delete / .getPermalink, reactions.add / .remove; messages users post.
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.slack.checks import as_messages, blocks_errors, fill_ids, random_id
from sandbox.slack.records import MAX_TEXT, ApiError, Channel, Message
from sandbox.slack.wire import decode_cursor, encode_cursor, int_arg, json_arg, truthy, ts_key


class ConversationsApi:
    """The message store and the conversation, chat, reaction and user methods (mixed into SlackEmulator)."""

    # -- messages: shared helpers ---------------------------------------------------------------------

    def _channel(self, ref: Any) -> Channel:
        """A channel by id, name or #name; channel_not_found otherwise."""
        ref = str(ref or "").lstrip("#")
        channel = self._channels.get(ref)
        if channel is None:
            channel = next((c for c in self._channels.values() if c.name == ref), None)
        if channel is None:
            raise ApiError("channel_not_found")
        return channel

    def _writable_channel(self, ref: Any) -> Channel:
        channel = self._channel(ref)
        if channel.is_private and not channel.bot_member:
            raise ApiError("channel_not_found")
        if channel.is_archived:
            raise ApiError("is_archived")
        if not channel.bot_member:
            # Simplification: the bot has no chat:write.public, so public non-member channels refuse too.
            raise ApiError("not_in_channel")
        return channel

    def _content(self, args: dict, *, for_update: bool = False) -> dict:
        """Validated text / blocks / attachments / metadata of a post; only the keys that were given."""
        content: dict[str, Any] = {}
        if args.get("text") is not None:
            content["text"] = str(args["text"])
        blocks = json_arg(args, "blocks", "invalid_blocks_format")
        if blocks is not None:
            errors = blocks_errors(blocks)
            if errors:
                raise ApiError("invalid_blocks", errors=errors, **as_messages(errors))
            content["blocks"] = fill_ids(copy.deepcopy(blocks))
        attachments = json_arg(args, "attachments", "invalid_attachments")
        if attachments is not None:
            content["attachments"] = attachments
        if not (content.get("text") or content.get("blocks") or content.get("attachments")) and (
            not for_update or not content
        ):
            raise ApiError("no_text")
        if len(content.get("text", "")) > MAX_TEXT:
            raise ApiError("msg_too_long")
        metadata = json_arg(args, "metadata", "invalid_metadata_format")
        if metadata is not None:
            if not isinstance(metadata, dict) or not isinstance(metadata.get("event_type"), str):
                raise ApiError("invalid_metadata_schema")
            content["metadata"] = {"event_type": metadata["event_type"],
                                   "event_payload": metadata.get("event_payload") or {}}
        return content

    def _find(self, channel_id: str, ts: Any) -> Message:
        message = self._by_ts.get((channel_id, str(ts or "")))
        if message is None or message.deleted or message.ephemeral_to is not None:
            raise ApiError("message_not_found")
        return message

    def _thread_parent(self, channel_id: str, thread_ts: Any) -> Message:
        message = self._by_ts.get((channel_id, str(thread_ts)))
        if message is None or message.deleted or message.ephemeral_to is not None:
            raise ApiError("thread_not_found")
        if message.is_reply:
            return self._thread_parent(channel_id, message.thread_ts)
        return message

    def _store(self, channel_id: str, user: str | None, content: dict, *, source: str,
               parent: Message | None = None, ephemeral_to: str | None = None, broadcast: bool = False,
               files: list | None = None) -> Message:
        """Add a message (and count it on its thread parent); emits "posted"."""
        message = Message(
            id=f"M{self._next_number():07d}", channel=channel_id, ts=self._next_ts(), user=user,
            text=content.get("text", ""), blocks=content.get("blocks") or [], metadata=content.get("metadata"),
            thread_ts=parent.ts if parent else None, ephemeral_to=ephemeral_to, source=source,
            files=files or [], attachments=content.get("attachments") or [], reply_broadcast=broadcast,
        )
        if parent is not None and ephemeral_to is None:
            parent.thread_ts = parent.ts
            parent.reply_count += 1
            parent.latest_reply = message.ts
            if user and user not in parent.reply_users:
                parent.reply_users.append(user)
            self._emit("updated", parent)
        self._messages.append(message)
        self._by_id[message.id] = message
        self._by_ts[(channel_id, message.ts)] = message
        self._emit("posted", message)
        return message

    def _delete(self, message: Message) -> None:
        message.deleted = True
        if message.is_reply and message.ephemeral_to is None:
            parent = self._by_ts.get((message.channel, message.thread_ts or ""))
            if parent is not None:
                parent.reply_count = max(0, parent.reply_count - 1)
                self._emit("updated", parent)
        self._emit("deleted", message)

    def _edit(self, message: Message, content: dict, *, replace_all: bool) -> None:
        """Apply new content; replace_all (response_url replace) drops blocks and text not given."""
        if replace_all:
            message.text = content.get("text", "")
            message.blocks = content.get("blocks") or []
            message.attachments = content.get("attachments") or []
        else:
            for key in ("text", "blocks", "attachments"):
                if key in content:
                    setattr(message, key, content[key])
        if "metadata" in content:
            message.metadata = content["metadata"]
        message.edited_ts = self._next_ts()
        self._emit("updated", message)

    def api_message(self, message: Message, *, include_metadata: bool = True) -> dict:
        """A message as the Web API and interaction payloads show it."""
        out: dict[str, Any] = {"type": "message", "user": message.user, "text": message.text,
                               "ts": message.ts, "team": self.team_id}
        if message.user == self.bot_user_id:
            out.update(bot_id=self.bot_id, app_id=self.app_id)
        if message.blocks:
            out["blocks"] = copy.deepcopy(message.blocks)
        if message.attachments:
            out["attachments"] = copy.deepcopy(message.attachments)
        if message.files:
            out["files"] = copy.deepcopy(message.files)
            out["upload"] = False
            if message.source == "user":
                out["subtype"] = "file_share"
        if message.thread_ts:
            out["thread_ts"] = message.thread_ts
        if message.is_reply:
            with self._lock:
                parent = self._by_ts.get((message.channel, message.thread_ts or ""))
            out["parent_user_id"] = parent.user if parent else None
            if message.reply_broadcast:
                out["subtype"] = "thread_broadcast"
        elif message.reply_count:
            out.update(reply_count=message.reply_count, reply_users_count=len(message.reply_users),
                       reply_users=list(message.reply_users), latest_reply=message.latest_reply)
        if message.edited_ts:
            out["edited"] = {"user": message.user, "ts": message.edited_ts}
        if message.reactions:
            out["reactions"] = copy.deepcopy(message.reactions)
        if include_metadata and message.metadata:
            out["metadata"] = copy.deepcopy(message.metadata)
        return out

    # -- Web API: identity and conversations ----------------------------------------------------------

    def _auth_test(self, args: dict) -> dict:
        return {"url": f"https://{self.team_domain}.slack.com/", "team": "Flowroute Ops (emulated)",
                "user": self._users[self.bot_user_id]["name"], "team_id": self.team_id,
                "user_id": self.bot_user_id, "bot_id": self.bot_id, "is_enterprise_install": False}

    def _users_info(self, args: dict) -> dict:
        user = self._users.get(str(args.get("user") or ""))
        if user is None:
            raise ApiError("user_not_found")
        return {"user": copy.deepcopy(user)}

    def _channel_info(self, channel: Channel) -> dict:
        return {"id": channel.id, "name": channel.name, "name_normalized": channel.name,
                "is_channel": not channel.is_private, "is_group": channel.is_private, "is_im": False,
                "is_private": channel.is_private, "is_archived": channel.is_archived,
                "is_member": channel.bot_member, "created": channel.created, "creator": "U0ADMIN"}

    def _conversations_info(self, args: dict) -> dict:
        channel = self._channel(args.get("channel"))
        if channel.is_private and not channel.bot_member:
            raise ApiError("channel_not_found")  # private channels are invisible to non-members
        return {"channel": self._channel_info(channel)}

    def _readable_channel(self, ref: Any) -> Channel:
        channel = self._channel(ref)
        if channel.is_private and not channel.bot_member:
            raise ApiError("channel_not_found")  # private channels are invisible to non-members
        if not channel.bot_member:
            raise ApiError("not_in_channel")
        return channel

    def _page(self, items: list[Message], args: dict, *, newest_first: bool) -> tuple[list[Message], str]:
        limit = int_arg(args, "limit", 100 if newest_first else 1000) or 100
        limit = max(1, min(limit, 1000, self.page_cap or 1000))
        if args.get("cursor"):
            start = ts_key(decode_cursor(str(args["cursor"])))
            items = [m for m in items if (ts_key(m.ts) <= start if newest_first else ts_key(m.ts) >= start)]
        page, rest = items[:limit], items[limit:]
        return page, encode_cursor(rest[0].ts) if rest else ""

    def _in_range(self, message: Message, args: dict) -> bool:
        key, inclusive = ts_key(message.ts), truthy(args.get("inclusive"))
        if args.get("oldest"):
            oldest = ts_key(str(args["oldest"]))
            if key < oldest or (key == oldest and not inclusive):
                return False
        if args.get("latest"):
            latest = ts_key(str(args["latest"]))
            if key > latest or (key == latest and not inclusive):
                return False
        return True

    def _conversations_history(self, args: dict) -> dict:
        channel = self._readable_channel(args.get("channel"))
        items = [m for m in self._messages
                 if m.channel == channel.id and not m.deleted and m.ephemeral_to is None
                 and (not m.is_reply or m.reply_broadcast) and self._in_range(m, args)]
        items.sort(key=lambda m: ts_key(m.ts), reverse=True)
        page, next_cursor = self._page(items, args, newest_first=True)
        with_metadata = truthy(args.get("include_all_metadata"))
        return {"messages": [self.api_message(m, include_metadata=with_metadata) for m in page],
                "has_more": bool(next_cursor), "pin_count": 0,
                "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_replies(self, args: dict) -> dict:
        channel = self._readable_channel(args.get("channel"))
        parent = self._thread_parent(channel.id, args.get("ts"))
        items = [m for m in self._messages
                 if m.channel == channel.id and not m.deleted and m.ephemeral_to is None
                 and (m is parent or m.thread_ts == parent.ts) and (m is parent or self._in_range(m, args))]
        items.sort(key=lambda m: ts_key(m.ts))
        page, next_cursor = self._page(items, args, newest_first=False)
        with_metadata = truthy(args.get("include_all_metadata"))
        return {"messages": [self.api_message(m, include_metadata=with_metadata) for m in page],
                "has_more": bool(next_cursor), "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_join(self, args: dict) -> dict:
        channel = self._channel(args.get("channel"))
        if channel.is_private:
            raise ApiError("method_not_supported_for_channel_type" if channel.bot_member else "channel_not_found")
        if channel.is_archived:
            raise ApiError("is_archived")
        channel.bot_member = True
        return {"channel": self._channel_info(channel)}

    def _users_conversations(self, args: dict) -> dict:
        """The channels the bot is a member of (the only user asked about here), in id order, paged."""
        types = {t.strip() for t in str(args.get("types") or "public_channel").split(",") if t.strip()}
        unknown = types - {"public_channel", "private_channel", "mpim", "im"}
        if unknown:
            raise ApiError("invalid_types")
        channels = sorted(
            (c for c in self._channels.values()
             if c.bot_member and ("private_channel" if c.is_private else "public_channel") in types
             and not (c.is_archived and truthy(args.get("exclude_archived")))),
            key=lambda c: c.id,
        )
        if args.get("cursor"):
            start = decode_cursor(str(args["cursor"]))
            channels = [c for c in channels if c.id >= start]
        limit = max(1, min(int_arg(args, "limit", 100) or 100, 1000, self.page_cap or 1000))
        page, rest = channels[:limit], channels[limit:]
        return {"channels": [self._channel_info(c) for c in page],
                "response_metadata": {"next_cursor": encode_cursor(rest[0].id) if rest else ""}}

    # -- Web API: chat --------------------------------------------------------------------------------

    def _chat_post_message(self, args: dict) -> dict:
        channel = self._writable_channel(args.get("channel"))
        content = self._content(args)
        parent = self._thread_parent(channel.id, args["thread_ts"]) if args.get("thread_ts") else None
        broadcast = parent is not None and truthy(args.get("reply_broadcast"))
        message = self._store(channel.id, self.bot_user_id, content, source="api", parent=parent,
                              broadcast=broadcast)
        return {"channel": channel.id, "ts": message.ts, "message": self.api_message(message)}

    def _chat_post_ephemeral(self, args: dict) -> dict:
        channel = self._writable_channel(args.get("channel"))
        user = str(args.get("user") or "")
        if user not in self._users:
            raise ApiError("user_not_found")
        content = self._content(args)
        if args.get("thread_ts"):
            self._thread_parent(channel.id, args["thread_ts"])
        message = self._store(channel.id, self.bot_user_id, content, source="api", ephemeral_to=user)
        if args.get("thread_ts"):
            message.thread_ts = str(args["thread_ts"])
        return {"message_ts": message.ts}

    def _owned_message(self, args: dict, error: str) -> tuple[Channel, Message]:
        channel = self._channel(args.get("channel"))
        message = self._find(channel.id, args.get("ts"))
        if message.user != self.bot_user_id:
            raise ApiError(error)
        return channel, message

    def _chat_update(self, args: dict) -> dict:
        channel, message = self._owned_message(args, "cant_update_message")
        content = self._content(args, for_update=True)
        self._edit(message, content, replace_all=False)
        return {"channel": channel.id, "ts": message.ts, "text": message.text,
                "message": self.api_message(message)}

    def _chat_delete(self, args: dict) -> dict:
        channel, message = self._owned_message(args, "cant_delete_message")
        self._delete(message)
        return {"channel": channel.id, "ts": message.ts}

    def _chat_get_permalink(self, args: dict) -> dict:
        channel = self._channel(args.get("channel"))
        message = self._find(channel.id, args.get("message_ts"))
        link = f"https://{self.team_domain}.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}"
        return {"channel": channel.id, "permalink": link}

    def _reactions_add(self, args: dict) -> dict:
        channel = self._readable_channel(args.get("channel"))
        message = self._find(channel.id, args.get("timestamp"))
        name = str(args.get("name") or "").strip(":")
        if not name:
            raise ApiError("invalid_name")
        reaction = next((r for r in message.reactions if r["name"] == name), None)
        if reaction is None:
            reaction = {"name": name, "users": [], "count": 0}
            message.reactions.append(reaction)
        if self.bot_user_id in reaction["users"]:
            raise ApiError("already_reacted")
        reaction["users"].append(self.bot_user_id)
        reaction["count"] += 1
        self._emit("updated", message)
        return {}

    def _reactions_remove(self, args: dict) -> dict:
        channel = self._readable_channel(args.get("channel"))
        message = self._find(channel.id, args.get("timestamp"))
        name = str(args.get("name") or "").strip(":")
        reaction = next((r for r in message.reactions if r["name"] == name), None)
        if reaction is None or self.bot_user_id not in reaction["users"]:
            raise ApiError("no_reaction")
        reaction["users"].remove(self.bot_user_id)
        reaction["count"] -= 1
        if not reaction["count"]:
            message.reactions.remove(reaction)
        self._emit("updated", message)
        return {}

    # -- user messages --------------------------------------------------------------------------------

    def post_as_user(self, text: str, *, user: str, channel: str, thread_ts: str | None = None,
                     files: list | None = None) -> Message:
        """Store a message typed by a user (no event is sent; SlackDriver.post_user_message does both)."""
        with self._lock:
            channel_id = self._channel(channel).id
            parent = self._thread_parent(channel_id, thread_ts) if thread_ts else None
            blocks = [{"type": "rich_text", "block_id": random_id(4), "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]}]
            message = self._store(channel_id, user, {"text": text, "blocks": blocks}, source="user",
                                  parent=parent, files=files)
            result = copy.deepcopy(message)
        self._flush_events()
        return result

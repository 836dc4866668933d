"""Modals and the App Home: views.open / .update / .push (a trigger_id is valid 3 s and single use; at most 3
views in a stack; hash checks on update), views.publish (one Home tab per user), the view store and how Slack
reports what a user entered (view.state.values).
"""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any

from sandbox.slack.checks import as_messages, block_elements, fill_ids, view_errors
from sandbox.slack.records import MAX_VIEW_STACK, TRIGGER_TTL, ApiError, SlackDriverError, Trigger
from sandbox.slack.wire import json_arg, plain

# ---------------------------------------------------------------------------------------------------------
# View state: how Slack reports what a user entered

_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
_SINGLE_OPTION = {"static_select", "external_select", "radio_buttons", "overflow"}
_MULTI_OPTION = {"multi_static_select", "multi_external_select", "checkboxes"}
_PICKERS = {
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
}


def _all_options(element: dict) -> list[dict]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def _pick_option(element: dict, value: Any) -> dict:
    if isinstance(value, dict):
        return copy.deepcopy(value)
    if element["type"] in ("external_select", "multi_external_select"):
        return {"text": plain(str(value)), "value": str(value)}
    options = _all_options(element)
    for option in options:
        if option.get("value") == str(value):
            return copy.deepcopy(option)
    known = [o.get("value") for o in options]
    raise SlackDriverError(f"option {value!r} not in {element.get('action_id')!r}; options: {known}")


def state_entry(element: dict, value: Any = None, *, given: bool = True) -> dict:
    """One view.state.values entry ({"type": ..., <value key>: ...}); not given -> the initial value."""
    kind = element.get("type")
    entry: dict[str, Any] = {"type": kind}
    if kind in _TEXT_INPUTS:
        value = value if given else element.get("initial_value")
        entry["value"] = None if value is None else str(value)
    elif kind in _SINGLE_OPTION:
        if not given:
            entry["selected_option"] = copy.deepcopy(element.get("initial_option"))
        else:
            entry["selected_option"] = None if value is None else _pick_option(element, value)
    elif kind in _MULTI_OPTION:
        if not given:
            entry["selected_options"] = copy.deepcopy(element.get("initial_options") or [])
        else:
            values = value if isinstance(value, list | tuple) else ([] if value is None else [value])
            entry["selected_options"] = [_pick_option(element, v) for v in values]
    elif kind in _PICKERS:
        key, initial = _PICKERS[kind]
        entry[key] = copy.deepcopy(value if given else element.get(initial))
    return entry


def view_state(view: dict, values: dict, previous: dict | None = None) -> dict:
    """view.state for a submission: every input block, from values (block_id or action_id -> value)."""
    result: dict[str, dict] = copy.deepcopy(previous or {})
    used: set = set()
    for block in view.get("blocks") or []:
        if block.get("type") != "input" or not isinstance(block.get("element"), dict):
            continue
        element = block["element"]
        block_id, action_id = block["block_id"], element["action_id"]
        key = block_id if block_id in values else action_id if action_id in values else None
        if key is not None:
            used.add(key)
            entry = state_entry(element, values[key])
        elif action_id in result.get(block_id, {}):
            continue  # set earlier by a block action inside the view
        else:
            entry = state_entry(element, given=False)
        result.setdefault(block_id, {})[action_id] = entry
    unknown = set(values) - used
    if unknown:
        raise SlackDriverError(f"no input block or action_id {sorted(unknown)} in view {view.get('id')}")
    return {"values": result}


def find_element(blocks: list, action_id: str) -> tuple[dict, dict]:
    """(block, element) for an action_id anywhere in blocks."""
    for block in blocks:
        for element in block_elements(block):
            if element.get("action_id") == action_id:
                return block, element
    raise SlackDriverError(f"no element with action_id {action_id!r}")


class ViewsApi:
    """views.open / .update / .push / .publish and the view store (mixed into SlackEmulator)."""

    @property
    def views(self) -> dict[str, dict]:
        with self._lock:
            return {view_id: self._public_view(view_id) for view_id in self._views}

    @property
    def view_errors(self) -> dict[str, dict]:
        with self._lock:
            return copy.deepcopy(self._view_errors)

    def view_stack(self, view_id: str) -> list[str]:
        """The open stack (root first) that holds view_id; [] if it is closed or unknown."""
        with self._lock:
            view = self._views.get(view_id)
            stack = self._stacks.get(view["root_view_id"], []) if view else []
            return list(stack) if view_id in stack else []

    def is_view_open(self, view_id: str) -> bool:
        return bool(self.view_stack(view_id))

    def top_view(self, user_id: str | None = None) -> dict | None:
        """The top view of the most recently opened (or changed) open stack, optionally for one user."""
        with self._lock:
            for root in reversed(self._stack_order):
                stack = self._stacks.get(root)
                if stack and (user_id is None or self._views[stack[-1]].get("user_id") == user_id):
                    return self._public_view(stack[-1])
            return None

    # -- Web API: views -------------------------------------------------------------------------------

    def _use_trigger(self, args: dict) -> Trigger:
        trigger = self._triggers.get(str(args.get("trigger_id") or ""))
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if self._now() - trigger.created > TRIGGER_TTL:
            raise ApiError("expired_trigger_id")
        return trigger

    def _view_arg(self, args: dict) -> dict:
        view = json_arg(args, "view", "invalid_arguments")
        errors = view_errors(view)
        if errors:
            raise ApiError("invalid_arguments", **as_messages(errors))
        return copy.deepcopy(view)

    def _new_hash(self) -> str:
        return f"{int(time.time())}.{secrets.token_hex(4)}"

    def _build_view(self, spec: dict, *, view_id: str, root_id: str, previous_id: str | None,
                    user_id: str | None, state: dict | None = None) -> dict:
        """A stored view in Slack's shape, from a validated view spec."""
        return {
            "id": view_id, "team_id": self.team_id, "type": spec.get("type", "modal"),
            "blocks": fill_ids(spec.get("blocks") or []),
            "private_metadata": spec.get("private_metadata", ""), "callback_id": spec.get("callback_id", ""),
            "state": state or {"values": {}}, "hash": self._new_hash(), "title": spec.get("title"),
            "clear_on_close": bool(spec.get("clear_on_close", False)),
            "notify_on_close": bool(spec.get("notify_on_close", False)),
            "close": spec.get("close"), "submit": spec.get("submit"),
            "previous_view_id": previous_id, "root_view_id": root_id, "app_id": self.app_id,
            "external_id": spec.get("external_id", ""), "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id, "user_id": user_id,
        }

    def _public_view(self, view_id: str) -> dict:
        """A stored view without the emulator's own bookkeeping keys."""
        view = copy.deepcopy(self._views[view_id])
        view.pop("user_id", None)
        return view

    def _check_external_id(self, spec: dict, ignore: str | None = None) -> None:
        external_id = spec.get("external_id")
        # [guess] only views still open count; how long Slack remembers a closed view's external_id is unknown
        if external_id and any(v["external_id"] == external_id and v["id"] != ignore and self.view_stack(v["id"])
                               for v in self._views.values()):
            raise ApiError("duplicate_external_id")

    def _views_publish(self, args: dict) -> dict:
        """views.publish: one App Home view per user, replaced in place (same id); `hash` guards races."""
        user_id = str(args.get("user_id") or "")
        if user_id not in self._users:
            raise ApiError("user_not_found")
        spec = json_arg(args, "view", "invalid_arguments")
        errors = view_errors(spec, kinds=("home",))
        if errors:
            raise ApiError("invalid_arguments", **as_messages(errors))
        view_id = self._home_views.get(user_id)
        if view_id and args.get("hash") and args["hash"] != self._views[view_id]["hash"]:
            raise ApiError("hash_conflict")
        view_id = view_id or f"V{self._next_number():08d}"
        self._views[view_id] = self._build_view(copy.deepcopy(spec), view_id=view_id, root_id=view_id,
                                                previous_id=None, user_id=user_id)
        self._home_views[user_id] = view_id
        return {"view": self._public_view(view_id)}

    def home_view(self, user_id: str) -> dict | None:
        """The App Home view last published for `user_id` (views.publish), or None."""
        with self._lock:
            view_id = self._home_views.get(user_id)
            return self._public_view(view_id) if view_id else None

    def _views_open(self, args: dict) -> dict:
        trigger = self._use_trigger(args)
        spec = self._view_arg(args)
        self._check_external_id(spec)
        trigger.used = True  # consumed only when the call succeeds [guess]
        return {"view": self._open_view(spec, user_id=trigger.user_id)}

    def open_view(self, spec: dict, *, user_id: str | None = None) -> dict:
        """Open a new root view without a trigger (spec is not validated); emits "view_opened"."""
        return self._locked_then_flush(self._open_view, spec, user_id=user_id)

    def replace_view(self, view_id: str, spec: dict) -> dict:
        """Swap a view's content in place (same id, new hash); emits "view_updated"."""
        return self._locked_then_flush(self._replace_view, view_id, spec)

    def push_view(self, below_id: str, spec: dict) -> dict:
        """Push a view onto the stack holding below_id (ApiError push_limit_reached); emits "view_pushed"."""
        return self._locked_then_flush(self._push_view, below_id, spec)

    def close_view(self, view_id: str, *, clear: bool = False) -> list[str]:
        """Close view_id and the views above it (clear: its whole stack); returns the closed view ids."""
        return self._locked_then_flush(self._close_view, view_id, clear=clear)

    def _open_view(self, spec: dict, *, user_id: str | None = None) -> dict:
        with self._lock:
            view_id = f"V{self._next_number():08d}"
            self._views[view_id] = self._build_view(spec, view_id=view_id, root_id=view_id, previous_id=None,
                                                    user_id=user_id)
            self._stacks[view_id] = [view_id]
            self._touch_stack(view_id)
            self._emit("view_opened", self._public_view(view_id))
            return self._public_view(view_id)

    def _touch_stack(self, root_id: str) -> None:
        if root_id in self._stack_order:
            self._stack_order.remove(root_id)
        self._stack_order.append(root_id)

    def _views_update(self, args: dict) -> dict:
        view_id = str(args.get("view_id") or "")
        if not view_id and args.get("external_id"):
            view_id = next((v["id"] for v in self._views.values() if v["external_id"] == args["external_id"]), "")
        if view_id not in self._views or not self.view_stack(view_id):
            raise ApiError("not_found")
        if args.get("hash") and args["hash"] != self._views[view_id]["hash"]:
            raise ApiError("hash_conflict")
        spec = self._view_arg(args)
        self._check_external_id(spec, ignore=view_id)
        return {"view": self._replace_view(view_id, spec)}

    def _replace_view(self, view_id: str, spec: dict) -> dict:
        """Keeps the state of blocks that still exist."""
        with self._lock:
            old = self._views[view_id]
            spec = {"external_id": old["external_id"], **spec}  # [guess] an update without one keeps it
            view = self._build_view(spec, view_id=view_id, root_id=old["root_view_id"],
                                    previous_id=old["previous_view_id"], user_id=old.get("user_id"))
            block_ids = {b.get("block_id") for b in view["blocks"]}
            view["state"] = {"values": {k: v for k, v in old["state"]["values"].items() if k in block_ids}}
            self._views[view_id] = view
            self._emit("view_updated", self._public_view(view_id))
            return self._public_view(view_id)

    def _views_push(self, args: dict) -> dict:
        trigger = self._use_trigger(args)
        spec = self._view_arg(args)
        top = self._trigger_view(trigger)
        if top is None:
            raise ApiError("not_found")  # no open modal to push onto [guess: Slack's exact error unknown]
        self._check_external_id(spec)
        if len(self.view_stack(top)) >= MAX_VIEW_STACK:
            raise ApiError("push_limit_reached")
        trigger.used = True
        return {"view": self._push_view(top, spec)}

    def _trigger_view(self, trigger: Trigger) -> str | None:
        """The top of the stack a trigger came from (its view, else its user's latest open stack)."""
        if trigger.view_id and self.view_stack(trigger.view_id):
            return self.view_stack(trigger.view_id)[-1]
        top = self.top_view(trigger.user_id)
        return top["id"] if top else None

    def _push_view(self, below_id: str, spec: dict) -> dict:
        with self._lock:
            below = self._views[below_id]
            root_id = below["root_view_id"]
            stack = self._stacks[root_id]
            if len(stack) >= MAX_VIEW_STACK:
                raise ApiError("push_limit_reached")
            view_id = f"V{self._next_number():08d}"
            self._views[view_id] = self._build_view(spec, view_id=view_id, root_id=root_id,
                                                    previous_id=stack[-1], user_id=below.get("user_id"))
            stack.append(view_id)
            self._touch_stack(root_id)
            self._emit("view_pushed", self._public_view(view_id))
            return self._public_view(view_id)

    def _close_view(self, view_id: str, *, clear: bool = False) -> list[str]:
        with self._lock:
            view = self._views.get(view_id)
            stack = self._stacks.get(view["root_view_id"], []) if view else []
            if view_id not in stack:
                return []
            cut = 0 if clear else stack.index(view_id)
            closed, stack[cut:] = stack[cut:], []
            for closed_id in closed:
                self._emit("view_closed", self._public_view(closed_id))
            return closed

    def set_view_state(self, view_id: str, values: dict) -> None:
        """Merge state values ({block_id: {action_id: {...}}}) into a stored view."""
        with self._lock:
            state = self._views[view_id]["state"]["values"]
            for block_id, actions in values.items():
                state.setdefault(block_id, {}).update(copy.deepcopy(actions))

    def set_view_errors(self, view_id: str, errors: dict) -> None:
        with self._lock:
            self._view_errors[view_id] = copy.deepcopy(errors)

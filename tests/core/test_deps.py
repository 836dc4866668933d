"""The dependencies object: frozen, every field a named service with its real type, each built once."""

import dataclasses
import typing

import pytest

from core.deps import Deps
from relay.conversations import Conversations
from relay.service import Relay


def test_every_field_names_a_service_with_its_real_type():
    hints = typing.get_type_hints(Deps, localns={"Relay": Relay, "Conversations": Conversations})
    assert [field.name for field in dataclasses.fields(Deps)] == [
        "settings", "store", "flowroute", "slack", "executor", "audit", "relay", "conversations", "approvals", "caches"]
    assert typing.Any not in hints.values() and all(isinstance(hint, type) for hint in hints.values())


def test_deps_are_frozen_and_the_services_share_one_store_and_one_conversations(bot):
    with pytest.raises(dataclasses.FrozenInstanceError):
        bot.deps.relay = None
    deps = bot.deps
    assert deps.relay.conversations is deps.conversations
    assert deps.relay.store is deps.store and deps.conversations.store is deps.store and deps.audit.store is deps.store
    assert deps.relay.flowroute is deps.flowroute and deps.conversations.audit is deps.audit

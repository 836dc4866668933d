"""manifest.yml is the source of truth for the slash command, scopes and events: check it against
Slack's published JSON Schema (copied into tests/schemas from slackapi/manifest-schema) and against
what the bot registers."""

import json
from pathlib import Path

import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource

import handlers

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = Path(__file__).resolve().parent / "schemas"
REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"


def load_manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def validator() -> Draft7Validator:
    registry = Registry()
    for path in (SCHEMAS / "schemas").glob("*.json"):
        registry = registry.with_resource(REMOTE + path.name, Resource.from_contents(json.loads(path.read_text())))
    return Draft7Validator(json.loads((SCHEMAS / "manifest.schema.json").read_text()), registry=registry)


def test_manifest_validates_against_slacks_schema():
    errors = sorted(validator().iter_errors(load_manifest()), key=str)
    assert not errors, [error.message for error in errors]


def test_schema_catches_a_broken_manifest():
    broken = load_manifest()
    broken["features"]["slash_commands"][0]["command"] = "flowroute"  # no leading slash
    broken["settings"]["interactivity"]["is_enabeld"] = True  # typo
    assert list(validator().iter_errors(broken))


def test_manifest_names_the_command_events_and_scopes_the_bot_uses():
    manifest = load_manifest()
    command = manifest["features"]["slash_commands"][0]
    assert command["command"] == handlers.SLASH_COMMAND
    assert command["should_escape"] is True and command["usage_hint"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    events = manifest["settings"].get("event_subscriptions", {}).get("bot_events", [])
    assert sorted(events) == sorted(handlers.EVENTS)
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "files:write", "channels:history", "groups:history"} <= scopes
    needs = {"message.channels": {"channels:history"}, "message.groups": {"groups:history"}, "app_home_opened": set()}
    for event in events:
        assert needs[event] <= scopes
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True  # app_home_opened -> views.publish

"""Every slash command text reaches our parser intact, whatever words it holds (signed HTTP, as Slack sends it).

Bolt's form-body parser takes any body that merely contains the letters "payload" for an interactivity
payload; a command is a form whose keys are token, command, text, ... and never `payload`.
"""

import pytest

from tests.harness import ADMIN, shown, texts

OURS = "12065550100"  # seeded account number "Seattle support"


@pytest.mark.parametrize(
    "body",
    [
        "your payload shipped",
        "payload shipped",  # at the start of the text
        "payload=1&x=2 is what the form said",
        "payload%3D{} arrived",
        'payload={"type":"block_actions"}',
        "PAYLOAD and Payload",
    ],
)
def test_an_sms_command_whose_text_holds_payload_is_handled_as_a_command(bot, body):
    result = bot.command(f"sms {OURS} 12125550123 {body}")
    assert result.status == 200, result.body
    confirmation = shown(bot, result)
    assert confirmation.ephemeral_to == ADMIN
    shown_text = texts(confirmation.blocks)
    assert "+1 212-555-0123" in shown_text
    assert body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in shown_text


def test_other_commands_holding_payload_are_parsed_too(bot):
    result = bot.command("routes list --type payload")
    assert result.status == 200, result.body
    assert result.json["text"].startswith("--type: `payload` must be one of host")  # our parser's own refusal

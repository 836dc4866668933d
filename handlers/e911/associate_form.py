"""The *Add E911 address* button (`numbers audit`, App Home): a modal to pick an address for one number."""

from __future__ import annotations

from blocks.kit import form_metadata, input_block, modal, notice_view, option, read_metadata, section, state_value
from blocks.text import number_text, shorten
from core.commands import decode_value, refuse_non_admin
from core.deps import Deps
from core.errors import metadata_reply, run_guarded
from core.work import in_background
from flowroute_api import attributes, normalize_number
from handlers.e911.show import address_line

E911_ASSOCIATE_OPEN_ACTION = "e911_associate_open"
E911_ASSOCIATE_VIEW = "e911_associate_form"
E911_ADDRESS_BLOCK, E911_ADDRESS_ACTION = "e911_address", "e911_address_select"
MAX_ADDRESSES = 100  # one static_select holds at most 100 options


def e911_associate_open_clicked(deps: Deps, ack, body, action, respond, client) -> None:
    ack()
    run_guarded(respond, _open, deps, body, action, client)


def _open(deps: Deps, body: dict, action: dict, client) -> None:
    user_id = body["user"]["id"]
    deps.audit.require_admin(user_id, "give a number an E911 address")
    number = normalize_number(str(decode_value(action.get("value")).get("number") or ""))
    addresses = deps.flowroute.list_e911s(limit=MAX_ADDRESSES).get("data") or []
    if not addresses:
        client.views_open(trigger_id=body["trigger_id"], view=notice_view(
            "No E911 addresses", "The account has no E911 address yet: `/flowroute e911 create` first."))
        return
    options = [option(shorten(address_line(attributes(item)), 75), str(item.get("id"))) for item in addresses]
    element = {"type": "static_select", "action_id": E911_ADDRESS_ACTION, "options": options}
    metadata = form_metadata(body.get("response_url"), (body.get("channel") or {}).get("id"), user_id,
                             number=number)
    blocks = [section(f"Emergency calls from *{number_text(number)}* will carry this address."),
              input_block(E911_ADDRESS_BLOCK, "E911 address", element)]
    client.views_open(trigger_id=body["trigger_id"],
                      view=modal(E911_ASSOCIATE_VIEW, "Add E911 address", blocks, metadata, submit="Associate"))


def e911_associate_submitted(deps: Deps, ack, body, view) -> None:
    user_id = body["user"]["id"]
    if refuse_non_admin(deps, ack, user_id, "give a number an E911 address", E911_ADDRESS_BLOCK):
        return
    address_id = state_value(view["state"]["values"], E911_ADDRESS_BLOCK, E911_ADDRESS_ACTION)
    if not address_id:
        ack(response_action="errors", errors={E911_ADDRESS_BLOCK: "Choose an address."})
        return
    ack()
    metadata = read_metadata(view)
    reply = metadata_reply(metadata)
    in_background(deps, reply, _associate, deps, user_id, metadata["number"], address_id, reply)


def _associate(deps: Deps, user_id: str, number: str, address_id: str, reply) -> None:
    target = f"{number_text(number)} → address {address_id}"
    deps.audit.audited(user_id, "e911 associate", target, deps.flowroute.associate_e911, number, address_id)
    reply(response_type="ephemeral", replace_original=False,
          text=f":white_check_mark: {number_text(number)} now has E911 address `{address_id}`.")

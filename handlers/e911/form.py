"""The E911 address form, pure: the modal, reading a submission, local checks, Flowroute's refusals."""

from __future__ import annotations

import re

from blocks.kit import input_block, modal, option, plain, view_metadata
from blocks.text import plain_line
from core.errors import UserError, failure_text
from flowroute_api import E911_ADDRESS_TYPES
from handlers.e911.ids import COUNTRIES, FORM_ORDER, NO_TYPE, REQUIRED, TEXT_FIELDS, ZIP_SHAPES, block_id


def form_view(callback_id: str, title: str, submit: str, metadata: dict, values: dict | None = None) -> dict:
    values = values or {}
    if len(view_metadata(metadata)) > 3000:  # Slack's limit for private_metadata
        raise UserError("That address is too long to edit in Slack.")
    blocks = [_input_block(field, values.get(field)) for field in FORM_ORDER]
    return modal(callback_id, title, blocks, metadata, submit=submit)


def _input_block(field: str, value) -> dict:
    if field == "address_type":
        options = [option("(none)", NO_TYPE)] + [option(kind, kind) for kind in E911_ADDRESS_TYPES]
        chosen = next((o for o in options[1:] if o["value"].lower() == str(value or "").lower()), None)
        element = {"type": "static_select", "action_id": field, "options": options,
                   "placeholder": plain("Apartment, Suite, Floor…")}
        if chosen:
            element["initial_option"] = chosen
        return input_block(block_id(field), "Address type", element, optional=True)
    if field == "country":
        options = [option("United States", "US"), option("Canada", "CA")]
        chosen = next((o for o in options if o["value"] == str(value or "US").upper()), options[0])
        element = {"type": "static_select", "action_id": field, "options": options, "initial_option": chosen}
        return input_block(block_id(field), "Country", element)
    label, hint, max_length = TEXT_FIELDS[field]
    element = {"type": "plain_text_input", "action_id": field, "max_length": max_length}
    if value not in (None, ""):
        element["initial_value"] = str(value)[:max_length]
    return input_block(block_id(field), label, element, hint=hint, optional=field not in REQUIRED)


def read_form(view: dict) -> dict:
    """The submitted address: stripped strings or None, selects by value, state and ZIP upper-cased."""
    values = (view.get("state") or {}).get("values") or {}
    fields = {}
    for field in FORM_ORDER:
        entry = (values.get(block_id(field)) or {}).get(field) or {}
        if "selected_option" in entry or entry.get("type") == "static_select":
            raw = (entry.get("selected_option") or {}).get("value")
            raw = None if raw == NO_TYPE else raw
        else:
            raw = entry.get("value")
        fields[field] = (str(raw).strip() or None) if raw is not None else None
    for field in ("state", "zip", "country"):
        if fields[field]:
            fields[field] = fields[field].upper()
    return fields


def form_errors(fields: dict) -> dict:
    """Local checks, keyed by input block, so obvious mistakes never reach Flowroute."""
    errors = {block_id(field): "Required." for field in REQUIRED if not fields.get(field)}
    if fields.get("state") and not re.fullmatch(r"[A-Z]{2}", fields["state"]):
        errors[block_id("state")] = "Use the two-letter state or province code, e.g. WA."
    if fields.get("country") and fields["country"] not in COUNTRIES:
        errors[block_id("country")] = "Flowroute takes US or CA."
    shape = ZIP_SHAPES.get(fields.get("country") or "")
    if fields.get("zip") and shape and not shape.fullmatch(fields["zip"]):
        errors[block_id("zip")] = ("Use a 5-digit ZIP (or ZIP+4)." if fields["country"] == "US"
                                   else "Use a postal code like M4C 5K7.")
    if fields.get("address_type") and not fields.get("address_type_number"):
        errors[block_id("address_type_number")] = f"Required with address type {fields['address_type']}."
    if fields.get("address_type_number") and not fields.get("address_type"):
        errors[block_id("address_type")] = "Pick an address type for this unit number."
    return errors


def flowroute_form_errors(error: BaseException) -> dict:
    """Show a Flowroute refusal on the form: on the field it names, else on the street name."""
    text = plain_line(failure_text(error))[:300]  # modal errors are plain text: no emoji shortcodes
    for item in getattr(error, "errors", None) or []:
        pointer = str((item.get("source") or {}).get("pointer") or "")
        field = pointer.rsplit("/", 1)[-1]
        if field in FORM_ORDER:
            return {block_id(field): text}
    detail = str(getattr(error, "detail", "") or "").lower()
    for word, field in (("zip", "zip"), ("postal", "zip"), ("city", "city"), ("state", "state"),
                        ("country", "country"), ("label", "label")):
        if re.search(rf"\b{word}\b", detail):
            return {block_id(field): text}
    return {block_id("street_name"): text}


def _address_fields(fields: dict) -> dict:
    """What Flowroute is sent for validate/create: empty fields left out."""
    return {name: value for name, value in fields.items() if value is not None}


def changed_fields(original: dict, fields: dict) -> dict:
    """The submitted fields that differ from the address as loaded (address type compared case-blind)."""
    changes = {}
    for field in FORM_ORDER:
        before, after = original.get(field), fields.get(field)
        before = None if before in (None, "") else str(before).strip()
        if field in ("address_type", "state", "country", "zip"):
            same = (before or "").lower() == (after or "").lower()
        else:
            same = before == after
        if not same:
            changes[field] = after
    if "address_type" in changes and changes["address_type"] is None:
        # Guess [UNCONFIRMED]: Flowroute documents PATCH with only the fields to change, not whether null
        # clears a field; we send null for both unit fields only when the user picked "(none)" on purpose.
        changes["address_type_number"] = None
    return changes

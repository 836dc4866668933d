"""The E911 area's Slack ids (views, actions, blocks) and the address form's fields."""

from __future__ import annotations

import re

E911_VALIDATE_VIEW = "e911_validate"
E911_CREATE_VIEW = "e911_create"
E911_UPDATE_VIEW = "e911_update"
E911_CONFIRM_ACTION = "e911_confirm"
E911_CANCEL_ACTION = "e911_cancel"
E911_CONFIRM_BLOCK = "e911_confirm"
E911_BLOCK_PREFIX = "e911_field_"  # + field name: one input block per address field
DEFAULT_LIMIT = 10
LINES_PER_SECTION = 10
NO_TYPE = "none"
COUNTRIES = ("US", "CA")
REQUIRED = ("label", "first_name", "last_name", "street_number", "street_name", "city", "state", "country", "zip")
ZIP_SHAPES = {"US": re.compile(r"\d{5}(-\d{4})?"), "CA": re.compile(r"[A-Z]\d[A-Z] ?\d[A-Z]\d")}
# (field, label, hint, max length) for the text inputs, in form order; the two selects are placed among them.
TEXT_FIELDS = {
    "label": ("Label", "A name for this address, e.g. Seattle HQ", 60),
    "first_name": ("First name", None, 60),
    "last_name": ("Last name", None, 60),
    "street_number": ("Street number", "e.g. 1218", 20),
    "street_name": ("Street name", "e.g. 3rd Ave", 100),
    "address_type_number": ("Unit number", "Required with an address type, e.g. 600", 20),
    "city": ("City", None, 60),
    "state": ("State / province", "Two letters, e.g. WA", 2),
    "zip": ("ZIP / postal code", "e.g. 98101 or M4C 5K7", 10),
}
FORM_ORDER = ("label", "first_name", "last_name", "street_number", "street_name", "address_type",
              "address_type_number", "city", "state", "country", "zip")


OTHER_LABELS = {"address_type": "Address type", "country": "Country"}


def field_label(field: str) -> str:
    """A form field as the form labels it (`address_type_number` -> `Unit number`), never the API name."""
    return TEXT_FIELDS[field][0] if field in TEXT_FIELDS else OTHER_LABELS.get(field, field.replace("_", " "))


def block_id(field: str) -> str:
    return E911_BLOCK_PREFIX + field

"""E911 v2: emergency addresses and their association with numbers."""

from __future__ import annotations

from typing import Any

from ._util import require_changes, segment
from .phone import normalize_number

E911_ADDRESS_FIELDS = (
    "label",
    "first_name",
    "last_name",
    "street_number",
    "street_name",
    "address_type",
    "address_type_number",
    "city",
    "state",
    "country",
    "zip",
)

# The `address_type` values Flowroute's E911 v2 reference lists (developer.flowroute.com, "E911 record");
# case-insensitive on Flowroute's side.
E911_ADDRESS_TYPES = (
    "Apartment", "Basement", "Building", "Department", "Floor", "Front", "Key", "Lobby", "Lot", "Lower",
    "Office", "Penthouse", "Pier", "Rear", "Room", "Side", "Slip", "Space", "Stop", "Suite", "Trailer",
    "Unit", "Upper",
)  # fmt: skip


def _address_attributes(fields: dict[str, Any], *, keep_none: bool) -> dict[str, Any]:
    """Check field names; send values as strings (street_number too); None kept only when asked."""
    unknown = sorted(set(fields) - set(E911_ADDRESS_FIELDS))
    if unknown:
        raise TypeError(f"unknown E911 address field(s): {', '.join(unknown)}")
    attributes: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            if keep_none:
                attributes[name] = None
            continue
        attributes[name] = str(value)
    return attributes


def _e911_body(attributes: dict[str, Any]) -> dict:
    return {"data": {"type": "e911", "attributes": attributes}}


class E911Mixin:
    """Methods for /v2/e911s and /v2/numbers/{id}/relationships/e911s."""

    def list_e911s(self, label=None, street_name=None, city=None, state=None, limit=None, offset=None) -> dict:
        params = {
            "label": label,
            "street_name": street_name,
            "city": city,
            "state": state,
            "limit": limit,
            "offset": offset,
        }
        return self._request("GET", "/v2/e911s", params=params)

    def get_e911(self, e911_id) -> dict:
        return self._request("GET", f"/v2/e911s/{segment(e911_id)}")

    def validate_e911(self, **address: Any) -> None:
        """Check an address without saving it (204); a refusal raises InvalidRequestError."""
        body = _e911_body(_address_attributes(address, keep_none=False))
        # Validation changes nothing on the account, so a retry after a 5xx is harmless.
        return self._request("POST", "/v2/e911s/validate", json=body, idempotent=True)

    def create_e911(self, **address: Any) -> dict:
        """Create (and validate) an address (201). A POST: repeated only after a 429."""
        return self._request("POST", "/v2/e911s", json=_e911_body(_address_attributes(address, keep_none=False)))

    def update_e911(self, e911_id, **changes: Any) -> dict:
        """PATCH only the fields passed; a field passed as None is sent as null, others are left alone."""
        attributes = require_changes(_address_attributes(changes, keep_none=True), "E911 address")
        return self._request("PATCH", f"/v2/e911s/{segment(e911_id)}", json=_e911_body(attributes))

    def delete_e911(self, e911_id) -> None:
        return self._request("DELETE", f"/v2/e911s/{segment(e911_id)}")

    def list_e911_numbers(self, e911_id, limit=None, offset=None) -> dict:
        # Guess [UNCONFIRMED]: limit/offset are implied by the links in Flowroute's E911 v2 reference
        # (developer.flowroute.com, "list DIDs for an address"), not documented.
        params = {"limit": limit, "offset": offset}
        return self._request("GET", f"/v2/e911s/{segment(e911_id)}/relationships/numbers", params=params)

    def associate_e911(self, number, e911_id) -> None:
        path = f"/v2/numbers/{normalize_number(number)}/relationships/e911s/{segment(e911_id)}"
        # Repeating an association neither errors nor charges again (the official Python SDK's README, on
        # associating an E911 record): safe to retry.
        return self._request("PATCH", path, idempotent=True)

    def disconnect_e911(self, number) -> None:
        return self._request("DELETE", f"/v2/numbers/{normalize_number(number)}/relationships/e911s")

"""Numbers v2: inventory search, purchase, account numbers, per-number settings."""

from __future__ import annotations

from typing import Any

from ._util import UNSET, given, require_changes
from .phone import normalize_number

NUMBER_CALLBACK_TYPES = frozenset(
    {"sms_callback", "mms_callback", "sms_dlr_callback", "mms_dlr_callback", "dlr_callback"}
)


class NumbersMixin:
    """Methods for /v2/numbers; phone numbers go through normalize_number before any request."""

    def list_area_codes(self, max_setup_cost=None, limit=None, offset=None) -> dict:
        params = {"max_setup_cost": max_setup_cost, "limit": limit, "offset": offset}
        return self._request("GET", "/v2/numbers/available/areacodes", params=params)

    def list_exchanges(self, areacode=None, max_setup_cost=None, limit=None, offset=None) -> dict:
        params = {"areacode": areacode, "max_setup_cost": max_setup_cost, "limit": limit, "offset": offset}
        return self._request("GET", "/v2/numbers/available/exchanges", params=params)

    def search_numbers(
        self,
        starts_with=None,
        contains=None,
        ends_with=None,
        rate_center=None,
        state=None,
        number_type=None,
        iso_country=None,
        order_by=None,
        limit=None,
        offset=None,
    ) -> dict:
        params = {
            "starts_with": starts_with,
            "contains": contains,
            "ends_with": ends_with,
            "rate_center": rate_center,
            "state": state,
            "number_type": number_type,
            "iso_country": iso_country,
            "order_by": order_by,
            "limit": limit,
            "offset": offset,
        }
        return self._request("GET", "/v2/numbers/available", params=params)

    def purchase_number(self, number, *, cnam_lookups_enabled=None, messaging_enabled=None) -> dict:
        """Buy a number (201). A POST: repeated only after a 429, never after a 5xx or timeout."""
        path = f"/v2/numbers/{normalize_number(number)}"
        # Guess [UNCONFIRMED]: Flowroute's Numbers v2 reference (developer.flowroute.com, "purchase a phone
        # number") does not say whether these flags go in the query or the body; we send them as a flat JSON
        # body, and no body at all when none is given.
        flags = given(cnam_lookups_enabled=cnam_lookups_enabled, messaging_enabled=messaging_enabled)
        return self._request("POST", path, json={key: bool(value) for key, value in flags.items()} or None)

    def list_numbers(
        self, starts_with=None, contains=None, ends_with=None, alias=None, limit=None, offset=None
    ) -> dict:
        params = {
            "starts_with": starts_with,
            "contains": contains,
            "ends_with": ends_with,
            "alias": alias,
            "limit": limit,
            "offset": offset,
        }
        return self._request("GET", "/v2/numbers", params=params)

    def get_number(self, number) -> dict:
        return self._request("GET", f"/v2/numbers/{normalize_number(number)}")

    def update_number(self, number, *, alias=UNSET, cnam_lookups_enabled=None, messaging_enabled=None) -> dict:
        """PATCH only the given fields; `alias=None` clears the alias."""
        path = f"/v2/numbers/{normalize_number(number)}"
        changes: dict[str, Any] = {}
        if alias is not UNSET:
            changes["alias"] = alias
        for name, value in given(
            cnam_lookups_enabled=cnam_lookups_enabled, messaging_enabled=messaging_enabled
        ).items():
            changes[name] = bool(value)
        require_changes(changes, "number")
        # Flat body, as Flowroute's Numbers v2 reference (developer.flowroute.com, "update number details")
        # and the official Python SDK send it.
        return self._request("PATCH", path, json={"type": "number", **changes})

    def release_number(self, number) -> None:
        return self._request("DELETE", f"/v2/numbers/{normalize_number(number)}")

    def set_number_callback(self, number, callback_type: str, callback_url: str) -> None:
        """Set a per-number messaging callback URL (204)."""
        if callback_type not in NUMBER_CALLBACK_TYPES:
            raise ValueError(f"unknown callback type {callback_type!r}")
        path = f"/v2/numbers/{normalize_number(number)}/relationships/{callback_type}"
        body = {"data": {"attributes": {"callback_url": callback_url}}}
        # Setting a URL twice leaves the same state, so a retry after a 5xx is harmless.
        return self._request("POST", path, json=body, idempotent=True)

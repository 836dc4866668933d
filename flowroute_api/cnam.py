"""CNAM v2: outbound caller-name records and their association with numbers."""

from __future__ import annotations

from ._util import segment
from .phone import normalize_number


class CnamMixin:
    """Methods for /v2/cnams and /v2/numbers/{id}/relationships/cnams (the documented plural paths)."""

    def list_cnams(self, is_approved=None, value=None, limit=None, offset=None) -> dict:
        params = {"is_approved": is_approved, "value": value, "limit": limit, "offset": offset}
        return self._request("GET", "/v2/cnams", params=params)

    def get_cnam(self, cnam_id) -> dict:
        return self._request("GET", f"/v2/cnams/{segment(cnam_id)}")

    def create_cnam(self, value: str) -> dict:
        """Create a record (201, pending approval). Flat JSON body, not the SDK's form data."""
        return self._request("POST", "/v2/cnams", json={"value": value})

    def update_cnam(self, cnam_id, value: str) -> dict:
        body = {"data": {"type": "cnam", "attributes": {"value": value}}}
        return self._request("PATCH", f"/v2/cnams/{segment(cnam_id)}", json=body)

    def delete_cnam(self, cnam_id) -> None:
        return self._request("DELETE", f"/v2/cnams/{segment(cnam_id)}")

    def associate_cnam(self, number, cnam_id) -> dict:
        """Attach an approved record to a number (202)."""
        path = f"/v2/numbers/{normalize_number(number)}/relationships/cnams/{segment(cnam_id)}"
        return self._request("PATCH", path)

    def unassociate_cnam(self, number) -> dict:
        return self._request("DELETE", f"/v2/numbers/{normalize_number(number)}/relationships/cnams")

"""Small helpers shared by the per-area mixins."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote


class _Unset:
    """Marks an argument the caller did not pass (when None is a meaningful value)."""

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()


def segment(value: object) -> str:
    """One URL path segment from an id: ids are strings (some arrive as ints), always escaped."""
    text = str(value).strip()
    if not text:
        raise ValueError("an id must not be empty")
    return quote(text, safe="")


def given(**fields: Any) -> dict[str, Any]:
    """The keyword arguments that were actually given (not None)."""
    return {name: value for name, value in fields.items() if value is not None}


def require_changes(changes: dict[str, Any], what: str) -> dict[str, Any]:
    """Refuse an update that would change nothing, before any request is sent."""
    if not changes:
        raise ValueError(f"nothing to update on the {what}")
    return changes


def attributes(resource: dict) -> dict:
    """A JSON:API resource's `attributes` (empty when absent)."""
    return resource.get("attributes") or {}

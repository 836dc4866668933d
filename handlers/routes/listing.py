"""Routes fetched whole, resolved by id or alias, and shown: `/flowroute routes list`."""

from __future__ import annotations

from blocks.kit import context, header, message, pager_block, section
from blocks.text import escape, number_text, range_text, route_kind_text
from core.deps import Deps
from core.errors import UserError
from flowroute_api import FlowrouteClient, attributes, iter_records
from handlers.routes.ids import DEFAULT_LIMIT, ROUTE_PAGE_SIZE


def fetch_all_routes(client: FlowrouteClient) -> list[dict]:
    """Every route on the account, page after page (flowroute_api.iter_pages: short pages are not the end)."""
    return list(iter_records(client.list_routes, page_size=ROUTE_PAGE_SIZE))


def resolve_route(routes: list[dict], ref: str) -> dict:
    """The route whose id or alias is `ref` (alias case-insensitively when that is unambiguous)."""
    ref = str(ref).strip()
    for route in routes:
        if str(route.get("id")) == ref:
            return route
    exact = [route for route in routes if attributes(route).get("alias") == ref]
    loose = exact or [route for route in routes if str(attributes(route).get("alias") or "").lower() == ref.lower()]
    if len(loose) == 1:
        return loose[0]
    if loose:
        raise UserError(f"More than one route is called `{escape(ref)}`; use its id (see `/flowroute routes list`).")
    raise UserError(
        f"There is no route `{escape(ref)}` on this account. Give a route id or alias "
        "(see `/flowroute routes list`)."
    )


def route_value_text(route: dict) -> str:
    fields = attributes(route)
    value = fields.get("value")
    if value in (None, ""):
        return ""
    if fields.get("route_type") == "number":
        return number_text(value)
    return "`" + escape(value).replace("`", "'") + "`"


def route_label(route: dict) -> str:
    """`*office-pbx* (host `pbx.example.com:5060`)`, `*sip-reg* (registered SIP device)` for mrkdwn."""
    fields = attributes(route)
    alias = fields.get("alias") or f"route {route.get('id')}"
    kind = route_kind_text(fields.get("route_type"))
    value = route_value_text(route)
    return f"*{escape(alias)}* ({kind} {value})" if value else f"*{escape(alias)}* ({kind})"


def route_line(route: dict) -> str:
    edge = attributes(route).get("edge_strategy_id")
    line = f"{route_label(route)} · id `{escape(route.get('id'))}`" + (f" · edge {escape(edge)}" if edge else "")
    return line[:400]


def packed_sections(lines: list[str], limit: int = 2900) -> list[dict]:
    """Lines packed into as few section blocks as fit Slack's 3000-character section text."""
    blocks, chunk = [], ""
    for line in lines:
        if chunk and len(chunk) + 1 + len(line) > limit:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    return blocks


def routes_list_page(deps: Deps, opts: dict) -> dict:
    limit, offset = int(opts.get("limit") or DEFAULT_LIMIT), int(opts.get("offset") or 0)
    route_type = opts.get("type") or None
    page = deps.flowroute.list_routes(route_type=route_type, limit=limit, offset=offset) or {}
    routes = page.get("data") or []
    has_next = bool((page.get("links") or {}).get("next"))
    return routes_list_message(routes, route_type=route_type, limit=limit, offset=offset, has_next=has_next)


def routes_list_message(routes: list[dict], *, route_type, limit: int, offset: int, has_next: bool) -> dict:
    kind = f" of type {escape(route_type)}" if route_type else ""
    if not routes:
        return message(f"No routes{kind} on this account." if offset == 0 else f"No more routes{kind}.")
    title = f"Inbound routes ({route_type})" if route_type else "Inbound routes"
    blocks = [header(title), *packed_sections([route_line(route) for route in routes])]
    blocks.append(context(
        f"{range_text('Route', offset, len(routes))}. Point a number at a route with "
        "`/flowroute routes set NUMBER`."
    ))
    pager = pager_block("routes list", {"limit": limit, "offset": offset, "type": route_type}, has_next=has_next,
                        shown=len(routes))
    if pager:
        blocks.append(pager)
    return message(f"{title}: {len(routes)} shown", blocks)

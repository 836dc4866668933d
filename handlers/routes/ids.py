"""The routes area's Slack ids (views, actions, blocks) and the limits its forms and lists share."""

from __future__ import annotations

ROUTES_CREATE_VIEW = "routes_create"
ROUTES_SET_VIEW = "routes_set"
ROUTES_LOADING_VIEW = "routes_loading"
ROUTES_SET_OPEN_ACTION = "routes_set_open"
ROUTES_DELETE_ACTION = "routes_delete"
ROUTES_TYPE_BLOCK = "routes_type"
ROUTES_VALUE_BLOCK = "routes_value"
ROUTES_ALIAS_BLOCK = "routes_alias"
ROUTES_EDGE_BLOCK = "routes_edge"
ROUTES_PRIMARY_BLOCK = "routes_primary"
ROUTES_FAILOVER_BLOCK = "routes_failover"
ROUTES_TYPE_ACTION = "routes_type_select"
ROUTES_VALUE_ACTION = "routes_value_input"
ROUTES_ALIAS_ACTION = "routes_alias_input"
ROUTES_EDGE_ACTION = "routes_edge_select"
ROUTES_PRIMARY_ACTION = "routes_primary_select"
ROUTES_FAILOVER_ACTION = "routes_failover_select"
CREATABLE_TYPES = ("host", "number", "uri")
NO_FAILOVER = "none"
BUILTIN_ROUTE_ID = "0"  # Flowroute's sip-reg default route; it cannot be deleted
DEFAULT_LIMIT = 20
ROUTE_PAGE_SIZE = 200  # Flowroute's maximum for /v2/routes
MAX_SELECT_OPTIONS = 100  # Slack's cap per static_select (or per option group)

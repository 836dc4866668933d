"""`/flowroute routes ...`: list, create (directly or in a modal), point a number at routes, delete."""

from __future__ import annotations

from slack_bolt import App

from core.commands import Command, bind
from core.deps import Deps
from handlers.routes.assign import routes_set_command, routes_set_open_clicked, routes_set_submitted
from handlers.routes.create import routes_create_command, routes_create_submitted
from handlers.routes.delete import routes_delete_clicked, routes_delete_command
from handlers.routes.ids import ROUTES_CREATE_VIEW, ROUTES_DELETE_ACTION, ROUTES_SET_OPEN_ACTION, ROUTES_SET_VIEW
from handlers.routes.listing import routes_list_page


def register(app: App, deps: Deps) -> dict[str, Command]:
    app.view(ROUTES_CREATE_VIEW)(bind(deps, routes_create_submitted))
    app.view(ROUTES_SET_VIEW)(bind(deps, routes_set_submitted))
    app.action(ROUTES_SET_OPEN_ACTION)(bind(deps, routes_set_open_clicked))
    app.action(ROUTES_DELETE_ACTION)(bind(deps, routes_delete_clicked))
    return {
        "routes list": Command(page=routes_list_page),
        "routes create": Command(run=routes_create_command, inline=True),
        "routes set": Command(run=routes_set_command, inline=True),
        "routes delete": Command(run=routes_delete_command),
    }

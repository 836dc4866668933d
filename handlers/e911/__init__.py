"""`/flowroute e911 ...`: list and show addresses, forms to validate/create/update, associate, confirm removals."""

from __future__ import annotations

from slack_bolt import App

from core.commands import Command, bind
from core.deps import Deps
from handlers.e911.associate_form import (
    E911_ASSOCIATE_OPEN_ACTION,
    E911_ASSOCIATE_VIEW,
    e911_associate_open_clicked,
    e911_associate_submitted,
)
from handlers.e911.changes import (
    e911_associate_command,
    e911_cancel_clicked,
    e911_confirm_clicked,
    e911_delete_command,
    e911_disconnect_command,
)
from handlers.e911.ids import (
    E911_CANCEL_ACTION,
    E911_CONFIRM_ACTION,
    E911_CREATE_VIEW,
    E911_UPDATE_VIEW,
    E911_VALIDATE_VIEW,
)
from handlers.e911.show import e911_list_page, e911_numbers_command, e911_show_command
from handlers.e911.submit import (
    e911_create_command,
    e911_create_submitted,
    e911_update_command,
    e911_update_submitted,
    e911_validate_command,
    e911_validate_submitted,
)


def register(app: App, deps: Deps) -> dict[str, Command]:
    app.view(E911_VALIDATE_VIEW)(bind(deps, e911_validate_submitted))
    app.view(E911_CREATE_VIEW)(bind(deps, e911_create_submitted))
    app.view(E911_UPDATE_VIEW)(bind(deps, e911_update_submitted))
    app.action(E911_CONFIRM_ACTION)(bind(deps, e911_confirm_clicked))
    app.action(E911_CANCEL_ACTION)(bind(deps, e911_cancel_clicked))
    app.action(E911_ASSOCIATE_OPEN_ACTION)(bind(deps, e911_associate_open_clicked))
    app.view(E911_ASSOCIATE_VIEW)(bind(deps, e911_associate_submitted))
    return {
        "e911 list": Command(page=e911_list_page),
        "e911 show": Command(run=e911_show_command),
        "e911 numbers": Command(run=e911_numbers_command),
        "e911 validate": Command(run=e911_validate_command, inline=True),
        "e911 create": Command(run=e911_create_command, inline=True),
        "e911 update": Command(run=e911_update_command, inline=True),
        "e911 associate": Command(run=e911_associate_command),
        "e911 disconnect": Command(run=e911_disconnect_command),
        "e911 delete": Command(run=e911_delete_command),
    }

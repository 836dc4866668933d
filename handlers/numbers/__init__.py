"""`/flowroute numbers ...`: inventory, search and buy, the account's numbers, alias and release."""

from __future__ import annotations

from slack_bolt import App

from core.commands import Command, bind
from core.deps import Deps
from handlers.numbers.audit import numbers_audit_command
from handlers.numbers.buy import numbers_buy_clicked, numbers_buy_command, numbers_search_page
from handlers.numbers.ids import NUMBERS_BUY_ACTION, NUMBERS_RELEASE_ACTION
from handlers.numbers.lists import numbers_areacodes_page, numbers_exchanges_page, numbers_list_page
from handlers.numbers.one import (
    numbers_alias_command,
    numbers_release_clicked,
    numbers_release_command,
    numbers_show_command,
)


def register(app: App, deps: Deps) -> dict[str, Command]:
    app.action(NUMBERS_BUY_ACTION)(bind(deps, numbers_buy_clicked))
    app.action(NUMBERS_RELEASE_ACTION)(bind(deps, numbers_release_clicked))
    return {
        "numbers areacodes": Command(page=numbers_areacodes_page),
        "numbers exchanges": Command(page=numbers_exchanges_page),
        "numbers search": Command(page=numbers_search_page),
        "numbers list": Command(page=numbers_list_page),
        "numbers buy": Command(run=numbers_buy_command),
        "numbers show": Command(run=numbers_show_command),
        "numbers alias": Command(run=numbers_alias_command),
        "numbers release": Command(run=numbers_release_command),
        "numbers audit": Command(run=numbers_audit_command),
    }

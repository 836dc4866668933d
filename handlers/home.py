"""The App Home tab: published on `app_home_opened`, on *Refresh*, and after a write the viewer made.

Slack sends `app_home_opened` every time the user opens the tab (https://api.slack.com/events/app_home_opened),
so the Flowroute reads behind it (every number's details, this month's MDRs) are cached for
HOME_CACHE_SECONDS in `deps.caches`; relay health and the audit rows come from the local database each time.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from slack_bolt import App

from core.commands import Command, bind
from core.deps import Deps
from core.errors import log_only
from core.number_checks import account_numbers
from core.work import in_background
from flowroute_api.mdr_tally import MdrTally
from handlers.home_actions import (
    HOME_SEARCH_ACTION,
    HOME_SEARCH_VIEW,
    HOME_SMS_ACTION,
    HOME_SMS_VIEW,
    home_search_clicked,
    home_search_submitted,
    home_sms_clicked,
    home_sms_submitted,
)
from handlers.home_view import HOME_REFRESH_ACTION, HomeData, home_view
from handlers.report import MDR_PAGE_SIZE

log = logging.getLogger("flowroute_bot.home")
EVENT = "app_home_opened"


def register(app: App, deps: Deps) -> dict[str, Command]:
    app.event(EVENT)(bind(deps, app_home_opened))
    app.action(HOME_REFRESH_ACTION)(bind(deps, home_refresh_clicked))
    app.action(HOME_SEARCH_ACTION)(bind(deps, home_search_clicked))
    app.view(HOME_SEARCH_VIEW)(bind(deps, home_search_submitted))
    app.action(HOME_SMS_ACTION)(bind(deps, home_sms_clicked))
    app.view(HOME_SMS_VIEW)(bind(deps, home_sms_submitted))
    deps.audit.after_write.append(lambda user_id: refresh_after_write(deps, user_id))
    return {}


def app_home_opened(deps: Deps, event: dict) -> None:
    if event.get("tab", "home") != "home":  # the Messages tab opens the same event
        return
    in_background(deps, log_only, publish_home, deps, event["user"], event.get("channel"))


def home_refresh_clicked(deps: Deps, ack, body: dict) -> None:
    ack()
    deps.caches.clear_home()
    user_id = body["user"]["id"]
    in_background(deps, log_only, publish_home, deps, user_id, deps.caches.home_viewers.get(user_id))


def refresh_after_write(deps: Deps, user_id: str) -> None:
    """A write changes what the Home shows: read Flowroute again, and republish for its author if they look."""
    deps.caches.clear_home()
    if user_id in deps.caches.home_viewers:
        in_background(deps, log_only, publish_home, deps, user_id, deps.caches.home_viewers[user_id])


def publish_home(deps: Deps, user_id: str, dm_channel: str | None) -> None:
    """Publish the viewer's Home. They count as a viewer first, so a write made while this runs republishes.

    Publishes for one viewer run one at a time, each reading its data under the lock: two that overlap (an
    open, then a write) can no longer finish in the wrong order and leave the older view showing.
    """
    deps.caches.home_viewers[user_id] = dm_channel
    with deps.caches.home_lock(user_id):
        deps.slack.views_publish(user_id=user_id, view=home_view(home_data(deps, user_id, dm_channel)))


def home_data(deps: Deps, user_id: str, dm_channel: str | None = None) -> HomeData:
    return HomeData(
        status=deps.relay.status(),
        callbacks=deps.relay.callback_status(),
        numbers=deps.caches.account_numbers.get(lambda: account_numbers(deps.flowroute)),
        month=deps.caches.month_tally.get(lambda: month_tally(deps)),
        audit_rows=deps.store.get_audit(limit=5),
        now=datetime.now(UTC),
        is_admin=deps.settings.is_admin(user_id),
        dm_channel=dm_channel,
    )


def month_tally(deps: Deps, today: date | None = None) -> MdrTally:
    """This calendar month so far, in FLOWROUTE_BOT_TIMEZONE."""
    zone = ZoneInfo(deps.settings.timezone)
    today = today or datetime.now(zone).date()
    tally = MdrTally(today.replace(day=1), today, zone)
    start, end = tally.utc_bounds()
    return tally.add_all(deps.flowroute.iter_messages(start, end, page_size=MDR_PAGE_SIZE))

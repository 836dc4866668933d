"""Start-up checks: is each credential accepted, and can each service be reached?

A refused credential is final (one line naming the variable, exit 2). A service that cannot be reached
is retried with capped exponential backoff while the HTTP server already answers /healthz with why.
"""

from __future__ import annotations

import logging
import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from core.errors import connection_problem
from flowroute_api import AuthenticationError, FlowrouteClient, FlowrouteError, ForbiddenError

log = logging.getLogger("flowroute_bot.startup")

# auth.test errors that mean the token itself is no good (https://api.slack.com/methods/auth.test#errors);
# anything else (5xx, ratelimited, fatal_error) is a service problem and retried.
SLACK_TOKEN_REFUSED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked"})
FLOWROUTE_KEYS = "FLOWROUTE_ACCESS_KEY / FLOWROUTE_SECRET_KEY"
# slack_sdk logs every failed request at ERROR; during start-up our own one line per attempt says it.
_SLACK_CHECK_LOG = logging.getLogger("flowroute_bot.startup.slack_sdk")
_SLACK_CHECK_LOG.setLevel(logging.CRITICAL)


class CredentialRefused(Exception):
    """A service answered and said no to our credential; start-up stops."""


class Unreachable(Exception):
    """No usable answer from a service yet; start-up retries."""


def check_slack(token: str, api_url: str) -> SlackResponse:
    """auth.test with the bot token; its answer (team, bot user) is what Bolt would ask for."""
    client = WebClient(token=token, base_url=api_url, timeout=10, retry_handlers=[], logger=_SLACK_CHECK_LOG)
    try:
        return client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error") or "unknown_error"
        if code in SLACK_TOKEN_REFUSED:
            raise CredentialRefused(f"SLACK_BOT_TOKEN was refused by Slack ({code})") from None
        raise Unreachable(f"Slack auth.test answered HTTP {error.response.status_code} {code}") from None
    except (OSError, SlackClientError) as error:
        raise Unreachable(f"Slack cannot be reached at {api_url}: {connection_problem(error)}") from None


def check_flowroute(access_key: str, secret_key: str, api_url: str) -> None:
    """One cheap authenticated GET (the first page of our numbers, one item)."""
    client = FlowrouteClient(access_key, secret_key, base_url=api_url, max_retries=0, timeout=(5, 15))
    try:
        client.list_numbers(limit=1)
    except (AuthenticationError, ForbiddenError) as error:
        raise CredentialRefused(f"{FLOWROUTE_KEYS} were refused by Flowroute (HTTP {error.status})") from None
    except FlowrouteError as error:
        raise Unreachable(f"{error} (at {api_url})") from None
    finally:
        client.close()


def wait_for_services(settings, health, stopping: threading.Event) -> SlackResponse | None:
    """Check Slack and Flowroute until both answer; None when `stopping` is set first.

    Raises CredentialRefused. Each failed attempt is one log line and the reason /healthz gives.
    """
    delay, cap = settings.startup_backoff
    slack_auth, flowroute_ok = None, False
    while True:
        problems = []
        if slack_auth is None:
            try:
                slack_auth = check_slack(settings.slack_bot_token, settings.slack_api_url)
            except Unreachable as error:
                problems.append(str(error))
        if not flowroute_ok:
            try:
                check_flowroute(settings.flowroute_access_key, settings.flowroute_secret_key,
                                settings.flowroute_api_url)
                flowroute_ok = True
            except Unreachable as error:
                problems.append(str(error))
        if not problems:
            return slack_auth
        reason = "; ".join(problems)
        health.waiting(reason)
        log.warning("Not ready: %s; retrying in %g s", reason, delay)
        if stopping.wait(delay):
            return None
        delay = min(delay * 2, cap)

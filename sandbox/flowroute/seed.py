"""The deterministic seed data the sandbox starts from (and ``reset()`` goes back to).

The same seed gives the same inventory, account and messages: five account numbers (one toll-free, one with
no alias), the default sip-reg route plus a host, a uri and a number route, four edge strategies, three E911
addresses, two CNAM records (one approved), a few hundred purchasable numbers (three always available) and
twenty MDRs in the three days before the sandbox started, one of them an MMS and one UCS-2.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sandbox.flowroute.records import cnam_time, is_toll_free, mdr_record

INVENTORY_KEYS = ("value", "rate_center", "state", "number_type", "iso_country", "setup_cost", "monthly_cost")


_LOCAL_AREAS = (
    ("206", "seattle", "wa"),
    ("425", "bellevue", "wa"),
    ("312", "chicago", "il"),
    ("646", "nwyrcyzn01", "ny"),
    ("415", "sanfrancisco", "ca"),
    ("503", "portland", "or"),
)
_TOLL_FREE_AREAS = ("844", "888")
_SETUP_COSTS = (0.0, 1.0, 3.5)
_MONTHLY_COSTS = (1.25, 1.75, 2.5)
_GUARANTEED_AVAILABLE = {
    "12065550142": ("seattle", "wa", 1.0, 1.25),
    "13125550188": ("chicago", "il", 0.0, 1.25),
    "14155550123": ("sanfrancisco", "ca", 3.5, 2.5),
}
# value, alias, rate center, state, primary route, failover route, e911, cnam, cnam lookups
_SEED_ACCOUNT = (
    ("12065550100", "Seattle support", "seattle", "wa", "1", "0", "1", "1", True),
    ("12065550101", "Seattle sales", "seattle", "wa", "0", None, None, None, False),
    ("13125550123", "Chicago NOC", "chicago", "il", "2", None, "2", None, False),
    ("16465550199", None, "nwyrcyzn01", "ny", "0", None, None, None, False),
    ("18885550142", "Hotline", None, None, "0", None, None, None, False),
)
_REMOTE_NUMBERS = ("12065559876", "14255551234", "15035550177", "17735550100")
SEED_ROUTES = {
    "0": {"route_type": "sip-reg", "alias": "sip-reg", "value": None, "edge_strategy_id": None},
    "1": {"route_type": "host", "alias": "office-pbx", "value": "pbx.example.com:5060", "edge_strategy_id": 1},
    "2": {"route_type": "uri", "alias": "noc-uri", "value": "sip:noc@example.net", "edge_strategy_id": None},
    "3": {"route_type": "number", "alias": "forward-to-cell", "value": "12065550999", "edge_strategy_id": None},
}
# Firewall ranges are RFC 5737 documentation blocks, not Flowroute's real ones.
EDGE_STRATEGIES = (
    (1, "US-West-OR", "Hillsboro, Oregon", "192.0.2.0/28", "us-west-or.sip.flowroute.com"),
    (2, "US-East-VA", "Ashburn, Virginia", "192.0.2.16/28", "us-east-va.sip.flowroute.com"),
    (3, "US-East-NJ", "Newark, New Jersey", "198.51.100.0/28", "us-east-nj.sip.flowroute.com"),
    (4, "US-Central-IL", "Chicago, Illinois", "203.0.113.0/28", "us-central-il.sip.flowroute.com"),
)
E911_FIELDS = (
    "label",
    "first_name",
    "last_name",
    "street_number",
    "street_name",
    "address_type",
    "address_type_number",
    "city",
    "state",
    "country",
    "zip",
)
SEED_E911S = {
    "1": ("Seattle HQ", "John", "Doe", "1218", "3rd Ave", "Suite", "600", "Seattle", "WA", "US", "98101"),
    "2": ("Chicago NOC", "Jane", "Roe", "233", "S Wacker Dr", "Floor", "12", "Chicago", "IL", "US", "60606"),
    "3": ("Spare", "Sam", "Poe", "100", "Main St", None, None, "Portland", "OR", "US", "97204"),
}
_SEED_CNAMS = {"1": ("ACME OPS", True), "2": ("ACME SALES", False)}
_SEED_BODIES = (
    "Are you open today?",
    "Ticket 4411 is resolved, thanks!",
    "Can someone call me back about the outage?",
    "Reminder: maintenance window tonight 22:00-23:00",
    "Yes, we are on it.",
    "Café opens at 9 ☕",
    "STOP",
    "Confirmed for Tuesday.",
)
_SEED_MDR_COUNT = 20
_SEED_MMS_INDEX = 7
_SEED_UNICODE_INDEX = 12  # one UCS-2 record (message_encoding 8)


def inventory_entry(value, rate_center, state, number_type, setup, monthly) -> dict:
    return dict(zip(INVENTORY_KEYS, (value, rate_center, state, number_type, "US", setup, monthly), strict=True))


def build_inventory(rng: random.Random) -> dict[str, dict]:
    """A few hundred purchasable numbers, the same for the same seed."""
    taken = {row[0] for row in _SEED_ACCOUNT} | set(_REMOTE_NUMBERS)
    inventory: dict[str, dict] = {}
    exchange_pool = [str(code) for code in range(200, 1000) if code != 555 and code % 100 != 11]
    areas = [(npa, rc, st, "longcode", 12) for npa, rc, st in _LOCAL_AREAS]
    areas += [(npa, None, None, "toll-free", 15) for npa in _TOLL_FREE_AREAS]
    for npa, rate_center, state, number_type, per_exchange in areas:
        extra = 2 if number_type == "longcode" else 1
        for exchange in ["555", *rng.sample(exchange_pool, extra)]:
            for line in rng.sample(range(10000), per_exchange):
                value = f"1{npa}{exchange}{line:04d}"
                if value not in taken:
                    setup, monthly = rng.choice(_SETUP_COSTS), rng.choice(_MONTHLY_COSTS)
                    inventory[value] = inventory_entry(value, rate_center, state, number_type, setup, monthly)
    for value, (rate_center, state, setup, monthly) in _GUARANTEED_AVAILABLE.items():
        inventory[value] = inventory_entry(value, rate_center, state, "longcode", setup, monthly)
    return inventory


def account_record(entry: dict, *, alias=None, cnam_lookups=False, messaging=True) -> dict:
    return {
        **entry,
        "alias": alias,
        "cnam_lookups_enabled": cnam_lookups,
        "messaging_enabled": messaging,
        "primary_route": "0",
        "failover_route": None,
        "e911": None,
        "cnam": None,
        "callbacks": {},
    }


def seed_account() -> dict[str, dict]:
    numbers = {}
    for value, alias, rate_center, state, primary, failover, e911, cnam, lookups in _SEED_ACCOUNT:
        number_type = "toll-free" if is_toll_free(value) else "longcode"
        entry = inventory_entry(value, rate_center, state, number_type, 1.0, 1.25)
        record = account_record(entry, alias=alias, cnam_lookups=lookups)
        record.update(primary_route=primary, failover_route=failover, e911=e911, cnam=cnam)
        numbers[value] = record
    return numbers


def seed_cnams(seed_now: datetime) -> dict[str, dict]:
    """The two seed CNAM records: one approved, one waiting for review."""
    created = cnam_time(seed_now - timedelta(days=30))
    approved = cnam_time(seed_now - timedelta(days=28))
    return {
        key: {
            "value": value,
            "is_approved": ok,
            "rejection_reason": None,
            "creation_datetime": created,
            "approval_datetime": approved if ok else None,
        }
        for key, (value, ok) in _SEED_CNAMS.items()
    }


def seed_mdrs(state, rng: random.Random, seed_now: datetime) -> None:
    """Twenty messages in the three days before `seed_now`, one of them an MMS and one UCS-2."""
    ours = [row[0] for row in _SEED_ACCOUNT]
    records = []
    for index in range(_SEED_MDR_COUNT):
        mdr_id = f"mdr2-{rng.getrandbits(128):032x}"
        moment = seed_now - timedelta(seconds=rng.randint(60, 3 * 86400 - 60))
        mine, remote = rng.choice(ours), rng.choice(_REMOTE_NUMBERS)
        direction = rng.choice(("inbound", "outbound"))
        body = rng.choice(_SEED_BODIES) if index != _SEED_UNICODE_INDEX else "Café opens at 9 ☕"
        if index == _SEED_MMS_INDEX:
            media_id = state.add_media("https://mms.example.com/photos/rack-photo.jpg", 0, rng)
            records.append(
                mdr_record(
                    mdr_id,
                    direction="inbound",
                    from_="14255551234",
                    to="12065550100",
                    body="Photo of the rack",
                    moment=moment,
                    media_ids=[media_id],
                    is_mms=True,
                )
            )
            continue
        from_, to = (remote, mine) if direction == "inbound" else (mine, remote)
        records.append(mdr_record(mdr_id, direction=direction, from_=from_, to=to, body=body, moment=moment))
    state.add_mdrs(records)

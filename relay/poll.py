"""The relay's poll, fetch and save: Flowroute's message records from the watermark on, new inbound ones saved
with their outbox rows and media in one transaction per page; the watermark moves only after every page."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
import urllib3

from blocks.text import iso_utc, parse_time, plural
from flowroute_api import FlowrouteError, InvalidNumberError, NotFoundError, attributes, iter_pages, normalize_number
from relay.optouts import record_keywords

log = logging.getLogger("flowroute_bot.relay")

WATERMARK = "relay_watermark"  # newest MDR time of the last complete poll (Flowroute's clock, capped at ours)
FLOOR = "relay_floor"  # records older than this were history when the relay first started: never posted
LAST_POLL = "relay_last_poll"


@dataclass
class PollResult:
    pages: int = 0
    inbound: int = 0  # inbound records listed in the window, new or not
    new: int = 0
    queued: int = 0  # outbox rows created
    unrouted: int = 0
    watermark: str | None = None

    def summary(self) -> str:
        return (f"{plural(self.new, 'new inbound message')}, {self.queued} queued for Slack, "
                f"{self.unrouted} unrouted ({plural(self.pages, 'page')} read)")


class MediaError(Exception):
    """A media file could not be downloaded; the text is still posted with a line saying so."""


class Poller:
    """The fetch-and-save half of the Relay (relay/service.py), which owns the store, clients and config."""

    def _poll(self) -> PollResult:
        floor = parse_time(self.store.get_state(FLOOR))
        watermark = parse_time(self.store.get_state(WATERMARK)) or datetime.now(UTC)
        start = watermark - self.config.overlap
        if floor is not None and start < floor:
            start = floor
        route = self._router()
        result = PollResult()
        newest = watermark

        def fetch(limit, offset):
            return self.flowroute.list_messages(start, limit=limit, offset=offset)

        # A page shorter than page_size is not the end while it has links.next (a server-side page cap).
        for page in iter_pages(fetch, page_size=self.config.page_size):
            fresh = [record for record in page if record.get("id")]
            newest = max([newest, *(moment for moment in map(record_time, fresh) if moment is not None)])
            self._ingest(fresh, route, floor, result)
            result.pages += 1
        newest = min(newest, datetime.now(UTC))  # a record stamped in the future must not skip the present
        result.watermark = iso_utc(newest)
        self.store.save_state(WATERMARK, result.watermark)
        return result

    def _ingest(self, records: list[dict], route, floor: datetime | None, result: PollResult) -> None:
        inbound = [record for record in records if attributes(record).get("direction") == "inbound"
                   and not (floor and (record_time(record) or floor) < floor)]
        result.inbound += len(inbound)
        if not inbound:
            return
        ids = [record["id"] for record in inbound]
        known, done = self.store.get_known_ids(ids), self.store.get_outbox_pairs(ids)
        rows, outbox, media = [], [], []
        for record in inbound:
            if record["id"] in known:
                continue
            row = self._inbound_row(record)
            channels, kind = route(row["to_number"])
            row["channels"] = len(channels)
            todo = [channel for channel in channels if (row["mdr_id"], channel) not in done]
            outbox += [{"mdr_id": row["mdr_id"], "channel_id": channel, "at": row["at"], "route": kind}
                       for channel in todo]
            if row["is_mms"] and todo:
                media += self._fetch_media(record)
            rows.append(row)
            result.unrouted += not channels
        result.new += self.store.save_inbound(rows, outbox, media)
        record_keywords(self.store, rows)  # STOP, UNSTOP...: before any post, so a reply is refused at once
        result.queued += len(outbox)

    def _inbound_row(self, record: dict) -> dict:
        fields = attributes(record)
        to_number = clean_number(fields.get("to"))
        return {
            "mdr_id": record["id"], "at": iso_utc(record_time(record) or datetime.now(UTC)),
            "from_number": clean_number(fields.get("from")), "to_number": to_number,
            "to_alias": self._alias(to_number), "body": str(fields.get("body") or ""),
            "is_mms": int(str(fields.get("is_mms")).lower() in ("true", "1") or bool(media_refs(record))),
        }

    def _router(self) -> Callable[[str], tuple[list[str], str | None]]:
        """A number's own channels, else the `all` channels, else the inbox channel, else nowhere."""
        by_number: dict[str, list[str]] = {}
        for row in self.store.get_subscriptions():
            by_number.setdefault(row["number"], []).append(row["channel_id"])
        everyone, inbox = by_number.pop("all", []), self.settings.inbox_channel

        def route(number: str) -> tuple[list[str], str | None]:
            if by_number.get(number):
                return by_number[number], "number"
            if everyone:
                return everyone, "all"
            return ([inbox], "inbox") if inbox else ([], None)

        return route

    def _alias(self, number: str) -> str | None:
        cached = self._aliases.get(number)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        ttl = self.config.alias_ttl_seconds
        try:
            alias = attributes((self.flowroute.get_number(number) or {}).get("data") or {}).get("alias")
        except (FlowrouteError, InvalidNumberError):
            alias, ttl = None, min(ttl, 60)
        self._aliases[number] = (time.monotonic() + ttl, alias)
        return alias

    def _fetch_media(self, record: dict) -> list[dict]:
        """Download an MMS's files now: Flowroute's links are pre-signed and expire."""
        mdr_id = record["id"]
        try:
            document = self.flowroute.get_message(mdr_id) or {}
        except NotFoundError as error:
            return [media_row(mdr_id, 0, "media", error=f"the media list could not be read: {error}")]
        included = {item.get("id"): item for item in document.get("included") or [] if item.get("type") == "media"}
        rows = []
        for position, ref in enumerate(media_refs(document.get("data") or record)):
            fields = attributes(included.get(ref.get("id")) or {})
            row = media_row(mdr_id, position, fields.get("file_name") or str(ref.get("id") or "media"),
                            mime_type=fields.get("mime_type"))
            try:
                row["content"] = self._download(fields.get("url"))
                row["size"] = len(row["content"])
            except MediaError as error:
                row["error"] = str(error)
                log.warning("MMS %s: media %s not downloaded: %s", mdr_id, position, error)
            rows.append(row)
        return rows

    def _download(self, url: str | None) -> bytes:
        if not url or not str(url).startswith(("https://", "http://")):
            raise MediaError("Flowroute gave no download link")
        for attempt in (1, 2):
            try:
                with self.http.get(url, timeout=(5, self.config.media_timeout), stream=True) as response:
                    if response.status_code >= 500 and attempt == 1:
                        continue
                    if response.status_code != 200:
                        raise MediaError(f"HTTP {response.status_code}, the link may have expired")
                    content = response.raw.read(self.config.max_media_bytes + 1, decode_content=True)
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
                if attempt == 1:
                    continue
                raise MediaError(f"download failed ({type(error).__name__})") from None
            if len(content) > self.config.max_media_bytes:
                raise MediaError(f"larger than {self.config.max_media_bytes // (1024 * 1024)} MB")
            return content
        raise MediaError("Flowroute's media server kept failing")


def media_refs(resource: dict) -> list[dict]:
    return ((resource.get("relationships") or {}).get("media") or {}).get("data") or []


def media_row(mdr_id: str, position: int, file_name: str, *, mime_type=None, error=None) -> dict:
    return {"mdr_id": mdr_id, "position": position, "file_name": file_name, "mime_type": mime_type,
            "size": None, "content": None, "error": error}


def clean_number(value) -> str:
    try:
        return normalize_number(value if isinstance(value, int) else str(value or ""))
    except InvalidNumberError:
        return "".join(ch for ch in str(value or "") if ch.isdigit()) or str(value or "")


def record_time(record: dict) -> datetime | None:
    return parse_time(attributes(record).get("timestamp"))

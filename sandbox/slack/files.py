"""Files: files.getUploadURLExternal, POST <upload_url> (raw bytes, as slack_sdk sends them, or multipart),
files.completeUploadExternal (shares the file in a channel), GET <file url_private> with the bot token.
"""

from __future__ import annotations

import copy
import mimetypes
import time

from sandbox.slack.checks import as_messages
from sandbox.slack.records import ApiError, UploadedFile
from sandbox.slack.wire import int_arg, json_arg, multipart_file


def _png_size(content: bytes | None) -> dict:
    """original_w / original_h, as Slack's file objects give them for images (PNG only here: its IHDR)."""
    if not content or not content.startswith(b"\x89PNG\r\n\x1a\n") or len(content) < 24:
        return {}
    width, height = int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    return {"original_w": width, "original_h": height}


class FilesApi:
    """The file upload flow and file downloads (mixed into SlackEmulator, which holds the state)."""

    @property
    def uploaded_files(self) -> dict[str, UploadedFile]:
        with self._lock:
            return copy.deepcopy(self._files)

    # -- Web API and HTTP: files ----------------------------------------------------------------------

    def _files_get_upload_url(self, args: dict) -> dict:
        filename = str(args.get("filename") or "")
        length = int_arg(args, "length", -1)
        if not filename or length < 0:
            raise ApiError("invalid_arguments",
                           **as_messages(["missing required field: filename or length [json-pointer:/]"]))
        file_id = f"F{self._next_number():09d}"
        self._files[file_id] = UploadedFile(
            id=file_id, name=filename, length=length,
            mimetype=mimetypes.guess_type(filename)[0] or "application/octet-stream",
            alt_txt=args.get("alt_txt"), snippet_type=args.get("snippet_type"), created=int(time.time()),
        )
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _serve_upload(self, file_id: str, raw: bytes, content_type: str) -> tuple:
        """The upload URL: slack_sdk POSTs the raw bytes (no multipart); multipart is accepted too."""
        data = multipart_file(raw, content_type) if content_type.startswith("multipart/") else raw
        with self._lock:
            record = self._files.get(file_id)
            if record is None or record.completed:
                return 404, b"file_not_found", "text/plain; charset=utf-8", {}
            record.content = data
        return 200, f"OK - {len(data)}".encode(), "text/plain; charset=utf-8", {}

    def _serve_file_download(self, rest: str, headers) -> tuple:
        if (headers.get("Authorization") or "") != f"Bearer {self.token}":
            return 403, b"forbidden", "text/plain; charset=utf-8", {}
        with self._lock:
            record = self._files.get(rest.split("/", 1)[0])
            content = record.content if record and record.completed else None
        if content is None:
            return 404, b"file_not_found", "text/plain; charset=utf-8", {}
        return 200, content, record.mimetype, {}

    def file_object(self, record: UploadedFile) -> dict:
        """A file as Slack's Web API and message payloads show it (images with their pixel size)."""
        return {**_png_size(record.content),
            "id": record.id, "created": record.created, "timestamp": record.created, "name": record.name,
            "title": record.title or record.name, "mimetype": record.mimetype,
            "filetype": record.name.rsplit(".", 1)[-1] if "." in record.name else "binary",
            "user": record.user, "size": len(record.content or b""), "mode": "hosted", "is_external": False,
            "url_private": f"{self.url}/files/{record.id}/{record.name}",
            "permalink": f"https://{self.team_domain}.slack.com/files/{record.user}/{record.id}/{record.name}",
            "channels": list(record.channels),
        }

    def _files_complete_upload(self, args: dict) -> dict:
        items = json_arg(args, "files", "invalid_arguments")
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            raise ApiError("invalid_arguments", **as_messages(["must provide files [json-pointer:/files]"]))
        records = []
        for item in items:
            record = self._files.get(str(item.get("id") or ""))
            if record is None or record.content is None or record.completed:
                raise ApiError("file_not_found")  # [guess] Slack's exact code for a file never uploaded
            records.append((record, item.get("title")))
        channel_refs = [args["channel_id"]] if args.get("channel_id") else []
        channel_refs += [c for c in str(args.get("channels") or "").split(",") if c]
        channels = [self._writable_channel(ref) for ref in channel_refs]
        parents = {c.id: self._thread_parent(c.id, args["thread_ts"]) if args.get("thread_ts") else None
                   for c in channels}
        for record, title in records:
            record.title = title or record.name
            record.completed = True
            record.user = self.bot_user_id
            record.channels = [c.id for c in channels]
        file_objects = [self.file_object(record) for record, _ in records]
        content = {"text": str(args.get("initial_comment") or "")}
        for channel in channels:
            self._store(channel.id, self.bot_user_id, content, source="api", parent=parents[channel.id],
                        files=copy.deepcopy(file_objects))
        return {"files": file_objects}

    def add_user_file(self, name: str, content: bytes, *, user: str, mimetype: str | None = None,
                      title: str | None = None) -> dict:
        """Store a completed file as if a user had uploaded it; returns its Slack file object."""
        with self._lock:
            file_id = f"F{self._next_number():09d}"
            record = UploadedFile(
                id=file_id, name=name, length=len(content), title=title or name, content=content,
                mimetype=mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream",
                completed=True, user=user, created=int(time.time()),
            )
            self._files[file_id] = record
            return self.file_object(record)

"""A Slack Web API emulator on loopback, and a driver that plays Slack's part towards the bot.

Nothing here talks to the internet. Tests, the benchmark and the terminal console build on it.

Each module's docstring is the spec of its part of the fake (Slack's public docs: the Web API methods, Block Kit,
response_url and the request signature at docs.slack.dev / api.slack.com):

  emulator.py       SlackEmulator: lifecycle, the seeded workspace, inspection, control, HTTP dispatch
  conversations.py  the message store; auth.test, users.*, conversations.*, chat.*, reactions.*
  views.py          views.open / .update / .push, the view store, view state as Slack reports it
  files.py          the external file upload (getUploadURLExternal, upload, completeUploadExternal), downloads
  response_urls.py  the response_url receiver and slash-command acks
  checks.py         Block Kit validation against Slack's main limits
  wire.py           request bodies, arguments and cursors
  records.py        Message, Call, UploadedFile, CommandResult, the two errors, Slack's limits
  driver.py         SlackDriver: Slack's side towards the bot's HTTP endpoint, every request signed like Slack's
"""

from sandbox.slack.checks import blocks_errors, view_errors
from sandbox.slack.driver import SlackDriver
from sandbox.slack.emulator import SlackEmulator
from sandbox.slack.records import ApiError, Call, CommandResult, Message, SlackDriverError, UploadedFile
from sandbox.slack.views import find_element, state_entry, view_state

__all__ = [
    "ApiError", "Call", "CommandResult", "Message", "SlackDriver", "SlackDriverError", "SlackEmulator",
    "UploadedFile", "blocks_errors", "find_element", "state_entry", "view_errors", "view_state",
]

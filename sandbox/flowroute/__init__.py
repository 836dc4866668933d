"""A local Flowroute API sandbox over real HTTP: every endpoint the bot uses, from Flowroute's public API reference
(developer.flowroute.com: Numbers v2, Routes v2, Messages v2.1, E911 v2, CNAM v2, Porting, CDR exports).

Start it in-process with ``FlowrouteSandbox().start()`` (returns ``http://127.0.0.1:PORT``) or standalone with
``python -m sandbox.flowroute --port 8081``. State lives in memory behind one lock and starts from deterministic
seed data (``seed.py``); ``reset()`` goes back to it.

Each module's docstring is the spec of its part of the fake:

  server.py      FlowrouteSandbox: the HTTP server, its Python controls, the routing table, auth and body checks
  control.py     the /sandbox/... control endpoints (inject messages, fail, latency, behaviour, reset, media)
  state.py       what the API can change, and the behaviour switches (ways the real API may behave)
  seed.py        the seed data
  numbers.py     /v2/numbers...: search, buy, list, change, release; routes and callbacks of a number
  routes.py      /v2/routes...: inbound routes and edge strategies
  messages.py    /v2.1/messages...: send, MDR list and get, account callbacks
  e911.py        /v2/e911s... and a number's E911 address
  cnam.py        /v2/cnams... and a number's CNAM record
  porting.py     /v2/portorders/portability and /v2/cdrs/exports...
  optouts.py     the carrier-side STOP: an inbound STOP blocks sends back until UNSTOP
  callbacks.py   inbound message and delivery receipt callbacks POSTed to the URLs set (/sandbox/callbacks)
  history.py     weeks of message history and a bigger account, on demand (seed_history, seed_numbers)
  plumbing.py    what every endpoint shares: refusals, query arguments, paging, JSON:API bodies
  records.py     times, numbers, MDR records and media as Flowroute writes them
  resources.py   the JSON:API resource objects
  answers.py     HTTP responses and error bodies

An unknown path is 404, a known path with another method 405. Guesses where the docs are silent are marked
"Guess:" in the modules.
"""

from sandbox.flowroute.plumbing import CALLBACK_TYPES, JSON_API, NOT_FOUND_DETAIL
from sandbox.flowroute.records import mdr_record
from sandbox.flowroute.server import FlowrouteSandbox, RecordedRequest
from sandbox.flowroute.state import DEFAULT_BEHAVIOUR

__all__ = [
    "CALLBACK_TYPES",
    "DEFAULT_BEHAVIOUR",
    "JSON_API",
    "NOT_FOUND_DETAIL",
    "FlowrouteSandbox",
    "RecordedRequest",
    "mdr_record",
]

"""Serve sandbox/flowroute_porting.py's routes from the Flowroute sandbox before they are wired in.

`include_porting_routes(monkeypatch)` does for one test what the two wiring lines in
sandbox/flowroute.py will do for good (add PORTING_ENDPOINTS to its route table); once they are
there it changes nothing.
"""

import re

from sandbox import flowroute
from sandbox.flowroute_porting import PORTING_ENDPOINTS


def include_porting_routes(monkeypatch) -> None:
    served = {pattern.pattern for pattern, _methods in flowroute._COMPILED}
    missing = [(re.compile(pattern), methods) for pattern, methods in PORTING_ENDPOINTS if pattern not in served]
    if missing:
        monkeypatch.setattr(flowroute, "_COMPILED", flowroute._COMPILED + missing)

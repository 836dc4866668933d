"""Local stand-ins for Flowroute and Slack used by the demo console, the tests and the benchmarks: the Flowroute
API sandbox (`flowroute/`), the Slack Web API emulator and driver (`slack/`), Flowroute's callback bodies and
sender (`callbacks.py`), the HTTP server under both (`loopback.py`), the bot wired to both (`stack.py`) and the
terminal console (`console/`)."""

"""``python -m sandbox.flowroute --port 8081``: the Flowroute sandbox on its own, until Ctrl-C."""

from __future__ import annotations

import argparse
import threading

from sandbox.flowroute.server import FlowrouteSandbox


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.flowroute", description="Run the Flowroute sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--access-key", default="sandbox-access-key")
    parser.add_argument("--secret-key", default="sandbox-secret-key")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--media-ttl", type=float, default=3600.0)
    args = parser.parse_args(argv)
    sandbox = FlowrouteSandbox(args.access_key, args.secret_key, seed=args.seed, media_ttl=args.media_ttl)
    url = sandbox.start(args.host, args.port)
    print(f"Flowroute sandbox at {url}")
    print(f"  access key: {sandbox.access_key}")
    print(f"  secret key: {sandbox.secret_key}  (sandbox-only credentials)")
    print("Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()

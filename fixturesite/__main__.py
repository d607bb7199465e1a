"""python -m fixturesite [--host H] [--port P] [--generated N] [--sources-out FILE]"""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from .server import SITE_ORDER, FixtureServer


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m fixturesite",
                                 description="Serve Marsad's fixture Arabic news sites on loopback.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8730,
                    help="base port: wp=port, portal=port+1, maghreb=port+2, gen=port+3 (0: free ports)")
    ap.add_argument("--generated", type=int, default=0, metavar="N",
                    help="also serve N generated benchmark articles (site 'gen')")
    ap.add_argument("--hang-seconds", type=float, default=30.0,
                    help="how long the hanging page waits before answering")
    ap.add_argument("--sources-out", metavar="FILE", help="write a source registry (YAML) for these ports")
    args = ap.parse_args(argv)
    if args.generated < 0:
        ap.error("--generated must be >= 0")
    srv = FixtureServer(host=args.host, ports=None if args.port == 0 else args.port,
                        generated=args.generated, hang_seconds=args.hang_seconds)
    try:
        srv.start()
    except OSError as exc:
        print(f"fixturesite: cannot listen on {args.host} from port {args.port}: {exc}", file=sys.stderr)
        return 2
    for key in SITE_ORDER:
        if key in srv.base_urls:
            print(f"{key:8s} {srv.base_urls[key]}/", flush=True)
    if args.sources_out:
        print(f"registry {srv.write_sources(args.sources_out)}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            pass
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

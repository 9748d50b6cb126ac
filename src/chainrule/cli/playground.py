"""``chainrule playground``: TensorFlow Playground's setups in the browser, trained by chainrule.

    chainrule playground                    # http://127.0.0.1:8000/, opens the browser
    chainrule playground --port 8123 --no-browser
"""

from __future__ import annotations

import sys

from chainrule.validation import integer

ORDER = 60
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "playground", help="the browser playground: train and see backprop in a page",
        description="Serve the playground on a local web server and open it in the browser. "
                    "Every number on the page comes from chainrule; one session per tab.")
    p.add_argument("--port", type=int, default=8000,
                   help="TCP port (default 8000; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(func=run)


def run(args) -> int:
    from chainrule.errors import ConfigError

    port = integer(args.port, "--port", minimum=0, maximum=65535)
    host = args.host.strip()
    if not host or any(c.isspace() for c in host):
        raise ConfigError(f"--host must be an address such as 127.0.0.1, found {args.host!r}")
    if host not in LOOPBACK:
        print(f"chainrule: warning: listening on {host}: anyone who can reach this machine "
              "can use the playground (it has no login); use --host 127.0.0.1 to keep it "
              "local", file=sys.stderr)
    from chainrule.playground.server import serve

    try:
        serve(host, port, open_browser=not args.no_browser)
    except KeyboardInterrupt:
        pass
    return 0

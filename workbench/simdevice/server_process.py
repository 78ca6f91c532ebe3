"""python -m workbench.simdevice.server_process web|rtsp --port P --workdir W [--log FILE] [--drop]
    [--cert C --key K] [--crash-over N]

One of the camera's Python servers in a process of its own, as a camera's daemons run: it binds its port as
root and opens what it needs (the password holder, the security log, its TLS key); with --drop (the clean
camera) it then gives up root for good and serves as `nobody`. Without (the defective camera) it stays root:
the planted ATK-07 defect. It serves until SIGTERM; the defective RTSP server that "crashes" on a long
request line exits with 139, as a daemon killed by a segmentation fault."""

from __future__ import annotations

import argparse
import codecs
import email.parser  # noqa: F401 - loaded now: once `nobody`, the interpreter's files may be unreadable
import html  # noqa: F401 - the same
import signal
import sys
import threading
import urllib.parse  # noqa: F401 - the same
from pathlib import Path

from . import rtsp, web
from .devlog import DeviceLog
from .password import PasswordHolder
from .privileges import drop_to, name_process
from .tcp import Server

NAMES = {"web": "uhttpd", "rtsp": "rtspd"}  # as /proc/PID/comm and the log's tags show them
CRASH_EXIT = 139


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m workbench.simdevice.server_process", description=__doc__)
    parser.add_argument("server", choices=sorted(NAMES))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--log", type=Path, help="the unit's security log (none: log nothing)")
    parser.add_argument("--drop", action="store_true", help="give up root for `nobody` once bound")
    parser.add_argument("--password", action="store_true", help="logins need the unit's password")
    parser.add_argument("--cert", type=Path)
    parser.add_argument("--key", type=Path)
    parser.add_argument("--crash-over", type=int)
    return parser.parse_args(argv)


def bind(options: argparse.Namespace) -> Server | web.HttpsServer:
    """The server, bound and listening, not yet serving."""
    log = DeviceLog(options.log, NAMES[options.server])
    holder = PasswordHolder(options.workdir) if options.password or options.server == "web" else None
    if options.server == "web":
        if holder is None or options.cert is None or options.key is None:
            raise SystemExit("server_process web: --cert and --key are needed")
        return web.HttpsServer(
            options.port, web.tls_context(options.cert, options.key), web.WebSettings(holder, log)
        )
    return Server(
        options.port, rtsp.RtspHandler, rtsp.RtspSettings(holder, crash_over=options.crash_over, log=log)
    )


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    name_process(NAMES[options.server])
    for encoding in ("latin-1", "iso-8859-1", "utf-8", "ascii", "idna"):
        codecs.lookup(encoding)
    server = bind(options)
    if options.drop:
        drop_to()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server.start()
    crashed = getattr(server, "stopping", threading.Event())
    while not stop.wait(0.2):
        if crashed.is_set():
            return CRASH_EXIT
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""python -m workbench.simdevice --variant defective|clean|hostile --workdir DIR [--ready-file F] [-- CMD ...]

Starts the variant on 127.0.0.1 (inside a private network namespace only), prints one line
`simdevice <variant> ready: tcp/...`, then runs CMD (its exit code becomes ours) or waits for SIGTERM/SIGINT,
and stops every server."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
from pathlib import Path

from .device import SimDeviceError, running, write_ready_file
from .variants import VARIANTS, describe


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m workbench.simdevice", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", required=True,
                        help=f"{' | '.join(VARIANTS)}, or several joined with + (e.g. defective+hostile)")
    parser.add_argument("--workdir", type=Path,
                        help="where configs, keys, logs go (required unless --describe)")
    parser.add_argument("--ready-file", type=Path, help="written (JSON: ports, PIDs, password) once ready")
    parser.add_argument("--describe", action="store_true",
                        help="print what the variant plants (JSON) and exit")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- CMD ...: run it, then stop")
    options = parser.parse_args(argv)
    if options.command[:1] == ["--"]:
        options.command = options.command[1:]
    if options.workdir is None and not options.describe:
        parser.error("--workdir is required")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    if options.describe:
        import json

        print(json.dumps(describe(options.variant), indent=1))
        return 0
    stop = threading.Event()
    child: list[subprocess.Popen[bytes]] = []

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()
        for process in child:
            process.send_signal(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        with running(options.variant, options.workdir) as device:
            print(device.ready_line(), flush=True)
            if options.ready_file is not None:
                write_ready_file(options.ready_file, device)
            if not options.command:
                while not stop.wait(0.5):
                    pass
                return 0
            if stop.is_set():
                return 128 + signal.SIGTERM
            child.append(subprocess.Popen(options.command))
            code = child[0].wait()
            return code if code >= 0 else 128 - code
    except (SimDeviceError, ValueError) as failure:
        print(f"simdevice: {failure}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

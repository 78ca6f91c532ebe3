"""The probe's evidence capture: tcpdump records every packet between this machine and the target.

`with EvidenceCapture(interface, target, pcap):` starts `tcpdump -i IFACE -U --immediate-mode -s 0 -w
FILE host TARGET`, returns once tcpdump says it is listening (so the first test's first packet is in
the file), and at the end stops it with SIGINT and reads its summary: how many packets it wrote and
how many the kernel dropped. The probe does not run without its capture: a missing or refused tcpdump
raises CaptureError before anything is sent.

`--immediate-mode` matters: without it libpcap hands packets over in blocks, and the packets of the
last block before SIGINT never reach the file (measured on `lo`: 0 of 2 packets written).
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType

from workbench.errors import WorkbenchError
from workbench.probe.route import interface_for

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0
BUFFER_KIB = 32768  # the kernel buffer: a burst of the port scan must not overflow it (dropped packets)
LINGER_S = 0.3  # the last answers of the last test reach the file before tcpdump stops
SUMMARY = re.compile(r"^(\d+) packets? (captured|received by filter|dropped by kernel)", re.MULTILINE)


class CaptureError(WorkbenchError):
    """The evidence capture cannot run (tcpdump missing, refused, or it stopped)."""


class EvidenceCapture:
    def __init__(self, interface: str | None, target: str, pcap: Path, snaplen: int = 0) -> None:
        self.interface = interface or ""
        self.target = target
        self.pcap = Path(pcap)
        self.snaplen = snaplen
        self.command: list[str] = []
        self.packets: int | None = None  # tcpdump's "N packets captured", once stopped
        self.dropped: int | None = None  # "N packets dropped by kernel"
        self.ended_early = False
        self.stderr = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._drain: threading.Thread | None = None

    def __enter__(self) -> EvidenceCapture:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        tcpdump = shutil.which("tcpdump")
        if tcpdump is None:
            raise CaptureError("tcpdump is not installed (Debian package tcpdump): no evidence capture")
        self.interface = self.interface or interface_for(self.target)
        self.command = [
            tcpdump,
            "-i",
            self.interface,
            "-U",
            "--immediate-mode",
            "-B",
            str(BUFFER_KIB),
            "-s",
            str(self.snaplen),
        ]
        self.command += ["-w", str(self.pcap), "host", self.target]
        process = subprocess.Popen(
            self.command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self._process = process
        said = self._await_listening(process)
        if "listening on" not in said:
            self._end(process)
            why = " ".join(said.split()) or "it said nothing"
            raise CaptureError(f"tcpdump did not start on {self.interface}: {why[:500]}", path=str(self.pcap))
        self.stderr = said
        self._drain = threading.Thread(target=self._read_rest, args=(process,), daemon=True)
        self._drain.start()

    def stop(self) -> None:
        """Stop tcpdump (SIGINT, as at a terminal) and read its packet count."""
        process = self._process
        if process is None:
            return
        self._process = None
        self.ended_early = process.poll() is not None  # tcpdump stopped during the run (disk full, link gone)
        if not self.ended_early:
            time.sleep(LINGER_S)
        self._end(process)
        if self._drain is not None:
            self._drain.join(timeout=STOP_TIMEOUT_S)
        counts = {what: int(number) for number, what in SUMMARY.findall(self.stderr)}
        self.packets = counts.get("captured")
        self.dropped = counts.get("dropped by kernel")

    def gaps(self) -> list[str]:
        """What the capture may lack, for the results' warnings (after `stop`)."""
        found = []
        if self.ended_early:
            found.append(f"tcpdump ended before the probe did: {self.stderr.strip()[-300:]}")
        if self.dropped:
            found.append(f"tcpdump says {self.dropped} packet(s) were dropped by the kernel")
        return found

    def _await_listening(self, process: subprocess.Popen[bytes]) -> str:
        """What tcpdump wrote to stderr up to its `listening on` line (or its exit, or the timeout)."""
        assert process.stderr is not None
        said = b""
        deadline = time.monotonic() + START_TIMEOUT_S
        with selectors.DefaultSelector() as selector:
            selector.register(process.stderr, selectors.EVENT_READ)
            while b"listening on" not in said and time.monotonic() < deadline and len(said) < 65536:
                if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                    continue
                chunk = os.read(process.stderr.fileno(), 4096)
                if not chunk:  # tcpdump exited
                    break
                said += chunk
        return said.decode("utf-8", errors="replace")

    def _read_rest(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stderr is not None
        rest = b""
        for chunk in iter(lambda: process.stderr.read(4096), b""):  # type: ignore[union-attr]
            rest = (rest + chunk)[-65536:]
        self.stderr += rest.decode("utf-8", errors="replace")

    @staticmethod
    def _end(process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

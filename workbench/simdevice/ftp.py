"""The defective camera's FTP server (Debian's busybox has no ftpd): anonymous logins accepted, a read-only
listing of an empty folder in the work dir. Passive mode only, one data connection at a time."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

from .files import MODEL
from .tcp import HOST, Handler, Server, serve

ANONYMOUS = {"anonymous", "ftp"}
DATA_TIMEOUT_S = 10.0
MAX_LISTED = 1000


@dataclass
class FtpSettings:
    root: Path


class FtpHandler(Handler):
    server: Server

    def handle(self) -> None:
        self.user: str | None = None
        self.logged_in = False
        self.passive: socket.socket | None = None
        self.say(f"220 {MODEL} FTP server ready.")
        try:
            while not self.server.stopping.is_set():
                line = self.readline()
                if line is None:
                    return
                verb, _, argument = line.decode("latin-1").partition(" ")
                if not self.command(verb.upper(), argument.strip()):
                    return
        finally:
            if self.passive is not None:
                self.passive.close()

    def say(self, reply: str) -> bool:
        return self.send(reply.encode("latin-1", "replace") + b"\r\n")

    def command(self, verb: str, argument: str) -> bool:
        """Answer one command; False ends the session."""
        if verb == "QUIT":
            self.say("221 Goodbye.")
            return False
        if verb == "USER":
            self.user, self.logged_in = argument, False
            return self.say("331 Please specify the password.")
        if verb == "PASS":
            if self.user is None:
                return self.say("503 Login with USER first.")
            self.logged_in = self.user.lower() in ANONYMOUS
            return self.say("230 Login successful." if self.logged_in else "530 Login incorrect.")
        if verb in ("SYST", "FEAT", "NOOP"):
            return self.say({"SYST": "215 UNIX Type: L8", "FEAT": "211 End", "NOOP": "200 NOOP ok."}[verb])
        if not self.logged_in:
            return self.say("530 Please login with USER and PASS.")
        if verb == "PWD":
            return self.say('257 "/" is the current directory')
        if verb == "TYPE":
            return self.say("200 Switching to Binary mode.")
        if verb == "CWD":
            return self.say("250 Directory successfully changed." if argument in ("", "/", ".")
                            else "550 Failed to change directory.")
        if verb == "PASV":
            return self.open_passive()
        if verb in ("LIST", "NLST"):
            return self.listing()
        if verb in ("STOR", "DELE", "MKD", "RMD", "RNFR", "APPE"):
            return self.say("550 Permission denied.")
        if verb == "RETR":
            return self.say("550 Failed to open file.")
        return self.say("500 Unknown command.")

    def open_passive(self) -> bool:
        if self.passive is not None:
            self.passive.close()
        self.passive = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.passive.bind((HOST, 0))
        self.passive.listen(1)
        self.passive.settimeout(DATA_TIMEOUT_S)
        port = self.passive.getsockname()[1]
        return self.say(f"227 Entering Passive Mode (127,0,0,1,{port // 256},{port % 256}).")

    def listing(self) -> bool:
        if self.passive is None:
            return self.say("425 Use PASV first.")
        root: Path = self.server.settings.root
        names = sorted(entry.name for entry in root.iterdir())[:MAX_LISTED]
        self.say("150 Here comes the directory listing.")
        listening, self.passive = self.passive, None
        try:
            data, _ = listening.accept()
            with data:
                data.settimeout(DATA_TIMEOUT_S)
                data.sendall("".join(f"{name}\r\n" for name in names).encode("utf-8", "replace"))
        except OSError:
            return self.say("425 Failed to establish connection.")
        finally:
            listening.close()
        return self.say("226 Directory send OK.")


def start(port: int, root: Path) -> Server:
    root.mkdir(parents=True, exist_ok=True)
    return serve(port, FtpHandler, FtpSettings(root=root))

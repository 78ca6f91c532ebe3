"""FTP with ftplib: USER then PASS; 230 is accepted, 530 rejected, 421 a server that stopped taking
us (locked out). Nothing is listed or transferred."""

from __future__ import annotations

import ftplib
import time

from workbench.probe.clients_base import Outcome, failed, printable


def login(host: str, port: int, user: str, password: str, timeout: float) -> Outcome:
    started = time.time()
    ftp = ftplib.FTP(timeout=timeout)  # ftplib bounds every line at 8 KiB
    try:
        welcome = ftp.connect(host, port, timeout=timeout)
        reply = ftp.sendcmd(f"USER {_clean(user)}")
        if reply.startswith("3"):
            reply = ftp.sendcmd(f"PASS {_clean(password)}")
        accepted = reply.startswith("230")
        return Outcome(accepted, reply[:3], printable(f"{welcome} | {reply}"), started=started).done()
    except ftplib.error_perm as exc:  # 5xx
        text = str(exc)
        return Outcome(False, text[:3], printable(text), started=started).done()
    except ftplib.error_temp as exc:  # 4xx: 421 too many attempts / closing
        text = str(exc)
        locked = text.startswith("421")
        return Outcome(False if locked else None, text[:3], printable(text), locked=locked,
                       started=started).done()
    except (OSError, EOFError, ftplib.Error) as exc:
        return failed(started, exc)
    finally:
        ftp.close()


def _clean(text: str) -> str:
    """No CR/LF in a command: a credential must not become a second command."""
    return text.replace("\r", "").replace("\n", "")

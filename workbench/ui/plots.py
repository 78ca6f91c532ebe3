"""Plots for the analysis sections. matplotlib loads on the first plot drawn, never at import.

Figures are drawn with the object API (no pyplot state, no GUI backend) and shown as PNG. Labels
come from the evidence (host names, paths): `$` is escaped so matplotlib never parses them as
mathtext, and long labels are cut.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from typing import Any

import pandas as pd

from workbench.ui.html import block, para, show, text_of

HARDENING = ("nx", "pie", "relro", "canary", "fortify")
VALUE_COLOURS = {
    "yes": "#2e7d32",
    "full": "#2e7d32",
    "partial": "#f9a825",
    "no": "#c62828",
    "undeterminable": "#9e9e9e",
}


def label(value: Any, width: int = 40) -> str:
    text = text_of(value) or "(none)"
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.replace("\\", "\\\\").replace("$", r"\$")


def _figure(width: float = 6.5, height: float = 3.2) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _show(fig: Any, alt: str) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    from IPython.display import display

    display({"image/png": encoded, "text/plain": alt}, raw=True)


def _nothing(message: str) -> None:
    show(block(para(message, "muted")), message)


def _counts(series: pd.Series) -> Counter[str]:
    counts: Counter[str] = Counter()
    for value in series:
        if isinstance(value, list | tuple | set):
            counts.update(label(v) for v in value)
        elif value is not None and not (isinstance(value, float) and value != value):
            counts[label(value)] += 1
    return counts


def value_counts(frame: pd.DataFrame, column: str, title: str, xlabel: str = "") -> None:
    """A bar chart of how often each value of `column` occurs (list values counted item by item)."""
    if frame.empty or column not in frame.columns:
        _nothing(f"Nothing to plot for '{title}': the table is empty.")
        return
    counts = _counts(frame[column])
    if not counts:
        _nothing(f"Nothing to plot for '{title}': no values.")
        return
    names, numbers = zip(*sorted(counts.items()), strict=True)
    fig = _figure()
    ax = fig.add_subplot()
    ax.bar(range(len(names)), numbers, color="#1565c0")
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_title(label(title, 80))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    _show(fig, f"{title}: " + ", ".join(f"{n}={c}" for n, c in sorted(counts.items())))


def tls_versions(tls: pd.DataFrame) -> None:
    """Versions offered by clients and versions chosen by servers, side by side."""
    if tls.empty:
        _nothing("Nothing to plot: no TLS handshakes.")
        return
    offered = _counts(tls["offered_versions"]) if "offered_versions" in tls.columns else Counter()
    chosen = _counts(tls["chosen_version"]) if "chosen_version" in tls.columns else Counter()
    versions = sorted(set(offered) | set(chosen))
    if not versions:
        _nothing("Nothing to plot: the handshakes carry no version.")
        return
    fig = _figure()
    ax = fig.add_subplot()
    xs = range(len(versions))
    ax.bar([x - 0.2 for x in xs], [offered[v] for v in versions], width=0.4, label="offered (ClientHello)")
    ax.bar([x + 0.2 for x in xs], [chosen[v] for v in versions], width=0.4, label="chosen (ServerHello)")
    ax.set_xticks(list(xs), versions)
    ax.set_ylabel("handshakes")
    ax.set_title("TLS versions")
    ax.legend()
    _show(fig, "TLS versions offered " + dict(offered).__repr__() + ", chosen " + dict(chosen).__repr__())


def hardening(binaries: pd.DataFrame) -> None:
    """For each hardening property, how many binaries have it, lack it, or cannot be decided."""
    present = [p for p in HARDENING if p in binaries.columns]
    if binaries.empty or not present:
        _nothing("Nothing to plot: no ELF binaries analysed.")
        return
    table = {p: Counter(str(v) for v in binaries[p].dropna()) for p in present}
    values = [v for v in VALUE_COLOURS if any(v in c for c in table.values())]
    values += sorted({v for c in table.values() for v in c} - set(values))
    fig = _figure(6.5, 0.5 * len(present) + 1.2)
    ax = fig.add_subplot()
    left = [0] * len(present)
    for value in values:
        widths = [table[p][value] for p in present]
        ax.barh(present, widths, left=left, color=VALUE_COLOURS.get(value, "#5c6bc0"), label=label(value))
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.invert_yaxis()
    ax.set_xlabel("binaries")
    ax.set_title("Binary hardening")
    ax.legend(loc="lower right", fontsize="small")
    _show(fig, "Binary hardening: " + "; ".join(f"{p} {dict(c)}" for p, c in table.items()))


def bytes_per_destination(flows: pd.DataFrame, top: int = 15) -> None:
    """Bytes exchanged with each remote destination (name if known, else address) and protocol."""
    needed = {"server_ip", "bytes_c2s", "bytes_s2c"}
    if flows.empty or not needed <= set(flows.columns):
        _nothing("Nothing to plot: no flows.")
        return
    name = flows.get("server_name", pd.Series(index=flows.index, dtype=object))
    name = name.where(name.map(lambda v: bool(text_of(v))), flows.get("sni", name))
    name = name.where(name.map(lambda v: bool(text_of(v))), flows["server_ip"])
    proto = flows.get("app_proto", pd.Series("", index=flows.index)).map(text_of)
    keys = [
        f"{label(n, 32)} ({label(p, 10)})" if p else label(n, 32) for n, p in zip(name, proto, strict=True)
    ]
    total = pd.to_numeric(flows["bytes_c2s"], errors="coerce").fillna(0) + pd.to_numeric(
        flows["bytes_s2c"], errors="coerce"
    ).fillna(0)
    sums = total.groupby(keys).sum().sort_values(ascending=False).head(top)
    fig = _figure(6.5, 0.3 * len(sums) + 1.2)
    ax = fig.add_subplot()
    ax.barh(list(sums.index), list(sums.values), color="#00838f")
    ax.invert_yaxis()
    ax.set_xlabel("bytes")
    ax.set_title("Bytes per destination and protocol")
    _show(fig, "Bytes per destination: " + ", ".join(f"{k}={int(v)}" for k, v in sums.items()))


def entropy_profile(session: Any) -> None:
    """Entropy along each firmware image: flat near 8 bits/byte means compressed or encrypted data."""
    if not session.has("firmware"):
        _nothing("Nothing to plot: no firmware in this case.")
        return
    drawn = 0
    for artefact, scan in session.ctx.firmwares():
        points = (getattr(scan, "image", None) or {}).get("entropy_profile") or []
        if not points:
            continue
        offsets, values = zip(*[(p[0], p[1]) for p in points], strict=True)
        fig = _figure(6.5, 2.5)
        ax = fig.add_subplot()
        ax.plot(offsets, values, color="#6a1b9a")
        ax.set_ylim(0, 8.2)
        ax.set_xlabel("offset (bytes)")
        ax.set_ylabel("bits per byte")
        ax.set_title(f"Entropy of {label(artefact.name, 60)}")
        _show(fig, f"Entropy profile of {artefact.name}: {len(points)} points")
        drawn += 1
    if not drawn:
        _nothing("Nothing to plot: the firmware scan has no entropy profile.")

"""Plots for the analysis sections. matplotlib loads on the first plot drawn, never at import.

Figures are drawn with the object API (no pyplot state, no GUI backend) and shown as PNG. Labels
come from the evidence (host names, paths): every figure, ours and the engines', is drawn and
saved with mathtext and TeX off, so a `$` in a host name is a dollar sign, never markup.

Titles and axis labels are in the current language (workbench.i18n). Every figure is drawn with a
font fallback list ending in "Noto Sans CJK JP" (Debian's fonts-noto-cjk, installed by
scripts/install-system-deps.sh): matplotlib (3.6 and later) takes each glyph from the first font of the
list that has it, so Japanese labels never come out as missing-glyph boxes.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from numbers import Real
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.i18n import _, tr
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
    return text if len(text) <= width else text[: width - 1] + "…"


CJK_FONT = "Noto Sans CJK JP"
CJK_FONT_FILES = (  # Debian's fonts-noto-cjk
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
)
LATIN_FONT = "DejaVu Sans"  # matplotlib's own, always there


@lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """The font fallback list: matplotlib's own font, then Noto Sans CJK JP when it is installed (made
    known to matplotlib when its font cache predates the font)."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    if CJK_FONT not in {f.name for f in manager.ttflist}:
        for path in CJK_FONT_FILES:
            if path.is_file():
                manager.addfont(str(path))
    known = {f.name for f in manager.ttflist}
    return (LATIN_FONT, CJK_FONT) if CJK_FONT in known else (LATIN_FONT,)


@contextmanager
def plain_text() -> Iterator[None]:
    """matplotlib settings under which every label is literal text, drawn with the font fallback list."""
    import matplotlib

    settings = {"text.parse_math": False, "text.usetex": False, "font.family": list(font_families())}
    with matplotlib.rc_context(settings):
        yield


def _figure(width: float = 6.5, height: float = 3.2) -> Any:
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.rcParams["font.family"] = list(font_families())  # the texts made before saving read it
    return Figure(figsize=(width, height))


def _show(fig: Any, alt: str) -> None:
    from matplotlib.text import Text

    buffer = io.BytesIO()
    with plain_text():  # texts made while saving (tick labels) read the settings, the others are told
        for text in fig.findobj(Text):
            text.set_parse_math(False)
        fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    from IPython.display import display

    display({"image/png": encoded, "text/plain": alt}, raw=True)


def _engine_figure(draw: Callable[[], Any], alt: str) -> None:
    """Show a figure an engine draws; a failure to draw is shown, and the notebook goes on."""
    try:
        with plain_text():
            _show(draw(), alt)
    except Exception as exc:  # a plot must never take the walk-through down
        error = f"{type(exc).__name__}: {exc}"
        _nothing(tr("Could not draw '{plot}': {error}", plot=alt, error=error))


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
    """A bar chart of how often each value of `column` occurs (list values counted item by item). The
    title and the axis label are shown in the current language (a page's plot titles are messages)."""
    title, xlabel = _(title), _(xlabel)
    if frame.empty or column not in frame.columns:
        _nothing(tr("Nothing to plot for '{title}': the table is empty.", title=title))
        return
    counts = _counts(frame[column])
    if not counts:
        _nothing(tr("Nothing to plot for '{title}': no values.", title=title))
        return
    names, numbers = zip(*sorted(counts.items()), strict=True)
    fig = _figure()
    ax = fig.add_subplot()
    ax.bar(range(len(names)), numbers, color="#1565c0")
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_title(label(title, 80))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(_("count"))
    _show(fig, f"{title}: " + ", ".join(f"{n}={c}" for n, c in sorted(counts.items())))


def tls_versions(tls: pd.DataFrame) -> None:
    """Versions offered by clients and versions chosen by servers, side by side (by name, oldest first)."""
    if tls.empty:
        _nothing(_("Nothing to plot: no TLS handshakes."))
        return
    offered = _version_counts(tls, "offered_versions")
    chosen = _version_counts(tls, "chosen_version")
    codes = sorted(set(offered) | set(chosen))
    if not codes:
        _nothing(_("Nothing to plot: the handshakes carry no version."))
        return
    names = [version_label(c) for c in codes]
    fig = _figure()
    ax = fig.add_subplot()
    xs = range(len(codes))
    ax.bar([x - 0.2 for x in xs], [offered[c] for c in codes], width=0.4, label=_("offered (ClientHello)"))
    ax.bar([x + 0.2 for x in xs], [chosen[c] for c in codes], width=0.4, label=_("chosen (ServerHello)"))
    ax.set_xticks(list(xs), names)
    ax.set_ylabel(_("handshakes"))
    ax.set_title(_("TLS versions"))
    ax.legend()
    alt_offered = {version_label(c): offered[c] for c in codes if offered[c]}
    alt_chosen = {version_label(c): chosen[c] for c in codes if chosen[c]}
    _show(fig, tr("TLS versions offered {offered}, chosen {chosen}", offered=repr(alt_offered),
                  chosen=repr(alt_chosen)))


def _version_counts(tls: pd.DataFrame, column: str) -> Counter[int]:
    """How often each TLS version code occurs in `column` (list values counted item by item)."""
    counts: Counter[int] = Counter()
    if column not in tls.columns:
        return counts
    for value in tls[column]:
        values = value.tolist() if hasattr(value, "tolist") else value
        for code in values if isinstance(values, list | tuple) else [values]:
            if isinstance(code, Real) and not isinstance(code, bool) and code == code:
                counts[int(code)] += 1
    return counts


def version_label(code: int) -> str:
    from workbench.capture.versions import label as tls_label

    return label(tls_label(code))


def hardening(binaries: pd.DataFrame) -> None:
    """For each hardening property, how many binaries have it, lack it, or cannot be decided."""
    present = [p for p in HARDENING if p in binaries.columns]
    if binaries.empty or not present:
        _nothing(_("Nothing to plot: no ELF binaries analysed."))
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
    ax.set_xlabel(_("binaries"))
    ax.set_title(_("Binary hardening"))
    ax.legend(loc="lower right", fontsize="small")
    counts = "; ".join(f"{p} {dict(c)}" for p, c in table.items())
    _show(fig, tr("Binary hardening: {counts}", counts=counts))


def traffic(session: Any) -> None:
    """Per capture: bytes over time per remote destination, and bytes per destination and protocol."""
    if not session.has("capture"):
        _nothing(_("Nothing to plot: no capture in this case."))
        return
    from workbench.capture import plots as capture_plots

    for artefact, analysis in session.ctx.captures():
        if analysis.tables.get("flows") is None or analysis.tables["flows"].empty:
            _nothing(tr("Nothing to plot: no flows in {artefact}.", artefact=artefact.name))
            continue
        _engine_figure(
            lambda a=analysis: capture_plots.traffic_over_time(a),
            tr("Traffic over time, {artefact}", artefact=artefact.name),
        )
        _engine_figure(
            lambda a=analysis: capture_plots.bytes_by_destination(a),
            tr("Bytes per destination, {artefact}", artefact=artefact.name),
        )


def entropy_profile(session: Any) -> None:
    """Entropy along each firmware image: flat near 8 bits/byte means compressed or encrypted data."""
    if not session.has("firmware"):
        _nothing(_("Nothing to plot: no firmware in this case."))
        return
    from workbench.firmware import plots as firmware_plots

    for artefact, scan in session.ctx.firmwares():
        if not (getattr(scan, "image", None) or {}).get("entropy_profile"):
            _nothing(tr("Nothing to plot: no entropy profile for {artefact}.", artefact=artefact.name))
            continue
        _engine_figure(
            lambda s=scan: firmware_plots.plot_entropy(s),
            tr("Entropy profile of {artefact}", artefact=artefact.name),
        )

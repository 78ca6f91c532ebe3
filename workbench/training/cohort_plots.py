"""The cohort page's plots, as inline SVG from matplotlib (Agg, no display): a heat map of scores
(trainee × exercise), a progress line per trainee over the course order, and the most-missed requirements.

Names come from trainees' cases: each label is shown as text (matplotlib escapes it in the SVG), with
control and bidi characters as escapes, `$` kept literal (no mathtext) and long names cut. The plots' own
texts are in the current language; Japanese is drawn with Noto Sans CJK JP (Debian's fonts-noto-cjk)
after matplotlib's own font, as the notebooks' plots are (workbench.ui.plots.font_families).
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from markupsafe import Markup

from workbench.errors import WorkbenchError
from workbench.i18n import _, tr
from workbench.renewal.page import visible

MAX_LABEL = 32
MAX_LINES = 24  # trainees drawn in the progress plot (and its legend); the table lists every one
MAX_BARS = 12
MARKERS = "osD^vP*X"
NOT_ATTEMPTED = "#cfd8dc"
_PROLOGUE = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->|<metadata>.*?</metadata>", re.S)
# in tags only: every text in the SVG is escaped, so a name can never match
_ACTIVE = re.compile(r"<(script|foreignObject|iframe)\b|<[^>]*\son\w+\s*=", re.I)
_ID = re.compile(r'(\bid="|xlink:href="#|href="#|url\(#)')
_Plot = TypeVar("_Plot", bound=Callable[..., Markup])


@contextmanager
def plot_fonts() -> Iterator[None]:
    """matplotlib's fonts for a plot in any language the workbench speaks: the notebooks' fallback list
    (workbench.ui.plots.font_families: matplotlib's own font, then Noto Sans CJK JP), no missing glyph."""
    import matplotlib

    from workbench.ui.plots import font_families

    with matplotlib.rc_context({"font.family": list(font_families())}):
        yield


def _with_fonts(plot: _Plot) -> _Plot:
    @functools.wraps(plot)
    def drawn(*args: Any, **kwargs: Any) -> Markup:
        with plot_fonts():
            return plot(*args, **kwargs)

    return drawn  # type: ignore[return-value]


def label(text: Any) -> str:
    """A name as plot text: visible escapes, no mathtext, at most MAX_LABEL characters."""
    shown = str(visible(str(text))).replace("$", r"\$")
    return shown if len(shown) <= MAX_LABEL else shown[: MAX_LABEL - 1] + "…"


def _figure(width: float, height: float) -> tuple[Any, Any]:
    """A figure on the Agg canvas (no pyplot: no global state, no display) and its one axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig, fig.subplots()


def _svg(fig: Any, name: str) -> Markup:
    """The figure as an <svg> element for the page: no prologue, comments or metadata; ids prefixed."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"cohort-{name}"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = _PROLOGUE.sub("", buffer.getvalue()).strip()
    svg = _ID.sub(lambda m: f"{m.group(1)}{name}-", svg)
    svg = svg.replace("<svg ", f'<svg class="plot" role="img" aria-label="{name}" ', 1)
    if _ACTIVE.search(svg):  # never expected: matplotlib escapes every text; a page never carries script
        raise WorkbenchError(f"the {name} plot holds active content; not put on the page")
    return Markup(svg)  # noqa: S704 (matplotlib's own markup; every text in it is escaped by its writer)


def _nothing(name: str, text: str) -> Markup:
    fig, ax = _figure(4.0, 1.0)
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    return _svg(fig, name)


@_with_fonts
def heatmap(trainees: list[str], exercises: list[str], scores: list[list[float | None]]) -> Markup:
    """Scores (0-1) of each trainee (rows) in each exercise (columns, course order); grey: not attempted."""
    import matplotlib
    import numpy as np

    if not trainees:
        return _nothing("heatmap", _("no trainee's exercise case yet"))
    values = np.array([[np.nan if s is None else s for s in row] for row in scores], dtype=float)
    fig, ax = _figure(1.6 + 1.0 * len(exercises), max(2.6, 1.4 + 0.42 * len(trainees)))
    cmap = matplotlib.colormaps["RdYlGn"].with_extremes(bad=NOT_ATTEMPTED)
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(exercises)), [label(e) for e in exercises], rotation=30, ha="right")
    ax.set_yticks(range(len(trainees)), [label(t) for t in trainees])
    for (row, col), value in np.ndenumerate(values):
        text = "—" if np.isnan(value) else f"{value:.0%}"
        dark = not np.isnan(value) and (value < 0.2 or value > 0.8)  # the colour map's deep ends
        ax.text(col, row, text, ha="center", va="center", fontsize=9, color="white" if dark else "#1c2329")
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, format=lambda v, _pos: f"{v:.0%}")
    ax.set_title(_("Score per trainee per exercise (grey: not attempted)"), fontsize=10)
    return _svg(fig, "heatmap")


@_with_fonts
def progress_lines(trainees: list[str], exercises: list[str], scores: list[list[float | None]],
                   mark: float) -> Markup:
    """A line per trainee: their score in each exercise in course order (a gap where not attempted)."""
    fig, ax = _figure(max(5.0, 1.1 * len(exercises) + 3.0), 3.6)
    positions = list(range(1, len(exercises) + 1))
    for n, (name, row) in enumerate(list(zip(trainees, scores, strict=True))[:MAX_LINES]):
        # a marker of its own, each smaller than the one before: a trainee on the same score stays visible
        ax.plot(positions, [float("nan") if s is None else s for s in row], label=label(name),
                marker=MARKERS[n % len(MARKERS)], markersize=max(4.0, 10.0 - 1.5 * n), alpha=0.9)
    ax.axhline(mark, color="#455a64", linestyle="--", linewidth=1,
               label=tr("qualification mark {mark:.0%}", mark=mark))
    ax.set_xticks(positions, [f"{n}. {label(e)}" for n, e in zip(positions, exercises, strict=True)],
                  rotation=30, ha="right")
    ax.set_ylim(-0.05, 1.05)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    ax.set_ylabel(_("score"))
    ax.grid(axis="y", color="#eceff1")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=9, frameon=False)
    title = _("Progress over the course")
    if len(trainees) > MAX_LINES:
        title = tr("Progress over the course (first {shown} of {count} trainees)", shown=MAX_LINES,
                   count=len(trainees))
    ax.set_title(title, fontsize=10)
    return _svg(fig, "progress")


@_with_fonts
def missed_bars(missed: list[dict[str, Any]]) -> Markup:
    """The requirements missed in most attempts: one bar each, most missed on top."""
    shown = missed[:MAX_BARS]
    fig, ax = _figure(6.0, 1.0 + 0.35 * max(1, len(shown)))
    ids = [label(r["id"]) for r in shown][::-1]
    counts = [r["count"] for r in shown][::-1]
    ax.barh(ids, counts, color="#c62828")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(_("attempts that missed it"))
    if not shown:
        ax.text(0.5, 0.5, _("nothing missed"), ha="center", va="center", transform=ax.transAxes)
    ax.set_title(_("Requirements most often missed"), fontsize=10)
    return _svg(fig, "missed")

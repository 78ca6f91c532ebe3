"""Plots of a scan (matplotlib, safe with the Agg backend: no display needed)."""

from __future__ import annotations

from typing import Any

from workbench.i18n import _, tr


def plot_entropy(scan: Any, ax: Any = None, *, threshold: float = 7.5) -> Any:
    """The raw image's entropy profile, with layer boundaries; returns the matplotlib Figure (its words in
    the current language)."""
    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(10, 3))
        ax = fig.add_subplot(1, 1, 1)
    else:
        fig = ax.figure
    image = scan.image if hasattr(scan, "image") else scan
    profile = image.get("entropy_profile") or []
    offsets = [p[0] for p in profile]
    values = [p[1] for p in profile]
    ax.plot(offsets, values, drawstyle="steps-post", linewidth=1, color="tab:blue")
    threshold_label = tr("{threshold} bits/byte", threshold=threshold)
    ax.axhline(threshold, color="tab:red", linestyle=":", linewidth=1, label=threshold_label)
    layers = getattr(scan, "tables", {}).get("layers")
    if layers is not None:
        for row in layers.itertuples():
            if row.path is not None and "!" not in str(row.path):
                ax.axvline(row.offset, color="grey", linewidth=0.6)
                ax.text(row.offset, 8.05, str(row.format), fontsize=7, rotation=30, va="bottom")
    ax.set_ylim(0, 8.6)
    ax.set_xlim(0, max(offsets[-1] if offsets else 1, 1))
    ax.set_xlabel(_("offset in image (bytes)"))
    ax.set_ylabel(_("entropy (bits/byte)"))
    title = tr("Entropy of {name}", name=image["name"]) if "name" in image else _("Entropy of image")
    ax.set_title(title, fontsize=9, loc="left")
    ax.legend(loc="lower right", fontsize=7)
    return fig

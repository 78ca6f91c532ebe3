"""Figures of a capture analysis (matplotlib, no display needed).

Traffic over time is drawn from the flow table: each flow's bytes are spread evenly over its
lifetime (as NetFlow-based graphs do), so the engine keeps no per-packet timeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from workbench.i18n import _

if TYPE_CHECKING:
    from workbench.capture.result import CaptureAnalysis


def _destination(row) -> str:
    name = row["server_name"] or row["sni"]
    return f"{name} ({row['server_ip']})" if name else str(row["server_ip"])


def _remote_flows(analysis: CaptureAnalysis):
    flows = analysis.flows
    if flows.empty:
        return flows
    remote = flows[~flows["remote_is_local"].astype(bool)]
    return remote if not remote.empty else flows


def traffic_over_time(analysis: CaptureAnalysis, top: int = 8, bins: int = 120) -> Figure:
    """Bytes per time bin for the `top` remote destinations by volume (the rest as 'other'); its words in
    the current language."""
    figure = Figure(figsize=(10, 4))
    ax = figure.subplots()
    flows = _remote_flows(analysis)
    ax.set_xlabel(_("seconds since the first packet"))
    ax.set_ylabel(_("bytes"))
    ax.set_title(_("Traffic over time per remote destination"))
    if flows.empty:
        ax.text(0.5, 0.5, _("no flows"), ha="center", va="center", transform=ax.transAxes)
        return figure
    flows = flows.assign(
        dest=flows.apply(_destination, axis=1), volume=flows["bytes_c2s"] + flows["bytes_s2c"]
    )
    order = flows.groupby("dest")["volume"].sum().sort_values(ascending=False)
    keep = list(order.index[:top])
    start = float(flows["first_ts"].min())
    span = max(float(flows["last_ts"].max()) - start, 1e-3)
    edges = np.linspace(0.0, span, bins + 1)
    other = _("other")  # the destinations beyond the top ones, as one line
    series: dict[str, np.ndarray] = {}
    for row in flows.itertuples():
        label = row.dest if row.dest in keep else other
        hist = series.setdefault(label, np.zeros(bins))
        first, last = row.first_ts - start, max(row.last_ts - start, row.first_ts - start + 1e-9)
        overlap = np.clip(np.minimum(edges[1:], last) - np.maximum(edges[:-1], first), 0, None)
        total = overlap.sum()
        if total > 0:
            hist += row.volume * overlap / total
        else:
            hist[min(int(first / span * bins), bins - 1)] += row.volume
    centers = (edges[:-1] + edges[1:]) / 2
    for label in [*keep, other]:
        if label in series:
            ax.plot(centers, series[label], label=label, linewidth=1.2)
    ax.legend(fontsize="small", loc="upper right")
    figure.tight_layout()
    return figure


def bytes_by_destination(analysis: CaptureAnalysis, top: int = 12) -> Figure:
    """Horizontal stacked bars: bytes per destination, split by application protocol."""
    figure = Figure(figsize=(10, 5))
    ax = figure.subplots()
    ax.set_title(_("Bytes per destination and protocol"))
    ax.set_xlabel(_("bytes"))
    flows = _remote_flows(analysis)
    if flows.empty:
        ax.text(0.5, 0.5, _("no flows"), ha="center", va="center", transform=ax.transAxes)
        return figure
    flows = flows.assign(
        dest=flows.apply(_destination, axis=1),
        proto=flows["app_proto"].fillna(flows["port_proto"]).fillna(flows["transport"]),
        volume=flows["bytes_c2s"] + flows["bytes_s2c"],
    )
    table = flows.pivot_table(index="dest", columns="proto", values="volume", aggfunc="sum", fill_value=0)
    table = table.loc[table.sum(axis=1).sort_values(ascending=False).index[:top]].iloc[::-1]
    left = np.zeros(len(table))
    for proto in table.columns:
        values = table[proto].to_numpy(dtype=float)
        ax.barh(table.index.astype(str), values, left=left, label=str(proto))
        left += values
    ax.legend(fontsize="small", loc="lower right")
    figure.tight_layout()
    return figure

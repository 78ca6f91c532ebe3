"""The engines' own figures in Japanese: the capture engine's traffic plots and the firmware engine's entropy
profile, drawn from the demo defective device's real capture and image, have Japanese titles and axis
labels (no English run but values: destinations, protocols, the image's name), saved to PNG with the
workbench's font fallback list without a missing glyph; in English they are as they were."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest
from english import english_runs

from workbench.i18n import use_language
from workbench.ui import plots as ui_plots

pytest.importorskip("matplotlib")
SAMPLES = Path(__file__).resolve().parents[2] / "sample_captures"
NEEDS_FONT = pytest.mark.skipif(
    not any(path.is_file() for path in ui_plots.CJK_FONT_FILES),
    reason="fonts-noto-cjk is not installed (scripts/install-system-deps.sh)",
)


@pytest.fixture(scope="module")
def analysis():
    from workbench.capture import analyse_capture

    return analyse_capture(SAMPLES / "demo_defective.pcap")


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory):
    from workbench.firmware import scan_firmware

    return scan_firmware(SAMPLES / "demo_defective.img", workdir=tmp_path_factory.mktemp("fw"))


def draw_all(analysis, scan) -> list:
    from workbench.capture import plots as capture_plots
    from workbench.firmware import plots as firmware_plots

    with ui_plots.plain_text():
        return [capture_plots.traffic_over_time(analysis), capture_plots.bytes_by_destination(analysis),
                firmware_plots.plot_entropy(scan)]  # fmt: skip


def words(figure) -> list[str]:
    """A figure's own words: titles, axis labels and the entropy threshold's legend (not the data's)."""
    ax = figure.axes[0]
    found = [ax.get_title(), ax.get_title("left"), ax.get_xlabel(), ax.get_ylabel()]
    legend = ax.get_legend()
    if legend is not None:
        found += [t.get_text() for t in legend.get_texts() if "/" in t.get_text()]  # bits/byte
    return [w for w in found if w]


def test_the_engines_figures_in_english_are_as_they_were(analysis, scan) -> None:
    traffic, by_destination, entropy = (words(f) for f in draw_all(analysis, scan))
    assert traffic == ["Traffic over time per remote destination", "seconds since the first packet", "bytes"]
    assert by_destination == ["Bytes per destination and protocol", "bytes"]
    assert entropy == ["Entropy of demo_defective.img", "offset in image (bytes)", "entropy (bits/byte)",
                       "7.5 bits/byte"]  # fmt: skip


@NEEDS_FONT
def test_the_engines_figures_in_japanese(analysis, scan) -> None:
    with use_language("ja"):
        figures = draw_all(analysis, scan)
    traffic, by_destination, entropy = (words(f) for f in figures)
    assert traffic == ["リモート宛先ごとの通信量の推移", "最初のパケットからの秒数", "バイト数"]
    assert by_destination == ["宛先・プロトコルごとのバイト数", "バイト数"]
    assert entropy[0] == "demo_defective.img のエントロピー" and entropy[-1] == "7.5 ビット/バイト"
    assert english_runs("\n".join([*traffic, *by_destination, *entropy])) == []
    with warnings.catch_warnings(record=True) as caught, ui_plots.plain_text():
        warnings.simplefilter("always")
        for figure in figures:
            figure.savefig(io.BytesIO(), format="png")
    missing = [str(w.message) for w in caught if "Glyph" in str(w.message) and "missing" in str(w.message)]
    assert missing == []

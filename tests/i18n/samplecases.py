"""The sample device cases (the demo cameras and the course's devices), built for the language tests."""

from __future__ import annotations

from pathlib import Path

from workbench.case import Case


def sample_cases(root: Path) -> dict[str, Case]:
    """Every case under sample_captures/cases/, built in `root`, named "sample <id>"."""
    from workbench.demo import CASES_DIR, build_case, load_demo_case

    return {f"sample {p.name}": build_case(load_demo_case(p.name), root) for p in sorted(CASES_DIR.iterdir())
            if (p / "device.yaml").is_file()}  # fmt: skip

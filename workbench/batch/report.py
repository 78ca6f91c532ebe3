"""The bundle's summary page, index.html: Jinja2 with autoescape, from templates/bundle/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.batch.paths import TEMPLATES_DIR
from workbench.batch.summary import STARS


def render_index(context: dict[str, Any], templates_dir: Path = TEMPLATES_DIR) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(templates_dir / "bundle")),
        autoescape=True,  # every string from a case, capture or image is data
        undefined=StrictUndefined,
        trim_blocks=False,
    )
    env.globals["stars"] = lambda level: STARS.get(int(level), "?")
    return env.get_template("index.html.j2").render(**context)

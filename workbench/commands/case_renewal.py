"""`workbench case compare|renew|carry`: re-inspection of a new firmware version or catalogue edition."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds the re-inspection actions to `workbench case` (being built for issue 13)."""

"""`workbench exercise report ...` (being built for issue 14)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's actions to `workbench exercise`."""

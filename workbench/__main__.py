from workbench.cli import run

raise SystemExit(run())

"""The `workbench` command line, one module per command group: the outermost layer (nothing imports it)."""

"""The capture package's modules import one another without a cycle, type-only imports included."""

from __future__ import annotations

import grimp


def test_no_import_cycle_inside_the_capture_package() -> None:
    graph = grimp.build_graph("workbench", exclude_type_checking_imports=False)
    modules = sorted(m for m in graph.modules if m.startswith("workbench.capture."))
    assert "workbench.capture.streams" in modules and "workbench.capture.engine" in modules
    cycles = {
        tuple(sorted((module, imported)))
        for module in modules
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith("workbench.capture.")
        and graph.chain_exists(importer=imported, imported=module)
    }
    assert not cycles, f"import cycles: {sorted(cycles)}"

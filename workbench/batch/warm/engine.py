"""The papermill engine `workbench`: papermill's nbclient engine with kernels forked from a warm zygote.

Registered through papermill's engine entry point and, for a tree not yet reinstalled, by
`register()`. Execution, parameters, cell metadata and errors are papermill's own (NBClientEngine);
two things differ: the kernel manager, WarmKernelManager, whose provisioner asks this process's
zygote (`workbench.batch.warm.start_zygote`, one per batch worker) for a fresh kernel per notebook
(without a zygote, kernels start the ordinary way, same results); and the output notebook is
written when execution ends (success, error or dead kernel alike, as papermill's final save does)
and by papermill's autosave during long cells, not at each cell's start and end (two JSON
validations per cell, ~0.4 s a notebook).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

from workbench.batch.warm.provisioner import WarmKernelManager

ENGINE_NAME = "workbench"


class FinalSaveManager(NotebookExecutionManager):  # type: ignore[misc]
    """papermill's execution manager, saving only at the end and on its long-cell autosave."""

    _quiet = 0

    @contextmanager
    def _unsaved(self) -> Iterator[None]:
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def save(self, **kwargs: Any) -> Any:
        if self._quiet:
            return None
        return super().save(**kwargs)

    def notebook_start(self, **kwargs: Any) -> Any:
        with self._unsaved():
            return super().notebook_start(**kwargs)

    def cell_start(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> Any:
        with self._unsaved():
            return super().cell_start(cell, cell_index, **kwargs)

    def cell_complete(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> Any:
        with self._unsaved():
            return super().cell_complete(cell, cell_index, **kwargs)


class WarmEngine(NBClientEngine):  # type: ignore[misc]
    @classmethod
    def execute_notebook(
        cls, nb: Any, kernel_name: str, output_path: str | None = None, progress_bar: bool = True,
        log_output: bool = False, autosave_cell_every: int = 30, **kwargs: Any,
    ) -> Any:
        """papermill's Engine.execute_notebook with FinalSaveManager."""
        nb_man = FinalSaveManager(
            nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
        kwargs.setdefault("kernel_manager_class", WarmKernelManager)
        return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)


def register() -> None:
    """Make `engine_name="workbench"` known to papermill in this process (idempotent)."""
    papermill_engines.register(ENGINE_NAME, WarmEngine)

"""The batch run and the evidence bundle: execute notebooks in parallel, render, seal, verify."""

from workbench.batch.runner import BatchOptions, BatchResult, run_batch
from workbench.batch.verify import VerifyReport, verify_bundle

__all__ = ["BatchOptions", "BatchResult", "VerifyReport", "run_batch", "verify_bundle"]

"""The batch on a Dask cluster (`workbench run ... --cluster local:N | --scheduler tcp://HOST:PORT`):
artefacts travel by content, analyses, judging and notebooks run as tasks, the client seals."""

from workbench.batch.distributed.driver import run_on_cluster

__all__ = ["run_on_cluster"]

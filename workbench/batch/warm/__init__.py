"""Warm kernels: each notebook of a batch in a fresh kernel forked from a zygote that has done the imports.

zygote.py is the process (`python -m workbench.batch.warm.zygote FD`); spawner.py is its handle in
the batch worker; provisioner.py is the jupyter_client provisioner that asks it for kernels;
engine.py is the papermill engine `workbench` that executes with that provisioner.
"""

from workbench.batch.warm.spawner import active_zygote, start_zygote, stop_zygote

__all__ = ["active_zygote", "start_zygote", "stop_zygote"]

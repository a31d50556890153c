"""Batch runs over capture archives. Owns: nothing itself; the package's public names.
Imports: batch.runner, batch.worker.
"""
from pcaptls.batch.runner import BatchResult, run_batch
from pcaptls.batch.worker import Settings

__all__ = ["BatchResult", "Settings", "run_batch"]

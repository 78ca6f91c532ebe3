"""An engine's command without pandas: pyarrow's conversion of Python lists asks, once per
process, whether pandas is installed, and that question imports it (0.3 s of a command that
never makes a data frame). `arrow_without_pandas()` answers it "no" before the first conversion.

pyarrow keeps the answer only for its own guessing (is this object a pandas Series?): anything
that asks pyarrow for pandas explicitly (`Table.to_pandas()`) still imports it then. Called by
the command line for the engine commands alone, never in a process that hands pandas objects to
pyarrow (a kernel, the batch, the tests)."""

from __future__ import annotations

import sys


def arrow_without_pandas() -> bool:
    """Whether pyarrow was told pandas is absent (False when pandas is already imported)."""
    if "pandas" in sys.modules:
        return False
    import pyarrow as pa

    refuse = _Refuse()
    sys.meta_path.insert(0, refuse)  # `import pandas` fails while this holds
    try:
        pa.array([0])  # the one question pyarrow asks
    finally:
        sys.meta_path.remove(refuse)
    return "pandas" not in sys.modules


class _Refuse:
    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"{name} is not imported by an engine command", name=name)

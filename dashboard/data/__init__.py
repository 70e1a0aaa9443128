"""Read-only access to the warehouse marts. Pages call these functions; no SQL lives in pages.

One module per subject (fund, budget, institutions, items, status); every function takes typed
arguments, runs parameterised SQL against schema `marts` and returns a DataFrame.
"""

from dashboard.data.db import WarehouseUnavailable, query, session

__all__ = ["WarehouseUnavailable", "query", "session"]

"""Connect to a workspace's backend and keep its schema up to date."""

from cxpulse.store.connect import Store, open_store
from cxpulse.store.writes import NOT_NULL

__all__ = ["NOT_NULL", "Store", "open_store"]

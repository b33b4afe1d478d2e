"""Connect to a workspace's backend and keep its schema up to date."""

from cxpulse.store.connect import Store, open_store

__all__ = ["Store", "open_store"]

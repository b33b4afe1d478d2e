"""Live sources: connectors that pull a vendor's data incrementally into the canonical tables.

``cxpulse sources add zendesk NAME --subdomain acme --email a@b --token-env ZENDESK_TOKEN``
stores a source (the token's reference, never the token); :func:`sync_source` pages through
each of its streams from the vendor's cursor and writes every page with the cursor that follows
it in one transaction; the worker syncs the sources whose schedule is due
(:func:`sync_due`). Connectors are a registered kind (:data:`CONNECTORS`): one module per vendor,
one line in its DEFAULT list.
"""

from cxpulse.sources.connectors import CONNECTORS
from cxpulse.sources.definitions import (
    Source,
    add_source,
    get_source,
    list_sources,
    remove_source,
)
from cxpulse.sources.sync import SyncReport, sync_due, sync_source

__all__ = [
    "CONNECTORS",
    "Source",
    "SyncReport",
    "add_source",
    "get_source",
    "list_sources",
    "remove_source",
    "sync_due",
    "sync_source",
]

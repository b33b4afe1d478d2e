"""Files into canonical tables: CSV (as spreadsheets write them), Parquet and JSON lines.

``import_file`` reads a file, maps its columns (``their_col=our_col``), types and checks every
value against :mod:`cxpulse.schema`, and upserts the rows by natural key in one transaction,
so a re-import changes nothing and a killed import leaves the workspace as it was.
``validate_frame`` is the same checking for rows that arrive another way (the HTTP API).
"""

from cxpulse.ingest.importer import import_file
from cxpulse.ingest.mapping import load_mapping, parse_map_options, read_mapping_file
from cxpulse.ingest.report import ImportReport
from cxpulse.ingest.validate import validate_frame

__all__ = [
    "ImportReport",
    "import_file",
    "load_mapping",
    "parse_map_options",
    "read_mapping_file",
    "validate_frame",
]

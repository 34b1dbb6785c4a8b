"""Exporting published (verified) reports: a Frictionless data package or an Excel workbook per report.

Plain Python (no Dagster): the CLI's `budget-recon export` and the `export` assets share it.
Only the published layer is read, through `versions.published_version`: a report whose current data
failed the gate exports its last verified version (and says so); a report never verified is refused.
"""

from .exporter import FORMATS, ExportResult, export_reports  # noqa: F401
from .versions import NotExportable, PublishedVersion, published_version  # noqa: F401

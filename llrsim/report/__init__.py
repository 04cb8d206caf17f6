"""Reporting: exports (Parquet, CSV, Excel), plots and the self-contained HTML report."""

from llrsim.report.html import write_report

__all__ = ["write_report"]

"""File exports of the dashboard (XLSX for field teams), callable from a page (dcc.Download) and
from the CLI (`python -m dashboard export …`)."""


class ExportError(Exception):
    """An export the user asked for cannot be made (unknown institution or period, unwritable
    folder); the message says what and how to fix it, in Chinese and English."""

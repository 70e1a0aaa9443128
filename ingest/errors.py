"""The one exception type users see from ingest: a clear paragraph, no traceback."""


class IngestError(Exception):
    """Input that cannot be used as delivered (missing table or column, unreadable file...).

    The message is written for the person who delivered the data: what is wrong and where.
    """

"""The one exception type users see from analytics: a clear paragraph, no traceback."""


class AnalyticsError(Exception):
    """A problem the user can fix (input, assumption, path); the message says what and where."""

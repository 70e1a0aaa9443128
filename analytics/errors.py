"""The one exception type users see from analytics: a clear paragraph, no traceback."""


class AnalyticsError(Exception):
    """Input that cannot be modelled as given; the message says what is wrong and where."""

class AnalyticsError(Exception): """A problem the user can fix (input, assumption, path); printed as one paragraph."""

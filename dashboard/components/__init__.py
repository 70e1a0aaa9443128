"""Shared widgets: KPI card, downloadable table, warehouse message, chart defaults."""

"""Dash app over the marts: disclosure indicators, budget execution, projections, targeting."""

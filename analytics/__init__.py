"""Modelling shared by dbt python models, the dashboard and notebooks."""

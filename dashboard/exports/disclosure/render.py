"""The Jinja2 environment of the disclosure templates, shared by the site and the PDF."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from dashboard.exports.disclosure import charts

TEMPLATES = Path(__file__).with_name("templates")


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["zip"] = lambda left, right: zip(left, right, strict=True)
    env.globals["chart_svg"] = charts.svg
    macros = env.get_template("_macros.html.j2").module
    env.globals.update(data_table=macros.data_table, chart_figure=macros.chart_figure, notes=macros.notes,
                       section_number=macros.section_number)
    return env


def stylesheet(*names: str) -> str:
    return "\n".join((TEMPLATES / name).read_text(encoding="utf-8") for name in names)

"""The print edition: the publication as one A4 PDF (fund section with charts, the institution
tables and key-item prices on landscape pages, the supervision results (violations, 双随机
results), the per-institution service detail, definitions and notes; the institution × item
prices stay on the site and in the workbook), laid out by WeasyPrint with Noto Sans CJK embedded."""

from __future__ import annotations

from pathlib import Path

from dashboard.exports.disclosure.publication import Publication, definitions_of
from dashboard.exports.disclosure.render import environment, stylesheet


def print_html(pub: Publication) -> str:
    return environment().get_template("print.html.j2").render(
        pub=pub, css=stylesheet("disclosure.css", "print.css"), links={}, definitions=definitions_of([t for t in pub.tables if t.printed]))


def write_pdf(pub: Publication, path: Path) -> Path:
    from weasyprint import HTML   # imported here: loading pango costs a second

    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=print_html(pub)).write_pdf(path)   # the <title> becomes the PDF's title
    return path

"""The public disclosure (信息公开) of one finalised period: a static HTML site, a print PDF and an
XLSX workbook, all rendered from one Publication (publication.py) built from the disclosure
marts, so the three carry the same numbers.

    write_disclosure("2024", scope="all", formats=("html", "pdf", "xlsx"), out=Path("data/exports"))

writes out/disclosure-2024/ (index.html, institutions/<code>.html), out/disclosure-2024.pdf and
out/disclosure-2024.xlsx. `python -m dashboard export disclosure` and the 信息披露 page call it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dashboard.auth.access import record_export
from dashboard.exports import ExportError
from dashboard.exports.disclosure.publication import Publication, build_publication

FORMATS = ("html", "pdf", "xlsx")


def check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ExportError(f"导出格式 {', '.join(unknown) or '（空）'} 无效，可选 html、pdf、xlsx（逗号分隔）。"
                          f"Format {', '.join(unknown) or '(none)'} is not one of html, pdf, xlsx.")
    return chosen


def output_paths(out: Path, period_code: str) -> dict[str, Path]:
    stem = f"disclosure-{period_code}"
    return {"html": out / stem / "index.html", "pdf": out / f"{stem}.pdf", "xlsx": out / f"{stem}.xlsx"}


def write_publication(pub: Publication, formats: Iterable[str], out: Path) -> dict[str, Path]:
    """Write the publication in each format; returns format → path written."""
    from dashboard.exports.disclosure import html, pdf, xlsx

    formats = check_formats(formats)
    paths = output_paths(out, pub.period_code)
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = {}
        if "html" in formats:
            written["html"] = html.write_site(pub, paths["html"].parent)
        if "pdf" in formats:
            written["pdf"] = pdf.write_pdf(pub, paths["pdf"])
        if "xlsx" in formats:
            written["xlsx"] = xlsx.write_xlsx(pub, paths["xlsx"])
    except OSError as exc:
        raise ExportError(f"无法写入导出目录 {out}：{exc.strerror}。Cannot write to {out}: {exc.strerror}.") from exc
    record_export("disclosure", period=pub.period_code, scope=pub.scope, formats=list(written),
                  paths=[str(p) for p in written.values()])
    return written


def write_disclosure(period_code: str, scope: str, formats: Iterable[str], out: Path) -> dict[str, Path]:
    formats = check_formats(formats)
    return write_publication(build_publication(period_code, scope), formats, out)

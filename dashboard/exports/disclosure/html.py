"""The static disclosure site: index.html (fund section and institution tables) and one page per
institution under institutions/, each self-contained (inline CSS and SVG charts) so the folder
works opened from disk or copied to any web server."""

from __future__ import annotations

from pathlib import Path

from dashboard.exports.disclosure.publication import InstitutionPage, Publication, definitions_of
from dashboard.exports.disclosure.render import environment, stylesheet

INSTITUTIONS_DIR = "institutions"


def index_html(pub: Publication, link_prefix: str = f"{INSTITUTIONS_DIR}/") -> str:
    links = {page.code: f"{link_prefix}{page.filename}" for page in pub.institution_pages}
    tables = pub.fund_tables + pub.institution_tables
    return environment().get_template("index.html.j2").render(
        pub=pub, title="信息公开首页", css=stylesheet("disclosure.css"), links=links,
        definitions=definitions_of(tables))


def institution_html(pub: Publication, page: InstitutionPage) -> str:
    return environment().get_template("institution.html.j2").render(
        pub=pub, page=page, title=page.name, css=stylesheet("disclosure.css"), links={},
        definitions=definitions_of(page.tables))


def write_site(pub: Publication, folder: Path) -> Path:
    """Write the site into folder (created); returns the index page. Institution pages of an
    earlier export into the same folder that this publication has not (another scope, an
    institution no longer in the data) are removed, so the folder is exactly this site."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = folder / INSTITUTIONS_DIR
    if pub.institution_pages:
        pages.mkdir(exist_ok=True)
    index = folder / "index.html"
    index.write_text(index_html(pub), encoding="utf-8")
    for page in pub.institution_pages:
        (pages / page.filename).write_text(institution_html(pub, page), encoding="utf-8")
    current = {page.filename for page in pub.institution_pages}
    for stale in pages.glob("*.html") if pages.is_dir() else ():
        if stale.name not in current:
            stale.unlink()
    if pages.is_dir() and not any(pages.iterdir()):
        pages.rmdir()
    return index

"""The public disclosure export (`python -m dashboard export disclosure`) on the generated demo.

Every number of the HTML site, the PDF text (pdftotext) and the XLSX workbook is checked against
the disclosure marts read here with their own SQL; suppressed cells print * and nothing else;
no published total exposes a single suppressed cell; no personal data of any insured person
appears; the PDF embeds and renders Chinese glyphs (OCR of a rendered page); the site works
from disk; bad arguments give a clear message and exit code 2.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import SimpleNamespace

import duckdb
import openpyxl
import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from tests.db import query

PERIOD = "2024"                 # the demo covers 2023–2024: a finalised year with a previous year
MONTHLY_FUND = "999999"         # the fund the fund section breaks down by month
INPATIENT_ONLY = {"discharges", "avg_los_days"}
VISIT_GROUPS = {"住院": "inpatient", "门诊": "outpatient", "药店购药": "pharmacy"}
REGION = "全区域"
#: The supervision results: rows of ledgers, not mart cells; test_disclosure_enforcement.py checks
#: them against the raw delivery.
ENFORCEMENT_TABLES = {"violations", "random_inspections"}
# a published number, *, or —, not glued to a preceding word, code or number
TOKEN = re.compile(r"(?<![\w.,%(（-])-?\d[\d,]*(?:\.\d+)?%?|(?<!\S)[*—](?!\S)")
SCALE = {"money": Decimal("0.01"), "price": Decimal("0.0001"), "percent": Decimal("0.0001"),
         "days": Decimal("0.0001"), "months": Decimal("0.0001")}


@dataclass(frozen=True)
class Cell:
    value: object               # the mart value (Decimal, int, str) or None
    suppressed: bool = False


def expected_text(kind: str, cell: Cell) -> str:
    """What the publication must print for a mart value: money to the fen, prices to 0.0001,
    ratios as percentages with two decimals (exact for the marts' 4-decimal ratios), days and
    months to two decimals, counts with thousands separators."""
    if cell.suppressed:
        return "*"
    if cell.value is None:
        return "—"
    value = cell.value
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "price":
        return f"{value:,.4f}"
    if kind == "count":
        return f"{int(value):,}"
    if kind == "percent":
        return f"{value * 100:.2f}%"
    if kind in ("days", "months"):
        return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return str(value)


def rows_by(warehouse: Path, sql: str, params: list, key) -> dict:
    """The query's rows as dicts, keyed by key(row)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return {key(r): r for r in (dict(zip(names, row, strict=True)) for row in cursor.fetchall())}
    finally:
        con.close()


class Marts:
    """The disclosure marts of PERIOD, read with the test's own SQL."""

    def __init__(self, warehouse: Path):
        self.fund = rows_by(warehouse, """
            select fund_pay_type, fund_name_zh, income_amt, expenditure_amt, current_balance_amt, balance_rate,
                   cumulative_balance_amt, reserve_months, reserve_band_label_zh, income_yoy, expenditure_yoy
            from marts.fct_disclosure_fund_period where period_code = ?""", [PERIOD], lambda r: r["fund_name_zh"])
        self.fund_months = rows_by(warehouse, """
            select month_zh, income_amt, expenditure_amt, current_balance_amt
            from (select strftime(period_start, '%Y') || '年' || cast(month(period_start) as varchar) || '月'
                         as month_zh, *
                  from marts.fct_disclosure_fund_period
                  where period_type = 'month' and fund_pay_type = ? and year(period_start) = ?)""",
            [MONTHLY_FUND, int(PERIOD)], lambda r: r["month_zh"])
        self.cells = rows_by(warehouse, """
            select fixmedins_code, visit_group, fixmedins_name, is_suppressed, persons, visits, discharges,
                   avg_medfee_per_visit, avg_los_days, avg_fund_pay_per_visit, drug_ratio, consumable_ratio,
                   exam_lab_ratio, reimbursement_ratio, inscp_fund_pay_ratio
            from marts.fct_disclosure_institution_period where period_code = ?""", [PERIOD],
            lambda r: (r["fixmedins_code"], r["visit_group"]))
        self.prices = rows_by(warehouse, """
            select fixmedins_code, hilist_code, hilist_name, item_class_zh, is_suppressed, is_count_suppressed,
                   n_patients, unit_price, median_unit_price, min_unit_price, max_unit_price, price_to_median_ratio,
                   n_institutions_published, n_institutions, price_cap, price_to_cap_ratio
            from marts.fct_disclosure_item_price where period_code = ?""", [PERIOD],
            lambda r: (r["fixmedins_code"], r["hilist_code"]))
        self.names = {code: r["fixmedins_name"] for (code, _), r in self.cells.items() if code != "all"}

    def _service(self, code: str, group: str, column: str) -> Cell:
        row = self.cells.get((code, group))
        if row is None:
            return Cell(None)
        if row["is_suppressed"]:
            return Cell(None, True)
        if column in INPATIENT_ONLY and group != "inpatient":
            return Cell(None)
        return Cell(row[column])

    def _price(self, code: str, hilist_code: str, column: str) -> Cell:
        row = self.prices[(code, hilist_code)]
        assert not row["is_suppressed"], f"a suppressed price cell is published: {code} {hilist_code}"
        if column == "n_patients" and row["is_count_suppressed"]:
            return Cell(None, True)
        return Cell(row[column])

    def cell(self, table: str, ident: dict[str, str], column: str, page: str | None = None) -> Cell:
        """The mart value of one published cell, the row identified by its identity texts."""
        code = ident.get("fixmedins_code", page)
        code = "all" if code == REGION else code
        if table == "fund":
            return Cell(self.fund[ident["fund_name_zh"]][column])
        if table == "fund_months":
            return Cell(self.fund_months[ident["month_zh"]][column])
        if table in ("medical_institutions", "pharmacies"):
            if column == "fixmedins_name":
                return Cell("全部定点机构合计" if code == "all" else self.names[code])
            group, mart_column = column.split("__")
            return self._service(code, group, mart_column)
        if table in ("institution", "region", "institution_detail"):
            if column == "fixmedins_name":
                return Cell(self.names[code])
            return self._service("all" if table == "region" else code, VISIT_GROUPS[ident["visit_group_zh"]], column)
        if table in ("region_prices", "prices", "institution_prices"):
            key = ("all" if table == "region_prices" else code, ident["hilist_code"])
            if column in ("hilist_name", "item_class_zh"):
                return Cell(self.prices[key][column])
            if column == "fixmedins_name":
                return Cell(self.names[code])
            return self._price(*key, column)
        raise AssertionError(f"unknown table {table}")


IDENTITY = {"fund_name_zh", "month_zh", "fixmedins_code", "visit_group_zh", "hilist_code"}


def check_row(marts: Marts, table, texts: dict[str, str], page: str | None = None) -> int:
    """Compare one published row's texts with the marts; returns the number of cells checked."""
    ident = {k: v for k, v in texts.items() if k in IDENTITY}
    checked = 0
    for col in table.columns:
        if col.key in IDENTITY or col.key == "peer_group_zh":
            continue
        want = expected_text(col.kind, marts.cell(table.key, ident, col.key, page))
        assert texts[col.key] == want, (table.key, ident, col.key, texts[col.key], want)
        checked += 1
    return checked


# ------------------------------------------------------------------ the export ---------------

@pytest.fixture(scope="module")
def export(demo_warehouse, tmp_path_factory):
    """The CLI export of PERIOD in every format, and the Publication it was built from."""
    from dashboard.__main__ import app
    from dashboard.exports.disclosure.publication import build_publication

    out = tmp_path_factory.mktemp("disclosure")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
        result = CliRunner().invoke(app, ["export", "disclosure", "--period", PERIOD, "--out", str(out)])
        assert result.exit_code == 0, result.output
        pub = build_publication(PERIOD, "all")
    site = out / f"disclosure-{PERIOD}"
    pdf = out / f"disclosure-{PERIOD}.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return SimpleNamespace(pub=pub, out=out, site=site, pdf=pdf, pdf_text=text, xlsx=out / f"disclosure-{PERIOD}.xlsx",
                           marts=Marts(demo_warehouse), output=result.output)


def html_tables(path: Path) -> dict[str, list[dict[str, str]]]:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return {t["data-table"]: [{td["data-col"]: td.get_text(strip=True) for td in tr.find_all("td")}
                              for tr in t.tbody.find_all("tr")]
            for t in soup.find_all("table", attrs={"data-table": True})}


def test_the_cli_writes_the_site_the_pdf_and_the_workbook(export):
    pages = sorted(p.stem for p in (export.site / "institutions").glob("*.html"))
    assert pages == sorted(p.code for p in export.pub.institution_pages) and len(pages) > 10
    assert sorted(pages) == sorted(export.marts.names)
    assert export.pdf.read_bytes().startswith(b"%PDF") and export.xlsx.exists()
    for kind in ("html", "pdf", "xlsx"):
        assert f"{kind}: " in export.output


def test_every_number_of_the_html_site_is_the_mart_value(export):
    checked = 0
    index = html_tables(export.site / "index.html")
    for table in export.pub.fund_tables + export.pub.institution_tables:
        assert len(index[table.key]) == len(table.rows) > 0
        for texts in index[table.key]:
            checked += check_row(export.marts, table, texts)
    for page in export.pub.institution_pages:
        tables = html_tables(export.site / "institutions" / page.filename)
        assert set(tables) == {t.key for t in page.tables}
        for table in (t for t in page.tables if t.key not in ENFORCEMENT_TABLES):
            for texts in tables[table.key]:
                checked += check_row(export.marts, table, texts, page=page.code)
    assert checked > 1000


def test_every_number_of_the_workbook_is_the_mart_value(export):
    book = openpyxl.load_workbook(export.xlsx, read_only=True)
    checked = 0
    for table in (t for t in export.pub.tables if t.key not in ENFORCEMENT_TABLES):
        rows = list(book[table.sheet].iter_rows(values_only=True))
        assert list(rows[2][:len(table.columns)]) == [c.label for c in table.columns]
        body = rows[3:3 + len(table.rows)]
        assert len(body) == len(table.rows) > 0, table.key
        for values in body:
            texts = {}
            for col, value in zip(table.columns, values, strict=False):
                if isinstance(value, str):
                    texts[col.key] = value
                elif col.kind == "count":
                    texts[col.key] = expected_text("count", Cell(int(value)))
                else:           # a stored number: back to the mart's scale, then printed the same way
                    texts[col.key] = expected_text(col.kind, Cell(Decimal(str(round(value, 4))).quantize(SCALE[col.kind])))
            checked += check_row(export.marts, table, texts)
    definitions = [r for r in book["数据口径说明"].iter_rows(values_only=True)][1:]
    assert {name for name, _ in definitions} == {d.name_zh for d in export.pub.definitions}
    assert all(text for _, text in definitions)
    assert checked > 1000


def test_every_number_of_the_pdf_text_is_the_mart_value(export):
    """pdftotext -layout prints each table row's numbers on one line (cells are top-aligned);
    every row's expected numbers, from the marts, must end one line of the PDF text. The
    institution × item price table is left out of the print edition (site and workbook only)."""
    lines = [TOKEN.findall(line) for line in export.pdf_text.splitlines()]
    checked = 0
    assert [t.key for t in export.pub.tables if not t.printed] == ["institution_prices"]
    for table in (t for t in export.pub.tables if t.printed and t.key not in ENFORCEMENT_TABLES):
        for row in table.rows:
            ident = {k: v for k, v in row.items() if k in IDENTITY and isinstance(v, str)}
            want = [text for col in table.columns if col.key not in IDENTITY and col.key != "peer_group_zh"
                    for text in [expected_text(col.kind, export.marts.cell(table.key, ident, col.key))]
                    if col.kind not in ("text", "code") or text == "—"]
            assert any(tokens[-len(want):] == want for tokens in lines if len(tokens) >= len(want)), \
                (table.key, ident, want)
            checked += len(want)
    assert checked > 1000


def test_suppressed_cells_print_only_a_star_and_no_total_exposes_a_single_one(export):
    detail = next(t for t in export.pub.tables if t.key == "institution_detail")
    suppressed_marts = {(code, group) for (code, group), r in export.marts.cells.items()
                        if r["is_suppressed"] and code != "all"}
    printed = {(r["fixmedins_code"], VISIT_GROUPS[r["visit_group_zh"]]) for r in detail.rows
               if all(r[c.key] == "*" for c in detail.columns[3:])}
    assert printed == suppressed_marts and printed, "every suppressed cell, and only those, print *"
    for group in VISIT_GROUPS.values():
        region = export.marts.cells.get(("all", group))
        if region is None or region["is_suppressed"]:
            continue
        hidden = [code for code, g in suppressed_marts if g == group]
        assert len(hidden) != 1, f"the {group} region total gives away {hidden}"


def published_texts(export) -> tuple[str, set[str]]:
    """All text of the three formats, and every table cell / workbook value as its own string."""
    parts, cells = [export.pdf_text], set()
    for path in export.site.rglob("*.html"):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        parts.append(soup.get_text(" "))
        cells |= {td.get_text(strip=True) for td in soup.find_all("td")}
    book = openpyxl.load_workbook(export.xlsx, read_only=True)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            values = [str(v) for v in row if v is not None]
            parts.extend(values)
            cells |= set(values)
    return "\n".join(parts), cells


def test_no_personal_data_appears_in_any_export(export, demo_warehouse):
    text, cells = published_texts(export)
    persons = query(demo_warehouse, "select psn_no, psn_name, certno, tel, addr from staging.stg_psn_info_b")
    assert len(persons) > 1000
    assert not re.search(r"(?<!\d)\d{17}[\dXx](?!\d)", text), "an ID-number pattern"
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text), "a mobile-phone pattern"
    digit_runs = set(re.findall(r"\d{6,}", text))
    trigrams = {text[i:i + 3] for i in range(len(text) - 2)}
    for psn_no, name, certno, tel, addr in persons:
        assert psn_no not in digit_runs and certno not in digit_runs and (tel or "-") not in digit_runs
        assert not (len(name) >= 3 and name in trigrams) and name not in cells, f"person name {name}"
        assert not (addr and addr in text), f"address {addr}"


def test_the_pdf_embeds_noto_cjk_and_renders_chinese_glyphs(export, tmp_path):
    fonts = subprocess.run(["pdffonts", str(export.pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all("Noto-Sans-CJK-SC" in r[0] for r in rows), fonts
    assert all(r[-5] == "yes" for r in rows), "every font embedded"
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(export.pdf), str(tmp_path / "page")],
                   check=True)
    image = next(tmp_path.glob("page*.png"))
    ocr = subprocess.run(["tesseract", str(image), "-", "-l", "chi_sim"], capture_output=True, text=True,
                         check=True).stdout
    ocr = re.sub(r"\s", "", ocr)
    for words in ("医疗保障基金信息公开", "医疗保障基金收支情况", "数据截止日期"):
        assert words in ocr, f"OCR of page 1 does not read {words}: {ocr[:200]}"


def test_the_site_works_from_disk_and_every_page_carries_definitions_source_and_cutoff(export):
    cutoff = f"{export.pub.data_cutoff_date:%Y-%m-%d}"
    for path in export.site.rglob("*.html"):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        assert not soup.find_all("script") and not soup.find_all("link"), path
        for tag in soup.find_all(href=True):
            assert (path.parent / tag["href"]).resolve().is_file(), (path.name, tag["href"])
        notes = soup.find("section", class_="notes").get_text(" ")
        for heading in ("数据口径说明", "数据来源", "数据截止日期"):
            assert heading in notes, (path.name, heading)
        assert cutoff in notes
        headers = {th.get_text(strip=True) for th in soup.find_all("th")}
        defined = {dt.get_text(strip=True) for dt in soup.select("dl.definitions dt")}
        assert defined and headers, path.name
        assert ("人均住院天数" in headers) <= any("人均住院天数" in d for d in defined)
    for page in export.pub.institution_pages:
        assert page.filename in (export.site / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("args, message", [
    (["--period", "2024Q5"], "格式不正确"),
    (["--period", "2031"], "未结束或不在数据中"),
    (["--period", PERIOD, "--scope", "people"], "公开范围"),
    (["--period", PERIOD, "--format", "docx"], "导出格式"),
])
def test_bad_arguments_give_a_clear_message_and_exit_code_2(demo_warehouse, monkeypatch, tmp_path, args, message):
    from dashboard.__main__ import app

    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["export", "disclosure", *args, "--out", str(out)])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir()), "nothing written"


def test_a_month_of_the_fund_alone_as_html_and_xlsx(demo_warehouse, monkeypatch, tmp_path):
    from dashboard.__main__ import app

    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["export", "disclosure", "--period", "2024-07", "--scope", "fund",
                                      "--format", "html,xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["disclosure-2024-07", "disclosure-2024-07.xlsx"]
    tables = html_tables(out / "disclosure-2024-07" / "index.html")
    assert list(tables) == ["fund"], "a month has no monthly breakdown, the fund scope no institutions"
    income = query(demo_warehouse, """select fund_name_zh, income_amt from marts.fct_disclosure_fund_period
                                      where period_code = '2024-07'""")
    assert {r["fund_name_zh"]: r["income_amt"] for r in tables["fund"]} == {n: f"{v:,.2f}" for n, v in income}
    assert [p.name for p in (out / "disclosure-2024-07").iterdir()] == ["index.html"]


def test_a_month_with_its_institutions_has_pages_without_a_monthly_chart(demo_warehouse, monkeypatch, tmp_path):
    from dashboard.__main__ import app

    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    result = CliRunner().invoke(app, ["export", "disclosure", "--period", "2024-07", "--scope", "institutions",
                                      "--format", "html", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    pages = list((tmp_path / "disclosure-2024-07" / "institutions").glob("*.html"))
    codes = {r[0] for r in query(demo_warehouse, """select distinct fixmedins_code
        from marts.fct_disclosure_institution_period where period_code = '2024-07' and not is_total""")}
    assert {p.stem for p in pages} == codes
    assert all("data-chart" not in p.read_text(encoding="utf-8") for p in pages)

    # exported again into the same folder: a page no longer in the data goes, and so do all
    # institution pages when the new export is of the fund alone
    site = tmp_path / "disclosure-2024-07"
    (site / "institutions" / "H00000000000.html").write_text("stale", encoding="utf-8")
    again = ["export", "disclosure", "--period", "2024-07", "--format", "html", "--out", str(tmp_path)]
    assert CliRunner().invoke(app, [*again, "--scope", "institutions"]).exit_code == 0
    assert {p.stem for p in (site / "institutions").glob("*.html")} == codes
    assert CliRunner().invoke(app, [*again, "--scope", "fund"]).exit_code == 0
    assert [p.name for p in site.iterdir()] == ["index.html"]

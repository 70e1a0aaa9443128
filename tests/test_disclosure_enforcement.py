"""The supervision results of the public disclosure (违规失信信息 and 双随机抽查结果, issue 10) on the
generated demo: the site, the PDF and the workbook list exactly the rows computed here from the
raw delivery CSVs (closed cases against institutions, random inspections with a result, both in
the period); open cases, cases against doctors or insured persons and running periods are not
published; no person, doctor, inspector or finding text appears; the 信息披露 page shows them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import duckdb
import openpyxl
import pytest
from bs4 import BeautifulSoup

from tests.browser import page_layout
from tests.conftest import ROOT, run_dbt
from tests.db import query
from tests.test_disclosure_export import html_tables
from tests.test_page_disclosure import _walk

PERIOD = "2024"
SEEDS = ROOT / "dbt_project" / "seeds" / "enforcement"
ENFORCEMENT_MODELS = ["dim_disclosure_periods", "dim_disclosure_enforcement_periods", "fct_disclosure_violation",
                      "fct_disclosure_random_inspection"]
VIOLATION_KEYS = ("fixmedins_code", "fixmedins_name", "violation_type_zh", "legal_article_zh", "close_date",
                  "credit_grade", "blacklist_zh", "involved_amt", "recovered_amt", "fine_amt")
INSPECTION_KEYS = ("draw_id", "fixmedins_code", "fixmedins_name", "begndate", "enddate", "result_zh")


def money(value) -> str:
    return f"{Decimal(value):,.2f}"


class Raw:
    """The delivery's ledgers and the enforcement seeds, read as text, with the published rows
    of a period derived from them by the disclosure rules."""

    def __init__(self, delivery: Path):
        self.con = duckdb.connect()
        for table in ("enforcement_cases", "inspections", "credit_grades", "fixmedins_b", "psn_info_b"):
            self.con.execute(f"create view {table} as "
                             f"select * from read_csv('{delivery / table}.csv', all_varchar = true)")
        for seed in ("violation_types", "enforcement_codes"):
            self.con.execute(f"create view {seed} as select * from read_csv('{SEEDS / seed}.csv', all_varchar = true)")

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def violations(self, start: str, end: str) -> list[tuple[str, ...]]:
        """The published texts of the closed cases against institutions closed in [start, end]."""
        found = self.rows("""
            select c.subject_code, i.fixmedins_name, v.violation_type_zh, a.label_zh, c.close_date,
                   g.credit_grade, g.blacklist_flag, c.involved_amt, c.recovered_amt, c.fine_amt
            from enforcement_cases c
            join fixmedins_b i on i.fixmedins_code = c.subject_code
            join violation_types v using (violation_type)
            join enforcement_codes a on a.code_type = 'legal_article'
                                    and a.code = coalesce(c.legal_article, v.legal_article)
            left join credit_grades g on g.subject_type = '1' and g.subject_code = c.subject_code
                                     and g.eval_year = strftime(cast(c.close_date as date), '%Y')
            where c.subject_type = '1' and c.case_status = '4' and c.close_date between ? and ?
            order by c.close_date, c.subject_code, c.case_id""", [start, end])
        return [(code, name, kind, basis, closed, grade or "—", "是" if black == "1" else "否",
                 money(involved), money(recovered), money(fine))
                for code, name, kind, basis, closed, grade, black, involved, recovered, fine in found]

    def inspections(self, start: str, end: str) -> list[tuple[str, ...]]:
        """The published texts of the random inspections ended in [start, end] with a result."""
        found = self.rows("""
            select s.draw_id, s.fixmedins_code, i.fixmedins_name, s.begndate, s.enddate, s.finding_flag,
                   exists (select 1 from enforcement_cases c where c.insp_id = s.insp_id and c.case_status <> '5')
            from inspections s join fixmedins_b i using (fixmedins_code)
            where s.insp_type = '4' and s.finding_flag is not null and s.enddate between ? and ?
            order by s.draw_id, s.enddate, s.fixmedins_code, s.insp_id""", [start, end])
        return [(draw, code, name, begun, ended,
                 "发现问题已立案查处" if has_case else "发现问题责令整改" if flag == "1" else "未发现问题")
                for draw, code, name, begun, ended, flag, has_case in found]


@pytest.fixture(scope="module")
def raw(demo_delivery) -> Raw:
    return Raw(demo_delivery)


@pytest.fixture(scope="module")
def published(demo_warehouse, tmp_path_factory):
    """The disclosure of PERIOD written as site, PDF and workbook, and the PDF's text."""
    from dashboard.exports.disclosure import write_publication
    from dashboard.exports.disclosure.publication import build_publication

    out = tmp_path_factory.mktemp("enforcement")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
        pub = build_publication(PERIOD, "all")
        written = write_publication(pub, ["html", "pdf", "xlsx"], out)
    pdf_text = subprocess.run(["pdftotext", "-layout", str(written["pdf"]), "-"], capture_output=True, text=True,
                              check=True).stdout
    return SimpleNamespace(pub=pub, index=written["html"], pdf_text=pdf_text,
                           book=openpyxl.load_workbook(written["xlsx"], read_only=True))


def sheet_texts(book, sheet: str, n_columns: int) -> list[tuple[str, ...]]:
    """The body rows of a published sheet as the texts they print (money to the fen, dates ISO)."""
    rows = list(book[sheet].iter_rows(min_row=4, values_only=True))
    body = []
    for row in rows:
        if row[0] is None or str(row[0]).startswith("本统计期"):     # blank line above the notes, or empty
            break
        body.append(tuple(
            value.strftime("%Y-%m-%d") if hasattr(value, "strftime")
            else money(Decimal(str(round(value, 2)))) if isinstance(value, int | float)
            else str(value) for value in row[:n_columns]))
    return body


def test_the_violation_list_is_the_closed_institution_cases_of_the_period(published, raw):
    expected = raw.violations(f"{PERIOD}-01-01", f"{PERIOD}-12-31")
    assert len(expected) >= 3, "the demo closes cases against institutions in the period"
    site = [tuple(r[k] for k in VIOLATION_KEYS) for r in html_tables(published.index)["violations"]]
    assert site == expected
    assert sheet_texts(published.book, "违规失信信息", len(VIOLATION_KEYS)) == expected
    lines = [line.split() for line in published.pdf_text.splitlines()]
    for row in expected:        # the row's first line ends with its close date … amounts
        assert any(tokens[-3:] == list(row[-3:]) and row[4] in tokens for tokens in lines), row


def test_each_institution_page_lists_its_own_supervision_results(published, raw):
    expected = raw.violations(f"{PERIOD}-01-01", f"{PERIOD}-12-31")
    inspected = raw.inspections(f"{PERIOD}-01-01", f"{PERIOD}-12-31")
    pages = published.index.parent / "institutions"
    checked = 0
    for code in {row[0] for row in expected} | {row[1] for row in inspected}:
        page = pages / f"{code}.html"
        if not page.exists():       # no settlement in the period: no page
            continue
        tables = html_tables(page)
        own = [row[2:] for row in expected if row[0] == code]
        assert [tuple(r[k] for k in VIOLATION_KEYS[2:]) for r in tables.get("violations", [])] == own, code
        own_draws = [row[:1] + row[3:] for row in inspected if row[1] == code]
        assert [tuple(r[k] for k in ("draw_id", *INSPECTION_KEYS[3:])) for r in tables.get("random_inspections", [])] \
            == own_draws, code
        checked += 1
    assert checked >= 3
    clean = next(p for p in published.pub.institution_pages if p.code not in {row[0] for row in expected})
    assert "violations" not in html_tables(pages / clean.filename)


def test_the_random_inspection_results_are_the_ended_draws_of_the_period(published, raw):
    expected = raw.inspections(f"{PERIOD}-01-01", f"{PERIOD}-12-31")
    assert len(expected) >= 2 and len({r[-1] for r in expected}) >= 2, "the demo has several results"
    site = [tuple(r[k] for k in INSPECTION_KEYS) for r in html_tables(published.index)["random_inspections"]]
    assert site == expected
    assert sheet_texts(published.book, "双随机抽查结果", len(INSPECTION_KEYS)) == expected
    lines = published.pdf_text.splitlines()
    for draw, code, _name, begun, ended, result in expected:
        assert any(line.split()[:2] == [draw, code] and f"{begun}" in line and result in line for line in lines)


def test_open_revoked_and_person_cases_are_not_published(published, raw, demo_warehouse):
    unpublished = raw.rows("""select case_id, subject_type, case_status from enforcement_cases
                              where case_status <> '4' or subject_type <> '1'""")
    assert {s for _, s, _ in unpublished} >= {"1", "3"} and any(st in "123" for _, _, st in unpublished), \
        "the demo has open institution cases and a case against an insured person"
    published_ids = {r[0] for r in query(demo_warehouse, "select case_id from marts.fct_disclosure_violation")}
    assert published_ids and not published_ids & {case_id for case_id, _, _ in unpublished}
    closed = raw.rows("select count(*) from enforcement_cases where case_status = '4' and subject_type = '1'")[0][0]
    assert len(published_ids) == closed, "every closed institution case of a finalised month"
    assert len(published.pub.enforcement_tables[0].rows) < closed, "the period lists its own cases only"


def test_no_person_doctor_inspector_or_finding_text_is_published(published, raw):
    soup = BeautifulSoup(published.index.read_text(encoding="utf-8"), "html.parser")
    site = soup.find("section", id="enforcement").get_text(" ")
    book = " ".join(str(v) for sheet in ("违规失信信息", "双随机抽查结果")
                    for row in published.book[sheet].iter_rows(values_only=True) for v in row if v is not None)
    subjects = {code for (code,) in raw.rows("select subject_code from enforcement_cases where subject_type <> '1'")}
    inspectors = {code for (codes,) in raw.rows("select inspectors from inspections") for code in codes.split(";")}
    findings = {text for (text,) in raw.rows("select findings from inspections where findings is not null")}
    persons = raw.rows("select psn_no, certno, psn_name from psn_info_b")
    identifiers = {value for psn_no, certno, _ in persons for value in (psn_no, certno)}
    names = {name for _, _, name in persons if len(name) >= 3}     # two-character names occur in words
    assert subjects and inspectors and findings and identifiers and names
    pdf = published.pdf_text.split("医保基金监管结果", 1)[1].split("定点医药机构分机构明细", 1)[0]
    for text in (site, book, pdf):
        assert not re.search(r"(?<![\dHP])\d{10,}", text), "a person number or ID-number pattern"
        assert not re.search(r"ZF\d{4}|(?<![A-Z])D\d{7}", text), "an inspector or doctor code"
        assert not any(code in text for code in subjects | inspectors)
    assert not any(value in site or value in book for value in identifiers | names)
    assert not any(finding in site or finding in book for finding in findings if len(finding) > 6)
    assert "H" in pdf and "违规失信信息" in pdf, "the PDF's supervision section"


def test_a_running_month_is_not_published(demo_warehouse, demo_landing, raw, tmp_path, monkeypatch):
    """Settlements cut the day before the last closed institution case: its month is running,
    so neither the month, its quarter nor the year is published, and the case is in no mart."""
    from dashboard.exports import ExportError
    from dashboard.exports.disclosure.publication import build_publication

    last_close = raw.rows("""select max(cast(close_date as date)) from enforcement_cases
                             where case_status = '4' and subject_type = '1'""")[0][0]
    warehouse = tmp_path / "yibao.duckdb"
    shutil.copy(demo_warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute("delete from intermediate.int_settlements where setl_date >= ?", [last_close])
    con.close()
    result = run_dbt(["run", "--select", *ENFORCEMENT_MODELS], demo_landing, warehouse, tmp_path / "target")
    assert result.returncode == 0, result.stdout[-3000:]

    running = f"{last_close:%Y-%m}"
    periods = {r[0] for r in query(warehouse, "select period_code from marts.dim_disclosure_enforcement_periods")}
    assert running not in periods and f"{last_close.year}" not in periods
    assert f"{last_close.year}Q{(last_close.month - 1) // 3 + 1}" not in periods
    closes = [r[0] for r in query(warehouse, "select close_date from marts.fct_disclosure_violation")]
    assert closes and max(closes) < last_close.replace(day=1)
    ends = [r[0] for r in query(warehouse, "select enddate from marts.fct_disclosure_random_inspection")]
    assert max(ends) < last_close.replace(day=1)

    monkeypatch.setenv("YIBAO_WAREHOUSE", str(warehouse))
    with pytest.raises(ExportError, match="未结束"):
        build_publication(running, "institutions")
    before = max(periods - {running}, key=lambda code: (len(code) == 7, code))
    pub = build_publication(before, "institutions")
    assert [t.key for t in pub.enforcement_tables] == ["violations", "random_inspections"]


def test_the_disclosure_page_previews_the_supervision_results(demo_warehouse, monkeypatch, tmp_path, published):
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    monkeypatch.setenv("YIBAO_DATA", str(tmp_path / "data"))
    page = page_layout("/disclosure")(period=PERIOD, scope="all")
    found = {c.id: c for c in _walk(page) if isinstance(getattr(c, "id", None), str)}
    tables = published.pub.enforcement_tables
    assert found["disclosure-summary-enforcement"].children == (
        f"违规失信信息 {len(tables[0].rows)} 条、双随机抽查结果 {len(tables[1].rows)} 条"
        f"（监管信息截止 {published.pub.ledgers_as_of_date:%Y-%m-%d}）")
    preview = found["disclosure-preview"].srcDoc
    assert "医保基金监管结果" in preview and 'data-table="violations"' in preview
    assert 'data-table="random_inspections"' in preview and "监管信息截止日期" in preview


def test_a_month_without_a_closed_case_says_so(demo_warehouse, raw, monkeypatch):
    from dashboard.exports.disclosure.html import index_html
    from dashboard.exports.disclosure.publication import build_publication

    closed = {m for (m,) in raw.rows("""select strftime(cast(close_date as date), '%Y-%m') from enforcement_cases
                                        where case_status = '4' and subject_type = '1'""")}
    month = next(f"{PERIOD}-{m:02d}" for m in range(1, 13) if f"{PERIOD}-{m:02d}" not in closed)
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    pub = build_publication(month, "institutions")
    assert pub.enforcement_tables[0].rows == []
    assert '<p class="hint empty" data-empty="violations">本统计期内无已结案的定点医药机构违规案件。</p>' in index_html(pub)

"""执法成效 page and the institution's case history: the data functions return the enforcement
marts' rows (KPIs as sums over the year's closed cases, the funnel by channel, recoveries by month
and type, the upward reports overdue first), an insured person's code on a case is masked, and in
real headless Chromium leadership sees KPI values equal to sums computed from the marts, the
funnel and the report table."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from dashboard import formatting as fmt
from tests.browser import graph_data, mart, start_as, wait_for

PAGE_URL = "/enforcement"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-output" / "screenshots"


@pytest.fixture
def warehouse(demo_warehouse, monkeypatch) -> Path:
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    return demo_warehouse


def busiest_year(warehouse: Path) -> int:
    """The close year with the most closed cases."""
    return mart(warehouse, """select close_year from marts.fct_enforcement_recovery
                              group by 1 order by sum(cases_closed) desc, 1 desc limit 1""")[0][0]


def closed_in(warehouse: Path, year: int, area: str | None = None) -> tuple:
    """cases, Σ involved, Σ recovered, Σ fined of the year's closed cases, from the recovery mart."""
    return mart(warehouse, """
        select sum(cases_closed), sum(involved_amt), sum(recovered_amt), sum(fine_amt)
        from marts.fct_enforcement_recovery where close_year = ? and (? is null or admdvs = ?)""",
                [year, area, area])[0]


def person_case(warehouse: Path) -> tuple[str, str]:
    """The institution and psn_no of a case whose subject is an insured person."""
    return mart(warehouse, """select fixmedins_code, subject_code from marts.fct_enforcement_case
                              where subject_type = '3' order by case_id limit 1""")[0]


# ---------------------------------------------------------------- data functions, no browser

def test_kpis_are_the_sums_of_the_cases_closed_in_the_year(warehouse):
    from dashboard.data import enforcement

    year = busiest_year(warehouse)
    cases, involved, recovered, fined = closed_in(warehouse, year)
    kpis = enforcement.kpis(year)
    assert cases > 0 and kpis["cases_closed"] == cases
    assert (kpis["involved_amt"], kpis["recovered_amt"], kpis["fine_amt"]) == (involved, recovered, fined)
    assert all(isinstance(kpis[c], Decimal) for c in enforcement.KPI_MONEY)
    assert kpis["recovery_rate"] == pytest.approx(float(recovered / involved))
    [(median,)] = mart(warehouse, """select median(days_to_close) from marts.fct_enforcement_case
                                     where is_closed and year(close_date) = ?""", [year])
    assert kpis["days_to_close_median"] == pytest.approx(median)
    area = mart(warehouse, """select admdvs from marts.fct_enforcement_recovery where close_year = ?
                              group by 1 order by sum(cases_closed) desc limit 1""", [year])[0][0]
    assert enforcement.kpis(year, area)["recovered_amt"] == closed_in(warehouse, year, area)[2]


def test_overdue_reports_are_counted_and_listed_first(warehouse):
    from dashboard.data import enforcement

    rows = mart(warehouse, """select r.case_id, r.report_status, year(coalesce(r.report_deadline, c.open_date))
                              from marts.fct_case_upward_report r join marts.fct_enforcement_case c using (case_id)""")
    assert rows, "the demo delivery has cases due for upward reporting"
    for year in {r[2] for r in rows}:
        listed = enforcement.upward_reports(year)
        expected = [r for r in rows if r[2] == year]
        assert sorted(listed["case_id"]) == sorted(r[0] for r in expected)
        overdue = listed["report_status"] == enforcement.OVERDUE_UNREPORTED
        assert list(overdue) == sorted(overdue, reverse=True), "逾期未报 first"
        kpis = enforcement.kpis(year)
        assert kpis["reports_due"] == len(expected) and kpis["reports_overdue"] == overdue.sum()


def test_funnel_sums_the_channels_rows_tip_first(warehouse):
    from dashboard.data import enforcement

    year = mart(warehouse, "select max(year) from marts.fct_enforcement_funnel")[0][0]
    expected = {r[0]: r[1:] for r in mart(warehouse, """
        select channel, sum(leads), sum(closed), sum(verified), sum(cases), sum(cases_closed), sum(recovered_amt)
        from marts.fct_enforcement_funnel where year = ? group by 1""", [year])}
    funnel = enforcement.funnel(year)
    assert funnel["channel"].iloc[0] == "tip" and list(funnel["channel"].iloc[1:]) == sorted(funnel["channel"].iloc[1:])
    got = {r.channel: (r.leads, r.closed, r.verified, r.cases, r.cases_closed) for r in funnel.itertuples()}
    assert got == {channel: values[:5] for channel, values in expected.items()}
    assert funnel["recovered_amt"].sum() == pytest.approx(float(sum(v[5] for v in expected.values())))


def test_recoveries_by_month_and_by_type_add_up_to_the_years_closed_cases(warehouse):
    from dashboard.data import enforcement

    year = busiest_year(warehouse)
    cases, _, recovered, fined = closed_in(warehouse, year)
    for frame in (enforcement.recovery_by_month(year), enforcement.recovery_by_violation(year)):
        assert frame["cases_closed"].sum() == cases
        assert frame["recovered_amt"].sum() == pytest.approx(float(recovered))
        assert frame["fine_amt"].sum() == pytest.approx(float(fined))
    by_type = enforcement.recovery_by_violation(year)
    assert (by_type["recovered_amt"] + by_type["fine_amt"]).is_monotonic_decreasing


def test_an_institutions_cases_and_credit_history_are_its_marts_rows(warehouse):
    from dashboard.data import institutions

    code, n_cases = mart(warehouse, """select fixmedins_code, count(*) from marts.fct_enforcement_case
                                       group by 1 order by 2 desc, 1 limit 1""")[0]
    cases = institutions.institution_cases(code)
    assert len(cases) == n_cases and cases["open_date"].is_monotonic_decreasing
    years = [r[0] for r in mart(warehouse, """select eval_year from marts.fct_institution_credit_history
                                             where fixmedins_code = ? order by 1""", [code])]
    history = institutions.credit_history(code)
    assert years and list(history["eval_year"]) == years
    assert set(history["credit_grade"]) <= set("ABCD")


def test_a_person_subjects_psn_no_is_masked_unless_revealed(warehouse):
    from dashboard.data import institutions

    code, psn_no = person_case(warehouse)
    masked = institutions.institution_cases(code)
    shown = masked.loc[masked["subject_type"] == institutions.PERSON_SUBJECT, "subject_code"]
    assert len(shown) and psn_no not in set(shown) and all("*" in s for s in shown)
    others = masked[masked["subject_type"] != institutions.PERSON_SUBJECT]
    assert not others["subject_code"].str.contains("*", regex=False).any(), "institution codes stay"
    revealed = institutions.institution_cases(code, reveal=True)
    assert psn_no in set(revealed["subject_code"])


# ---------------------------------------------------------------- in Chromium

@pytest.mark.browser
def test_leadership_sees_the_years_outcomes_funnel_and_report_table(dash_duo, warehouse):
    year, reports = mart(warehouse, """
        select year(coalesce(r.report_deadline, c.open_date)), list(r.case_id order by r.case_id)
        from marts.fct_case_upward_report r join marts.fct_enforcement_case c using (case_id)
        group by 1 order by count(*) desc, 1 desc limit 1""")[0]
    cases, involved, recovered, fined = closed_in(warehouse, year)
    [(overdue,)] = mart(warehouse, """
        select count(*) from marts.fct_case_upward_report r join marts.fct_enforcement_case c using (case_id)
        where r.report_status = '逾期未报' and year(coalesce(r.report_deadline, c.open_date)) = ?""", [year])
    start_as(dash_duo, "leadership")
    dash_duo.wait_for_page(f"{dash_duo.server_url}{PAGE_URL}?year={year}")
    dash_duo.wait_for_contains_text("#enforcement-kpi-closed", f"{fmt.count(cases)} 件", timeout=20)
    assert fmt.money(recovered) in dash_duo.find_element("#enforcement-kpi-recovered").text
    assert fmt.money(involved) in dash_duo.find_element("#enforcement-kpi-recovered").text
    assert fmt.money(fined) in dash_duo.find_element("#enforcement-kpi-fines").text
    assert fmt.percent(recovered / involved) in dash_duo.find_element("#enforcement-kpi-rate").text
    assert f"{fmt.count(overdue)} 件" in dash_duo.find_element("#enforcement-kpi-overdue").text

    funnel = wait_for(lambda: graph_data(dash_duo, "enforcement-funnel"), message="funnel")
    assert {t["type"] for t in funnel} == {"funnel"} and funnel[0]["name"] == "举报线索"
    assert funnel[0]["y"][0] == "线索 / 检查"
    dash_duo.wait_for_element("#enforcement-report-table .dash-spreadsheet", timeout=10)
    assert "上报期限" in dash_duo.find_element("#enforcement-report-table").text
    shown = dash_duo.driver.execute_script("""return [...document.querySelectorAll(
        '#enforcement-report-table td[data-dash-column="case_id"]')].map(td => td.innerText);""")
    assert sorted(shown) == sorted(reports)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dash_duo.driver.set_window_size(1400, 2200)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "enforcement.png"))

    other = mart(warehouse, "select min(year) from marts.fct_enforcement_funnel")[0][0]
    dash_duo.select_dcc_dropdown("#enforcement-year", f"{other} 年")
    wait_for(lambda: f"year={other}" in dash_duo.driver.current_url, message="year in the URL")
    dash_duo.wait_for_contains_text("#enforcement-kpi-closed", f"{other} 年结案", timeout=10)
    assert dash_duo.get_logs() == []

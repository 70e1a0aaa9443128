"""The inspection case list: fct_inspection_case against fct_rule_hit, its key areas and ages, the
masked data functions, the XLSX case list (rows, amounts, no personal data) and the export CLI."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.db import query

CASE_KEYS = ["rule_hit_id", "rule_family", "fixmedins_code", "mdtrt_id", "psn_no", "suspect_amt"]


@pytest.fixture
def warehouse(demo_warehouse, monkeypatch) -> Path:
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    return demo_warehouse


@pytest.fixture(scope="module")
def busiest(demo_warehouse) -> tuple[str, str]:
    """The institution × period with the most hits, and at least one behaviour hit."""
    return tuple(query(demo_warehouse, """
        select fixmedins_code, period from marts.fct_inspection_case
        group by all having count(bkkp_sn) < count(*)
        order by count(*) desc, fixmedins_code, period limit 1""")[0])


def mart_rows(warehouse: Path, code: str, period: str) -> pd.DataFrame:
    rows = query(warehouse, f"""select {', '.join(CASE_KEYS)} from marts.fct_inspection_case
                               where fixmedins_code = ? and period = ?""", [code, period])
    return pd.DataFrame(rows, columns=CASE_KEYS)


def persons(warehouse: Path) -> pd.DataFrame:
    rows = query(warehouse, "select psn_no, psn_name, certno, tel, addr from staging.stg_psn_info_b")
    return pd.DataFrame(rows, columns=["psn_no", "psn_name", "certno", "tel", "addr"])


def workbook_cells(content: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


# ---------------------------------------------------------------- the mart ------------------

def test_the_case_list_has_exactly_one_row_per_rule_hit_and_the_same_amounts(demo_warehouse):
    hits = query(demo_warehouse, "select rule_hit_id, suspect_amt from marts.fct_rule_hit")
    cases = query(demo_warehouse, "select rule_hit_id, suspect_amt from marts.fct_inspection_case")
    assert len(hits) > 100
    assert len(cases) == len({c[0] for c in cases}) == len(hits)
    assert dict(cases) == dict(hits)
    assert sum(a for _, a in cases) == sum(a for _, a in hits)
    assert isinstance(cases[0][1], Decimal)


def test_line_hits_take_their_items_key_area_and_behaviour_hits_their_visits(demo_warehouse):
    rows = query(demo_warehouse, """
        select c.rule_family, c.hilist_code, c.key_area_zh, c.key_area_basis, d.item_class, d.key_group
        from marts.fct_inspection_case c left join marts.dim_items d using (hilist_code)""")
    frame = pd.DataFrame(rows, columns=["family", "code", "area", "basis", "item_class", "key_group"])
    lines = frame[frame["code"].notna()]
    assert (lines["basis"] == "item").all() and (frame[frame["code"].isna()]["basis"] == "visit").all()
    assert (lines.loc[lines["item_class"] == "drug", "area"] == "药品").all()
    implants = lines[lines["key_group"].isin(["orthopaedic_implant", "cardiovascular_intervention"])]
    assert (implants["area"] == implants["key_group"].map({"orthopaedic_implant": "骨科",
                                                            "cardiovascular_intervention": "心血管内科"})).all()
    other_consumables = lines[(lines["item_class"] == "consumable") & lines["key_group"].isna()]
    assert (other_consumables["area"] == "医用耗材").all()
    expected = {"003110000060000": "血液净化", "002503020030000": "检验", "003107010220000": "心血管内科",
                "002101030300000": "检查", "003402000320000": "康复理疗", "001109000010000": "其他"}
    present = lines[lines["code"].isin(list(expected))]
    # which wrong-sex item the generator draws varies; the others come from fixed injections
    always = set(expected) - {"002101030300000"}
    assert always <= set(present["code"]), "the demo should hit each of these items"
    assert (present["area"] == present["code"].map(expected)).all()
    # a 挂床 stay bills only bed, nursing and 诊查: none of it is a campaign area
    assert set(frame.loc[frame["family"] == "ghost_bed", "area"]) == {"其他"}


def test_age_at_hit_counts_completed_years(demo_warehouse):
    rows = query(demo_warehouse, """
        select c.hit_date, p.brdy, c.age_at_hit
        from marts.fct_inspection_case c join staging.stg_psn_info_b p using (psn_no)""")
    frame = pd.DataFrame(rows, columns=["hit", "brdy", "age"])
    hit, brdy = pd.to_datetime(frame["hit"]), pd.to_datetime(frame["brdy"])
    before_birthday = (hit.dt.month < brdy.dt.month) | ((hit.dt.month == brdy.dt.month) & (hit.dt.day < brdy.dt.day))
    expected = hit.dt.year - brdy.dt.year - before_birthday.astype(int)
    assert len(frame) > 100
    assert (frame["age"] == expected).all()


# ---------------------------------------------------------------- data functions ------------

def test_case_lines_are_the_marts_rows_with_personal_data_masked(warehouse, busiest):
    from dashboard.data import cases

    code, period = busiest
    lines = cases.case_lines(code, period)
    expected = mart_rows(warehouse, code, period)
    assert sorted(lines["rule_hit_id"]) == sorted(expected["rule_hit_id"])
    assert Decimal(str(round(lines["suspect_amt"].sum(), 2))) == expected["suspect_amt"].sum()
    raw = persons(warehouse).set_index("psn_no").loc[lines["psn_no"]]
    assert (lines["psn_name"].str.len() == raw["psn_name"].str.len().to_numpy()).all()
    assert (lines["psn_name"].to_numpy() != raw["psn_name"].to_numpy()).all()
    assert (lines["certno"].str[3:-4].str.fullmatch(r"\*+")).all()
    assert not set(lines["certno"]) & set(raw["certno"])


def test_case_filters_keep_only_the_chosen_families_and_areas(warehouse, busiest):
    from dashboard.data import cases

    code, period = busiest
    everything = cases.case_lines(code, period)
    family = everything["rule_family"].value_counts().index[0]
    area = everything.loc[everything["rule_family"] == family, "key_area_zh"].iloc[0]
    chosen = cases.case_lines(code, period, families=[family], areas=[area])
    assert 0 < len(chosen) < len(everything)
    assert set(chosen["rule_family"]) == {family} and set(chosen["key_area_zh"]) == {area}
    assert len(cases.case_lines(code, period, families=[], areas=None)) == len(everything)


def test_case_summary_adds_up_to_the_lines(warehouse, busiest):
    from dashboard.data import cases

    code, period = busiest
    lines = cases.case_lines(code, period)
    cell = cases.case_summary(code, period)
    by_family = cases.case_summary(code, period, by="family")
    by_area = cases.case_summary(code, period, by="area")
    for summary in (cell, by_family, by_area):
        assert summary["hit_count"].sum() == len(lines)
        assert summary["suspect_amt"].sum() == pytest.approx(lines["suspect_amt"].sum(), abs=0.005)
    expected = lines.groupby("key_area_zh")["psn_no"].nunique()
    assert by_area.set_index("key_area_zh")["patient_count"].to_dict() == expected.to_dict()
    confirmed = (lines["result_type"] == "明确").groupby(lines["rule_family_zh"]).sum()
    assert by_family.set_index("rule_family_zh")["confirmed_hit_count"].to_dict() == confirmed.to_dict()
    with pytest.raises(ValueError):
        cases.case_summary(code, period, by="institution")


# ---------------------------------------------------------------- XLSX export ---------------

def test_xlsx_case_list_holds_the_marts_rows_and_amounts(warehouse, busiest):
    from dashboard.exports.cases import SHEET_CASES, SHEET_NOTES, SHEET_SUMMARY, case_list_xlsx

    code, period = busiest
    at = dt.datetime(2025, 1, 2, 3, 4, 5)
    sheets = workbook_cells(case_list_xlsx(code, period, generated_at=at))
    assert list(sheets) == [SHEET_CASES, SHEET_SUMMARY, SHEET_NOTES]
    header, *rows = sheets[SHEET_CASES]
    table = pd.DataFrame(rows, columns=header)
    expected = mart_rows(warehouse, code, period)
    assert sorted(table["线索编号"]) == sorted(expected["rule_hit_id"])
    assert (table["机构编码"] == code).all() and (table["年度"] == period).all()
    total = expected["suspect_amt"].sum()
    assert Decimal(str(round(sum(table["涉嫌违规金额（元）"]), 2))) == total
    summary_totals = [r for r in sheets[SHEET_SUMMARY] if r[0] == "合计"]
    assert len(summary_totals) == 3
    assert all(float(total) in r for r in summary_totals)
    notes = {r[0]: r[1] for r in sheets[SHEET_NOTES] if r[0]}
    assert code in notes["定点医药机构"] and notes["年度"] == period
    assert notes["生成时间"] == "2025-01-02 03:04:05"
    assert "脱敏" in notes["个人信息保护"]
    assert f"{float(total):,.2f} 元" == notes["涉嫌违规金额合计"]
    assert any(r[0] == "分解住院" and r[2] for r in sheets[SHEET_NOTES]), "rule-family definitions"


def test_no_unmasked_personal_data_appears_anywhere_in_the_workbook(warehouse, busiest):
    from dashboard.exports.cases import case_list_xlsx

    code, period = busiest
    sheets = workbook_cells(case_list_xlsx(code, period))
    cells = [str(v) for rows in sheets.values() for row in rows for v in row if v is not None]
    text = "\n".join(cells)
    raw = persons(warehouse)
    listed = raw[raw["psn_no"].isin(mart_rows(warehouse, code, period)["psn_no"])]
    assert len(listed) > 5
    exact = set(raw[["psn_name", "certno", "tel", "addr"]].stack())
    assert not exact & set(cells), "a raw personal value is a cell of the workbook"
    for column in ("certno", "tel", "psn_name", "addr"):
        leaked = [v for v in listed[column].dropna() if v in text]
        assert not leaked, (column, leaked[:3])


def test_an_institution_without_hits_gets_an_empty_case_list_that_says_so(warehouse, busiest):
    from dashboard.exports.cases import SHEET_CASES, SHEET_NOTES, case_list_xlsx

    period = busiest[1]
    quiet = query(warehouse, """select fixmedins_code from marts.dim_institutions
                                where fixmedins_code not in (select fixmedins_code from marts.fct_inspection_case
                                                             where period = ?)
                                order by fixmedins_code limit 1""", [period])[0][0]
    sheets = workbook_cells(case_list_xlsx(quiet, period))
    assert len(sheets[SHEET_CASES]) == 1  # the header only
    notes = {r[0]: r[1] for r in sheets[SHEET_NOTES] if r[0]}
    assert notes["线索数"].startswith("0 条")


def test_cli_writes_the_case_list(warehouse, busiest, tmp_path):
    from dashboard.__main__ import app

    code, period = busiest
    result = CliRunner().invoke(app, ["export", "cases", "--institution", code, "--period", period,
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = list((tmp_path / "out").glob("*.xlsx"))
    assert [p.name for p in written] == [f"案件线索-{code}-{period}.xlsx"]
    rows = workbook_cells(written[0].read_bytes())["案件线索"]
    assert len(rows) - 1 == len(mart_rows(warehouse, code, period))


@pytest.mark.parametrize("institution, period, out, message", [
    ("H00000000000", None, None, "Unknown institution 'H00000000000'"),
    (None, "1999", None, "Unknown period '1999'"),
    (None, "' or 1=1 --", None, "Unknown period"),
    (None, None, "file/sub", "Cannot write to"),
])
def test_cli_bad_input_is_one_paragraph_and_exit_2(warehouse, busiest, tmp_path, institution, period, out,
                                                  message):
    from dashboard.__main__ import app

    (tmp_path / "file").write_text("not a folder")
    args = ["export", "cases", "--institution", institution or busiest[0], "--period", period or busiest[1],
            "--out", str(tmp_path / (out or "out"))]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "错误" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not list(tmp_path.rglob("*.xlsx"))


def test_cli_without_a_warehouse_is_a_clear_error(monkeypatch, tmp_path):
    from dashboard.__main__ import app

    monkeypatch.setenv("YIBAO_WAREHOUSE", str(tmp_path / "missing.duckdb"))
    result = CliRunner().invoke(app, ["export", "cases", "--institution", "H1", "--period", "2024",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 2 and "make run" in result.output and "Traceback" not in result.output

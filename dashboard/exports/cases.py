"""The XLSX case list (案件线索清单) of one institution and period, for the field team.

Three sheets: 案件线索 (one row per rule hit, personal data masked), 汇总 (by rule family, by key
area, and by both) and 说明 (institution, period, filters, generation time, the masking note,
rule-family and key-area definitions). Every figure comes from dashboard.data.cases, i.e. from
marts.fct_inspection_case as built. The page offers it through dcc.Download:

    dcc.send_bytes(case_list_xlsx(code, period, families, areas), case_list_filename(code, period))

and `python -m dashboard export cases` writes it to a folder (write_case_list).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from dashboard.auth.access import record_export, visible_columns
from dashboard.data import cases
from dashboard.data.db import session
from dashboard.exports import ExportError

SHEET_CASES = "案件线索"
SHEET_SUMMARY = "汇总"
SHEET_NOTES = "说明"

MASKING_NOTE = (
    "本清单中的姓名、证件号码、联系电话和地址已按参保人员个人信息保护要求脱敏：姓名保留首字，"
    "证件号码保留前 3 位和后 4 位，联系电话保留前 3 位和后 4 位，地址保留至县（区）级。"
    "人员编号、就诊ID、结算ID和记账流水号未脱敏，供现场调取病历和结算记录核对。"
    "查看未脱敏信息仅限承办该机构案件的稽核检查人员，每次查看和导出均记入审计日志。"
)
UNMASKED_NOTE = (
    "本清单含未脱敏的参保人员个人信息，仅供承办该机构案件的稽核检查人员使用，不得外传；"
    "本次导出已记入审计日志。"
)
PATIENT_COLUMNS_NOTE = (
    "人员编号、姓名、证件号码、联系电话、地址、性别、年龄和诊断仅向稽核检查人员提供，本清单不含这些列；"
    "汇总中的涉及人数照常统计。"
)
RESULT_TYPE_NOTE = "明确：数据本身即可证明违规；可疑：需调阅病历或现场核实后认定。"
AMOUNT_NOTE = (
    "涉嫌违规金额按符合范围金额（inscp_amt，已冲销退费）计：限定类规则为整条明细，重复收费为次项明细，"
    "超频次为超出数量部分，超周期为违规的那一次，行为类规则为该次就诊的医疗费总额。"
)
LEADS_NOTE = "本清单为智能监管规则筛查出的疑点线索，不是违规认定结论，须经现场核查确认。"

SUMMARY_COLUMNS_ZH = {
    "rule_family_zh": "规则类别", "rule_category_zh": "违规大类", "key_area_zh": "重点领域",
    "hit_count": "线索数", "confirmed_hit_count": "其中明确", "suspect_amt": "涉嫌违规金额（元）",
    "patient_count": "涉及人数", "visit_count": "涉及就诊数",
}
MONEY_COLUMNS = ("suspect_amt", "medfee_sumamt", "fund_pay_sumamt")
DATE_COLUMNS = ("hit_date", "begndate", "enddate")


def case_list_filename(fixmedins_code: str, period: str) -> str:
    return f"案件线索-{fixmedins_code}-{period}.xlsx"


def _check(fixmedins_code: str, period: str) -> str:
    """The institution's name; ExportError for an unknown institution or period."""
    name = cases.institution_name(fixmedins_code)
    if name is None:
        raise ExportError(f"未知的定点医药机构编号 {fixmedins_code!r}：数据仓库的机构目录（dim_institutions）中没有该机构，"
                          f"请核对编号。Unknown institution {fixmedins_code!r}: it is not in the warehouse's "
                          f"dim_institutions; check the code.")
    periods = cases.case_periods()
    if period not in periods:
        known = "、".join(periods) or "无"
        raise ExportError(f"未知的年度 {period!r}：案件线索只有这些年度：{known}。Unknown period {period!r}: "
                          f"the case list covers {', '.join(periods) or 'no period'} (a year as YYYY).")
    return name


def case_list_xlsx(fixmedins_code: str, period: str, families: Sequence[str] | None = None,
                   areas: Sequence[str] | None = None, generated_at: dt.datetime | None = None,
                   reveal: bool = False) -> bytes:
    """The case list workbook as bytes. ExportError for an unknown institution or period; an
    institution without hits in the period gets a workbook that says so (0 线索)."""
    with session():
        name = _check(fixmedins_code, period)
        lines = cases.case_lines(fixmedins_code, period, families, areas, reveal=reveal)
        summaries = {by: cases.case_summary(fixmedins_code, period, families, areas, by=by)
                     for by in ("family", "area", "family_area")}
        family_defs = cases.rule_family_definitions()
        area_defs = cases.key_area_definitions()
    generated_at = generated_at or dt.datetime.now().replace(microsecond=0)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", datetime_format="yyyy-mm-dd",
                        date_format="yyyy-mm-dd") as writer:
        formats = _formats(writer.book)
        _write_cases(writer, lines, formats)
        _write_summary(writer, summaries, lines, formats)
        _write_notes(writer, formats, fixmedins_code=fixmedins_code, name=name, period=period,
                     families=families, areas=areas, lines=lines, generated_at=generated_at,
                     family_defs=family_defs, area_defs=area_defs, reveal=reveal)
    return buffer.getvalue()


def write_case_list(fixmedins_code: str, period: str, out_dir: Path,
                    families: Sequence[str] | None = None, areas: Sequence[str] | None = None) -> Path:
    """Write the workbook into out_dir (created if missing) and return its path; ExportError
    when the folder cannot be written."""
    content = case_list_xlsx(fixmedins_code, period, families, areas)
    path = Path(out_dir) / case_list_filename(fixmedins_code, period)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    except OSError as exc:
        raise ExportError(f"无法写入输出目录 {out_dir}：{exc.strerror or exc}。请换一个可写的目录。"
                          f"Cannot write to {out_dir}: {exc.strerror or exc}; choose a writable folder.") from None
    record_export("cases", fixmedins_code=fixmedins_code, period=period, unmasked=False, path=str(path))
    return path


# ---------------------------------------------------------------- sheets --------------------

def _formats(book) -> dict:
    return {
        "header": book.add_format({"bold": True, "bg_color": "#f0f0f0", "border": 1, "text_wrap": True,
                                   "valign": "top"}),
        "title": book.add_format({"bold": True, "font_size": 12}),
        "money": book.add_format({"num_format": "#,##0.00"}),
        "total": book.add_format({"bold": True, "top": 1}),
        "total_money": book.add_format({"bold": True, "top": 1, "num_format": "#,##0.00"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "label": book.add_format({"bold": True, "valign": "top"}),
    }


def _write_table(writer, sheet: str, frame: pd.DataFrame, headers: dict[str, str], row: int,
                 formats: dict, money_cells: bool = False) -> int:
    """Write frame[headers] with Chinese headers at `row` (money columns formatted cell by cell
    when money_cells, for sheets whose columns differ by table); return the first row after it."""
    table = frame[list(headers)].rename(columns=headers)
    table.to_excel(writer, sheet_name=sheet, startrow=row, index=False)
    worksheet = writer.sheets[sheet]
    worksheet.write_row(row, 0, list(table.columns), formats["header"])
    if money_cells:
        for col, column in enumerate(headers):
            if column in MONEY_COLUMNS:
                worksheet.write_column(row + 1, col, frame[column].astype(float).tolist(), formats["money"])
    return row + len(table) + 1


def _write_cases(writer, lines: pd.DataFrame, formats: dict) -> None:
    """The case lines with the columns the exporting role may see (policy.COLUMN_ROLES)."""
    headers = visible_columns(cases.CASE_COLUMNS_ZH)
    _write_table(writer, SHEET_CASES, lines, headers, 0, formats)
    sheet = writer.sheets[SHEET_CASES]
    widths = {"evidence_zh": 60, "addr": 26, "rule_hit_id": 34, "fixmedins_name": 20, "hilist_name": 22}
    for col, column in enumerate(headers):
        cell = formats["money"] if column in MONEY_COLUMNS else None
        sheet.set_column(col, col, widths.get(column, 14 if column not in DATE_COLUMNS else 12), cell)
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, max(len(lines), 1), len(headers) - 1)


def _write_summary(writer, summaries: dict[str, pd.DataFrame], lines: pd.DataFrame, formats: dict) -> None:
    layouts = [
        ("按规则类别", "family", ["rule_family_zh", "rule_category_zh"]),
        ("按重点领域", "area", ["key_area_zh"]),
        ("按规则类别 × 重点领域", "family_area", ["rule_family_zh", "rule_category_zh", "key_area_zh"]),
    ]
    measures = ["hit_count", "confirmed_hit_count", "suspect_amt", "patient_count", "visit_count"]
    totals = {"hit_count": len(lines), "confirmed_hit_count": int((lines["result_type"] == "明确").sum()),
              "suspect_amt": float(lines["suspect_amt"].sum()), "patient_count": lines["psn_no"].nunique(),
              "visit_count": lines["mdtrt_id"].nunique()}
    pd.DataFrame().to_excel(writer, sheet_name=SHEET_SUMMARY)
    sheet = writer.sheets[SHEET_SUMMARY]
    row = 0
    for title, by, keys in layouts:
        sheet.write(row, 0, title, formats["title"])
        headers = {c: SUMMARY_COLUMNS_ZH[c] for c in keys + measures}
        row = _write_table(writer, SHEET_SUMMARY, summaries[by], headers, row + 1, formats, money_cells=True)
        sheet.write(row, 0, "合计", formats["total"])
        for col, measure in enumerate(measures, start=len(keys)):
            fmt = formats["total_money"] if measure == "suspect_amt" else formats["total"]
            sheet.write(row, col, totals[measure], fmt)
        row += 2
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 7, 16)


def _write_notes(writer, formats: dict, *, fixmedins_code: str, name: str, period: str,
                 families: Sequence[str] | None, areas: Sequence[str] | None, lines: pd.DataFrame,
                 generated_at: dt.datetime, family_defs: pd.DataFrame, area_defs: pd.DataFrame,
                 reveal: bool) -> None:
    family_zh = dict(zip(family_defs["rule_family"], family_defs["rule_family_zh"]))
    notes = [
        ("文件", "案件线索清单（智能监管规则命中明细）"),
        ("定点医药机构", f"{name}（{fixmedins_code}）"),
        ("年度", period),
        ("规则类别筛选", "、".join(family_zh.get(f, f) for f in families) if families else "全部"),
        ("重点领域筛选", "、".join(areas) if areas else "全部"),
        ("线索数", f"{len(lines)} 条，涉及 {lines['psn_no'].nunique()} 人"),
        ("涉嫌违规金额合计", f"{lines['suspect_amt'].sum():,.2f} 元"),
        ("生成时间", generated_at.strftime("%Y-%m-%d %H:%M:%S")),
        ("数据来源", "医保数据仓库 marts.fct_inspection_case（规则引擎 fct_rule_hit 的全部命中）"),
        ("个人信息保护", UNMASKED_NOTE if reveal else MASKING_NOTE),
        *([("参保人信息", PATIENT_COLUMNS_NOTE)] if len(visible_columns(cases.CASE_COLUMNS_ZH)) < len(cases.CASE_COLUMNS_ZH)
          else []),
        ("结果类型", RESULT_TYPE_NOTE),
        ("涉嫌违规金额", AMOUNT_NOTE),
        ("提示", LEADS_NOTE),
    ]
    pd.DataFrame().to_excel(writer, sheet_name=SHEET_NOTES)
    sheet = writer.sheets[SHEET_NOTES]
    for row, (label, text) in enumerate(notes):
        sheet.write(row, 0, label, formats["label"])
        sheet.write(row, 1, text, formats["wrap"])
    row = len(notes) + 1
    sheet.write(row, 0, "规则类别说明", formats["title"])
    definitions = family_defs.assign(definition_zh=family_defs["definition_zh"].fillna(family_defs["source"]))
    row = _write_table(writer, SHEET_NOTES, definitions,
                       {"rule_family_zh": "规则类别", "rule_category_zh": "违规大类", "definition_zh": "规则定义",
                        "source": "规则来源（参数见该规则库）"}, row + 1, formats) + 1
    sheet.write(row, 0, "重点领域说明", formats["title"])
    areas_table = area_defs.assign(is_campaign_area=area_defs["is_campaign_area"].map({True: "是", False: "否"}))
    _write_table(writer, SHEET_NOTES, areas_table,
                 {"key_area_zh": "重点领域", "is_campaign_area": "2023年专项整治重点领域", "definition_zh": "范围"},
                 row + 1, formats)
    sheet.set_column(0, 0, 18, formats["wrap"])
    sheet.set_column(1, 1, 70, formats["wrap"])
    sheet.set_column(2, 2, 70, formats["wrap"])
    sheet.set_column(3, 3, 40, formats["wrap"])

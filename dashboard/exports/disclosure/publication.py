"""What one disclosure publishes: its tables (columns, Chinese headers, mart values), the
institution pages, the supervision results (violations, 双随机 results), the definitions and the
notes — assembled once from the disclosure marts and rendered by html.py, pdf.py and xlsx.py,
so the three formats carry the same numbers.

Cell values are the marts' own (Decimal money and ratios, integer counts). A suppressed cell
holds SUPPRESSED and prints as *; a value that does not apply or cannot be computed (平均住院日
of an outpatient row, 同比 without a previous year) is None and prints as —. `display()` is the
one formatter of the published text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, get_args

import pandas as pd

from dashboard.data import disclosure as data
from dashboard.data.db import session
from dashboard.exports import ExportError
from dashboard.indicators import DefinitionMissing, Indicator, indicator

Scope = Literal["fund", "institutions", "all"]
SCOPES: tuple[str, ...] = get_args(Scope)
Kind = Literal["text", "code", "date", "count", "money", "price", "percent", "days", "months"]

SUPPRESSED = "*"
NOT_APPLICABLE = "—"
PERIOD_CODE = re.compile(r"^(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))?$")
QUARTER_ZH = {"1": "一", "2": "二", "3": "三", "4": "四"}
VISIT_GROUP_ZH = {"inpatient": "住院", "outpatient": "门诊", "pharmacy": "药店购药"}
PHARMACY = "pharmacy"

SOURCE_ZH = ("医疗保障信息平台结算数据（结算信息、就诊信息、费用明细）、医保基金收入台账和基金结余台账，"
             "经医保基金数据集市（yibao-mart）按统一口径加工；退费冲减原结算，金额精确到分。")
LEDGERS_ZH = "违规失信信息和双随机抽查结果依据医疗保障行政部门的案件查处、监督检查和信用评价台账，统计至该日"
PRECISION_NOTE_ZH = ("金额单位为元，保留两位小数；药品耗材单价保留四位小数；比例以百分数表示，保留两位小数；人均住院天数、可支付月数保留两位小数。"
                     "“—”表示该项不适用或无可比数据。")


def suppression_note(min_cell_persons: int) -> str:
    return (f"为保护参保人员个人信息，就诊人数少于 {min_cell_persons} 人的统计单元不予公布，"
            f"并同时隐去可据以推算的其他单元（含全年相关月份和季度），以“{SUPPRESSED}”表示。"
            "重点药品耗材价格只列出使用人数不少于该人数的机构，中位单价、最低和最高单价只在列出的机构中计算。"
            "本公开不含任何个人身份信息。")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind
    indicator: str | None = None     # docs block of the indicator the column carries


@dataclass
class Table:
    key: str                        # stable id (fund, fund_months, hospitals, …)
    title: str
    sheet: str                      # XLSX sheet name (≤ 31 characters)
    columns: tuple[Column, ...]
    rows: list[dict]                # mart values, SUPPRESSED or None per column key
    printed: bool = True            # in the PDF too (False: site and workbook only)
    empty_text: str | None = None   # printed instead of the rows when there are none
    notes: tuple[tuple[str, str], ...] = ()   # (heading, text) printed under the table

    def texts(self) -> list[list[str]]:
        """The published text of every cell, row by row."""
        return [[display(col.kind, row.get(col.key)) for col in self.columns] for row in self.rows]


@dataclass
class Chart:
    key: str
    title: str
    x: list[str]
    series: dict[str, list[float | None]]
    unit: str
    kind: Literal["bar", "line"] = "line"


@dataclass
class InstitutionPage:
    code: str
    name: str
    peer_group_zh: str
    inst_type: str
    tables: list[Table]
    chart: Chart | None

    @property
    def filename(self) -> str:
        return f"{self.code}.html"

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


@dataclass
class Publication:
    period_code: str
    period_type: str
    period_label: str
    scope: Scope
    data_cutoff_date: dt.date
    generated_at: dt.datetime
    min_cell_persons: int
    fund_tables: list[Table] = field(default_factory=list)
    fund_charts: list[Chart] = field(default_factory=list)
    institution_tables: list[Table] = field(default_factory=list)
    institution_pages: list[InstitutionPage] = field(default_factory=list)
    enforcement_tables: list[Table] = field(default_factory=list)
    ledgers_as_of_date: dt.date | None = None

    @property
    def title(self) -> str:
        return f"医疗保障基金信息公开（{self.period_label}）"

    @property
    def tables(self) -> list[Table]:
        """Every table of the publication in reading order (the XLSX sheets)."""
        return self.fund_tables + self.institution_tables + self.enforcement_tables + self.institution_long_tables

    @property
    def institution_long_tables(self) -> list[Table]:
        """The institution pages' own tables, each as one table over all institutions."""
        if not self.institution_pages:
            return []
        return [self._long("institution", "institution_detail", "定点医药机构医疗服务明细", "机构医疗服务明细"),
                # thousands of rows (institution × item): a print edition of hundreds of pages
                # that took minutes to lay out; the site and the workbook carry them
                self._long("prices", "institution_prices", "定点医药机构重点药品耗材价格", "机构药品耗材价格",
                           printed=False)]

    def _long(self, page_table: str, key: str, title: str, sheet: str, printed: bool = True) -> Table:
        pages = [(page, page.table(page_table)) for page in self.institution_pages]
        columns = next((t.columns for _, t in pages if t is not None), ())
        rows = [{"fixmedins_code": page.code, "fixmedins_name": page.name, **row}
                for page, table in pages if table is not None for row in table.rows]
        return Table(key, title, sheet, (Column("fixmedins_code", "机构编码", "code"),
                                         Column("fixmedins_name", "机构名称", "text"), *columns), rows, printed)

    @property
    def definitions(self) -> list[Indicator]:
        return definitions_of(self.tables)

    @property
    def notes(self) -> list[tuple[str, str]]:
        """(heading, text) printed on every page and in the workbook."""
        ledgers = [("监管信息截止日期", f"{self.ledgers_as_of_date:%Y-%m-%d}（{LEDGERS_ZH}）")
                   ] if self.enforcement_tables else []
        return [
            ("数据来源", SOURCE_ZH),
            ("数据截止日期", f"{self.data_cutoff_date:%Y-%m-%d}（统计期为已结束且数据完整的期间）"),
            *ledgers,
            ("小数保护", suppression_note(self.min_cell_persons)),
            ("数值说明", PRECISION_NOTE_ZH),
            ("生成时间", f"{self.generated_at:%Y-%m-%d %H:%M}"),
        ]


def definitions_of(tables: list[Table]) -> list[Indicator]:
    """The definition of every indicator the tables' columns carry, once each, in column order;
    DefinitionMissing when one has no public wording (公开口径) in its docs block."""
    blocks = dict.fromkeys(col.indicator for table in tables for col in table.columns if col.indicator)
    found = [indicator(block) for block in blocks]
    for item in found:
        if not item.public_zh:
            raise DefinitionMissing(f"docs block {item.block} has no 公开口径 paragraph: the disclosure "
                                    "publishes this indicator and must print its public wording")
    return found


def display(kind: Kind, value) -> str:
    """The published text of a cell value (the one formatter of every format)."""
    if isinstance(value, str) and value == SUPPRESSED:
        return SUPPRESSED
    if value is None or (isinstance(value, float) and value != value):
        return NOT_APPLICABLE
    if kind in ("text", "code"):
        return str(value)
    if kind == "date":
        return f"{pd.Timestamp(value):%Y-%m-%d}"
    if kind == "count":
        return f"{int(value):,}"
    number = Decimal(str(value))
    if kind == "money":
        return f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    if kind == "price":
        return f"{number.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):,}"
    if kind == "percent":
        return f"{(number * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"
    return f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"   # days, months


def period_label(period_code: str) -> str:
    year, quarter, month = PERIOD_CODE.match(period_code).groups()
    if quarter:
        return f"{year}年第{QUARTER_ZH[quarter]}季度"
    if month:
        return f"{year}年{int(month)}月"
    return f"{year}年"


# --- the tables -------------------------------------------------------------------------------

FUND_COLUMNS = (
    Column("fund_name_zh", "基金", "text"),
    Column("income_amt", "基金收入（元）", "money", "ind_fund_income"),
    Column("expenditure_amt", "基金支出（元）", "money", "ind_fund_expenditure"),
    Column("current_balance_amt", "当期结余（元）", "money", "ind_fund_current_balance"),
    Column("balance_rate", "当期结余率", "percent", "ind_fund_balance_rate"),
    Column("cumulative_balance_amt", "期末累计结余（元）", "money", "ind_fund_cumulative_balance"),
    Column("reserve_months", "累计结余可支付月数", "months", "ind_fund_reserve_months"),
    Column("reserve_band_label_zh", "可支付月数区间", "text", "ind_fund_reserve_band"),
    Column("income_yoy", "收入同比", "percent", "ind_fund_income_yoy"),
    Column("expenditure_yoy", "支出同比", "percent", "ind_fund_expenditure_yoy"),
)
FUND_MONTH_COLUMNS = (Column("month_zh", "月份", "text"), *FUND_COLUMNS[1:4])   # income, expenditure, balance
#: The fund whose months the fund section breaks down and charts.
MONTHLY_FUND = "999999"

DETAIL_COLUMNS = (
    Column("visit_group_zh", "类别", "text"),
    Column("persons", "就诊人数", "count", "ind_persons"),
    Column("visits", "结算人次", "count", "ind_visits"),
    Column("discharges", "出院人次", "count", "ind_discharges"),
    Column("avg_medfee_per_visit", "次均费用（元）", "money", "ind_avg_medfee_per_visit"),
    Column("avg_los_days", "人均住院天数", "days", "ind_avg_los"),
    Column("avg_fund_pay_per_visit", "次均基金支付（元）", "money", "ind_avg_fund_pay_per_visit"),
    Column("drug_ratio", "药占比", "percent", "ind_drug_ratio"),
    Column("consumable_ratio", "耗占比", "percent", "ind_consumable_ratio"),
    Column("exam_lab_ratio", "检查检验占比", "percent", "ind_exam_lab_ratio"),
    Column("reimbursement_ratio", "实际报销比", "percent", "ind_reimbursement_ratio"),
    Column("inscp_fund_pay_ratio", "政策范围内报销比", "percent", "ind_inscp_fund_pay_ratio"),
)
_DETAIL_VALUES = tuple(col.key for col in DETAIL_COLUMNS[1:])
_NOT_INPATIENT = ("discharges", "avg_los_days")

#: (visit group, mart column, header) of the summary tables, one row per institution.
MEDICAL_SUMMARY = (
    ("inpatient", "discharges", "出院人次", "count", "ind_discharges"),
    ("inpatient", "avg_medfee_per_visit", "次均住院费用（元）", "money", "ind_avg_medfee_per_visit"),
    ("inpatient", "avg_los_days", "人均住院天数", "days", "ind_avg_los"),
    ("inpatient", "drug_ratio", "住院药占比", "percent", "ind_drug_ratio"),
    ("inpatient", "reimbursement_ratio", "住院实际报销比", "percent", "ind_reimbursement_ratio"),
    ("outpatient", "visits", "门诊人次", "count", "ind_visits"),
    ("outpatient", "avg_medfee_per_visit", "次均门诊费用（元）", "money", "ind_avg_medfee_per_visit"),
    ("outpatient", "drug_ratio", "门诊药占比", "percent", "ind_drug_ratio"),
)
PHARMACY_SUMMARY = (
    ("pharmacy", "visits", "购药人次", "count", "ind_visits"),
    ("pharmacy", "avg_medfee_per_visit", "次均购药费用（元）", "money", "ind_avg_medfee_per_visit"),
    ("pharmacy", "reimbursement_ratio", "实际报销比", "percent", "ind_reimbursement_ratio"),
)


REGION_PRICE_COLUMNS = (
    Column("hilist_code", "医保编码", "code"),
    Column("hilist_name", "药品耗材名称", "text"),
    Column("item_class_zh", "类别", "text"),
    Column("unit_price", "全区加权平均单价（元）", "price", "ind_item_avg_unit_price"),
    Column("median_unit_price", "全区中位单价（元）", "price", "ind_item_price_median"),
    Column("min_unit_price", "最低单价（元）", "price"),
    Column("max_unit_price", "最高单价（元）", "price"),
    Column("n_institutions_published", "公布单价机构数", "count"),
    Column("n_institutions", "使用机构数", "count"),
    Column("price_cap", "最高限价（元）", "price"),
)
INSTITUTION_PRICE_COLUMNS = (
    Column("hilist_code", "医保编码", "code"),
    Column("hilist_name", "药品耗材名称", "text"),
    Column("item_class_zh", "类别", "text"),
    Column("n_patients", "使用人数", "count", "ind_item_patients"),
    Column("unit_price", "平均单价（元）", "price", "ind_item_avg_unit_price"),
    Column("median_unit_price", "全区中位单价（元）", "price", "ind_item_price_median"),
    Column("price_to_median_ratio", "与全区中位单价之比", "percent", "ind_item_price_to_median"),
    Column("price_cap", "最高限价（元）", "price"),
    Column("price_to_cap_ratio", "与最高限价之比", "percent", "ind_item_price_to_cap"),
)


def summary_key(visit_group: str, column: str) -> str:
    """Row key of a summary cell: the mart column of one visit group."""
    return f"{visit_group}__{column}"


def _value(row: dict, column: str):
    """A mart value as published: SUPPRESSED on a suppressed cell, None for SQL null."""
    if row["is_suppressed"]:
        return SUPPRESSED
    if column in _NOT_INPATIENT and row["visit_group"] != "inpatient":
        return None
    value = row[column]
    return None if pd.isna(value) else value


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in rec.items()}
            for rec in frame.to_dict("records")]


def _by_institution(records: list[dict]) -> dict[str, list[dict]]:
    """Rows grouped by fixmedins_code, in their order (plain dicts: per-group pandas work for 400
    institutions cost seconds per publication)."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in records:
        groups[row["fixmedins_code"]].append(row)
    return groups


def _fund_tables(period_code: str, months: int) -> tuple[list[Table], list[Chart]]:
    funds = data.fund_rows(period_code)
    tables = [Table("fund", "医疗保障基金收支情况", "基金收支", FUND_COLUMNS, _records(funds))]
    monthly = data.fund_months(period_code, MONTHLY_FUND)
    name = funds.loc[funds.fund_pay_type == MONTHLY_FUND, "fund_name_zh"]
    name = name.iloc[0] if len(name) else MONTHLY_FUND
    charts = []
    if months > 1 and not monthly.empty:
        monthly["month_zh"] = [f"{d.year}年{d.month}月" for d in pd.to_datetime(monthly.period_start)]
        tables.append(Table("fund_months", f"{name}分月收支", "基金分月收支", FUND_MONTH_COLUMNS,
                            _records(monthly[["month_zh", "income_amt", "expenditure_amt", "current_balance_amt"]])))
        charts.append(Chart("fund_months", f"{name}分月收支（万元）", [f"{d.month}月" for d in
                            pd.to_datetime(monthly.period_start)],
                            {"基金收入": [float(v) / 1e4 for v in monthly.income_amt],
                             "基金支出": [float(v) / 1e4 for v in monthly.expenditure_amt]},
                            "万元", "bar"))
    reserve = funds[funds.reserve_months.notna() & ~funds.fund_pay_type.isin(["990000"])]
    if not reserve.empty:
        charts.append(Chart("reserve_months", "期末累计结余可支付月数（月）", list(reserve.fund_name_zh),
                            {"可支付月数": [float(v) for v in reserve.reserve_months]}, "月", "bar"))
    return tables, charts


def _summary_table(key: str, title: str, sheet: str, cells: list[dict], spec) -> Table:
    columns = (Column("fixmedins_code", "机构编码", "code"), Column("fixmedins_name", "机构名称", "text"),
               Column("peer_group_zh", "类型等级", "text"),
               *(Column(summary_key(g, c), label, kind, ind) for g, c, label, kind, ind in spec))
    groups = {g for g, *_ in spec}
    rows = []
    for code, cell_rows in _by_institution([r for r in cells if r["visit_group"] in groups]).items():
        first = cell_rows[0]
        row = {"fixmedins_code": "全区域" if first["is_total"] else code,
               "fixmedins_name": "全部定点机构合计" if first["is_total"] else first["fixmedins_name"],
               "peer_group_zh": None if first["is_total"] else first["peer_group_zh"]}
        by_group = {r["visit_group"]: r for r in cell_rows}
        for g, c, *_ in spec:
            row[summary_key(g, c)] = _value(by_group[g], c) if g in by_group else None
        rows.append(row)
    return Table(key, title, sheet, columns, rows)


def _detail_rows(cell_rows: list[dict]) -> list[dict]:
    return [{"visit_group_zh": VISIT_GROUP_ZH[r["visit_group"]], **{c: _value(r, c) for c in _DETAIL_VALUES}}
            for r in cell_rows]


def _institution_chart(months: list[dict], labels: list[str]) -> Chart | None:
    """次均费用 by month of the institution's visit groups (gaps where suppressed)."""
    by_group: dict[str, dict[str, float | None]] = defaultdict(dict)
    for r in months:
        value = r["avg_medfee_per_visit"]
        by_group[r["visit_group"]][f"{r['period_start'].month}月"] = (
            None if r["is_suppressed"] or value is None else float(value))
    series = {}
    for group, by_month in by_group.items():
        values = [by_month.get(label) for label in labels]
        if any(v is not None for v in values):
            series[f"次均{VISIT_GROUP_ZH[group]}费用"] = values
    if not series:
        return None
    return Chart("institution_months", "分月次均费用（元）", labels, series, "元", "line")


def _price_rows(prices: list[dict]) -> list[dict]:
    """Institution price rows; 使用人数 is SUPPRESSED where the mart holds it back."""
    keys = [c.key for c in INSTITUTION_PRICE_COLUMNS]
    return [{k: (SUPPRESSED if k == "n_patients" and p["is_count_suppressed"] else p[k]) for k in keys}
            for p in prices]


def _institution_section(period_code: str, months: int) -> tuple[list[Table], list[InstitutionPage]]:
    cells = _records(data.institution_rows(period_code))
    prices = _records(data.item_prices(period_code))
    prices_by_code = _by_institution([p for p in prices if not p["is_total"]])
    medical = [r for r in cells if r["inst_type"] != PHARMACY or r["is_total"]]
    pharmacies = [r for r in cells if r["inst_type"] == PHARMACY or r["is_total"]]
    tables = [
        _summary_table("medical_institutions", "定点医疗机构医疗服务情况", "定点医疗机构", medical, MEDICAL_SUMMARY),
        _summary_table("pharmacies", "定点零售药店服务情况", "定点零售药店", pharmacies, PHARMACY_SUMMARY),
        Table("region_prices", "重点药品耗材价格情况", "药品耗材价格", REGION_PRICE_COLUMNS,
              [{c.key: p[c.key] for c in REGION_PRICE_COLUMNS} for p in prices if p["is_total"]]),
    ]
    region = [r for r in cells if r["is_total"]]
    by_code, month_labels = {}, []
    if months > 1:          # a month's page has no monthly chart
        monthly = _records(data.institution_months(period_code))
        for r in monthly:
            r["period_start"] = pd.Timestamp(r["period_start"])
        month_labels = sorted({f"{r['period_start'].month}月" for r in monthly}, key=lambda s: int(s[:-1]))
        by_code = _by_institution(monthly)
    pages = []
    institutions = _by_institution([r for r in cells if not r["is_total"]])
    for code in sorted(institutions):
        cell_rows = institutions[code]
        first = cell_rows[0]
        groups = {r["visit_group"] for r in cell_rows}
        peers = [r for r in region if r["visit_group"] in groups]
        page_tables = [
            Table("institution", "本机构医疗服务情况", "本机构", DETAIL_COLUMNS, _detail_rows(cell_rows)),
            Table("region", "全区域同类别合计（对照）", "全区域", DETAIL_COLUMNS, _detail_rows(peers)),
        ]
        if code in prices_by_code:
            page_tables.append(Table("prices", "本机构重点药品耗材价格", "药品耗材价格", INSTITUTION_PRICE_COLUMNS,
                                     _price_rows(prices_by_code[code])))
        chart = _institution_chart(by_code[code], month_labels) if code in by_code else None
        pages.append(InstitutionPage(code, first["fixmedins_name"], first["peer_group_zh"], first["inst_type"],
                                     page_tables, chart))
    return tables, pages


VIOLATION_COLUMNS = (
    Column("fixmedins_code", "机构编码", "code"),
    Column("fixmedins_name", "机构名称", "text"),
    Column("violation_type_zh", "违规类型", "text"),
    Column("legal_article_zh", "处理依据", "text"),
    Column("close_date", "结案日期", "date"),
    Column("credit_grade", "信用等级", "text"),
    Column("blacklist_zh", "列入黑名单", "text"),
    Column("involved_amt", "违规金额（元）", "money"),
    Column("recovered_amt", "追回金额（元）", "money"),
    Column("fine_amt", "罚款金额（元）", "money"),
)
RANDOM_INSPECTION_COLUMNS = (
    Column("draw_id", "抽查批次", "code"),
    Column("fixmedins_code", "机构编码", "code"),
    Column("fixmedins_name", "机构名称", "text"),
    Column("begndate", "检查开始日期", "date"),
    Column("enddate", "检查结束日期", "date"),
    Column("result_zh", "检查结果", "text"),
)
VIOLATION_NOTE_ZH = (
    "统计期内已结案（作出处理决定）、以定点医药机构为处理对象的医保基金违法违规案件，按结案日期列示；立案调查、审理中的案件和已撤销的案件不公开，"
    "对医保医师（药师、护师）和参保人员的处理不在本表公开。违规金额、追回金额和罚款金额为案件对该机构认定和处理的金额。"
    "处理依据为案件适用的条款，未处罚款的案件为该违规类型适用的条款。信用等级（A—D）和黑名单为结案当年度对该机构的信用评价结果，“—”表示当年度未评价。"
    "行政处理结果依法向社会公开，不作小数保护。")
RANDOM_INSPECTION_NOTE_ZH = (
    "统计期内检查结束且已有检查结果的“双随机、一公开”抽查，按抽查批次列示。检查结果：“未发现问题”；“发现问题责令整改”指发现问题、未立案；"
    "“发现问题已立案查处”指已就检查发现立案，案件结案后其处理结果在违规失信信息中公开。不公开检查人员和检查发现的具体内容。")


def _enforcement_section(period_code: str) -> tuple[list[Table], dt.date | None]:
    """The violation list and the 双随机 results of the period, and the ledgers' as-of date;
    nothing when the enforcement ledgers do not cover the period."""
    found = data.enforcement_period(period_code)
    if found is None:
        return [], None
    violations = _records(data.violations(period_code))
    for row in violations:
        row["blacklist_zh"] = "是" if row["is_blacklisted"] else "否"
    tables = [
        Table("violations", "定点医药机构违规失信信息（已结案）", "违规失信信息", VIOLATION_COLUMNS, violations,
              empty_text="本统计期内无已结案的定点医药机构违规案件。", notes=(("公开口径", VIOLATION_NOTE_ZH),)),
        Table("random_inspections", "“双随机、一公开”抽查结果", "双随机抽查结果", RANDOM_INSPECTION_COLUMNS,
              _records(data.random_inspections(period_code)),
              empty_text="本统计期内无结束的“双随机”抽查。", notes=(("公开口径", RANDOM_INSPECTION_NOTE_ZH),)),
    ]
    return tables, pd.Timestamp(found["ledgers_as_of_date"]).date()


def _attach_supervision(pages: list[InstitutionPage], tables: list[Table]) -> None:
    """Each institution page repeats its own rows of the supervision tables (its 监管结果)."""
    own = {"violations": "本机构违规失信信息（已结案）", "random_inspections": "本机构“双随机”抽查结果"}
    for table in tables:
        rows = _by_institution(table.rows)
        columns = tuple(c for c in table.columns if c.key not in ("fixmedins_code", "fixmedins_name"))
        for page in pages:
            if page.code in rows:
                page.tables.append(Table(table.key, own[table.key], table.sheet, columns,
                                         [{c.key: r[c.key] for c in columns} for r in rows[page.code]],
                                         notes=table.notes))


def check_period(period_code: str) -> dict:
    """The finalised period; ExportError naming the periods on offer otherwise."""
    if not PERIOD_CODE.match(period_code or ""):
        raise ExportError(f"统计期 {period_code!r} 格式不正确：年度写作 2024，季度写作 2024Q3，月份写作 2024-07。"
                          f"Period {period_code!r} is not a year (2024), quarter (2024Q3) or month (2024-07).")
    found = data.period(period_code)
    if found is None:
        offered = data.periods()
        latest = "、".join(offered.period_code.head(8)) or "无"
        raise ExportError(f"统计期 {period_code} 未结束或不在数据中，不能公开；可公开的统计期有：{latest} 等。"
                          f"Period {period_code} is not finalised or not in the data; finalised periods include: "
                          f"{', '.join(offered.period_code.head(8)) or 'none'}.")
    return found


def check_scope(scope: str) -> Scope:
    if scope not in SCOPES:
        raise ExportError(f"公开范围 {scope!r} 无效，可选：fund（基金收支）、institutions（定点机构）、all（全部）。"
                          f"Scope {scope!r} is not one of {', '.join(SCOPES)}.")
    return scope  # type: ignore[return-value]


def build_publication(period_code: str, scope: str = "all", generated_at: dt.datetime | None = None) -> Publication:
    """Everything the disclosure of the period publishes, read from the marts in one session.
    ExportError for a period that is malformed or not finalised, or an unknown scope."""
    scope = check_scope(scope)
    with session():
        found = check_period(period_code)
        pub = Publication(
            period_code=period_code, period_type=found["period_type"], period_label=period_label(period_code),
            scope=scope, data_cutoff_date=pd.Timestamp(found["data_cutoff_date"]).date(),
            generated_at=generated_at or dt.datetime.now().replace(microsecond=0),
            min_cell_persons=data.min_cell_persons())
        if scope in ("fund", "all"):
            pub.fund_tables, pub.fund_charts = _fund_tables(period_code, int(found["months"]))
        if scope in ("institutions", "all"):
            pub.institution_tables, pub.institution_pages = _institution_section(period_code, int(found["months"]))
            pub.enforcement_tables, pub.ledgers_as_of_date = _enforcement_section(period_code)
            _attach_supervision(pub.institution_pages, pub.enforcement_tables)
    return pub

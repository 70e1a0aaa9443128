"""The raw-data contract: every table a delivery may contain, its columns, types and checks.

Names follow the national platform's fund-side extract tables (lower case). Columns are the
subset the project uses; a delivered column not named here is reported as ignored, never
silently dropped. Chinese labels are those of the national templates, so files with Chinese
headers load too. The fund-finance tables (`fund_income`, `fund_balance`, `fixmedins_budget`,
`insured_population`) and the enforcement ledgers (`tips`, `inspections`, `enforcement_cases`,
`credit_events`, `credit_grades`) are not held by the settlement system; their layout is this
project's.

Every check the loader runs is declared here; `ingest.land` only executes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

# Logical type -> DuckDB type. Money is DECIMAL (exact), quantities and unit prices carry more
# decimals, codes are always VARCHAR.
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "money": "DECIMAL(18,2)",
    "qty": "DECIMAL(18,4)",
    "ratio": "DECIMAL(9,4)",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}

ADMDVS = r"^\d{6}$"
FIXMEDINS = r"^[HP]\d{11}$"
PSN_NO = r"^\d{10,30}$"
HILIST = r"^([XZC][0-9A-Z]{9,26}|\d{15})$"
NUMERIC_CODE = r"^\d{2,6}$"
FLAG = ("0", "1")
INSUTYPES = ("310", "320", "330", "340", "350", "360", "370", "380", "390", "391", "392",
             "399", "410", "510")
HOSP_LV = tuple(f"{i:02d}" for i in range(1, 15))
GEND = ("0", "1", "2", "9")


@dataclass(frozen=True)
class Column:
    name: str
    label_zh: str
    type: str = "string"
    required: bool = True          # the file must have this column
    not_null: bool = False         # every row must carry a value
    pattern: str | None = None     # regex a non-empty value must match
    allowed: tuple[str, ...] | None = None
    nonneg: bool = False           # negative only on refund rows (see Table.refund_when)
    aliases: tuple[str, ...] = ()  # further header spellings accepted
    future_ok: bool = False        # a date that may lie ahead (end of a validity period)

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class Identity:
    """`total` must equal the sum of `parts`, to the fen."""
    total: str
    parts: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.total} = {' + '.join(self.parts)}"


@dataclass(frozen=True)
class Table:
    name: str
    label_zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Column whose month (or year, for an int column) is the delivery period: a corrected
    # re-delivery replaces every landed row of the periods it contains. None: the table is a
    # snapshot, upserted by key.
    period: str | None = None
    identities: tuple[Identity, ...] = ()
    date_order: tuple[tuple[str, str], ...] = ()   # (earlier, later) pairs
    refund_when: str | None = None                 # SQL over raw text columns marking refund rows
    description: str = ""
    extra_checks: tuple[tuple[str, str], ...] = field(default=())  # (SQL failing condition, reason)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _c(name, label, type="string", **kw) -> Column:
    return Column(name, label, type, **kw)


def _money(name, label, **kw) -> Column:
    return Column(name, label, "money", nonneg=True, **kw)


# Columns that several tables carry, declared once.
SETL_ID = _c("setl_id", "结算ID", not_null=True)
MDTRT_ID = _c("mdtrt_id", "就诊ID", not_null=True)
PSN_NO_COL = _c("psn_no", "人员编号", not_null=True, pattern=PSN_NO)
PSN_NAME = _c("psn_name", "姓名")
CERTNO = _c("certno", "身份证号", aliases=("证件号码",))
GEND_COL = _c("gend", "性别", allowed=GEND)
BRDY = _c("brdy", "出生日期", "date")
AGE = _c("age", "年龄", "qty")
INSUTYPE = _c("insutype", "险种", not_null=True, allowed=INSUTYPES, aliases=("险种类型",))
PSN_TYPE = _c("psn_type", "人员类别", not_null=True, pattern=NUMERIC_CODE)
INSU_ADMDVS = _c("insu_admdvs", "参保地区划", not_null=True, pattern=ADMDVS,
                 aliases=("参保所属医保区划", "医保区划"))
PAY_LOC = _c("pay_loc", "支付地点类别", allowed=("1", "2", "3", "4"))
FIXMEDINS_CODE = _c("fixmedins_code", "机构编码", not_null=True, pattern=FIXMEDINS,
                    aliases=("定点医药机构编号",))
FIXMEDINS_NAME = _c("fixmedins_name", "机构名称", aliases=("定点医药机构名称",))
HOSP_LV_COL = _c("hosp_lv", "机构等级", allowed=HOSP_LV, aliases=("医院等级",))
MED_TYPE = _c("med_type", "医疗类别", not_null=True, pattern=NUMERIC_CODE)
HILIST_CODE = _c("hilist_code", "医保目录编码", not_null=True, pattern=HILIST)
LIST_TYPE = _c("list_type", "目录类别", allowed=("101", "102", "103", "104", "201", "301"))
MED_CHRGITM_TYPE = _c("med_chrgitm_type", "医疗收费项目类别", not_null=True, pattern=NUMERIC_CODE)
CHRGITM_LV = _c("chrgitm_lv", "收费项目等级", allowed=("01", "02", "03", "04"))
VALI_FLAG = _c("vali_flag", "有效标志", not_null=True, allowed=FLAG)
# The split of a charge by payment category: 全自费 + 超限价 + 先行自付 + 政策范围内.
FEE_SPLIT = (
    _money("fulamt_ownpay_amt", "全自费金额", not_null=True),
    _money("overlmt_selfpay", "超限价自费费用", not_null=True),
    _money("preselfpay_amt", "先行自付金额", not_null=True),
    _money("inscp_amt", "医保范围金额", not_null=True, aliases=("符合政策范围金额", "符合范围金额")),
)
FEE_SPLIT_NAMES = tuple(c.name for c in FEE_SPLIT)
# The insured person as recorded on a visit or settlement.
PERSON_SNAPSHOT = (PSN_NAME, CERTNO, GEND_COL, BRDY, AGE, INSUTYPE, PSN_TYPE, INSU_ADMDVS)


SETL_D = Table(
    name="setl_d",
    label_zh="结算信息",
    description="One row per settlement (结算); refunds are separate negative rows linked by init_setl_id.",
    key=("setl_id",),
    period="setl_time",
    columns=(
        SETL_ID,
        MDTRT_ID,
        _c("init_setl_id", "原结算ID"),
        PSN_NO_COL,
        *PERSON_SNAPSHOT,
        replace(PAY_LOC, not_null=True),
        FIXMEDINS_CODE,
        FIXMEDINS_NAME,
        HOSP_LV_COL,
        _c("begndate", "入院时间", "date", not_null=True, aliases=("开始日期",)),
        _c("enddate", "出院时间", "date", not_null=True, aliases=("结束日期",)),
        _c("setl_time", "结算日期", "timestamp", not_null=True, aliases=("结算时间",)),
        MED_TYPE,
        _c("setl_type", "结算类别", required=False),
        _c("clr_type", "清算类别", required=False),
        _c("dise_no", "病种编号", required=False),
        _c("dise_name", "病种名称", required=False),
        _money("medfee_sumamt", "医疗费用总额", not_null=True),
        *FEE_SPLIT,
        _money("act_pay_dedc", "实际支付起付线", required=False),
        _money("hifp_pay", "基本医疗保险统筹基金支出", not_null=True),
        _money("cvlserv_pay", "公务员医疗补助资金支出", not_null=True),
        _money("hifes_pay", "补充医疗保险基金支出", not_null=True),
        _money("hifmi_pay", "居民大病保险资金支出", not_null=True),
        _money("hifob_pay", "职工大额医疗费用补助基金支出", not_null=True),
        _money("hifdm_pay", "伤残人员医疗保障基金支出", not_null=True),
        _money("maf_pay", "医疗救助基金支出", not_null=True),
        _money("othfund_pay", "其他基金支出", not_null=True),
        _money("fund_pay_sumamt", "基金支付总额", not_null=True),
        _money("psn_pay", "个人支付金额", not_null=True, aliases=("个人负担总金额",)),
        _money("acct_pay", "个人账户支出", not_null=True),
        _money("cash_payamt", "现金支付金额", not_null=True),
        _c("refd_setl_flag", "退费结算标志", not_null=True, allowed=FLAG),
        VALI_FLAG,
    ),
    identities=(
        Identity("medfee_sumamt", FEE_SPLIT_NAMES),
        Identity("medfee_sumamt", ("fund_pay_sumamt", "psn_pay")),
        Identity("psn_pay", ("acct_pay", "cash_payamt")),
        Identity("fund_pay_sumamt", ("hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay",
                                     "hifob_pay", "hifdm_pay", "maf_pay", "othfund_pay")),
    ),
    date_order=(("begndate", "enddate"), ("begndate", "setl_time")),
    refund_when="refd_setl_flag = '1'",
    extra_checks=(
        ("refd_setl_flag = '1' AND coalesce(init_setl_id, '') = ''",
         "refund settlement (refd_setl_flag=1) without init_setl_id"),
    ),
)

MDTRT_D = Table(
    name="mdtrt_d",
    label_zh="就诊信息",
    description="One row per visit (就诊): an outpatient visit, a pharmacy purchase or an inpatient stay.",
    key=("mdtrt_id",),
    period="begntime",
    columns=(
        MDTRT_ID,
        PSN_NO_COL,
        *PERSON_SNAPSHOT[:5],
        _c("tel", "联系电话", required=False),
        _c("addr", "联系地址", required=False),
        *PERSON_SNAPSHOT[5:],
        PAY_LOC,
        FIXMEDINS_CODE,
        FIXMEDINS_NAME,
        HOSP_LV_COL,
        _c("begntime", "入院时间", "timestamp", not_null=True, aliases=("开始时间",)),
        _c("endtime", "出院时间", "timestamp", aliases=("结束时间",)),
        MED_TYPE,
        _c("ipt_otp_no", "住院号", required=False, aliases=("住院/门诊号",)),
        _c("adm_dept_codg", "入院科室编码", required=False),
        _c("adm_dept_name", "入院科室名称", required=False),
        _c("chfpdr_code", "主诊医师代码", required=False),
        _c("dscg_maindiag_code", "主诊断编码", required=False, aliases=("出院主诊断代码",)),
        _c("dscg_maindiag_name", "主诊断名称", required=False, aliases=("出院主诊断名称",)),
        _c("dscg_way", "离院方式", required=False),
        _c("inhosp_stas", "在院状态", required=False, allowed=FLAG),
        _c("die_date", "死亡日期", "date", required=False),
        _c("ipt_days", "住院天数", "int", required=False),
        VALI_FLAG,
    ),
    date_order=(("begntime", "endtime"),),
)

FEE_LIST_D = Table(
    name="fee_list_d",
    label_zh="费用明细",
    description="One row per fee line (费用明细); refund lines are negative and carry init_feedetl_sn.",
    key=("bkkp_sn",),
    period="fee_ocur_time",
    columns=(
        _c("bkkp_sn", "记账流水号", not_null=True, aliases=("费用明细流水号",)),
        MDTRT_ID,
        _c("setl_id", "结算ID"),
        _c("fee_ocur_time", "费用发生日期", "timestamp", not_null=True, aliases=("费用发生时间",)),
        PSN_NO_COL,
        FIXMEDINS_CODE,
        replace(MED_TYPE, not_null=False),
        Column("cnt", "数量", "qty", not_null=True, nonneg=True),
        Column("pric", "单价", "qty", not_null=True, nonneg=True),
        _money("det_item_fee_sumamt", "总额", not_null=True, aliases=("明细项目费用总额",)),
        Column("pric_uplmt_amt", "限价", "qty", required=False, nonneg=True, aliases=("定价上限金额",)),
        Column("selfpay_prop", "自付比例", "ratio", required=False),
        *FEE_SPLIT,
        CHRGITM_LV,
        HILIST_CODE,
        _c("hilist_name", "医保目录名称"),
        LIST_TYPE,
        MED_CHRGITM_TYPE,
        _c("bilg_dept_codg", "开单科室编码", required=False),
        _c("bilg_dept_name", "开单科室名称", required=False),
        _c("bilg_dr_code", "开单医生编码", required=False, aliases=("开单医师编码",)),
        _c("used_frqu_dscr", "使用频次描述", required=False),
        _c("prd_days", "周期天数", "int", required=False),
        _c("init_feedetl_sn", "原费用流水号", required=False),
        VALI_FLAG,
    ),
    identities=(
        Identity("det_item_fee_sumamt", FEE_SPLIT_NAMES),
    ),
    refund_when="coalesce(init_feedetl_sn, '') <> ''",
    extra_checks=(
        ("abs(try_cast(det_item_fee_sumamt AS DECIMAL(18,2)) - round(try_cast(cnt AS DECIMAL(18,4))"
         " * try_cast(pric AS DECIMAL(18,4)), 2)) > 0.01",
         "det_item_fee_sumamt differs from cnt × pric"),
    ),
)

SETL_LIST_DIAG_D = Table(
    name="setl_list_diag_d",
    label_zh="结算清单诊断信息",
    description="One row per diagnosis on a settlement list (医保结算清单).",
    key=("setl_list_diag_id",),
    columns=(
        _c("setl_list_diag_id", "结算清单诊断信息ID", not_null=True),
        SETL_ID,
        MDTRT_ID,
        PSN_NO_COL,
        _c("diag_type", "诊断类别", allowed=("1", "2", "3")),
        _c("maindiag_flag", "主诊断标志", allowed=FLAG),
        _c("diag_code", "诊断代码", not_null=True),
        _c("diag_name", "诊断名称"),
        VALI_FLAG,
    ),
)

SETL_LIST_OPRN_D = Table(
    name="setl_list_oprn_d",
    label_zh="结算清单手术操作信息",
    description="One row per operation or procedure on a settlement list.",
    key=("setl_list_oprn_id",),
    columns=(
        _c("setl_list_oprn_id", "结算清单手术操作ID", not_null=True),
        SETL_ID,
        MDTRT_ID,
        PSN_NO_COL,
        _c("main_oprn_flag", "主手术操作标志", allowed=("1", "2")),
        _c("oprn_oprt_code", "手术操作代码", not_null=True),
        _c("oprn_oprt_name", "手术操作名称"),
        _c("oprn_oprt_date", "手术操作日期", "date"),
        VALI_FLAG,
    ),
)

PSN_INFO_B = Table(
    name="psn_info_b",
    label_zh="人员基本信息",
    description="One row per insured person (人员); surv_stas/die_date from civil-affairs matching.",
    key=("psn_no",),
    columns=(
        PSN_NO_COL,
        _c("psn_name", "姓名"),
        _c("gend", "性别", not_null=True, allowed=GEND),
        _c("brdy", "出生日期", "date", not_null=True),
        _c("psn_cert_type", "人员证件类型", required=False),
        _c("certno", "证件号码", aliases=("身份证号",)),
        _c("tel", "联系电话", required=False),
        _c("addr", "联系地址", required=False),
        _c("resd_loc_admdvs", "户籍所在地区划", required=False, pattern=ADMDVS),
        _c("surv_stas", "生存状态", allowed=("1", "2")),
        _c("die_date", "死亡日期", "date", required=False),
        VALI_FLAG,
    ),
)

PSN_INSU_D = Table(
    name="psn_insu_d",
    label_zh="人员参保信息",
    description="One row per insurance relation (参保关系) of a person with a scheme.",
    key=("psn_insu_rlts_id",),
    columns=(
        _c("psn_insu_rlts_id", "人员参保关系ID", not_null=True),
        PSN_NO_COL,
        INSUTYPE,
        PSN_TYPE,
        _c("psn_insu_stas", "参保状态", allowed=("1", "2", "3", "4")),
        _c("crt_insu_date", "本次参保日期", "date", not_null=True),
        _c("paus_insu_date", "暂停参保日期", "date", future_ok=True),
        _c("insutype_retr_flag", "离退休标志", allowed=FLAG),
        _c("emp_no", "单位编号", required=False),
        INSU_ADMDVS,
        VALI_FLAG,
    ),
    date_order=(("crt_insu_date", "paus_insu_date"),),
)

FIXMEDINS_B = Table(
    name="fixmedins_b",
    label_zh="定点医药机构信息",
    description="One row per designated institution (定点医药机构), with medins_info_b attributes.",
    key=("fixmedins_code",),
    columns=(
        FIXMEDINS_CODE,
        replace(FIXMEDINS_NAME, not_null=True),
        _c("fixmedins_type", "定点医药机构类型", not_null=True, allowed=("1", "2")),
        _c("medins_type", "医疗服务机构类型", pattern=r"^[A-Z][0-9A-Z]{0,3}$"),
        _c("hosp_lv", "医院等级", not_null=True, allowed=HOSP_LV),
        _c("admdvs", "所在地区划", not_null=True, pattern=ADMDVS, aliases=("医保区划",)),
        _c("aprv_bed_cnt", "批准床位数", "int", required=False),
        _c("grst_hosp_flag", "基层医院标志", required=False, allowed=FLAG),
        _c("biznat", "经营性质", required=False),
        _c("cred_lv", "信用等级", required=False),
        _c("begndate", "协议开始日期", "date", future_ok=True, aliases=("开始日期",)),
        _c("enddate", "协议结束日期", "date", future_ok=True, aliases=("结束日期",)),
        VALI_FLAG,
    ),
    date_order=(("begndate", "enddate"),),
)

HILIST_B = Table(
    name="hilist_b",
    label_zh="医保目录信息",
    description="One row per catalogue entry (医保目录): drug, service item or consumable.",
    key=("hilist_code",),
    columns=(
        HILIST_CODE,
        _c("hilist_name", "医保目录名称", not_null=True),
        replace(LIST_TYPE, not_null=True),
        MED_CHRGITM_TYPE,
        replace(CHRGITM_LV, not_null=True),
        _c("lmt_used_flag", "限制使用标志", allowed=FLAG),
        _c("lmt_usescp", "限制使用范围", required=False),
        _c("selfpay_prop", "自付比例", "ratio", required=False),
        _c("begndate", "开始日期", "date", future_ok=True),
        _c("enddate", "结束日期", "date", future_ok=True),
        VALI_FLAG,
    ),
    date_order=(("begndate", "enddate"),),
)

HILIST_LMTPRIC_D = Table(
    name="hilist_lmtpric_d",
    label_zh="医保目录限价信息",
    description="One row per price cap (限价) of a catalogue entry and validity period.",
    key=("hilist_code", "begndate"),
    columns=(
        HILIST_CODE,
        _c("hilist_lmtpric_type", "限价类型", required=False),
        Column("hilist_pric_uplmt_amt", "定价上限金额", "qty", not_null=True, nonneg=True),
        _c("begndate", "开始日期", "date", not_null=True, future_ok=True),
        _c("enddate", "结束日期", "date", future_ok=True),
        VALI_FLAG,
    ),
    date_order=(("begndate", "enddate"),),
)

FUND_INCOME = Table(
    name="fund_income",
    label_zh="基金收入",
    description="One row per month × fund × income source (基金收入, from the finance ledger).",
    key=("income_month", "insu_admdvs", "fund_pay_type", "income_src"),
    period="income_month",
    columns=(
        _c("income_month", "收入月份", "date", not_null=True),
        INSU_ADMDVS,
        _c("fund_pay_type", "基金类型", not_null=True, pattern=r"^\d{6}$"),
        _c("income_src", "收入来源", not_null=True, pattern=r"^\d{2}$"),
        Column("income_amt", "收入金额", "money", not_null=True),
    ),
)

FUND_BALANCE = Table(
    name="fund_balance",
    label_zh="基金累计结余",
    description="One row per date × fund: the accumulated balance (累计结余) in the finance ledger at the "
                "close of that date; at least the opening balance before the first month of activity.",
    key=("balance_date", "insu_admdvs", "fund_pay_type"),
    period="balance_date",
    columns=(
        _c("balance_date", "结余日期", "date", not_null=True),
        INSU_ADMDVS,
        _c("fund_pay_type", "基金类型", not_null=True, pattern=r"^\d{6}$"),
        Column("balance_amt", "累计结余金额", "money", not_null=True),
    ),
)

FIXMEDINS_BUDGET = Table(
    name="fixmedins_budget",
    label_zh="总额预算",
    description="One row per institution × year × scheme: the annual total budget (总额预算) of fund pay.",
    key=("budget_year", "fixmedins_code", "insutype"),
    period="budget_year",
    columns=(
        _c("budget_year", "预算年度", "int", not_null=True),
        FIXMEDINS_CODE,
        INSUTYPE,
        _money("budget_amt", "年度总额预算", not_null=True),
    ),
)

INSURED_POPULATION = Table(
    name="insured_population",
    label_zh="参保人数",
    description="One row per year × area × scheme × person type × sex × single age: insured at year end.",
    key=("stat_year", "insu_admdvs", "insutype", "psn_type", "gend", "age"),
    period="stat_year",
    columns=(
        _c("stat_year", "统计年度", "int", not_null=True),
        INSU_ADMDVS,
        INSUTYPE,
        _c("psn_type", "人员类别", not_null=True, pattern=NUMERIC_CODE),
        _c("gend", "性别", not_null=True, allowed=GEND),
        _c("age", "年龄", "int", not_null=True),
        Column("psn_cnt", "参保人数", "int", not_null=True, nonneg=True),
    ),
)

# ------------------------------------------------------------------ enforcement ledgers ------
# Tips, inspections, cases and credit are kept by the supervision office (基金监管科), not by the
# settlement system. Their status changes (a tip is closed, a case is decided), so each is a
# snapshot upserted by key: a later delivery of the same id replaces the earlier row. The
# reporter of a tip is not delivered (举报人 are protected by the reward measures, 医保办发〔2018〕22号).
SUBJECT_TYPES = ("1", "2", "3")     # 定点医药机构, 医保医师/药师/护师, 参保人员
DR_CODE = r"^D\d{7}$"
REWARD_CEILING = 100_000            # yuan, 医保办发〔2018〕22号 Art. 9 (seeds 000 §7.11: 最高 10 万元)
FINE_CEILING_MULTIPLE = 5           # 条例 Art. 40: 2-5× the amount obtained by fraud
SUBJECT = (
    _c("subject_type", "对象类别", not_null=True, allowed=SUBJECT_TYPES),
    _c("subject_code", "对象编码", not_null=True, aliases=("对象编号",)),
    replace(FIXMEDINS_CODE, not_null=False),
)


def _subject_checks() -> tuple[tuple[str, str], ...]:
    """The subject code has the format of its type; an institution subject is its own institution."""
    return (
        (f"subject_type = '1' AND (NOT regexp_full_match(subject_code, '{FIXMEDINS[1:-1]}') "
         "OR subject_code <> coalesce(fixmedins_code, ''))",
         "subject_code of an institution (subject_type=1) must be its fixmedins_code"),
        (f"subject_type = '2' AND (NOT regexp_full_match(subject_code, '{DR_CODE[1:-1]}') "
         "OR fixmedins_code IS NULL)",
         "subject_code of a doctor (subject_type=2) must be a D + 7-digit code, with the institution"),
        (f"subject_type = '3' AND NOT regexp_full_match(subject_code, '{PSN_NO[1:-1]}')",
         "subject_code of an insured person (subject_type=3) must be a psn_no"),
    )


TIPS = Table(
    name="tips",
    label_zh="举报线索",
    description="One row per tip (举报线索) received: channel, subject, handling status and reward.",
    key=("tip_id",),
    columns=(
        _c("tip_id", "线索编号", not_null=True),
        _c("recv_date", "受理日期", "date", not_null=True),
        _c("channel", "举报渠道", not_null=True, allowed=("1", "2", "3", "4", "5")),
        *SUBJECT,
        _c("tip_status", "办理状态", not_null=True, allowed=("1", "2", "3", "4")),
        _c("verified", "查证属实", allowed=FLAG),
        _c("close_date", "办结日期", "date"),
        _c("case_id", "案件编号", required=False),
        _money("reward_amt", "奖励金额", required=False),
        _c("reward_date", "奖励发放日期", "date", required=False),
    ),
    date_order=(("recv_date", "close_date"), ("close_date", "reward_date")),
    extra_checks=(
        *_subject_checks(),
        ("tip_status IN ('3', '4') AND close_date IS NULL",
         "a closed tip (tip_status 3 办结 or 4 不予受理) needs close_date"),
        ("tip_status IN ('1', '2') AND (close_date IS NOT NULL OR verified IS NOT NULL)",
         "an open tip (tip_status 1 受理 or 2 核查中) has no close_date and no verified flag"),
        ("tip_status = '3' AND verified IS NULL", "a tip closed as 办结 (tip_status=3) needs verified 0/1"),
        (f"try_cast(reward_amt AS DECIMAL(18,2)) > {REWARD_CEILING}",
         f"reward_amt above the {REWARD_CEILING:,} yuan ceiling (医保办发〔2018〕22号)"),
        ("try_cast(reward_amt AS DECIMAL(18,2)) > 0 AND coalesce(verified, '0') <> '1'",
         "a reward paid on a tip not verified (verified=1)"),
    ),
)

INSPECTIONS = Table(
    name="inspections",
    label_zh="监督检查",
    description="One row per inspection of an institution (日常/专项/飞行检查/双随机) and what it found.",
    key=("insp_id",),
    columns=(
        _c("insp_id", "检查编号", not_null=True),
        _c("insp_type", "检查类型", not_null=True, allowed=("1", "2", "3", "4")),
        replace(FIXMEDINS_CODE, not_null=True),
        _c("begndate", "检查开始日期", "date", not_null=True),
        _c("enddate", "检查结束日期", "date"),
        _c("inspectors", "执法人员", not_null=True, pattern=r"^ZF\d{4}(;ZF\d{4})*$"),
        _c("draw_id", "抽查批次", required=False),
        _c("tip_id", "线索编号", required=False),
        _c("finding_flag", "发现问题", allowed=FLAG),
        _c("findings", "检查发现", required=False),
        _money("suspect_amt", "疑点金额", required=False),
    ),
    date_order=(("begndate", "enddate"),),
    extra_checks=(
        ("insp_type = '4' AND draw_id IS NULL", "a 双随机 inspection (insp_type=4) needs the draw_id of its draw"),
        ("finding_flag IS NOT NULL AND enddate IS NULL", "an inspection with a result (finding_flag) needs enddate"),
    ),
)

ENFORCEMENT_CASES = Table(
    name="enforcement_cases",
    label_zh="案件查处",
    description="One row per case (案件): subject, violation type, amounts involved, recovered and fined, "
                "referral, closing and upward report.",
    key=("case_id",),
    columns=(
        _c("case_id", "案件编号", not_null=True),
        _c("open_date", "立案日期", "date", not_null=True),
        _c("case_source", "案件来源", not_null=True, allowed=("1", "2", "3", "4", "5")),
        _c("tip_id", "线索编号", required=False),
        _c("insp_id", "检查编号", required=False),
        *SUBJECT,
        _c("violation_type", "违规类型", not_null=True, pattern=r"^[a-z][a-z_]*$"),
        _c("viol_begndate", "违规开始日期", "date", not_null=True, aliases=("违规行为开始日期",)),
        _c("viol_enddate", "违规结束日期", "date", not_null=True, aliases=("违规行为结束日期",)),
        _money("involved_amt", "涉案金额", not_null=True),
        _money("recovered_amt", "追回金额", not_null=True),
        _money("fine_amt", "罚款金额", not_null=True),
        _c("legal_article", "处罚依据", allowed=("38", "40")),
        _c("referral", "移送情况", not_null=True, allowed=("0", "1", "2", "3")),
        _c("referral_date", "移送日期", "date"),
        _c("case_status", "案件状态", not_null=True, allowed=("1", "2", "3", "4", "5")),
        _c("close_date", "结案日期", "date"),
        _c("report_date", "上报日期", "date", required=False),
        _c("public_flag", "典型案例公开", allowed=FLAG, required=False),
    ),
    date_order=(("open_date", "close_date"), ("open_date", "referral_date"),
                ("viol_begndate", "viol_enddate"), ("viol_enddate", "open_date")),
    extra_checks=(
        *_subject_checks(),
        ("case_status IN ('4', '5') AND close_date IS NULL", "a closed case (case_status 4 结案 or 5 撤销) needs close_date"),
        ("case_status IN ('1', '2', '3') AND close_date IS NOT NULL", "an open case (case_status 1-3) has no close_date"),
        ("referral <> '0' AND referral_date IS NULL", "a referred case (referral 1-3) needs referral_date"),
        ("try_cast(recovered_amt AS DECIMAL(18,2)) > try_cast(involved_amt AS DECIMAL(18,2))",
         "recovered_amt above involved_amt"),
        (f"try_cast(fine_amt AS DECIMAL(18,2)) > {FINE_CEILING_MULTIPLE} * try_cast(involved_amt AS DECIMAL(18,2))",
         f"fine_amt above {FINE_CEILING_MULTIPLE}× involved_amt (条例 Art. 40 ceiling)"),
        ("try_cast(fine_amt AS DECIMAL(18,2)) > 0 AND legal_article IS NULL", "a fine (fine_amt > 0) needs legal_article"),
    ),
)

CREDIT_EVENTS = Table(
    name="credit_events",
    label_zh="信用记录",
    description="One row per credit event (信用记录) of an institution, doctor or insured person: the "
                "points it adds or deducts and the case behind it.",
    key=("credit_event_id",),
    columns=(
        _c("credit_event_id", "信用记录编号", not_null=True),
        _c("event_date", "记录日期", "date", not_null=True),
        *SUBJECT,
        _c("event_type", "记录类型", not_null=True, allowed=("1", "2", "3", "4", "5")),
        Column("score_change", "分值变化", "int", not_null=True),
        _c("case_id", "案件编号", required=False),
    ),
    extra_checks=(
        *_subject_checks(),
        ("event_type IN ('1', '2', '3') AND try_cast(score_change AS INTEGER) > 0",
         "a deduction (event_type 1-3) cannot add points"),
        ("event_type IN ('4', '5') AND try_cast(score_change AS INTEGER) < 0",
         "an award (event_type 4-5) cannot deduct points"),
    ),
)

CREDIT_GRADES = Table(
    name="credit_grades",
    label_zh="信用评价结果",
    description="One row per year × subject: the credit score and grade (信用评价, A-D) of the year's "
                "evaluation and whether the subject is on the blacklist (黑名单).",
    key=("eval_year", "subject_type", "subject_code"),
    period="eval_year",
    columns=(
        _c("eval_year", "评价年度", "int", not_null=True),
        *SUBJECT,
        Column("credit_score", "信用分", "int", not_null=True, nonneg=True),
        _c("credit_grade", "信用等级", not_null=True, allowed=("A", "B", "C", "D")),
        _c("blacklist_flag", "黑名单", not_null=True, allowed=FLAG),
        _c("blacklist_begndate", "列入日期", "date"),
        _c("blacklist_enddate", "移出日期", "date", future_ok=True),
    ),
    date_order=(("blacklist_begndate", "blacklist_enddate"),),
    extra_checks=(
        *_subject_checks(),
        ("blacklist_flag = '1' AND blacklist_begndate IS NULL", "a blacklisted subject needs blacklist_begndate"),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (
    SETL_D, MDTRT_D, FEE_LIST_D, SETL_LIST_DIAG_D, SETL_LIST_OPRN_D, PSN_INFO_B, PSN_INSU_D,
    FIXMEDINS_B, HILIST_B, HILIST_LMTPRIC_D, FUND_INCOME, FUND_BALANCE, FIXMEDINS_BUDGET,
    INSURED_POPULATION, TIPS, INSPECTIONS, ENFORCEMENT_CASES, CREDIT_EVENTS, CREDIT_GRADES,
)}
#: Names that stand for several tables in `ingest load --tables`: the supervision office delivers
#: its ledgers on its own schedule, apart from the settlement system's extract.
TABLE_GROUPS: dict[str, tuple[str, ...]] = {
    "enforcement": ("tips", "inspections", "enforcement_cases", "credit_events", "credit_grades"),
}
TABLE_GROUPS["settlement"] = tuple(t for t in TABLES if t not in TABLE_GROUPS["enforcement"])

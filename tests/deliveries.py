"""Small hand-made deliveries for loader tests: one valid row per table, written in any format.

Tests copy a valid row and break exactly one thing, so each expected quarantine reason is known.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from ingest.contracts import TABLES

PSN = "3415030000000001"
HOSP = "H34150300001"

_SETL = dict(
    setl_id="S1", mdtrt_id="M1", psn_no=PSN, psn_name="张三", certno="341503198001011234",
    gend="1", brdy="1980-01-01", age="44", insutype="390", psn_type="15", insu_admdvs="341503",
    pay_loc="2", fixmedins_code=HOSP, fixmedins_name="示例县人民医院", hosp_lv="05",
    begndate="2024-01-03", enddate="2024-01-08", setl_time="2024-01-08 10:00:00", med_type="21",
    medfee_sumamt="1000.00", fulamt_ownpay_amt="100.00", overlmt_selfpay="0.00",
    preselfpay_amt="50.00", inscp_amt="850.00", act_pay_dedc="300.00", hifp_pay="600.00",
    cvlserv_pay="0", hifes_pay="0", hifmi_pay="0", hifob_pay="0", hifdm_pay="0", maf_pay="0",
    othfund_pay="0", fund_pay_sumamt="600.00", psn_pay="400.00", acct_pay="0.00",
    cash_payamt="400.00", refd_setl_flag="0", vali_flag="1",
)

VALID: dict[str, dict[str, str]] = {
    "setl_d": _SETL,
    "mdtrt_d": dict(
        mdtrt_id="M1", psn_no=PSN, psn_name="张三", certno="341503198001011234", gend="1",
        brdy="1980-01-01", age="44", insutype="390", psn_type="15", insu_admdvs="341503",
        pay_loc="2", fixmedins_code=HOSP, hosp_lv="05", begntime="2024-01-03 09:00:00",
        endtime="2024-01-08 09:00:00", med_type="21", dscg_maindiag_code="J18.900",
        inhosp_stas="0", ipt_days="5", vali_flag="1"),
    "fee_list_d": dict(
        bkkp_sn="F1", mdtrt_id="M1", setl_id="S1", fee_ocur_time="2024-01-03 10:00:00",
        psn_no=PSN, fixmedins_code=HOSP, med_type="21", cnt="2", pric="500.00",
        det_item_fee_sumamt="1000.00", fulamt_ownpay_amt="100.00", overlmt_selfpay="0.00",
        preselfpay_amt="50.00", inscp_amt="850.00", chrgitm_lv="02",
        hilist_code="001109000010000", hilist_name="普通病房床位费", list_type="201",
        med_chrgitm_type="01", vali_flag="1"),
    "setl_list_diag_d": dict(
        setl_list_diag_id="D1", setl_id="S1", mdtrt_id="M1", psn_no=PSN, diag_type="1",
        maindiag_flag="1", diag_code="J18.900", diag_name="肺炎", vali_flag="1"),
    "setl_list_oprn_d": dict(
        setl_list_oprn_id="O1", setl_id="S1", mdtrt_id="M1", psn_no=PSN, main_oprn_flag="1",
        oprn_oprt_code="51.2300x001", oprn_oprt_name="腹腔镜胆囊切除术",
        oprn_oprt_date="2024-01-04", vali_flag="1"),
    "psn_info_b": dict(
        psn_no=PSN, psn_name="张三", gend="1", brdy="1980-01-01", certno="341503198001011234",
        surv_stas="1", vali_flag="1"),
    "psn_insu_d": dict(
        psn_insu_rlts_id="R1", psn_no=PSN, insutype="390", psn_type="15", psn_insu_stas="1",
        crt_insu_date="2020-01-01", insutype_retr_flag="0", insu_admdvs="341503", vali_flag="1"),
    "fixmedins_b": dict(
        fixmedins_code=HOSP, fixmedins_name="示例县人民医院", fixmedins_type="1",
        medins_type="A", hosp_lv="05", admdvs="341503", aprv_bed_cnt="500",
        begndate="2020-01-01", vali_flag="1"),
    "hilist_b": dict(
        hilist_code="001109000010000", hilist_name="普通病房床位费", list_type="201",
        med_chrgitm_type="01", chrgitm_lv="02", lmt_used_flag="0", begndate="2020-01-01",
        vali_flag="1"),
    "hilist_lmtpric_d": dict(
        hilist_code="001109000010000", hilist_pric_uplmt_amt="600.00", begndate="2020-01-01",
        vali_flag="1"),
    "fund_income": dict(
        income_month="2024-01-01", insu_admdvs="341503", fund_pay_type="390100",
        income_src="02", income_amt="123456.78"),
    "fund_balance": dict(
        balance_date="2023-12-31", insu_admdvs="341503", fund_pay_type="390100",
        balance_amt="98765432.10"),
    "fixmedins_budget": dict(
        budget_year="2024", fixmedins_code=HOSP, insutype="390", budget_amt="12000000.00"),
    "insured_population": dict(
        stat_year="2024", insu_admdvs="341503", insutype="390", psn_type="15", gend="1",
        age="44", psn_cnt="1234"),
    "tips": dict(
        tip_id="JB202400001", recv_date="2024-02-01", channel="1", subject_type="1",
        subject_code=HOSP, fixmedins_code=HOSP, tip_status="3", verified="1",
        close_date="2024-03-01", case_id="AJ202400001", reward_amt="2000.00",
        reward_date="2024-06-01"),
    "inspections": dict(
        insp_id="JC202400001", insp_type="2", fixmedins_code=HOSP, begndate="2024-02-10",
        enddate="2024-02-15", inspectors="ZF0001;ZF0002", tip_id="JB202400001",
        finding_flag="1", findings="发现违规问题", suspect_amt="120000.00"),
    "enforcement_cases": dict(
        case_id="AJ202400001", open_date="2024-03-01", case_source="1", tip_id="JB202400001",
        insp_id="JC202400001", subject_type="1", subject_code=HOSP, fixmedins_code=HOSP,
        violation_type="split_admission", viol_begndate="2023-06-01", viol_enddate="2024-01-31",
        involved_amt="100000.00", recovered_amt="100000.00", fine_amt="150000.00",
        legal_article="38", referral="0", case_status="4", close_date="2024-05-10",
        public_flag="0"),
    "credit_events": dict(
        credit_event_id="XY0000001", event_date="2024-05-10", subject_type="1",
        subject_code=HOSP, fixmedins_code=HOSP, event_type="1", score_change="-20",
        case_id="AJ202400001"),
    "credit_grades": dict(
        eval_year="2024", subject_type="1", subject_code=HOSP, fixmedins_code=HOSP,
        credit_score="75", credit_grade="B", blacklist_flag="0"),
}


def rows_for(table: str, overrides: list[dict[str, str]] | None = None) -> list[dict[str, str]]:
    """The valid row of `table`, once per override dict, with the override applied."""
    return [{**VALID[table], **o} for o in (overrides or [{}])]


def write(directory: Path, tables: dict[str, list[dict[str, str]]] | None = None, *,
          fmt: str = "csv", encoding: str = "utf-8", chinese_headers: bool = False,
          name: str | None = None) -> Path:
    """Write a delivery: every contract table (its valid row unless `tables` says otherwise)."""
    directory.mkdir(parents=True, exist_ok=True)
    tables = tables if tables is not None else {t: rows_for(t) for t in TABLES}
    for table_name, rows in tables.items():
        table = TABLES[table_name]
        columns = [c.name for c in table.columns]
        frame = pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], columns=columns,
                             dtype=str)
        if chinese_headers:
            frame.columns = [c.label_zh for c in table.columns]
        stem = name or table_name
        if fmt == "csv":
            with (directory / f"{stem}.csv").open("w", encoding=encoding, newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(frame.columns)
                writer.writerows(frame.itertuples(index=False))
        elif fmt == "parquet":
            frame.to_parquet(directory / f"{stem}.parquet", index=False)
        else:
            frame.to_excel(directory / f"{stem}.xlsx", index=False)
    return directory

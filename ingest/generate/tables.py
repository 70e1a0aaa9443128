"""Arrow tables of the visit-side raw tables (mdtrt_d, setl_d, fee_list_d) for one block."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import reference as R
from .catalogue import Catalogue
from .institutions import Institutions
from .persons import PSN_TYPES, Persons
from .settlement import S_REFUND, Settled
from .util import const_str, dates, id_strings, money, rng_for, take_str, timestamps
from .visits import DEPT_CODES, DIAG_ALL, K_CHRONIC, K_DAYSURG, K_DIALYSIS, K_IPT, K_MATERNITY, MED_TYPES, Visits

ADMDVS = R.COUNTY["admdvs"]
CLR_TYPE = np.array(["21", "11", "11", "11", "11", "41", "21", "21"])
DISE = {K_CHRONIC: {"I10.x00": ("M03900", "高血压"), "E11.900": ("M01600", "糖尿病"),
                    "I25.100": ("M04600", "冠心病"), "I63.900": ("M04000", "脑血管病后遗症"),
                    "J44.900": ("M05200", "慢性阻塞性肺疾病")}}


@dataclass
class Ids:
    mdtrt: pa.Array
    setl: pa.Array
    bkkp: pa.Array


def make_ids(n_visit: int, n_setl: int, n_line: int, base: tuple[int, int, int]) -> Ids:
    return Ids(id_strings(ADMDVS + "1", base[0] + np.arange(n_visit), 12),
               id_strings(ADMDVS + "2", base[1] + np.arange(n_setl), 12),
               id_strings(ADMDVS + "3", base[2] + np.arange(n_line), 13))


def _person_cols(p: Persons, psn: np.ndarray, day: np.ndarray) -> dict[str, pa.Array]:
    ip = pa.array(psn)
    return {"psn_no": p.psn_no.take(ip), "psn_name": p.name.take(ip), "certno": p.certno.take(ip),
            "gend": take_str(["", "1", "2"], p.gend[psn]), "brdy": dates(p.brdy[psn]),
            "age": pa.array(((day - p.brdy[psn]) * 4 // 1461).astype(np.int32))}


def _scheme_cols(p: Persons, psn: np.ndarray, day: np.ndarray) -> dict[str, pa.Array]:
    n = len(psn)
    return {"insutype": take_str(["310", "390"], (p.insutype[psn] == 390).astype(np.int8)),
            "psn_type": take_str(list(PSN_TYPES), p.type_at(psn, day)), "insu_admdvs": const_str(ADMDVS, n)}


def _inst_cols(inst: Institutions, ist: np.ndarray) -> dict[str, pa.Array]:
    return {"fixmedins_code": take_str(inst.code, ist), "fixmedins_name": take_str(inst.name, ist),
            "hosp_lv": take_str(inst.hosp_lv, ist)}


def doctor_codes(v: Visits, vis: np.ndarray) -> pa.Array:
    k = (v.psn[vis] * 31 + np.maximum(v.dept[vis], 0) * 7) % 23
    return id_strings("D", v.inst[vis].astype(np.int64) * 100 + k, 7)


def mdtrt_table(v: Visits, p: Persons, inst: Institutions, ids: Ids, id_base: int, seed: int) -> pa.Table:
    rng = rng_for(seed, 90, id_base)
    n = len(v)
    stay = np.isin(v.kind, [K_IPT, K_DAYSURG, K_MATERNITY])
    cols = {"mdtrt_id": ids.mdtrt}
    cols.update(_person_cols(p, v.psn, v.bday))
    cols["tel"] = p.tel.take(pa.array(v.psn))
    cols["addr"] = p.addr.take(pa.array(v.psn))
    cols.update(_scheme_cols(p, v.psn, v.bday))
    cols["pay_loc"] = take_str(["1", "2", "3", "4"], inst.pay_loc[v.inst] - 1)
    cols.update(_inst_cols(inst, v.inst))
    cols["begntime"] = timestamps(v.bsec)
    cols["endtime"] = timestamps(v.esec)
    cols["med_type"] = take_str(list(MED_TYPES), v.kind)
    serial = id_base + np.arange(n)
    cols["ipt_otp_no"] = pc.if_else(pa.array(stay), id_strings("ZY", serial, 10), id_strings("MZ", serial, 10))
    has_dept = v.dept >= 0
    cols["adm_dept_codg"] = take_str(list(DEPT_CODES), np.maximum(v.dept, 0), has_dept)
    cols["adm_dept_name"] = take_str(list(R.DEPTS.values()), np.maximum(v.dept, 0), has_dept)
    cols["chfpdr_code"] = pc.if_else(pa.array(has_dept), doctor_codes(v, np.arange(n)), pa.scalar(None, pa.string()))
    # Diagnoses: always on stays; often missing on outpatient records (data-quality reality).
    lclass = inst.lclass[v.inst]
    p_diag = np.where(stay, 1.0, np.where(v.kind == K_CHRONIC, 0.9, np.where(v.kind == K_DIALYSIS, 0.8,
                                                                              np.where(lclass >= 1, 0.6, 0.25))))
    has_diag = (v.diag >= 0) & (rng.random(n) < p_diag)
    cols["dscg_maindiag_code"] = take_str([c for c, _, _ in DIAG_ALL], np.maximum(v.diag, 0), has_diag)
    cols["dscg_maindiag_name"] = take_str([x for _, x, _ in DIAG_ALL], np.maximum(v.diag, 0), has_diag)
    way = np.where(v.died, 4, np.where(rng.random(n) < 0.03, 1, np.where(rng.random(n) < 0.02, 3, 0)))
    cols["dscg_way"] = take_str(["1", "2", "3", "4", "5"], way, stay)
    cols["inhosp_stas"] = take_str(["0"], np.zeros(n, np.int64), stay)
    cols["die_date"] = dates(v.eday, v.died)
    los = np.maximum(v.eday - v.bday, 1)
    ipt_ok = stay & (rng.random(n) > 0.06)
    cols["ipt_days"] = pa.array(los.astype(np.int32), mask=~ipt_ok)
    cols["vali_flag"] = const_str("1", n)
    return pa.table(cols)


def setl_table(st: Settled, v: Visits, p: Persons, inst: Institutions, ids: Ids) -> pa.Table:
    s = st.s
    n = len(s)
    vis = s.visit
    cols = {"setl_id": ids.setl, "mdtrt_id": ids.mdtrt.take(pa.array(vis))}
    refund = s.skind == S_REFUND
    cols["init_setl_id"] = pc.if_else(pa.array(refund), ids.setl.take(pa.array(np.maximum(s.link, 0))),
                                      pa.scalar(None, pa.string()))
    pc_ = _person_cols(p, v.psn[vis], v.bday[vis])
    cols.update({k: pc_[k] for k in ("psn_no", "psn_name", "certno", "gend", "brdy", "age")})
    cols.update(_scheme_cols(p, v.psn[vis], v.bday[vis]))
    cols["pay_loc"] = take_str(["1", "2", "3", "4"], s.pay_loc - 1)
    cols.update(_inst_cols(inst, v.inst[vis]))
    cols["begndate"] = dates(v.bday[vis])
    cols["enddate"] = dates(v.eday[vis])
    cols["setl_time"] = timestamps(s.sec)
    kind = v.kind[vis]
    cols["med_type"] = take_str(list(MED_TYPES), kind)
    cols["setl_type"] = take_str(["", "1", "2"], s.setl_type)
    cols["clr_type"] = take_str(list(CLR_TYPE), kind)
    codes = [c for c, _, _ in DIAG_ALL]
    dise_no = [DISE[K_CHRONIC].get(c, ("", ""))[0] or None for c in codes] + ["M07800"]
    dise_nm = [DISE[K_CHRONIC].get(c, ("", ""))[1] or None for c in codes] + ["尿毒症透析"]
    di = np.where(kind == K_DIALYSIS, len(codes), np.maximum(v.diag[vis], 0))
    has = np.isin(kind, [K_CHRONIC, K_DIALYSIS])
    cols["dise_no"] = take_str(pa.array(dise_no, pa.string()), di, has)
    cols["dise_name"] = take_str(pa.array(dise_nm, pa.string()), di, has)
    for name, f in (("medfee_sumamt", "medfee"), ("fulamt_ownpay_amt", "ful"), ("overlmt_selfpay", "over"),
                    ("preselfpay_amt", "pre"), ("inscp_amt", "inscp"), ("act_pay_dedc", "dedc"),
                    ("hifp_pay", "hifp"), ("cvlserv_pay", "cvl"), ("hifes_pay", "hifes"),
                    ("hifmi_pay", "hifmi"), ("hifob_pay", "hifob"), ("hifdm_pay", "hifdm"),
                    ("maf_pay", "maf"), ("othfund_pay", "oth"), ("fund_pay_sumamt", "fund"),
                    ("psn_pay", "psn"), ("acct_pay", "acct"), ("cash_payamt", "cash")):
        cols[name] = money(getattr(s, f))
    cols["refd_setl_flag"] = take_str(["0", "1"], refund.astype(np.int8))
    cols["vali_flag"] = const_str("1", n)
    return pa.table(cols)


def fee_table(st: Settled, v: Visits, p: Persons, inst: Institutions, cat: Catalogue, ids: Ids,
              seed: int, id_base: int) -> pa.Table:
    rng = rng_for(seed, 91, id_base)
    L, a = st.lines, st.amounts
    n = len(L)
    vis = L.visit
    ie = pa.array(L.entry)
    cols = {"bkkp_sn": ids.bkkp, "mdtrt_id": ids.mdtrt.take(pa.array(vis)),
            "setl_id": ids.setl.take(pa.array(st.line_setl)), "fee_ocur_time": timestamps(L.sec),
            "psn_no": p.psn_no.take(pa.array(v.psn[vis])), "fixmedins_code": take_str(inst.code, v.inst[vis]),
            "med_type": take_str(list(MED_TYPES), v.kind[vis]),
            "cnt": money(L.cnt4, 4), "pric": money(L.pric4, 4), "det_item_fee_sumamt": money(a.total)}
    capped = cat.cap4[L.entry] > 0
    cap = money(cat.cap4[L.entry], 4)
    cols["pric_uplmt_amt"] = pc.if_else(pa.array(capped), cap, pa.scalar(None, cap.type))
    lv = cat.lv[L.entry]
    prop = np.where(lv == 2, 10_000, np.where(lv == 1, cat.selfpay_1e4[L.entry], 0))
    cols["selfpay_prop"] = money(prop, 4)
    cols.update({"fulamt_ownpay_amt": money(a.ful), "overlmt_selfpay": money(a.over),
                 "preselfpay_amt": money(a.pre), "inscp_amt": money(a.inscp),
                 "chrgitm_lv": cat.lv_str.take(ie), "hilist_code": cat.code.take(ie),
                 "hilist_name": cat.name.take(ie), "list_type": cat.list_type.take(ie),
                 "med_chrgitm_type": cat.chrgitm_type.take(ie)})
    has_dept = v.dept[vis] >= 0
    dep = np.maximum(v.dept[vis], 0)
    cols["bilg_dept_codg"] = take_str(list(DEPT_CODES), dep, has_dept)
    cols["bilg_dept_name"] = take_str(list(R.DEPTS.values()), dep, has_dept)
    cols["bilg_dr_code"] = pc.if_else(pa.array(has_dept), doctor_codes(v, vis), pa.scalar(None, pa.string()))
    drug = cat.is_drug[L.entry]
    stay = np.isin(v.kind[vis], [K_IPT, K_DAYSURG, K_MATERNITY])
    frq = rng.integers(0, 3, n)
    cols["used_frqu_dscr"] = take_str(["qd", "bid", "tid"], frq, drug)
    days = np.where(stay, 1, np.where(v.kind[vis] == K_CHRONIC, 30, 7))
    cols["prd_days"] = pa.array(days.astype(np.int32), mask=~(drug & (v.kind[vis] != 5)))
    ref = st.line_refund_of >= 0
    cols["init_feedetl_sn"] = pc.if_else(pa.array(ref), ids.bkkp.take(pa.array(np.maximum(st.line_refund_of, 0))),
                                         pa.scalar(None, pa.string()))
    cols["vali_flag"] = const_str("1", n)
    return pa.table(cols)


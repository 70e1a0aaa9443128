"""Settlements (setl_d) of visits: sums of fee lines, fund payments by the benefit policy,
refunds (negative rows) and corrected re-settlements — all in integer fen, so every identity
of the contract holds exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from . import config as C
from .catalogue import Catalogue
from .fees import LineAmounts, Lines, line_amounts
from .institutions import OTHER_PROVINCE, TOWNSHIP, VILLAGE, Institutions
from .persons import Persons
from .util import DAY_S, grouped_arange
from .visits import (K_CHRONIC, K_DAYSURG, K_DIALYSIS, K_ER, K_IPT, K_MATERNITY, K_OTP, K_PHARM,
                     Period, Visits)

S_ORIGINAL, S_REFUND, S_RESETTLE = 0, 1, 2
AMOUNT_FIELDS = ("medfee", "ful", "over", "pre", "inscp", "dedc", "hifp", "cvl", "hifes", "hifmi",
                 "hifob", "hifdm", "maf", "oth", "fund", "psn", "acct", "cash")


@dataclass
class Settlements:
    visit: np.ndarray
    skind: np.ndarray          # S_ORIGINAL / S_REFUND / S_RESETTLE
    link: np.ndarray           # refunds: row of the original settlement; else -1
    sec: np.ndarray
    pay_loc: np.ndarray
    setl_type: np.ndarray
    medfee: np.ndarray
    ful: np.ndarray
    over: np.ndarray
    pre: np.ndarray
    inscp: np.ndarray
    dedc: np.ndarray
    hifp: np.ndarray
    cvl: np.ndarray
    hifes: np.ndarray
    hifmi: np.ndarray
    hifob: np.ndarray
    hifdm: np.ndarray
    maf: np.ndarray
    oth: np.ndarray
    fund: np.ndarray
    psn: np.ndarray
    acct: np.ndarray
    cash: np.ndarray

    def __len__(self) -> int:
        return len(self.visit)

    def take(self, idx: np.ndarray) -> "Settlements":
        return Settlements(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})


@dataclass
class Settled:
    """Everything of a block after settlement: settlements, all fee lines (with their
    settlement row and, for refund lines, the row of the line they cancel)."""
    s: Settlements
    lines: Lines
    amounts: LineAmounts
    line_setl: np.ndarray      # row in s
    line_refund_of: np.ndarray  # row in lines of the cancelled line, -1 otherwise


def _sums(lines_visit: np.ndarray, a: LineAmounts, n: int) -> dict[str, np.ndarray]:
    def s(x):
        return np.rint(np.bincount(lines_visit, x.astype(np.float64), minlength=n)).astype(np.int64)
    return {"medfee": s(a.total), "ful": s(a.ful), "over": s(a.over), "pre": s(a.pre), "inscp": s(a.inscp)}


def _r(x: np.ndarray) -> np.ndarray:
    return np.rint(x).astype(np.int64)


def fund_pay(vis: np.ndarray, sums: dict[str, np.ndarray], v: Visits, p: Persons, inst: Institutions,
             rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Benefit policy: deductible and ratios by scheme and level, 大病, 大额, 公务员补助, 救助,
    personal account. Works on fen; returns every setl_d amount."""
    n = len(vis)
    kind = v.kind[vis]
    psn = v.psn[vis]
    emp = p.insutype[psn] == 310
    ret = p.retired_at(psn, v.bday[vis])
    lc = inst.lclass[v.inst[vis]]
    lc5 = np.where(np.isin(lc, [VILLAGE, TOWNSHIP]), 0, np.minimum(lc, 4))
    inscp = sums["inscp"].astype(np.float64)
    z = np.zeros(n, np.int64)
    hifp, hifob, hifmi, dedc = z.copy(), z.copy(), z.copy(), z.copy()

    stay = np.isin(kind, [K_IPT, K_DAYSURG, K_MATERNITY])
    ded = np.where(emp, np.array(C.DEDUCTIBLE["310"])[lc5], np.array(C.DEDUCTIBLE["390"])[lc5]) * 100.0
    ded = ded * np.where(kind == K_DAYSURG, 0.5, np.where(kind == K_MATERNITY, 0.0, 1.0))
    ratio = np.where(emp, np.array(C.RATIO["310"])[lc5] + ret * C.RETIREE_RATIO_BONUS,
                     np.array(C.RATIO["390"])[lc5])
    ratio = np.where(kind == K_MATERNITY, 0.95, ratio)
    act_ded = np.minimum(ded, inscp)
    big = np.where(emp, np.maximum(inscp - C.BIG_AMOUNT_THRESHOLD * 100, 0), 0)
    hifp_ipt = _r((inscp - act_ded - big) * ratio)
    hifob_ipt = _r(big * C.BIG_AMOUNT_RATIO)
    burden = inscp - hifp_ipt
    hifmi_ipt = np.where(emp, 0, _r(np.maximum(burden - C.SERIOUS_ILLNESS_THRESHOLD * 100, 0)
                                    * C.SERIOUS_ILLNESS_RATIO))
    hifp = np.where(stay, hifp_ipt, hifp)
    hifob = np.where(stay, hifob_ipt, hifob)
    hifmi = np.where(stay, hifmi_ipt, hifmi)
    dedc = np.where(stay, _r(act_ded), dedc)

    otp = np.isin(kind, [K_OTP, K_ER])
    r_otp = np.where(emp, np.array(C.OTP_RATIO["310"])[lc5], np.array(C.OTP_RATIO["390"])[lc5])
    cap = np.where(emp, 1.8, 1.0) * C.OTP_CAP * 100 * np.where(kind == K_ER, 2.0, 1.0)
    hifp = np.where(otp, np.minimum(_r(inscp * r_otp), _r(cap)), hifp)
    chronic = kind == K_CHRONIC
    hifp = np.where(chronic, _r(inscp * np.where(emp, C.CHRONIC_RATIO["310"], C.CHRONIC_RATIO["390"])), hifp)
    dial = kind == K_DIALYSIS
    hifp = np.where(dial, _r(inscp * np.where(emp, 0.9, 0.85)), hifp)
    pharm = kind == K_PHARM
    pooled = pharm & ~emp & (rng.random(n) < C.PHARMACY_POOLING_SHARE_RESIDENT)
    hifp = np.where(pooled, np.minimum(_r(inscp * C.PHARMACY_POOLING_RATIO), 5000), hifp)

    rem = np.maximum(_r(inscp) - hifp - hifob - hifmi, 0)
    civil = p.civil_servant[psn] & ~pharm
    cvl = np.where(civil, _r(rem * C.CIVIL_SERVANT_RATIO), 0)
    rem = rem - cvl
    poor = p.poor[psn] & (stay | chronic | dial)
    maf = np.where(poor, _r(rem * C.MAF_RATIO), 0)
    fund = hifp + cvl + hifmi + hifob + maf
    medfee = sums["medfee"]
    psn_pay = medfee - fund
    share = np.where(pharm, np.where(rng.random(n) < 0.9, 1.0, rng.random(n) * 0.6),
                     np.where(stay, np.where(rng.random(n) < C.EMPLOYEE_ACCT_SHARE_IPT, rng.random(n), 0.0),
                              np.where(rng.random(n) < C.EMPLOYEE_ACCT_SHARE_OTP, 1.0, 0.0)))
    acct = np.where(emp, np.minimum(_r(psn_pay * share), psn_pay), 0)
    acct = np.maximum(acct, 0)
    out = dict(sums)
    out.update(dedc=dedc, hifp=hifp, cvl=cvl, hifes=z.copy(), hifmi=hifmi, hifob=hifob, hifdm=z.copy(),
               maf=maf, oth=z.copy(), fund=fund, psn=psn_pay, acct=acct, cash=psn_pay - acct)
    return out


def settle(v: Visits, lines: Lines, p: Persons, inst: Institutions, cat: Catalogue, per: Period,
           rng: np.random.Generator) -> Settled:
    """Original settlements of every visit, then refunds and corrected re-settlements."""
    n = len(v)
    amounts = line_amounts(lines, cat)
    vis = np.arange(n)
    orig = fund_pay(vis, _sums(lines.visit, amounts, n), v, p, inst, rng)
    # Settlement time and place.
    stay = np.isin(v.kind, [K_IPT, K_DAYSURG, K_MATERNITY])
    u = rng.random(n)
    delay = np.where(u < 0.7, rng.integers(600, 4 * 3600, n),
                     np.where(u < 0.95, rng.integers(1, 4, n) * DAY_S, rng.integers(4, 11, n) * DAY_S))
    sec = np.where(stay, v.esec + delay, v.esec + rng.integers(0, 300, n))
    pay_loc = inst.pay_loc[v.inst].copy()
    setl_type = np.full(n, 2, np.int8)
    manual = (inst.lclass[v.inst] == OTHER_PROVINCE) & (rng.random(n) < 0.15)
    sec = np.where(manual, v.esec + rng.integers(20, 90, n) * DAY_S, sec)
    end = per.end_day * DAY_S - 120
    manual &= sec < end
    pay_loc[manual] = 1
    setl_type[manual] = 1
    sec = np.clip(sec, v.esec, per.end_day * DAY_S - 1)      # inside the period, never before the end

    # Refunds: never on visits carrying an injected violation, nor in the last days.
    has_viol = (v.viol > 0) | (np.bincount(lines.visit, lines.viol > 0, minlength=n) > 0)
    refund = (rng.random(n) < C.REFUND_RATE) & ~has_viol & (sec < end - 3 * DAY_S)
    resettle = refund & (rng.random(n) < C.RESETTLE_SHARE)
    rv = np.flatnonzero(refund)
    ref_sec = sec[rv] + np.where(stay[rv], rng.integers(1800, 2 * DAY_S, len(rv)), rng.integers(300, 4 * 3600, len(rv)))
    ref_sec = np.minimum(ref_sec, end - 600)
    ref_sec = np.maximum(ref_sec, sec[rv] + 60)
    sv = np.flatnonzero(resettle)
    res_sec = ref_sec[np.searchsorted(rv, sv)] + rng.integers(300, 2 * 3600, len(sv))
    res_sec = np.minimum(res_sec, end)

    # Lines of re-settlements: the original lines minus one (the corrected charge).
    in_rs = resettle[lines.visit]
    rs_lines = np.flatnonzero(in_rs)
    cnt = np.bincount(lines.visit[rs_lines], minlength=n)[sv]
    drop_k = (rng.random(len(sv)) * cnt).astype(np.int64)
    pos = grouped_arange(np.bincount(lines.visit[rs_lines], minlength=n)[sv])
    first_of = np.repeat(drop_k, cnt)
    dropped = (pos == first_of) & np.repeat(cnt > 1, cnt)
    rs_keep = rs_lines[~dropped]

    # Assemble settlements: originals (n), refunds, re-settlements.
    ref_lines = np.flatnonzero(refund[lines.visit])
    rs_visit = lines.visit[rs_keep]
    rs_sums = _sums(np.searchsorted(sv, rs_visit), line_amounts(lines.take(rs_keep), cat), len(sv))
    res = fund_pay(sv, rs_sums, v, p, inst, rng)

    def col(name: str) -> np.ndarray:
        return np.concatenate([orig[name], -orig[name][rv], res[name]])

    s = Settlements(
        visit=np.concatenate([vis, rv, sv]),
        skind=np.concatenate([np.zeros(n, np.int8), np.ones(len(rv), np.int8), np.full(len(sv), 2, np.int8)]),
        link=np.concatenate([np.full(n, -1), rv, np.full(len(sv), -1)]),
        sec=np.concatenate([sec, ref_sec, res_sec]),
        pay_loc=np.concatenate([pay_loc, pay_loc[rv], pay_loc[sv]]),
        setl_type=np.concatenate([setl_type, setl_type[rv], setl_type[sv]]),
        **{f: col(f) for f in AMOUNT_FIELDS})

    # Lines: originals, negated refund copies, re-settlement copies.
    neg = lines.take(ref_lines)
    neg.cnt4 = -neg.cnt4
    rs = lines.take(rs_keep)
    all_lines = Lines.concat([lines, neg, rs])
    all_lines.viol = np.concatenate([lines.viol, np.zeros(len(ref_lines) + len(rs_keep), np.int8)])
    refund_row = np.full(n, -1)
    refund_row[rv] = n + np.arange(len(rv))
    resettle_row = np.full(n, -1)
    resettle_row[sv] = n + len(rv) + np.arange(len(sv))
    line_setl = np.concatenate([lines.visit, refund_row[lines.visit[ref_lines]], resettle_row[rs_visit]])
    refund_of = np.concatenate([np.full(len(lines), -1), ref_lines, np.full(len(rs_keep), -1)])
    # Refund lines are timed with the original fee (they cancel it); keep them after it.
    return Settled(s, all_lines, line_amounts(all_lines, cat), line_setl, refund_of)

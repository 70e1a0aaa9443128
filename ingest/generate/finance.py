"""Fund-finance tables: fund_income (contributions, subsidies, interest by month) and
fixmedins_budget (annual 总额预算 per local institution and scheme).

Income follows the population and contribution policy of config.py; fund expenditure is
accumulated from the generated settlements, so budgets and interest are consistent with claims.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import config as C
from . import reference as R
from .institutions import COUNTY, TOWNSHIP, Institutions
from .persons import Persons
from .settlement import Settled
from .util import DAY_S, const_str, dates, money, rng_for
from .visits import Period, Visits

FUNDS = ("310100", "310200", "330100", "390100", "390200", "610100")


class FinanceAccumulator:
    """Net fund expenditure (fen) by month and fund, and 统筹 pay by institution × year × scheme."""

    def __init__(self, per: Period, n_inst: int):
        self.per = per
        self.n_m = per.years * 12
        self.exp = {f: np.zeros(self.n_m) for f in FUNDS}
        self.inst_pay = np.zeros((n_inst, per.years, 2))

    def add(self, st: Settled, v: Visits, p: Persons) -> None:
        s = st.s
        d = (s.sec // DAY_S).astype("datetime64[D]")
        m = (d.astype("datetime64[M]").astype(np.int64) - (self.per.start_year - 1970) * 12)
        m = np.clip(m, 0, self.n_m - 1)
        emp = p.insutype[v.psn[s.visit]] == 310
        for f, vals, mask in (("310100", s.hifp + s.cvl, emp), ("390100", s.hifp, ~emp),
                              ("390200", s.hifmi, ~emp), ("330100", s.hifob, emp),
                              ("610100", s.maf, np.ones(len(s), bool)), ("310200", s.acct, emp)):
            self.exp[f] += np.bincount(m[mask], vals[mask].astype(np.float64), minlength=self.n_m)
        y = np.minimum(m // 12, self.per.years - 1)
        key = (v.inst[s.visit].astype(np.int64) * self.per.years + y) * 2 + (~emp)
        flat = np.bincount(key, s.hifp.astype(np.float64), minlength=self.inst_pay.size)
        self.inst_pay += flat.reshape(self.inst_pay.shape)


def _month_starts(per: Period) -> np.ndarray:
    base = np.datetime64(f"{per.start_year}-01", "M")
    return (base + np.arange(per.years * 12)).astype("datetime64[D]").astype(np.int64)


def income_tables(acc: FinanceAccumulator, p: Persons, seed: int) -> tuple[pa.Table, pa.Table]:
    """fund_income (one row per month × fund × income source with a non-zero amount) and
    fund_balance (the ledger's opening balance of each fund, the day before the first month)."""
    per = acc.per
    rng = rng_for(seed, 5)
    starts = _month_starts(per)
    rows: list[tuple[int, str, str, float]] = []
    # Head counts at each month end.
    emp_act, emp_ret, res, poor = [], [], [], []
    for m, d0 in enumerate(starts):
        d = d0 + 27
        act = (p.crt <= d) & (p.paus > d) & (p.die > d)
        emp = act & (p.insutype == 310)
        ret = d >= p.retire_day
        emp_act.append(int((emp & ~ret).sum()))
        emp_ret.append(int((emp & ret).sum()))
        res.append(int((act & (p.insutype == 390)).sum()))
        poor.append(int((act & p.poor).sum()))
    for m, d0 in enumerate(starts):
        y = per.start_year + m // 12
        month = m % 12 + 1
        k = m // 12
        base = C.EMPLOYEE_BASE_MONTHLY * (1 + C.EMPLOYEE_BASE_GROWTH) ** k
        noise = 1 + rng.normal(0, 0.015)
        # 职工统筹: employer contributions; 个人账户: employee 2 % + retiree allocation.
        rows.append((d0, "310100", "01", emp_act[m] * base * C.EMPLOYER_RATE * noise))
        rows.append((d0, "310200", "02", emp_act[m] * base * C.EMPLOYEE_RATE * noise))
        rows.append((d0, "310200", "05", emp_ret[m] * C.RETIREE_ACCOUNT_MONTHLY))
        if month in (3, 9):
            rows.append((d0, "310100", "09", emp_act[m] * base * 0.0015))    # 滞纳金 and recoveries
        rows.append((d0, "330100", "02", (emp_act[m] + emp_ret[m]) * C.BIG_AMOUNT_ANNUAL / 12))
        # 居民: individual contributions collected Sep-Dec for next year and Jan-Feb for this year.
        ind_next = C.RESIDENT_INDIVIDUAL.get(y + 1, C.RESIDENT_INDIVIDUAL[max(C.RESIDENT_INDIVIDUAL)])
        ind_this = C.RESIDENT_INDIVIDUAL.get(y, ind_next)
        sub = C.RESIDENT_SUBSIDY.get(y, C.RESIDENT_SUBSIDY[max(C.RESIDENT_SUBSIDY)])
        share = {9: 0.12, 10: 0.22, 11: 0.26, 12: 0.18}.get(month, 0.0)
        early = {1: 0.14, 2: 0.08}.get(month, 0.0)
        ind = res[m] * (ind_next * share + ind_this * early)
        big = C.RESIDENT_SERIOUS_ILLNESS_SHARE
        if ind:
            rows.append((d0, "390100", "02", ind * (1 - big)))
        tranche = {4: 0.4, 7: 0.3, 10: 0.2, 12: 0.1}.get(month, 0.0)
        if tranche:
            rows.append((d0, "390100", "03", res[m] * sub * tranche * (1 - big)))
        if month in (3, 6, 9, 12):
            rows.append((d0, "390200", "05", res[m] * (ind_this + sub) * big / 4))
            rows.append((d0, "610100", "03", poor[m] * C.MAF_PER_POOR_YEAR / 4 * 0.7))
            rows.append((d0, "610100", "05", poor[m] * C.MAF_PER_POOR_YEAR / 4 * 0.3))
    # Interest on the running balance, from the opening reserves in months of expenditure.
    inc = {}
    for d0, f, src, amt in rows:
        inc[(d0, f)] = inc.get((d0, f), 0.0) + amt
    opening = {}
    for f, months in C.OPENING_RESERVE_MONTHS.items():
        exp = acc.exp[f] / 100
        bal = opening[f] = round(exp[:12].mean() * months, 2)
        accrued = 0.0
        for m, d0 in enumerate(starts):
            accrued += max(bal, 0) * C.INTEREST_RATE_MONTHLY
            bal += inc.get((d0, f), 0.0) - exp[m]
            if m % 3 == 2:
                rows.append((d0, f, "04", accrued))
                bal += accrued
                accrued = 0.0
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    n = len(rows)
    income = pa.table({
        "income_month": dates(np.array([r[0] for r in rows])),
        "insu_admdvs": const_str(R.COUNTY["admdvs"], n),
        "fund_pay_type": pa.array([r[1] for r in rows]), "income_src": pa.array([r[2] for r in rows]),
        "income_amt": money(np.rint(np.array([r[3] for r in rows]) * 100).astype(np.int64)),
    })
    funds = sorted(opening)
    balance = pa.table({
        "balance_date": dates(np.full(len(funds), starts[0] - 1)),
        "insu_admdvs": const_str(R.COUNTY["admdvs"], len(funds)),
        "fund_pay_type": pa.array(funds),
        "balance_amt": money(np.rint(np.array([opening[f] for f in funds]) * 100).astype(np.int64)),
    })
    return income, balance


def budget_table(acc: FinanceAccumulator, inst: Institutions, seed: int) -> pa.Table:
    """fixmedins_budget: last year's actual 统筹 pay × (1 + 3-8 %), some set tight (overrun)."""
    per = acc.per
    rng = rng_for(seed, 6)
    local = np.flatnonzero(np.isin(inst.lclass, [COUNTY, TOWNSHIP]))
    tight = rng.random(len(local)) < C.BUDGET_TIGHT_SHARE
    rows = []
    for j, i in enumerate(local):
        for k in range(per.years):
            for s, insutype in enumerate(("310", "390")):
                actual = acc.inst_pay[i, :, s] / 100
                prev = actual[k - 1] if k > 0 else actual[0] / 1.09
                if prev <= 0:
                    continue
                g = rng.uniform(*C.BUDGET_GROWTH)
                f = rng.uniform(*C.BUDGET_TIGHT_FACTOR) if tight[j] else 1.0
                amt = round(prev * (1 + g) * f / 1000) * 1000
                rows.append((per.start_year + k, inst.code[i], insutype, amt))
    return pa.table({
        "budget_year": pa.array([r[0] for r in rows], pa.int32()),
        "fixmedins_code": pa.array([r[1] for r in rows]), "insutype": pa.array([r[2] for r in rows]),
        "budget_amt": money(np.array([r[3] * 100 for r in rows], dtype=np.int64)),
    })


"""Fee lines (fee_list_d) of visits: daily bed/nursing/诊查 charges, drugs, labs, imaging,
treatments, operations and consumables, scaled so that each visit lands near its cost target
with a realistic structure (药占比, 耗占比).

Lines are built per component for all visits at once (numpy); the split of every amount into
全自费 / 超限价 / 先行自付 / 医保范围 is done in integer fen.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from . import config as C
from .catalogue import Catalogue
from .institutions import CONS_PRICE_FACTOR, COUNTY, ITEM_PRICE_FACTOR, TOWNSHIP, VILLAGE, Institutions
from .persons import Persons
from .util import DAY_S, grouped_arange, round_half_away, weighted_choice
from .visits import (DIAG_THEME, K_CHRONIC, K_DAYSURG, K_DIALYSIS, K_ER, K_IPT, K_MATERNITY, K_OTP,
                     K_PHARM, MILD_DIAG_IDX, OP_KEYS, THEMES, V_GHOST_BED, V_LOW_STANDARD, Visits)
from . import reference as R

DRUG_PRICE_FACTOR = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.15])
U = 10_000  # cnt and pric are carried in 1/10000 units

# Inpatient drug pools by theme: (pool, weight).
IPT_DRUGS: dict[str, tuple[tuple[str, float], ...]] = {
    "resp": (("drug_iv", 3), ("drug_iv_ab", 4), ("drug_resp", 1), ("drug_tcm_resp", 1), ("drug_tcm_iv_lv2", 1)),
    "cv": (("drug_iv", 2), ("drug_cv", 3), ("drug_tcm_cv", 2), ("drug_tcm_iv", 1), ("drug_tcm_iv_lv2", 1.5)),
    "neuro": (("drug_iv", 2), ("drug_cv", 2), ("drug_tcm_cv", 1), ("drug_tcm_iv", 2), ("drug_tcm_iv_lv2", 1.5),
              ("drug_neuro", 1), ("drug_er", 0.15)),
    "dm": (("drug_dm", 2), ("drug_dm_inj", 2), ("drug_cv", 1), ("drug_iv", 2)),
    "gi": (("drug_gi", 2), ("drug_iv", 3), ("drug_iv_ab", 2)),
    "surg": (("drug_iv", 3), ("drug_iv_ab", 3), ("drug_gi", 1), ("drug_pain", 1), ("drug_ipt", 0.6)),
    "ortho": (("drug_iv", 2), ("drug_iv_ab", 2), ("drug_pain", 2), ("drug_tcm_cv", 1), ("drug_tcm_iv", 1)),
    "tcm": (("herb", 4), ("drug_tcm", 2), ("drug_pain", 1), ("drug_tcm_cv", 1), ("herb_hi", 0.5)),
    "onc": (("drug_onc", 3), ("drug_onc_oral", 1), ("drug_iv", 2), ("drug_alb", 1), ("drug_ipt", 1),
            ("drug_onc_tcm", 1)),
    "renal": (("drug_iv", 3), ("drug_cv", 2), ("drug_alb", 0.5)),
    "uro": (("drug_iv_ab", 3), ("drug_iv", 2), ("drug_ab", 1), ("drug_M", 1)),
    "obst": (("drug_iv", 3), ("drug_iv_ab", 2)),
    "gyn": (("drug_iv", 2), ("drug_iv_ab", 2), ("drug_F", 1)),
    "eye": (("drug_iv_ab", 2), ("drug_iv", 1)),
}
OTP_DRUGS: dict[str, tuple[tuple[str, float], ...]] = {
    "resp": (("drug_ab", 2), ("drug_resp", 2), ("drug_tcm_resp", 2), ("drug_child", 1)),
    "gi": (("drug_gi", 3), ("drug_tcm", 1)),
    "cv": (("drug_cv", 3), ("drug_tcm_cv", 2)),
    "dm": (("drug_dm", 3), ("drug_cv", 1)),
    "tcm": (("drug_pain", 2), ("drug_tcm", 2), ("herb", 1)),
    "neuro": (("drug_neuro", 1), ("drug_tcm_cv", 2), ("drug_pain", 1)),
    "ortho": (("drug_pain", 3), ("drug_tcm", 1)),
    "renal": (("drug_cv", 1),),
}
PHARM_DRUGS = (("drug_cv", 3), ("drug_tcm_cv", 3), ("drug_dm", 1.5), ("drug_gi", 1.5), ("drug_ab", 1),
               ("drug_pain", 1.5), ("drug_resp", 1), ("drug_tcm_resp", 2), ("drug_tcm", 2),
               ("drug_F", 0.4), ("drug_M", 0.3), ("cons_pharmacy", 0.6))
FALLBACK_DRUG = "drug_iv"


@dataclass
class Lines:
    visit: np.ndarray      # index into Visits
    entry: np.ndarray      # index into the catalogue
    sec: np.ndarray        # fee_ocur_time (epoch seconds)
    cnt4: np.ndarray       # quantity × 10000
    pric4: np.ndarray      # unit price × 10000
    viol: np.ndarray       # 0 clean, else a line-level violation code

    def __len__(self) -> int:
        return len(self.visit)

    def take(self, idx: np.ndarray) -> "Lines":
        return Lines(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @staticmethod
    def concat(parts: list["Lines"]) -> "Lines":
        parts = [p for p in parts if p is not None]
        return Lines(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Lines)})


def unit_price(cat: Catalogue, lclass: np.ndarray, entry: np.ndarray) -> np.ndarray:
    """Unit price × 10000 charged at an institution of level class lclass: service items by
    the level's price schedule (in fen), drugs and consumables at zero mark-up (pharmacies retail)."""
    base = cat.price4[entry].astype(np.float64)
    f = np.where(cat.is_item[entry], ITEM_PRICE_FACTOR[lclass],
                 np.where(cat.is_cons[entry], CONS_PRICE_FACTOR[lclass], DRUG_PRICE_FACTOR[lclass]))
    pr = base * f
    return np.where(cat.is_item[entry], np.round(pr / 100) * 100, np.round(pr)).astype(np.int64)


class Builder:
    """Collects line components, then prices them."""

    def __init__(self, v: Visits, p: Persons, inst: Institutions, cat: Catalogue, rng: np.random.Generator):
        self.v, self.p, self.inst, self.cat, self.rng = v, p, inst, cat, rng
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.lclass = inst.lclass[v.inst]
        self.age = (v.bday - p.brdy[v.psn]) // 365
        self.gend = p.gend[v.psn]
        self.days = np.maximum(v.eday - v.bday, 1)

    # -- primitives --------------------------------------------------------------------
    def add(self, visit: np.ndarray, entry: np.ndarray, day: np.ndarray, cnt: np.ndarray) -> None:
        """Lines at day offset `day` of their visit with integer-or-float quantity cnt."""
        if len(visit) == 0:
            return
        visit = np.asarray(visit, np.int64)
        self.parts.append((visit, np.broadcast_to(entry, visit.shape).astype(np.int64),
                           np.broadcast_to(day, visit.shape).astype(np.int64),
                           np.round(np.broadcast_to(cnt, visit.shape) * U).astype(np.int64)))

    def pick(self, pool: str, n: int) -> np.ndarray:
        idx = self.cat.pool(pool)
        return idx[self.rng.integers(0, len(idx), n)]

    def pick_weighted(self, pools: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
        w = np.array([wt for _, wt in pools])
        k = weighted_choice(self.rng, w, n)
        out = np.zeros(n, np.int64)
        for j, (pool, _) in enumerate(pools):
            s = k == j
            out[s] = self.pick(pool, int(s.sum()))
        return out

    def unit_price(self, visit: np.ndarray, entry: np.ndarray) -> np.ndarray:
        return unit_price(self.cat, self.lclass[visit], entry)

    def daily(self, visits: np.ndarray, entry: np.ndarray, max_days: np.ndarray | None = None,
              cnt: float | np.ndarray = 1.0, first: int = 0) -> None:
        """One line per day (from day `first`) for each visit; entry per visit."""
        d = self.days[visits] if max_days is None else np.minimum(self.days[visits], max_days)
        d = np.maximum(d - first, 0)
        r = np.repeat(np.arange(len(visits)), d)
        c = cnt if np.isscalar(cnt) else np.repeat(cnt, d)
        self.add(visits[r], np.asarray(entry)[r] if np.ndim(entry) else entry, grouped_arange(d) + first, c)

    def fill(self, visits: np.ndarray, n_lines: np.ndarray, pools_by_visit: list[tuple[np.ndarray, tuple]],
             budget: np.ndarray, nat_cnt: tuple[float, float], day_spread: bool, clip: tuple[float, float],
             max_cnt: float = 400.0) -> None:
        """n_lines lines per visit, entries from the visit's pools, quantities scaled so the
        visit's lines sum to about `budget` yuan."""
        r = np.repeat(np.arange(len(visits)), n_lines)
        if len(r) == 0:
            return
        entry = np.zeros(len(r), np.int64)
        for sel_visits, pools in pools_by_visit:
            s = np.isin(r, sel_visits)
            entry[s] = self.pick_weighted(pools, int(s.sum()))
        vv = visits[r]
        entry = self.sanitize(vv, entry)
        price = self.unit_price(vv, entry) / U
        nat = np.round(self.rng.uniform(nat_cnt[0], nat_cnt[1], len(r)))
        nat = np.maximum(nat, 1)
        nat_amt = np.bincount(r, nat * price, minlength=len(visits))
        k = np.clip(budget / np.maximum(nat_amt, 0.01), clip[0], clip[1])
        cnt = np.clip(np.round(nat * k[r]), 1, max_cnt)
        # Top up the visit's priciest line (≥ 1 yuan) so the visit reaches its budget.
        got = np.bincount(r, cnt * price, minlength=len(visits))
        short = np.maximum(budget - got, 0)
        order = np.lexsort((-price, r))
        first = order[np.r_[True, r[order][1:] != r[order][:-1]]]
        ok = (price[first] >= 1.0) & (short[r[first]] > price[first])
        f = first[ok]
        cnt[f] += np.minimum(np.round(short[r[f]] / price[f]), max_cnt * 3)
        day = (self.rng.random(len(r)) * self.days[vv]).astype(np.int64) if day_spread else 0
        self.add(vv, entry, day, cnt)

    def sanitize(self, visit: np.ndarray, entry: np.ndarray) -> np.ndarray:
        """Replace entries a clean claim must not carry for this patient/visit/institution."""
        rule = np.array([e.rule or "" for e in self.cat.entries], dtype=object)[entry]
        kind = self.v.kind[visit]
        bad = ((rule == "sex_F") & (self.gend[visit] != 2)) | ((rule == "sex_M") & (self.gend[visit] != 1))
        bad |= (rule == "child") & (self.age[visit] >= 16)
        bad |= (rule == "lv2") & ~np.isin(self.lclass[visit], [1, 2, 3, 4])
        bad |= (rule == "ipt") & ~np.isin(kind, [K_IPT, K_MATERNITY])
        bad |= (rule == "er_ipt") & ~np.isin(kind, [K_IPT, K_MATERNITY, K_ER])
        bad |= np.isin(rule, ["repeat_main", "repeat_2nd"])
        if bad.any():
            is_drug = self.cat.is_drug[entry[bad]]
            entry = entry.copy()
            entry[bad] = np.where(is_drug, self.pick(FALLBACK_DRUG, int(bad.sum())),
                                  self.pick("lab", int(bad.sum())))
        return entry

    # -- build -----------------------------------------------------------------------------
    def lines(self) -> Lines:
        visit = np.concatenate([x[0] for x in self.parts])
        entry = np.concatenate([x[1] for x in self.parts])
        day = np.concatenate([x[2] for x in self.parts])
        cnt4 = np.concatenate([x[3] for x in self.parts])
        v = self.v
        # Times: inpatient lines on their day between 08:00 and 18:00, inside the stay.
        base = (v.bday[visit] + day) * DAY_S + self.rng.integers(8 * 3600, 18 * 3600, len(visit))
        otp = ~np.isin(v.kind[visit], [K_IPT, K_DAYSURG, K_MATERNITY])
        span = np.maximum(v.esec[visit] - v.bsec[visit], 1)
        t_otp = v.bsec[visit] + (self.rng.random(len(visit)) * span).astype(np.int64)
        sec = np.where(otp, t_otp, np.clip(base, v.bsec[visit], v.esec[visit]))
        order = np.lexsort((sec, visit))
        pric4 = self.unit_price(visit, entry)
        return Lines(visit[order], entry[order], sec[order], cnt4[order], pric4[order],
                     np.zeros(len(visit), np.int8))


def build_lines(v: Visits, p: Persons, inst: Institutions, cat: Catalogue, rng: np.random.Generator) -> Lines:
    """Fee lines of all visits (clean)."""
    b = Builder(v, p, inst, cat, rng)
    theme = np.where(v.diag >= 0, DIAG_THEME[np.maximum(v.diag, 0)], -1)
    _inpatient(b, np.flatnonzero(np.isin(v.kind, [K_IPT, K_MATERNITY, K_DAYSURG])), theme)
    _outpatient(b, np.flatnonzero(np.isin(v.kind, [K_OTP, K_ER])), theme)
    _chronic(b, np.flatnonzero(v.kind == K_CHRONIC), theme)
    _dialysis(b, np.flatnonzero(v.kind == K_DIALYSIS))
    _pharmacy(b, np.flatnonzero(v.kind == K_PHARM))
    return b.lines()


def _theme_groups(vis: np.ndarray, theme: np.ndarray, table: dict) -> list[tuple[np.ndarray, tuple]]:
    out = []
    local = np.arange(len(vis))
    th = theme[vis]
    default = next(iter(table.values()))
    for t, name in enumerate(THEMES):
        s = local[th == t]
        if len(s):
            out.append((s, table.get(name, default)))
    s = local[th < 0]
    if len(s):
        out.append((s, default))
    return out


def _inpatient(b: Builder, vis: np.ndarray, theme: np.ndarray) -> None:
    if len(vis) == 0:
        return
    v, cat, rng = b.v, b.cat, b.rng
    n = len(vis)
    lc = np.minimum(b.lclass[vis], 4)
    th = theme[vis]
    D = b.days[vis]
    ghost = v.viol[vis] == V_GHOST_BED      # 挂床: bed, nursing and 诊查 only
    low = v.viol[vis] == V_LOW_STANDARD     # 低标准入院: a check-up stay, mostly labs and imaging
    # Daily bed, nursing, 诊查.
    bed = np.where((lc >= 2) & (rng.random(n) < 0.12), cat.pool("bed_hi")[0],
                   np.where(rng.random(n) < 0.5, cat.pool("bed")[0], cat.pool("bed")[1]))
    nurse = np.where(rng.random(n) < 0.72, cat.pool("nurse")[0],
                     np.where(rng.random(n) < 0.7, cat.pool("nurse_hi")[0], cat.pool("nurse_lo")[0]))
    b.daily(vis, bed)
    b.daily(vis, nurse)
    b.daily(vis, cat.pool("exam_ipt")[0])
    real = vis[~ghost]
    rl = np.flatnonzero(~ghost)
    # Heating / cooling (其他费) at county level and above, by admission month.
    month = (v.bday[real].astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12) + 1
    hosp = b.lclass[real] >= COUNTY
    hosp &= b.lclass[real] <= 4
    b.daily(real[hosp & np.isin(month, [11, 12, 1, 2, 3])], cat.pool("heating")[0])
    b.daily(real[hosp & np.isin(month, [6, 7, 8, 9])], cat.pool("cooling")[0])
    # Infusion, oxygen, monitoring.
    checkup = low[rl]                       # no infusion, oxygen or monitoring on a check-up stay
    inf = real[(rng.random(len(real)) < 0.85) & ~checkup]
    b.daily(inf, cat.pool("infusion")[0], max_days=rng.integers(2, 12, len(inf)))
    t_real = th[rl]
    ox = real[np.isin(t_real, [THEMES.index(x) for x in ("resp", "cv", "neuro", "onc")]) & (rng.random(len(real)) < 0.5)
              & ~checkup]
    b.daily(ox, cat.pool("oxygen")[0], max_days=5, cnt=12.0)
    mon = real[np.isin(t_real, [THEMES.index(x) for x in ("cv", "neuro")]) & (rng.random(len(real)) < 0.6) & ~checkup]
    b.daily(mon, cat.pool("monitor")[0], max_days=3, cnt=24.0)
    b.daily(mon, cat.pool("monitor")[1], max_days=3, cnt=24.0)
    # Operations with anaesthesia and implants.
    opv = real[v.op[real] >= 0]
    op_day = np.where(v.kind[opv] == K_DAYSURG, 0, np.minimum(1, b.days[opv] - 1))
    for k, key in enumerate(OP_KEYS):
        s = opv[v.op[opv] == k]
        if len(s) == 0:
            continue
        _, _, item_pool, anes_pool, implant_pool = R.OPERATIONS[key]
        d = op_day[v.op[opv] == k]
        b.add(s, cat.pool(item_pool)[0], d, 1.0)
        if anes_pool:
            b.add(s, cat.pool(anes_pool)[0], d, 1.0)
        if implant_pool:
            q = 1.0 if implant_pool in ("cons_knee", "cons_iol", "cons_hipimp") else rng.integers(1, 3, len(s))
            b.add(s, b.pick(implant_pool, len(s)), d, q)
        if key in ("chole", "appx", "hyst"):
            b.add(s, cat.pool("cons_surg")[1], d, 1.0)        # laparoscopic trocar
        if key not in ("cat", "birth"):
            nd = rng.integers(2, 5, len(s))
            r = np.repeat(np.arange(len(s)), nd)
            b.add(s[r], cat.pool("treat")[0], np.minimum(d[r] + 1 + grouped_arange(nd), b.days[s[r]] - 1), 1.0)
    # Budgets.
    target = v.target[vis]
    drug_share = np.array(C.IPT_DRUG_SHARE)[lc] * b.inst.drug_factor[v.inst[vis]]
    dg = np.array([d.drug for d in R.DIAGNOSES] + [1.0] * 40)[np.maximum(v.diag[vis], 0)]
    cg = np.array([d.cons for d in R.DIAGNOSES] + [1.0] * 40)[np.maximum(v.diag[vis], 0)]
    drug_budget = target * np.clip(drug_share * dg, 0.1, 0.62)
    cons_budget = target * np.clip(np.array(C.IPT_CONS_SHARE)[lc] * cg, 0.04, 0.45)
    drug_budget = np.where(low, target * 0.05, drug_budget)
    cons_budget = np.where(low, target * 0.02, cons_budget)
    other = np.maximum(target - drug_budget - cons_budget - 95 * D, target * 0.08)
    # Drugs.
    nd = np.clip(rng.poisson(1.6 * D + 3), 3, 45)
    nd[ghost] = 0
    nd[low] = 1
    pools = _theme_groups(vis, theme, IPT_DRUGS)
    kids = np.flatnonzero(b.age[vis] < 14)
    if len(kids):
        pools.append((kids, (("drug_iv", 2), ("drug_iv_ab", 2), ("drug_child", 2))))
    tcmh = np.flatnonzero(b.inst.tcm[v.inst[vis]] & (rng.random(n) < 0.5))
    if len(tcmh):
        pools.append((tcmh, (("herb", 3), ("drug_tcm", 1), ("drug_tcm_cv", 1), ("drug_iv", 1))))
    b.fill(vis, nd, pools, drug_budget, (1, 3), True, (0.2, 8.0), max_cnt=600)
    # Consumables (basic, besides implants already placed).
    nc = np.where(ghost, 0, 2 + D // 2)
    basic = cons_budget * np.where(v.op[vis] >= 0, 0.35, 0.9)
    b.fill(vis, nc, [(np.arange(n), (("cons_basic", 1.0),))], basic, (1, 4), True, (0.3, 12.0), max_cnt=80)
    # Labs, imaging, treatments fill the remaining budget.
    lab_price = 38.0 * ITEM_PRICE_FACTOR[lc]
    # A check-up stay spends on labs and imaging; clean short stays for a mild condition much less.
    mild_short = np.isin(v.diag[vis], MILD_DIAG_IDX) & (D <= 3) & ~low
    lab_share = np.where(low, 0.55, np.where(mild_short, 0.25, 0.40))
    img_share = np.where(low, 0.45, np.where(mild_short, 0.20, 0.30))
    # At least 4 labs, but 1 on a clean short mild stay: 4 random labs (BNP, cultures) on a cheap day
    # stay could reach the 低标准入院 share of 检查/化验 (60 %).
    nl = np.where(ghost, 0, np.clip(np.round(other * lab_share / lab_price), np.where(mild_short, 1, 4), 45))
    nl = nl.astype(np.int64)
    r = np.repeat(np.arange(n), nl)
    lab_day = np.where(rng.random(len(r)) < 0.5, 0, (rng.random(len(r)) * D[r]).astype(np.int64))
    b.add(vis[r], b.pick("lab", len(r)), lab_day, 1.0)
    img_budget = np.where(ghost, 0, other * img_share)
    _imaging(b, vis, img_budget, lc)
    nt = np.where(ghost | low, 0, 1 + D // 3)
    b.fill(vis, nt, [(np.arange(n), (("treat_gen", 1.0),))], np.where(ghost | low, 0, other * 0.2), (1, 3), True,
           (0.3, 6.0), max_cnt=60)
    # Theme-specific treatments.
    tr = vis[~ghost]
    tth = th[~ghost]
    Dr = D[~ghost]
    resp = tr[tth == THEMES.index("resp")]
    b.daily(resp, cat.pool("treat")[1], max_days=5, cnt=2.0)
    tcm_t = tr[(tth == THEMES.index("tcm")) | (b.inst.tcm[v.inst[tr]] & np.isin(tth, [2, 6]))]
    b.daily(tcm_t, b.pick("tcm_treat", len(tcm_t)), max_days=14)
    reh = tr[np.isin(tth, [THEMES.index("ortho"), THEMES.index("neuro")]) & (Dr >= 7) & (b.lclass[tr] >= 1)]
    b.daily(reh, cat.pool("rehab")[0], first=3)
    b.add(reh, cat.pool("rehab_eval")[0], 2, 1.0)
    dm = tr[tth == THEMES.index("dm")]
    b.add(dm, cat.pool("lab_dm")[0], 0, 1.0)
    renal = tr[(tth == THEMES.index("renal")) & (b.lclass[tr] >= 1)]
    k = np.maximum(b.days[renal] // 3, 1)
    r = np.repeat(np.arange(len(renal)), k)
    dd = np.minimum(grouped_arange(k) * 3, b.days[renal[r]] - 1)
    b.add(renal[r], cat.pool("dialysis")[0], dd, 1.0)
    b.add(renal[r], cat.pool("cons_dialysis")[0], dd, 1.0)
    gyn = tr[np.isin(tth, [THEMES.index("gyn"), THEMES.index("obst")])]
    b.add(gyn, cat.pool("lab_F")[0], 0, 1.0)
    g2 = gyn[rng.random(len(gyn)) < 0.2]
    b.add(g2, cat.pool("treat_F")[0], 1, 1.0)
    uro_m = tr[(tth == THEMES.index("uro")) & (b.gend[tr] == 1) & (b.age[tr] >= 45)]
    b.add(uro_m, cat.pool("lab_M")[0], 0, 1.0)
    b.add(uro_m[rng.random(len(uro_m)) < 0.15], cat.pool("treat_M")[0], 1, 1.0)
    # Remaining treatment budget: more days of the daily treatment items.
    left = tr[rng.random(len(tr)) < 0.5]
    b.daily(left, cat.pool("treat")[1] if len(left) else 0, max_days=rng.integers(1, 4, len(left)))


def _imaging(b: Builder, vis: np.ndarray, budget: np.ndarray, lc: np.ndarray) -> None:
    cat, rng = b.cat, b.rng
    ecg, xray, us = cat.pool("ecg")[0], cat.pool("xray")[0], cat.pool("us")[0]
    ct, mri = cat.pool("ct")[0], cat.pool("mri")[0]
    f = ITEM_PRICE_FACTOR[lc]
    has = budget > 0
    b.add(vis[has & (rng.random(len(vis)) < 0.85)], ecg, 0, 1.0)
    b.add(vis[has & (rng.random(len(vis)) < 0.6)], xray, 0, 1.0)
    rem = budget - 65 * f
    us_n = np.where(has, np.clip(np.round(rem * 0.4 / (120 * f)), 0, 3), 0).astype(np.int64)
    r = np.repeat(np.arange(len(vis)), us_n)
    b.add(vis[r], us, grouped_arange(us_n), 1.0)
    ct_ok = (lc >= 1) | (rng.random(len(vis)) < 0.15)
    ct_n = np.where(has & ct_ok, np.clip(np.round(rem * 0.45 / (200 * f)), 0, 4), 0).astype(np.int64)
    r = np.repeat(np.arange(len(vis)), ct_n)
    b.add(vis[r], ct, grouped_arange(ct_n), 1.0)
    mri_ok = has & (lc >= 1) & (rem > 700)
    b.add(vis[mri_ok & (rng.random(len(vis)) < 0.5)], mri, 1, 1.0)


def _outpatient(b: Builder, vis: np.ndarray, theme: np.ndarray) -> None:
    if len(vis) == 0:
        return
    v, cat, rng = b.v, b.cat, b.rng
    n = len(vis)
    lc = b.lclass[vis]
    er = v.kind[vis] == K_ER
    base = np.isin(lc, [VILLAGE, TOWNSHIP]) & ~er
    b.add(vis[base], cat.pool("gen_fee")[0], 0, 1.0)
    hosp = ~base & ~er
    b.add(vis[hosp], cat.pool("reg")[0], 0, 1.0)
    b.add(vis[hosp], cat.pool("exam_otp")[0], 0, 1.0)
    b.add(vis[er], cat.pool("exam_er")[0], 0, 1.0)
    target = v.target[vis]
    fixed = np.where(base, 10.0, np.where(er, 20.0, 14.0))
    # Infusion visits (common in village clinics for respiratory and GI complaints).
    th = theme[vis]
    infuse = (rng.random(n) < np.where(base, 0.28, np.where(er, 0.6, 0.15))) & np.isin(
        th, [THEMES.index("resp"), THEMES.index("gi")])
    iv = vis[infuse]
    b.add(iv, cat.pool("infusion")[0], 0, 1.0)
    b.add(iv, cat.pool("cons_basic")[0], 0, 1.0)
    b.add(iv, cat.pool("cons_basic")[2], 0, 1.0)
    # Labs and imaging at hospitals and emergencies.
    nl = np.where(hosp, rng.binomial(4, 0.25, n), np.where(er, rng.integers(2, 6, n), (rng.random(n) < 0.08)))
    r = np.repeat(np.arange(n), nl)
    b.add(vis[r], b.pick("lab", len(r)), 0, 1.0)
    img = (hosp & (rng.random(n) < 0.3)) | (er & (rng.random(n) < 0.55))
    kinds = np.array([cat.pool("xray")[0], cat.pool("us")[0], cat.pool("ct")[0], cat.pool("ecg")[0]])
    b.add(vis[img], kinds[weighted_choice(rng, np.array([3, 3, 2, 2]), int(img.sum()))], 0, 1.0)
    tcm = base & (lc == TOWNSHIP) & (th == THEMES.index("tcm")) & (rng.random(n) < 0.4)
    b.add(vis[tcm], b.pick("tcm_treat", int(tcm.sum())), 0, 1.0)
    # Drugs fill what is left of the target.
    spent = fixed + np.where(infuse, 12.0, 0) + nl * 12 * ITEM_PRICE_FACTOR[np.minimum(lc, 6)] + img * 90
    budget = np.maximum(target - spent, target * 0.25)
    nd = np.where(rng.random(n) < 0.1, 0, rng.integers(1, 4, n)) + infuse * 1
    pools = _theme_groups(vis, theme, OTP_DRUGS)
    ivl = np.flatnonzero(infuse)
    if len(ivl):
        pools.append((ivl, (("drug_iv_ab", 2), ("drug_iv", 1))))
    b.fill(vis, nd, pools, budget, (6, 21), False, (0.25, 4.0), max_cnt=120)


def _chronic(b: Builder, vis: np.ndarray, theme: np.ndarray) -> None:
    if len(vis) == 0:
        return
    v, cat, rng = b.v, b.cat, b.rng
    n = len(vis)
    lc = b.lclass[vis]
    base = lc == TOWNSHIP
    b.add(vis[base], cat.pool("gen_fee")[0], 0, 1.0)
    b.add(vis[~base], cat.pool("exam_otp")[0], 0, 1.0)
    th = theme[vis]
    month = (v.bday[vis].astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12) + 1
    dm = (th == THEMES.index("dm")) & (month % 3 == 0)
    b.add(vis[dm], cat.pool("lab_dm")[0], 0, 1.0)
    b.add(vis[dm], cat.pool("lab")[3], 0, 1.0)
    cv = np.isin(th, [THEMES.index("cv"), THEMES.index("neuro")]) & (rng.random(n) < 0.15)
    b.add(vis[cv], cat.pool("ecg")[0], 0, 1.0)
    budget = np.maximum(v.target[vis] - 20 - dm * 70, 60)
    nd = rng.integers(2, 5, n)
    b.fill(vis, nd, _theme_groups(vis, theme, OTP_DRUGS), budget, (28, 60), False, (0.3, 5.0), max_cnt=400)


def _dialysis(b: Builder, vis: np.ndarray) -> None:
    if len(vis) == 0:
        return
    cat, rng = b.cat, b.rng
    b.add(vis, cat.pool("dialysis")[0], 0, 1.0)
    hdf = rng.random(len(vis)) < 0.3
    b.add(vis[hdf], cat.pool("cons_dialysis_hdf")[0], 0, 1.0)
    b.add(vis[~hdf], cat.pool("cons_dialysis")[0], 0, 1.0)
    b.add(vis, cat.pool("drug_iv")[8 % len(cat.pool("drug_iv"))], 0, 1.0)
    b.add(vis, cat.pool("cons_basic")[1], 0, 2.0)


def _pharmacy(b: Builder, vis: np.ndarray) -> None:
    if len(vis) == 0:
        return
    rng = b.rng
    n = len(vis)
    nd = 1 + rng.binomial(3, 0.35, n)
    b.fill(vis, nd, [(np.arange(n), PHARM_DRUGS)], b.v.target[vis], (10, 42), False, (0.3, 4.0), max_cnt=300)


# ------------------------------------------------------------------------ money ---------------
@dataclass
class LineAmounts:
    total: np.ndarray
    ful: np.ndarray
    over: np.ndarray
    pre: np.ndarray
    inscp: np.ndarray


def line_amounts(lines: Lines, cat: Catalogue) -> LineAmounts:
    """Split every line in fen: det = round(cnt × pric, 2) = ful + over + pre + inscp."""
    total = round_half_away(lines.cnt4 * lines.pric4, 1_000_000)
    cap = cat.cap4[lines.entry]
    over_unit = np.where((cap > 0) & (lines.pric4 > cap), lines.pric4 - cap, 0)
    over = round_half_away(lines.cnt4 * over_unit, 1_000_000)
    over = np.where(np.sign(over) == np.sign(total), over, 0)
    over = np.where(np.abs(over) > np.abs(total), total, over)
    rest = total - over
    lv = cat.lv[lines.entry]
    ful = np.where(lv == 2, rest, 0)
    pre = np.where(lv == 1, round_half_away(rest * cat.selfpay_1e4[lines.entry], 10_000), 0)
    inscp = rest - ful - pre
    return LineAmounts(total, ful, over, pre, inscp)


# Period-limited items (两库 8-4): pool → at most one charge per this many days.
PERIOD_DAYS = {"lab_dm": 15, "rehab_eval": 14}


def drop_period_repeats(lines: Lines, v: Visits, cat: Catalogue) -> Lines:
    """Remove clean lines of period-limited items (糖化血红蛋白 ≤1/15 d, 康复评定 ≤1/14 d) that
    follow an earlier charge of the same person too closely."""
    keep = np.ones(len(lines), bool)
    for pool, days in PERIOD_DAYS.items():
        e = cat.pool(pool)[0]
        idx = np.flatnonzero(lines.entry == e)
        if len(idx) < 2:
            continue
        psn = v.psn[lines.visit[idx]]
        idx = idx[np.lexsort((lines.sec[idx], psn))]
        for _ in range(6):
            cur = idx[keep[idx]]
            if len(cur) < 2:
                break
            ps = v.psn[lines.visit[cur]]
            close = (ps[1:] == ps[:-1]) & (lines.sec[cur[1:]] - lines.sec[cur[:-1]] < days * DAY_S)
            bad = close & (lines.viol[cur[1:]] == 0)
            if not bad.any():
                break
            # Drop only the first offending line of each run, then re-check.
            first = bad & ~np.r_[False, bad[:-1]]
            keep[cur[1:][first]] = False
    return lines.take(np.flatnonzero(keep))

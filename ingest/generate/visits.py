"""Visits (就诊) of a block of persons: inpatient stays, outpatient, emergency, chronic-disease,
dialysis, pharmacy, day-surgery and maternity visits, with dates, institutions, diagnoses,
length of stay and a cost target that the fee-line generator fills.

Clean data are made free of the patterns the violation module injects (overlapping stays,
readmission to the same hospital with the same diagnosis within 15 days, outpatient claims
during a stay, same-day visits at three or more institutions, claims after death).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from . import config as C
from . import reference as R
from .institutions import CITY, COUNTY, OTHER_PROVINCE, PHARMACY, PROVINCE, TOWNSHIP, VILLAGE, Institutions
from .persons import OPEN, Persons
from .util import DAY_S, day_of, grouped_arange, rowwise_choice, weighted_choice, year_start

K_IPT, K_OTP, K_ER, K_CHRONIC, K_DIALYSIS, K_PHARM, K_DAYSURG, K_MATERNITY = range(8)
MED_TYPES = ("21", "11", "13", "140104", "140201", "41", "28", "52")
STAY_KINDS = (K_IPT, K_DAYSURG, K_MATERNITY)
# Visit-level violation codes (Visits.viol); 0 = clean.
(V_NONE, V_SPLIT, V_GHOST_BED, V_OTP_DURING_STAY, V_MULTI_INST, V_POST_DEATH, V_VOLUME,
 V_HOARDING, V_LOW_STANDARD) = range(9)

# Unified diagnosis list: inpatient diagnoses, then outpatient, chronic and the dialysis one.
DIAG_ALL: tuple[tuple[str, str, str], ...] = (
    tuple((d.code, d.name, d.theme) for d in R.DIAGNOSES) + R.OTP_DIAGNOSES + R.CHRONIC_DIAGNOSES
    + (("N18.500", "慢性肾脏病5期", "renal"),))
N_IPT_DIAG = len(R.DIAGNOSES)
OTP_DIAG0 = N_IPT_DIAG
CHRONIC_DIAG0 = OTP_DIAG0 + len(R.OTP_DIAGNOSES)
DIALYSIS_DIAG = len(DIAG_ALL) - 1
DIAG3 = np.array([c[:3] for c, _, _ in DIAG_ALL])
DIAG3_ID = np.unique(DIAG3, return_inverse=True)[1].astype(np.int16)
# Mild inpatient diagnoses of the 挂床 and 低标准入院 patterns (clean short stays for them stay treatment-led).
MILD_DIAGS = ("I10.x00", "J20.900", "K29.700", "M51.202", "E11.900")
MILD_DIAG_IDX = np.array([next(k for k, d in enumerate(R.DIAGNOSES) if d.code == c) for c in MILD_DIAGS])
THEMES = ("resp", "cv", "neuro", "dm", "gi", "surg", "ortho", "tcm", "onc", "renal", "uro", "obst",
          "gyn", "eye")
DIAG_THEME = np.array([THEMES.index(t) for _, _, t in DIAG_ALL], dtype=np.int8)
OP_KEYS = tuple(R.OPERATIONS)
DEPT_CODES = tuple(R.DEPTS)
DIAG_DEPT = np.array([DEPT_CODES.index(d.dept) for d in R.DIAGNOSES]
                     + [DEPT_CODES.index("A03")] * (len(DIAG_ALL) - N_IPT_DIAG), dtype=np.int8)
HIGH_OPS = ("pci", "tka", "lung", "gastric")


@dataclass
class Period:
    start_year: int
    years: int
    start_day: int
    end_day: int
    cdf: np.ndarray            # cumulative day weights over [start_day, end_day], len n_days + 1

    @classmethod
    def build(cls, start_year: int, years: int) -> "Period":
        start, end = day_of(f"{start_year}-01-01"), day_of(f"{start_year + years}-01-01")
        days = np.arange(start, end)
        d = days.astype("datetime64[D]")
        month = d.astype("datetime64[M]").astype(np.int64) % 12
        w = np.array(C.MONTH_WEIGHTS)[month]
        dow = (days + 3) % 7                      # 0 = Monday
        w = w * np.where(dow == 6, 0.8, np.where(dow == 5, 0.9, 1.0))
        for y in range(start_year, start_year + years):
            sf = day_of(R.SPRING_FESTIVAL[y])
            w = np.where(np.abs(days - sf) <= C.SPRING_DIP_DAYS, w * C.SPRING_DIP_FACTOR, w)
        return cls(start_year, years, start, end, np.concatenate([[0.0], np.cumsum(w)]))

    def sample_days(self, rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """One seasonal day in [lo, hi) per element (lo < hi, within the period)."""
        a = self.cdf[lo - self.start_day]
        b = self.cdf[hi - self.start_day]
        u = a + rng.random(len(lo)) * (b - a)
        return np.clip(np.searchsorted(self.cdf, u, side="right") - 1 + self.start_day, lo, hi - 1)


@dataclass
class Visits:
    """Column arrays of visits; a visit has exactly one original settlement."""
    psn: np.ndarray
    inst: np.ndarray
    kind: np.ndarray
    bday: np.ndarray
    eday: np.ndarray
    bsec: np.ndarray
    esec: np.ndarray
    diag: np.ndarray
    op: np.ndarray
    dept: np.ndarray
    target: np.ndarray
    viol: np.ndarray           # 0 clean, else a visit-level violation code (violations.V_*)
    died: np.ndarray           # stay ended by death

    def __len__(self) -> int:
        return len(self.psn)

    def take(self, idx: np.ndarray) -> "Visits":
        return Visits(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @staticmethod
    def concat(parts: list["Visits"]) -> "Visits":
        return Visits(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                         for f in fields(Visits)})

    @staticmethod
    def make(psn, inst, kind, bday, eday, bsec, esec, diag, op, dept, target, viol=0) -> "Visits":
        n = len(psn)

        def arr(x, dt):
            return np.broadcast_to(np.asarray(x), (n,)).astype(dt)
        eday = arr(eday, np.int64)
        esec = np.minimum(arr(esec, np.int64), eday * DAY_S + DAY_S - 60)     # never past midnight
        return Visits(arr(psn, np.int64), arr(inst, np.int32), arr(kind, np.int8), arr(bday, np.int64),
                      eday, arr(bsec, np.int64), esec, arr(diag, np.int16),
                      arr(op, np.int8), arr(dept, np.int8), arr(target, np.float64),
                      arr(viol, np.int8), np.zeros(n, bool))


# ----------------------------------------------------------------------- helpers ------------
def age_band(age: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.array(C.AGE_EDGES), age, side="right")


class InstPicker:
    """Vectorised choice of an institution of a level class, near the person where it matters."""

    def __init__(self, inst: Institutions, n_towns: int):
        self.inst = inst
        self.by_class = {c: np.flatnonzero(inst.lclass == c) for c in range(7)}
        self.local: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for c in (TOWNSHIP, VILLAGE, PHARMACY):
            idx = self.by_class[c]
            t = inst.township[idx]
            order = np.lexsort((idx, t))
            idx, t = idx[order], t[order]
            counts = np.bincount(t, minlength=n_towns)
            self.local[c] = (idx, np.cumsum(counts) - counts, counts)

    def local_pick(self, c: int, town: np.ndarray, rng: np.random.Generator, p_local: float) -> np.ndarray:
        idx, start, count = self.local[c]
        n = len(town)
        any_pick = idx[rng.integers(0, len(idx), n)]
        cnt = count[town]
        ok = (cnt > 0) & (rng.random(n) < p_local)
        loc = idx[np.minimum(start[town] + (rng.random(n) * np.maximum(cnt, 1)).astype(np.int64), len(idx) - 1)]
        return np.where(ok, loc, any_pick)

    def weighted(self, c: int, weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        idx = self.by_class[c]
        return idx[weighted_choice(rng, weights, n)]


def _class_weights(inst: Institutions, c: int, theme: str | None) -> np.ndarray:
    """Share of stays of a level class going to each of its institutions."""
    idx = np.flatnonzero(inst.lclass == c)
    w = np.ones(len(idx))
    for k, i in enumerate(idx):
        name = inst.name[i]
        if c == COUNTY:
            w[k] = 0.5 if "人民医院" in name and "第二" not in name else 0.16 if "第二" in name else (
                0.22 if "中医院" in name else 0.12)
            if theme in ("tcm", "neuro", "ortho") and "中医院" in name:
                w[k] *= 2.5
        elif c == CITY:
            w[k] = 0.6 if "人民医院" in name else 0.15 if "中医院" in name else 0.05
            if theme == "onc":
                w[k] = 3.0 if "肿瘤" in name else w[k]
    return w


# ----------------------------------------------------------------------- main ---------------
def generate_visits(p: Persons, lo_psn: int, hi_psn: int, inst: Institutions, per: Period,
                    rng: np.random.Generator) -> Visits:
    """All clean visits of persons [lo_psn, hi_psn) over the period."""
    n_towns = int(inst.township.max()) + 1
    picker = InstPicker(inst, n_towns)
    psn = np.arange(lo_psn, hi_psn)
    m, Y = len(psn), per.years
    # Person-year grid.
    pp = np.repeat(psn, Y)
    yk = np.tile(np.arange(Y), m)
    ys = year_start(per.start_year + yk)
    ye = year_start(per.start_year + yk + 1)
    stop = np.minimum(np.minimum(p.paus[pp], p.die[pp]), OPEN)
    lo = np.maximum(p.crt[pp], ys)
    hi = np.minimum(stop, ye)
    expo = np.clip(hi - lo, 0, None) / 365.0
    ok = expo > 0
    pp, yk, lo, hi, expo = pp[ok], yk[ok], lo[ok], hi[ok], expo[ok]
    age = ((lo + hi) // 2 - p.brdy[pp]) // 365
    band = age_band(age)
    emp = p.insutype[pp] == 310
    ret = p.retired_at(pp, (lo + hi) // 2)
    frail = p.frailty[pp]
    growth = (1 + C.UTILISATION_GROWTH) ** yk
    price = (1 + C.PRICE_GROWTH) ** yk

    parts: list[Visits] = []

    # ---------------- inpatient stays (21) ----------------
    rate = np.array(C.IPT_RATE)[band] * np.where(emp, C.EMPLOYEE_IPT_FACTOR, 1.0)
    rate = rate * np.where(ret, C.RETIREE_IPT_FACTOR, 1.0) * frail * growth
    rate = rate * np.where(p.chronic[pp] >= 0, 1.25, 1.0) * np.where(p.dialysis[pp], 2.5, 1.0)
    cnt = rng.poisson(rate * expo)
    r = np.repeat(np.arange(len(pp)), cnt)
    stays = _stays(p, pp[r], lo[r], hi[r], age[r], band[r], ret[r], price[r], inst, picker, per, rng)
    parts.append(stays)

    # ---------------- maternity (52, 职工 women) ----------------
    fem = (p.gend[pp] == 2) & emp & (age >= 22) & (age <= 40)
    cnt = rng.poisson(np.where(fem, 0.05, 0.0) * expo)
    r = np.repeat(np.arange(len(pp)), cnt)
    if len(r):
        parts.append(_maternity(p, pp[r], lo[r], hi[r], price[r], inst, picker, per, rng))

    # ---------------- day surgery (28) ----------------
    cnt = rng.poisson(np.array(C.DAY_SURGERY_RATE)[band] * expo * growth)
    r = np.repeat(np.arange(len(pp)), cnt)
    if len(r):
        parts.append(_day_surgery(pp[r], lo[r], hi[r], price[r], inst, picker, per, rng))

    # ---------------- outpatient (11) ----------------
    rate = np.array(C.OTP_RATE)[band] * np.where(emp, C.EMPLOYEE_OTP_FACTOR, 1.0) * frail ** 0.7 * growth
    cnt = rng.poisson(rate * expo)
    r = np.repeat(np.arange(len(pp)), cnt)
    parts.append(_outpatient(p, pp[r], lo[r], hi[r], age[r], emp[r], price[r], picker, per, rng))

    # ---------------- emergency (13) ----------------
    cnt = rng.poisson(np.array(C.ER_RATE)[band] * frail * expo)
    r = np.repeat(np.arange(len(pp)), cnt)
    parts.append(_emergency(pp[r], lo[r], hi[r], price[r], inst, picker, per, rng))

    # ---------------- chronic disease (140104), monthly ----------------
    chronic = p.chronic[pp] >= 0
    cp = np.flatnonzero(chronic)
    if len(cp):
        parts.append(_chronic(p, pp[cp], lo[cp], hi[cp], yk[cp], price[cp], picker, per, rng))

    # ---------------- dialysis (140201), 2-3 sessions a week ----------------
    dp = np.flatnonzero(p.dialysis[pp] & (age >= 25))
    if len(dp):
        parts.append(_dialysis(pp[dp], lo[dp], hi[dp], price[dp], inst, per, rng))

    # ---------------- pharmacy (41) ----------------
    rate = np.where(emp, np.array(C.PHARM_RATE_EMPLOYEE)[band], np.array(C.PHARM_RATE_RESIDENT)[band])
    cnt = rng.poisson(rate * frail ** 0.5 * growth * expo)
    r = np.repeat(np.arange(len(pp)), cnt)
    parts.append(_pharmacy(p, pp[r], lo[r], hi[r], emp[r], price[r], picker, per, rng))

    v = Visits.concat(parts)
    return resolve_clean(v, p, per, rng)


def _stay_times(rng, bday, los):
    bsec = bday * DAY_S + rng.integers(7 * 3600 + 1800, 21 * 3600, len(bday))
    eday = bday + los
    esec = eday * DAY_S + rng.integers(8 * 3600 + 1800, 11 * 3600 + 1800, len(bday))
    same = los == 0
    esec = np.where(same, bsec + rng.integers(3 * 3600, 8 * 3600, len(bday)), esec)
    esec = np.minimum(esec, eday * DAY_S + 23 * 3600 + 3000)
    return bsec, eday, esec


def _stays(p, psn, lo, hi, age, band, ret, price, inst, picker, per, rng) -> Visits:
    n = len(psn)
    gend = p.gend[psn]
    diag = np.zeros(n, np.int16)
    sexes = np.array([d.sex for d in R.DIAGNOSES])
    agew = np.array([d.ages for d in R.DIAGNOSES])
    for b in range(6):
        for g in (1, 2):
            sel = np.flatnonzero((band == b) & (gend == g))
            if len(sel):
                w = agew[:, b] * (sexes != ("F" if g == 1 else "M"))
                diag[sel] = weighted_choice(rng, w, len(sel))
    dial = p.dialysis[psn] & (rng.random(n) < 0.35)
    diag[dial] = next(i for i, d in enumerate(R.DIAGNOSES) if d.code == "N18.500")
    dg = [R.DIAGNOSES[i] for i in range(N_IPT_DIAG)]
    pref = np.array([d.level for d in dg])[diag]
    share = np.array(C.IPT_LEVEL_SHARE)
    w = np.column_stack([share[0] * pref[:, 0], share[1] * pref[:, 1], share[2] * pref[:, 2],
                         share[3] * pref[:, 2], share[4] * pref[:, 2]])
    w[age < 14, 3:] *= 0.4
    emp = p.insutype[psn] == 310
    w[emp, 1:] *= 1.25
    w[emp, 2:] *= 1.3
    lc = rowwise_choice(rng, w)
    theme = np.array([d.theme for d in dg])[diag]
    ist = np.zeros(n, np.int32)
    town = p.township[psn]
    sel = lc == 0
    ist[sel] = picker.local_pick(TOWNSHIP, town[sel], rng, 0.85)
    for c, cls in ((1, COUNTY), (2, CITY), (3, PROVINCE), (4, OTHER_PROVINCE)):
        for th in ("onc", "tcm", "neuro", "ortho", None):
            mask = (lc == c) & ((theme == th) if th else ~np.isin(theme, ["onc", "tcm", "neuro", "ortho"]))
            k = int(mask.sum())
            if k:
                ist[mask] = picker.weighted(cls, _class_weights(inst, cls, th), k, rng)
    # Operation (surgical stays) where the level allows it.
    op = np.full(n, -1, np.int8)
    op_key = np.array([OP_KEYS.index(d.op) if d.op else -1 for d in dg])[diag]
    op_prob = np.array([d.op_prob for d in dg])[diag]
    do_op = (op_key >= 0) & (rng.random(n) < op_prob)
    high = np.isin(op_key, [OP_KEYS.index(k) for k in HIGH_OPS])
    birth = op_key == OP_KEYS.index("birth")
    ok = np.where(high, lc >= 2, np.where(birth, True, lc >= 1))
    op[do_op & ok] = op_key[do_op & ok]
    # Length of stay and cost target.
    lcls = inst.lclass[ist]
    lc5 = np.minimum(lcls, 4)
    mean_los = np.array(C.IPT_LOS)[lc5] * np.array([d.los for d in dg])[diag] * inst.los_factor[ist]
    los = np.round(rng.gamma(2.4, mean_los / 2.4)).astype(np.int64).clip(1, 60)
    zero = (rng.random(n) < 0.025) & (op < 0)
    los[zero] = 0
    cost = np.array(C.IPT_COST)[lc5] * np.array([d.cost for d in dg])[diag] * inst.cost_factor[ist]
    cost *= np.where(op >= 0, 1.45, 0.92) * np.where(np.isin(op, [OP_KEYS.index(k) for k in HIGH_OPS]), 1.8, 1.0)
    cost *= np.where(age >= 60, 1.08, 1.0) * np.where(ret, C.RETIREE_COST_FACTOR, 1.0) * price
    cost *= np.exp(rng.normal(-0.1, 0.45, n)) * (0.55 + 0.45 * np.sqrt(np.maximum(los, 1) / np.maximum(mean_los, 1)))
    bday = per.sample_days(rng, lo, hi)
    bsec, eday, esec = _stay_times(rng, bday, los)
    dept = DIAG_DEPT[diag].copy()
    kid = (age < 14) & np.isin(theme, ["resp", "gi"])
    dept[kid] = DEPT_CODES.index("A07")
    tcm_h = inst.tcm[ist] & np.isin(theme, ["neuro", "ortho", "resp"]) & (rng.random(n) < 0.4)
    dept[tcm_h] = DEPT_CODES.index("A50")
    return Visits.make(psn, ist, K_IPT, bday, eday, bsec, esec, diag, op, dept, cost)


def _maternity(p, psn, lo, hi, price, inst, picker, per, rng) -> Visits:
    n = len(psn)
    csec = rng.random(n) < 0.4
    code = np.where(csec, "O82.000", "O80.000")
    diag = np.array([next(i for i, d in enumerate(R.DIAGNOSES) if d.code == c) for c in ("O80.000", "O82.000")])
    dg = diag[csec.astype(int)]
    op = np.where(csec, OP_KEYS.index("csec"), OP_KEYS.index("birth"))
    county = picker.weighted(COUNTY, _class_weights(inst, COUNTY, None), n, rng)
    city = picker.weighted(CITY, np.array([1.0, 0.3, 0.0]), n, rng)
    ist = np.where(rng.random(n) < 0.75, county, city)
    los = np.where(csec, rng.integers(4, 8, n), rng.integers(2, 5, n))
    bday = per.sample_days(rng, lo, hi)
    bsec, eday, esec = _stay_times(rng, bday, los)
    target = np.where(csec, 6200, 3600) * price * np.exp(rng.normal(-0.05, 0.3, n))
    del code
    return Visits.make(psn, ist, K_MATERNITY, bday, eday, bsec, esec, dg, op,
                       DEPT_CODES.index("A05.02"), target)


def _day_surgery(psn, lo, hi, price, inst, picker, per, rng) -> Visits:
    n = len(psn)
    county = picker.weighted(COUNTY, _class_weights(inst, COUNTY, None), n, rng)
    city = picker.weighted(CITY, np.array([1.0, 0.4, 0.0]), n, rng)
    ist = np.where(rng.random(n) < 0.6, county, city)
    bday = per.sample_days(rng, lo, hi)
    los = (rng.random(n) < 0.3).astype(np.int64)
    bsec, eday, esec = _stay_times(rng, bday, los)
    diag = next(i for i, d in enumerate(R.DIAGNOSES) if d.code == "H25.900")
    target = 5200 * price * np.exp(rng.normal(-0.03, 0.25, n))
    return Visits.make(psn, ist, K_DAYSURG, bday, eday, bsec, esec, diag, OP_KEYS.index("cat"),
                       DEPT_CODES.index("A10"), target)


def _otp_times(rng, day, open_h=(7.5, 17.5), dur=(8, 50)):
    bsec = day * DAY_S + rng.integers(int(open_h[0] * 3600), int(open_h[1] * 3600), len(day))
    esec = bsec + rng.integers(dur[0] * 60, dur[1] * 60, len(day))
    return bsec, esec


def _outpatient(p, psn, lo, hi, age, emp, price, picker, per, rng) -> Visits:
    n = len(psn)
    w = np.where(emp[:, None], np.array([0.30, 0.25, 0.35, 0.10]), np.array([0.52, 0.28, 0.17, 0.03]))
    lc = rowwise_choice(rng, w)
    town = p.township[psn]
    ist = np.zeros(n, np.int32)
    for k, cls in enumerate((VILLAGE, TOWNSHIP)):
        s = lc == k
        ist[s] = picker.local_pick(cls, town[s], rng, 0.9)
    s = lc == 2
    ist[s] = picker.weighted(COUNTY, _class_weights(picker.inst, COUNTY, None), int(s.sum()), rng)
    s = lc == 3
    ist[s] = picker.weighted(CITY, np.array([1.0, 0.4, 0.05]), int(s.sum()), rng)
    base = np.array([120.0, 210.0, 380.0, 480.0])[lc]
    target = base * np.where(age >= 60, 1.15, 1.0) * np.where(age < 14, 0.8, 1.0) * price
    target *= np.exp(rng.normal(-0.12, 0.5, n)) * picker.inst.cost_factor[ist]
    day = per.sample_days(rng, lo, hi)
    bsec, esec = _otp_times(rng, day)
    theme_pick = rng.integers(0, len(R.OTP_DIAGNOSES), n)
    diag = OTP_DIAG0 + theme_pick
    dept = np.where(lc <= 1, DEPT_CODES.index("A02"), DEPT_CODES.index("A03"))
    dept = np.where((age < 14) & (lc >= 2), DEPT_CODES.index("A07"), dept)
    return Visits.make(psn, ist, K_OTP, day, day, bsec, esec, diag, -1, dept, target)


def _emergency(psn, lo, hi, price, inst, picker, per, rng) -> Visits:
    n = len(psn)
    county = picker.weighted(COUNTY, _class_weights(inst, COUNTY, None), n, rng)
    town = picker.weighted(TOWNSHIP, np.ones(len(picker.by_class[TOWNSHIP])), n, rng)
    at_county = rng.random(n) < 0.75
    ist = np.where(at_county, county, town)
    target = np.where(at_county, 460.0, 240.0) * price * np.exp(rng.normal(-0.1, 0.5, n))
    day = per.sample_days(rng, lo, hi)
    bsec, esec = _otp_times(rng, day, (0.0, 23.9), (30, 180))
    diag = OTP_DIAG0 + rng.integers(0, len(R.OTP_DIAGNOSES), n)
    return Visits.make(psn, ist, K_ER, day, day, bsec, esec, diag, -1, DEPT_CODES.index("A20"), target)


def _chronic(p, psn, lo, hi, yk, price, picker, per, rng) -> Visits:
    """Monthly visits (80 % of months) of certified chronic patients at a fixed institution."""
    n = len(psn)
    months = np.tile(np.arange(12), n)
    r = np.repeat(np.arange(n), 12)
    y = per.start_year + yk[r]
    mstart = (np.array(y - 1970, dtype="datetime64[Y]").astype("datetime64[M]") + months).astype(
        "datetime64[D]").astype(np.int64)
    anchor = (psn[r] * 2654435761 % 20) + 2
    day = mstart + anchor + rng.integers(-2, 3, len(r))
    keep = (rng.random(len(r)) < 0.8) & (day >= lo[r]) & (day < hi[r])
    r, day = r[keep], day[keep]
    ps = psn[r]
    at_town = (ps * 40503 % 100) < 55
    own = picker.local_pick(TOWNSHIP, p.township[ps], rng, 1.0)
    county = picker.by_class[COUNTY][0]
    ist = np.where(at_town, own, county)
    target = np.where(at_town, 300.0, 380.0) * price[r] * np.exp(rng.normal(-0.05, 0.3, len(r)))
    bsec, esec = _otp_times(rng, day)
    diag = CHRONIC_DIAG0 + p.chronic[ps].astype(np.int64)
    return Visits.make(ps, ist, K_CHRONIC, day, day, bsec, esec, diag, -1, DEPT_CODES.index("A03"), target)


def _dialysis(psn, lo, hi, price, inst, per, rng) -> Visits:
    n = len(psn)
    k = np.maximum(((hi - lo) / 2.8).astype(np.int64), 0)
    r = np.repeat(np.arange(n), k)
    j = grouped_arange(k)
    day = lo[r] + np.floor(j * 2.8 + 0.5).astype(np.int64)
    keep = day < hi[r]
    r, day = r[keep], day[keep]
    county = np.flatnonzero(inst.lclass == COUNTY)[0]
    city = np.flatnonzero(inst.lclass == CITY)[0]
    ist = np.where(psn[r] % 10 < 7, county, city)
    target = 470.0 * price[r] * np.exp(rng.normal(0, 0.08, len(r)))
    bsec, esec = _otp_times(rng, day, (7.0, 14.0), (240, 270))
    return Visits.make(psn[r], ist, K_DIALYSIS, day, day, bsec, esec, DIALYSIS_DIAG, -1,
                       DEPT_CODES.index("A03.06"), target)


def _pharmacy(p, psn, lo, hi, emp, price, picker, per, rng) -> Visits:
    n = len(psn)
    ist = picker.local_pick(PHARMACY, p.township[psn], rng, 0.8)
    target = 105.0 * np.where(emp, 1.12, 0.9) * price * np.exp(rng.normal(-0.15, 0.55, n))
    day = per.sample_days(rng, lo, hi)
    bsec, esec = _otp_times(rng, day, (8.0, 21.0), (2, 10))
    return Visits.make(psn, ist, K_PHARM, day, day, bsec, esec, -1, -1, -1, target)


# ----------------------------------------------------------------------- clean-up -----------
def _stay_mask(v: Visits) -> np.ndarray:
    return np.isin(v.kind, STAY_KINDS)


def resolve_clean(v: Visits, p: Persons, per: Period, rng: np.random.Generator) -> Visits:
    """Shift clean stays so they never overlap and never readmit to the same hospital with the
    same diagnosis within 15 days; drop clean visits that would look like injected patterns."""
    st = np.flatnonzero(_stay_mask(v))
    s = v.take(st)
    order = np.lexsort((s.bday, s.psn))
    s = s.take(order)
    los = s.eday - s.bday
    same_run = np.r_[False, s.psn[1:] == s.psn[:-1]]
    rank = grouped_arange(np.diff(np.r_[0, np.flatnonzero(~same_run)[1:], len(s)]))
    for k in range(1, int(rank.max(initial=0)) + 1):
        i = np.flatnonzero(rank == k)
        prev = i - 1
        gap = np.where((s.inst[i] == s.inst[prev]) & (DIAG3_ID[s.diag[i]] == DIAG3_ID[s.diag[prev]]), 16, 1)
        nb = np.maximum(s.bday[i], s.eday[prev] + gap)
        shift = nb - s.bday[i]
        s.bday[i] += shift
        s.eday[i] += shift
        s.bsec[i] += shift * DAY_S
        s.esec[i] += shift * DAY_S
    # Keep stays that start while insured and end inside the period; death ends a stay.
    stop = np.minimum(np.minimum(p.paus[s.psn], p.die[s.psn]), per.end_day)
    die = p.die[s.psn]
    keep = (s.bday < stop) & (s.bday < per.end_day - 1)
    died = keep & (die <= s.eday) & (die >= s.bday)
    s.eday = np.where(died, die, s.eday)
    s.esec = np.where(died, np.maximum(s.eday * DAY_S + 14 * 3600, s.bsec + 3600), s.esec)
    s.died = died
    keep &= s.eday < per.end_day
    del los
    s = s.take(np.flatnonzero(keep))
    o = v.take(np.flatnonzero(~_stay_mask(v)))
    return drop_conflicts(Visits.concat([s, o]))


def drop_conflicts(v: Visits) -> Visits:
    """Drop unprotected (viol == 0) visits that create a pattern: non-stay visits during a stay,
    a second visit the same day at the same institution, a third institution on one day, stays
    overlapping a protected stay, and readmissions within 15 days to the same hospital."""
    keep = np.ones(len(v), bool)
    stay = _stay_mask(v)
    prot = v.viol > 0
    # Stays: overlapping or ≤15-day same-hospital same-diagnosis readmissions.
    si = np.flatnonzero(stay)
    o = si[np.lexsort((~prot[si], v.bday[si], v.psn[si]))]
    for _ in range(4):
        oo = o[keep[o]]
        if len(oo) < 2:
            break
        a, b = oo[:-1], oo[1:]
        samep = v.psn[a] == v.psn[b]
        overlap = samep & (v.bday[b] <= v.eday[a])
        readm = samep & (v.inst[a] == v.inst[b]) & (DIAG3_ID[v.diag[a]] == DIAG3_ID[v.diag[b]]) & (
            v.bday[b] - v.eday[a] <= 15)
        bad = overlap | readm
        if not bad.any():
            break
        # Drop the unprotected one of the pair (the later one if both are clean).
        drop_b = bad & ~prot[b]
        drop_a = bad & prot[b] & ~prot[a] & overlap
        keep[b[drop_b]] = False
        keep[a[drop_a]] = False
    # Non-stay visits during a kept stay.
    si = np.flatnonzero(stay & keep)
    key_s = v.psn[si] * 100_000 + v.bday[si]
    os_ = np.argsort(key_s, kind="stable")
    si, key_s = si[os_], key_s[os_]
    ni = np.flatnonzero(~stay & keep)
    key_n = v.psn[ni] * 100_000 + v.bday[ni]
    j = np.searchsorted(key_s, key_n, side="right") - 1
    jj = np.maximum(j, 0)
    inside = (j >= 0) & (len(si) > 0)
    if len(si):
        inside &= (v.psn[si[jj]] == v.psn[ni]) & (v.eday[si[jj]] >= v.bday[ni])
    else:
        inside[:] = False
    keep[ni[inside & (v.viol[ni] != V_OTP_DURING_STAY)]] = False
    # Same day: one visit per institution, at most two institutions (protected ones first).
    ni = np.flatnonzero(~stay & keep)
    o = ni[np.lexsort((~prot[ni], v.inst[ni], v.bday[ni], v.psn[ni]))]
    if len(o):
        dup = np.r_[False, (v.psn[o[1:]] == v.psn[o[:-1]]) & (v.bday[o[1:]] == v.bday[o[:-1]])
                    & (v.inst[o[1:]] == v.inst[o[:-1]])]
        keep[o[dup & ~prot[o]]] = False
        o = o[keep[o]]
        pri = np.where(v.viol[o] == V_MULTI_INST, 0, np.where(prot[o], 1, 2))
        o = o[np.lexsort((pri, v.bday[o], v.psn[o]))]
        newgrp = np.r_[True, (v.psn[o[1:]] != v.psn[o[:-1]]) | (v.bday[o[1:]] != v.bday[o[:-1]])]
        sizes = np.diff(np.r_[np.flatnonzero(newgrp), len(o)])
        rank = grouped_arange(sizes)
        keep[o[(rank >= 2) & (v.viol[o] != V_MULTI_INST)]] = False
    return v.take(np.flatnonzero(keep))

"""Injected violations and their ground truth (truth/violations.csv, truth/institutions.csv).

Visit-level patterns (分解住院, 挂床, outpatient during a stay, same-day visits at ≥3
institutions, claims after death, volume inflation, pharmacy hoarding, 低标准入院) are added as protected
visits before fee lines are built; line-level 两库 hits and 串换 are added or substituted after.
Every injected record is a valid contract record; the clean generator avoids the same patterns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from . import config as C
from . import reference as R
from .catalogue import Catalogue
from .fees import PERIOD_DAYS, Lines, line_amounts, unit_price
from .institutions import CITY, COUNTY, PHARMACY, TOWNSHIP, VILLAGE, Institutions
from .persons import OPEN, Persons
from .util import DAY_S, dates, grouped_arange, money, rng_for, round_half_away, take_str
from .visits import (DEPT_CODES, DIAG3_ID, DIAG_THEME, K_CHRONIC, K_DIALYSIS, K_IPT, K_OTP, K_PHARM, OP_KEYS,
                     OTP_DIAG0, STAY_KINDS, THEMES,
                     V_GHOST_BED, V_HOARDING, V_MULTI_INST, V_OTP_DURING_STAY, V_POST_DEATH, V_SPLIT,
                     V_LOW_STANDARD, V_VOLUME, MILD_DIAG_IDX, Period, Visits, drop_conflicts)

# Line-level violation codes (Lines.viol).
(L_DRUG_SEX, L_DRUG_AGE, L_DRUG_LEVEL, L_DRUG_VISIT, L_ITEM_SEX, L_REPEAT, L_FREQ, L_PERIOD, L_UPCODE,
 L_INSUTYPE, L_DRUG_COURSE, L_ITEM_AGE, L_SECONDARY, L_ITEM_COURSE) = range(1, 15)
LINE_TYPES = {L_DRUG_SEX: "drug_sex", L_DRUG_AGE: "drug_age", L_DRUG_LEVEL: "drug_institution_level",
              L_DRUG_VISIT: "drug_visit_type", L_ITEM_SEX: "item_sex", L_REPEAT: "item_repeat_charge",
              L_FREQ: "item_frequency", L_PERIOD: "item_period", L_UPCODE: "upcoding",
              L_INSUTYPE: "drug_insutype", L_DRUG_COURSE: "drug_course", L_ITEM_AGE: "item_age",
              L_SECONDARY: "item_primary_secondary", L_ITEM_COURSE: "item_course"}
VISIT_TYPES = {V_SPLIT: ("split_admission", "behav-split_admission"),
               V_GHOST_BED: ("ghost_bed", "behav-ghost_bed"),
               V_OTP_DURING_STAY: ("outpatient_during_stay", "behav-otp_during_stay"),
               V_MULTI_INST: ("same_day_multi_institution", "behav-same_day_multi_institution"),
               V_POST_DEATH: ("claim_after_death", "behav-claim_after_death"),
               V_VOLUME: ("volume_inflation", "behav-volume_inflation"),
               V_HOARDING: ("pharmacy_hoarding", "behav-pharmacy_hoarding"),
               V_LOW_STANDARD: ("low_standard_admission", "behav-low_standard_admission")}
FREQ_RULE_IDS = {"001102000050000": "batch8-1-item_frequency-00002", "001107000010000": "batch8-1-item_frequency-00004",
                 "001108000010000": "batch8-1-item_frequency-00005", "001109000010000": "batch8-1-item_frequency-00006",
                 "001201000030000": "batch8-1-item_frequency-00011", "001201000040000": "batch8-1-item_frequency-00012",
                 "001201000050000": "batch8-1-item_frequency-00013", "003107010220000": "batch8-1-item_frequency-00039",
                 "003107010280000": "batch8-1-item_frequency-00043"}
REPEAT_RULE_IDS = {"003110000060000": "batch7-item_repeat-00329", "003205000010000": "batch7-item_repeat-00352"}
FREQ_DAILY_LIMITS = {"003107010220000": 24, "003107010280000": 24}    # hours a day (batch 8-1); the others 1 a day
# Rule parameters of the injected-only families (dbt_project/seeds/nhsa: batch6-drug_course-00003,
# batch8-2-item_age-00001, batch2-item_primary_secondary-00223).
DRUG_COURSE_MAX_DAYS = 14
DRUG_COURSE_GAP_DAYS = 3         # a longer break starts a new course (seeds/targeting/course_parameters.csv)
WORKING_AGE_MAX = 60
SECONDARY_FEE_RATIO = 0.5
ITEM_COURSE_MAX_DAYS = 30        # batch8-3-item_course-00004 减重支持系统训练, -00006 电动起立床训练
ITEM_COURSE_GAP_DAYS = 30        # a longer break starts a new course (seeds/targeting/course_parameters.csv)
REHAB_DEPT = DEPT_CODES.index("A21")     # 康复医学科: only the 门诊康复 series below uses it
# 超量开药 as fct_rule_hit measures it (seeds/targeting: behaviour_rules behav-pharmacy_hoarding, drug_days_supply):
# days of supply of one drug bought outside a stay in a rolling 30-day window above 30 × 1.2 days.
HOARDING_WINDOW_DAYS = 30
HOARDING_TOLERANCE = 1.2
HOARDING_DAYS_PER_UNIT = 7.5             # one insulin pen (drug_dm_inj)


@dataclass
class Plan:
    """Who takes part in which pattern (fixed for the whole run, whatever the block)."""
    split: list[int]
    ghost: list[int]
    rules: list[int]
    upcode: list[int]
    volume: dict[int, float]
    hoard: int
    claims: int
    legit: list[int]
    hoard_psn: np.ndarray
    dead_psn: np.ndarray
    hoard_drug: int = -1

    @classmethod
    def build(cls, p: Persons, inst: Institutions, per: Period, seed: int) -> "Plan":
        rng = rng_for(seed, 7)
        volume = {i: float(inst.cost_factor[i] - 1) for i in inst.index("fraud_volume")}
        alive = (p.die == OPEN) & (p.crt < per.start_day) & (p.paus == OPEN)
        adult = (per.start_day - p.brdy) // 365 >= 40
        cand = np.flatnonzero(alive & adult)
        k = min(len(cand), max(3, round(C.HOARDING_PERSONS * p.n / 400_000)))
        hoard_psn = np.sort(rng.choice(cand, k, replace=False)) if len(cand) else np.zeros(0, np.int64)
        dead = np.flatnonzero((p.die < per.end_day - 40) & (p.die > per.start_day))
        kd = min(len(dead), max(3, round(len(dead) * C.POST_DEATH_SHARE)))
        dead_psn = np.sort(rng.choice(dead, kd, replace=False)) if len(dead) else np.zeros(0, np.int64)
        return cls(split=inst.index("fraud_split_admission"), ghost=inst.index("fraud_ghost_bed"),
                   rules=inst.index("fraud_rule_hits"), upcode=inst.index("fraud_upcoding"), volume=volume,
                   hoard=inst.index("fraud_hoarding")[0], claims=inst.index("fraud_ghost_claims")[0],
                   legit=inst.index("legit_unusual"), hoard_psn=hoard_psn, dead_psn=dead_psn)


# ------------------------------------------------------------------ visit level --------------
def _window(p: Persons, psn: np.ndarray, per: Period) -> tuple[np.ndarray, np.ndarray]:
    lo = np.maximum(p.crt[psn], per.start_day)
    hi = np.minimum(np.minimum(p.paus[psn], p.die[psn]), per.end_day)
    return lo, hi


def _mild_stays(p: Persons, per: Period, inst_idx: np.ndarray, los: tuple[int, int], per_day: tuple[float, float],
                viol: int, lo_psn: int, hi_psn: int, rng: np.random.Generator) -> Visits:
    """Stays (length drawn from [los[0], los[1]) days, cost target per day from per_day) of random
    persons ≥45 of the block for a mild diagnosis at institutions inst_idx (挂床, 低标准入院)."""
    psn = lo_psn + rng.integers(0, hi_psn - lo_psn, len(inst_idx))
    age = (per.start_day - p.brdy[psn]) // 365
    lo, hi = _window(p, psn, per)
    L = rng.integers(los[0], los[1], len(inst_idx))
    ok = (age >= 45) & (hi - lo > L + 5)
    gi, psn, lo, hi, L = inst_idx[ok], psn[ok], lo[ok], hi[ok], L[ok]
    b = lo + (rng.random(len(gi)) * (hi - lo - L - 1)).astype(np.int64)
    dg = MILD_DIAG_IDX[rng.integers(0, len(MILD_DIAG_IDX), len(gi))]
    bsec = b * DAY_S + rng.integers(8 * 3600, 18 * 3600, len(gi))
    esec = (b + L) * DAY_S + rng.integers(8 * 3600, 11 * 3600, len(gi))
    dept = np.array([DEPT_CODES.index(R.DIAGNOSES[k].dept) for k in range(len(R.DIAGNOSES))])[dg]
    tgt = L * rng.uniform(per_day[0], per_day[1], len(gi))
    return Visits.make(psn, gi, K_IPT, b, b + L, bsec, esec, dg, -1, dept, tgt, viol)


def _otp_visit(psn, inst_idx, day, rng, kind=K_OTP, viol=0, target=None) -> Visits:
    n = len(psn)
    bsec = day * DAY_S + rng.integers(8 * 3600, 17 * 3600, n)
    esec = bsec + rng.integers(300, 1800, n)
    diag = np.where(kind == K_PHARM, -1, OTP_DIAG0 + rng.integers(0, len(R.OTP_DIAGNOSES), n))
    dept = np.where(kind == K_PHARM, -1, DEPT_CODES.index("A02"))
    tgt = target if target is not None else np.where(kind == K_PHARM, 110.0, 150.0) * np.exp(rng.normal(0, 0.4, n))
    return Visits.make(psn, inst_idx, kind, day, day, bsec, esec, diag, -1, dept, tgt, viol)


def inject_visits(v: Visits, p: Persons, inst: Institutions, per: Period, plan: Plan, lo_psn: int,
                  hi_psn: int, rng: np.random.Generator) -> Visits:
    """Add the visit-level patterns of persons [lo_psn, hi_psn) and re-resolve clean conflicts."""
    parts = [v]
    stay = v.kind == K_IPT
    local = np.isin(inst.lclass[v.inst], [TOWNSHIP, COUNTY])
    legit = np.isin(v.inst, plan.legit)
    # 分解住院: cut a stay in two, readmit within 1-10 days with the same diagnosis.
    p_split = np.where(np.isin(v.inst, plan.split), C.SPLIT_ADMISSION_RATE_FRAUD,
                       np.where(local, C.SPLIT_ADMISSION_RATE_BACKGROUND, 0.0))
    los = v.eday - v.bday
    sel = np.flatnonzero(stay & ~legit & (los >= 4) & (v.op < 0) & (rng.random(len(v)) < p_split))
    if len(sel):
        first = np.maximum(2, (los[sel] * rng.uniform(0.4, 0.6, len(sel))).astype(np.int64))
        gap = rng.integers(1, 11, len(sel))
        rest = np.maximum(los[sel] - first, 2) + rng.integers(0, 3, len(sel))
        new_b = v.bday[sel] + first + gap
        new_e = new_b + rest
        _, hi = _window(p, v.psn[sel], per)
        ok = new_e < np.minimum(hi, per.end_day)
        sel, first, new_b, new_e = sel[ok], first[ok], new_b[ok], new_e[ok]
        frac = first / np.maximum(los[sel], 1)
        tgt = v.target[sel]
        v.eday[sel] = v.bday[sel] + first
        v.esec[sel] = v.eday[sel] * DAY_S + rng.integers(8 * 3600, 11 * 3600, len(sel))
        v.target[sel] = tgt * (0.35 + 0.65 * frac)
        bsec = new_b * DAY_S + rng.integers(8 * 3600, 18 * 3600, len(sel))
        esec = new_e * DAY_S + rng.integers(8 * 3600, 11 * 3600, len(sel))
        parts.append(Visits.make(v.psn[sel], v.inst[sel], K_IPT, new_b, new_e, bsec, esec, v.diag[sel], -1,
                                 v.dept[sel], tgt * (0.45 + 0.65 * (1 - frac)), V_SPLIT))
    # 挂床住院: stays with only bed/nursing/诊查 at the ghost-bed 卫生院 (and a little elsewhere).
    base_stays = np.bincount(v.inst[stay], minlength=inst.n)
    n_ghost = np.zeros(inst.n)
    for i in plan.ghost:
        n_ghost[i] = base_stays[i] * C.GHOST_BED_RATE_FRAUD
    town = np.flatnonzero((inst.lclass == TOWNSHIP) & ~np.isin(np.arange(inst.n), plan.ghost))
    n_ghost[town] = base_stays[town] * C.GHOST_BED_RATE_BACKGROUND
    gi = np.repeat(np.arange(inst.n), rng.poisson(n_ghost))
    parts.append(_mild_stays(p, per, gi, (7, 21), (80.0, 80.0), V_GHOST_BED, lo_psn, hi_psn, rng))
    # 低标准入院: 1-3 day check-up stays for a mild condition at the same 卫生院 (and a few elsewhere).
    n_low = np.zeros(inst.n)
    n_low[plan.ghost] = base_stays[plan.ghost] * C.LOW_STANDARD_RATE_FRAUD
    n_low[town] = base_stays[town] * C.LOW_STANDARD_RATE_BACKGROUND
    li = np.repeat(np.arange(inst.n), rng.poisson(n_low))
    parts.append(_mild_stays(p, per, li, (1, 4), (700.0, 1000.0), V_LOW_STANDARD, lo_psn, hi_psn, rng))
    # Outpatient / pharmacy claims during a stay.
    cand, day = during_stay_days(v, stay & ~legit, C.OTP_DURING_STAY_RATE, rng)
    if len(cand):
        pharm = rng.random(len(cand)) < 0.4
        ph = np.flatnonzero(inst.lclass == PHARMACY)
        vil = np.flatnonzero(inst.lclass == VILLAGE)
        ist = np.where(pharm, ph[rng.integers(0, len(ph), len(cand))],
                       np.where(rng.random(len(cand)) < 0.5, plan.claims, vil[rng.integers(0, len(vil), len(cand))]))
        parts.append(_otp_visit(v.psn[cand], ist, day, rng, np.where(pharm, K_PHARM, K_OTP), V_OTP_DURING_STAY))
    # Same-day visits at three institutions (card lending / 套现).
    m = hi_psn - lo_psn
    k = rng.binomial(m, min(C.MULTI_INSTITUTION_DAY_RATE * per.years, 1.0))
    if k:
        psn = lo_psn + rng.choice(m, k, replace=False)
        lo, hi = _window(p, psn, per)
        ok = hi - lo > 2
        psn, lo, hi = psn[ok], lo[ok], hi[ok]
        day = per.sample_days(rng, lo, hi)
        vil = np.flatnonzero((inst.lclass == VILLAGE) & (np.arange(inst.n) != plan.claims))
        ph = np.flatnonzero(inst.lclass == PHARMACY)
        a = np.full(len(psn), plan.claims)
        b_ = vil[rng.integers(0, len(vil), len(psn))]
        c = ph[rng.integers(0, len(ph), len(psn))]
        for ist, kind in ((a, K_OTP), (b_, K_OTP), (c, K_PHARM)):
            parts.append(_otp_visit(psn, ist, day, rng, kind, V_MULTI_INST))
    # Claims after death (a few per chosen deceased person).
    dead = plan.dead_psn[(plan.dead_psn >= lo_psn) & (plan.dead_psn < hi_psn)]
    if len(dead):
        n_cl = rng.integers(1, 5, len(dead))
        psn = np.repeat(dead, n_cl)
        start = p.die[psn] + 3
        end = np.minimum(p.die[psn] + 150, per.end_day - 1)
        ok = end > start
        psn, start, end = psn[ok], start[ok], end[ok]
        day = start + (rng.random(len(psn)) * (end - start)).astype(np.int64)
        pharm = rng.random(len(psn)) < 0.5
        ph = np.flatnonzero(inst.lclass == PHARMACY)
        ist = np.where(pharm, ph[rng.integers(0, len(ph), len(psn))], plan.claims)
        parts.append(_otp_visit(psn, ist, day, rng, np.where(pharm, K_PHARM, K_OTP), V_POST_DEATH))
    # Volume inflation: fabricated repeat visits of real patients at the inflating clinics.
    for i, extra in plan.volume.items():
        src = np.flatnonzero((v.inst == i) & (v.kind == K_OTP))
        src = src[rng.random(len(src)) < extra]
        if len(src):
            day = v.bday[src] + rng.integers(5, 40, len(src))
            _, hi = _window(p, v.psn[src], per)
            ok = day < hi
            src, day = src[ok], day[ok]
            parts.append(_otp_visit(v.psn[src], np.full(len(src), i), day, rng, K_OTP, V_VOLUME,
                                    v.target[src] * rng.uniform(0.8, 1.2, len(src))))
    # Pharmacy hoarding: the same persons buy large quantities every 7-15 days.
    hp = plan.hoard_psn[(plan.hoard_psn >= lo_psn) & (plan.hoard_psn < hi_psn)]
    if len(hp):
        lo, hi = _window(p, hp, per)
        start = lo + rng.integers(0, 120, len(hp))
        n_buy = np.maximum((hi - start) // 11, 0)
        r = np.repeat(np.arange(len(hp)), n_buy)
        day = start[r] + grouped_arange(n_buy) * 11 + rng.integers(-3, 4, len(r))
        ok = (day >= lo[r]) & (day < hi[r])
        r, day = r[ok], day[ok]
        parts.append(_otp_visit(hp[r], np.full(len(r), plan.hoard), day, rng, K_PHARM, V_HOARDING))
    parts.append(_rehab_series(v, p, inst, per, plan, rng))
    return resolve_conflicts(Visits.concat(parts))


def _rehab_series(v: Visits, p: Persons, inst: Institutions, per: Period, plan: Plan,
                  rng: np.random.Generator) -> Visits:
    """门诊康复: after a neuro/ortho stay at a local hospital or 卫生院, one series per person of
    outpatient 康复医学科 visits at that hospital every 1-2 days (inject_lines bills a 两库 8-3
    training item on each); at the rule-hit hospitals more series run beyond the 30-day course."""
    theme = DIAG_THEME[np.maximum(v.diag, 0)]
    cand = ((v.kind == K_IPT) & (v.viol == 0) & ~np.isin(v.inst, plan.legit)
            & np.isin(theme, [THEMES.index("neuro"), THEMES.index("ortho")])
            & np.isin(inst.lclass[v.inst], [TOWNSHIP, COUNTY, CITY]))
    p_over = np.where(np.isin(v.inst, plan.rules + plan.split), C.ITEM_COURSE_SERIES_RATE_FRAUD,
                      C.ITEM_COURSE_SERIES_RATE_BACKGROUND)
    u = rng.random(len(v))
    s = np.flatnonzero(cand & (u < p_over + C.ITEM_COURSE_LEGIT_RATE))
    s = s[np.lexsort((v.bday[s], v.psn[s]))]
    s = s[np.r_[True, v.psn[s][1:] != v.psn[s][:-1]]] if len(s) else s     # after the person's first stay
    n = np.where(u[s] < p_over[s], ITEM_COURSE_MAX_DAYS + rng.integers(*C.ITEM_COURSE_OVER_EXTRA_DAYS, len(s)),
                 rng.integers(6, ITEM_COURSE_MAX_DAYS + 1, len(s)))
    r = np.repeat(np.arange(len(s)), n)
    k = grouped_arange(n)
    step = np.where(k == 0, rng.integers(1, 4, len(r)), 1 + (rng.random(len(r)) < 0.25))
    done = np.cumsum(step)
    first = np.arange(len(r)) - k
    day = v.eday[s][r] + done - (done - step)[first]          # first visit 1-3 days after discharge
    _, hi = _window(p, v.psn[s][r], per)
    r, day = r[day < hi], day[day < hi]
    bsec = day * DAY_S + rng.integers(8 * 3600, 16 * 3600, len(r))
    esec = bsec + rng.integers(1800, 5400, len(r))
    return Visits.make(v.psn[s][r], v.inst[s][r], K_OTP, day, day, bsec, esec, v.diag[s][r], -1, REHAB_DEPT,
                       40.0 * np.exp(rng.normal(0, 0.3, len(r))))


def during_stay_days(v: Visits, eligible: np.ndarray, rate: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Stays of at least 3 days among `eligible` drawn at `rate`, and one day strictly inside each,
    from the stay as it is now: after the 分解住院 cut, never in the gap between the two halves."""
    los = v.eday - v.bday
    cand = np.flatnonzero(eligible & (los >= 3) & (rng.random(len(v)) < rate))
    day = v.bday[cand] + 1 + (rng.random(len(cand)) * (los[cand] - 2)).astype(np.int64)
    return cand, day


def resolve_conflicts(v: Visits) -> Visits:
    """Drop the clean visits that conflict with a pattern (visits.drop_conflicts), then clear the
    分解住院 readmissions left without their index stay."""
    return clear_orphan_readmissions(drop_conflicts(v))


def clear_orphan_readmissions(v: Visits) -> Visits:
    """A 分解住院 readmission is a violation only next to its index stay: when conflict resolution
    dropped that stay (or another stay at the same hospital now comes between), it becomes an
    ordinary stay without a truth row. The check mirrors the rule: the previous stay of the person
    at the same institution, same ICD-10 category, discharged 0-15 days before."""
    si = np.flatnonzero(np.isin(v.kind, STAY_KINDS))
    si = si[np.lexsort((v.bsec[si], v.inst[si], v.psn[si]))]
    a, b = si[:-1], si[1:]
    gap = v.bday[b] - v.eday[a]
    linked = ((v.psn[a] == v.psn[b]) & (v.inst[a] == v.inst[b]) & (DIAG3_ID[v.diag[a]] == DIAG3_ID[v.diag[b]])
              & (gap >= 0) & (gap <= 15))
    orphan = np.r_[si[:1], b[~linked]]
    v.viol[orphan[v.viol[orphan] == V_SPLIT]] = 0
    return v


# ------------------------------------------------------------------ line level ---------------
def inject_lines(lines: Lines, v: Visits, p: Persons, inst: Institutions, cat: Catalogue, plan: Plan,
                 rng: np.random.Generator) -> Lines:
    """Add 两库 hits and 串换 substitutions; rebuild hoarding purchases."""
    age = (v.bday - p.brdy[v.psn]) // 365
    gend = p.gend[v.psn]
    lclass = inst.lclass[v.inst]
    days = np.maximum(v.eday - v.bday, 1)
    clean_v = v.viol == 0
    legit = np.isin(v.inst, plan.legit)
    new: list[tuple] = []      # (visit, entry, day_offset, cnt, code)

    def add(vis, entry, day, cnt, code):
        if len(vis):
            new.append((np.asarray(vis), np.broadcast_to(entry, np.shape(vis)).astype(np.int64),
                        np.broadcast_to(day, np.shape(vis)).astype(np.int64),
                        np.broadcast_to(cnt, np.shape(vis)).astype(np.float64), code))

    pool = cat.pool
    stay = (v.kind == K_IPT) & clean_v & ~legit
    rules_inst = np.isin(v.inst, plan.rules + plan.split)
    p_hit = np.where(rules_inst, C.RULE_HIT_STAY_RATE_FRAUD,
                     np.where(np.isin(lclass, [TOWNSHIP, COUNTY]), C.RULE_HIT_STAY_RATE_BACKGROUND, 0.0))
    hit = np.flatnonzero(stay & (rng.random(len(v)) < p_hit))
    kind = rng.integers(1, 7, len(hit))
    # Frequency over the limit: daily bed / nursing / 诊查 charged twice on the same day — on most
    # days of most stays at the rule-hit hospitals, on a few days of a few stays elsewhere.
    p_freq = np.where(rules_inst, C.FREQ_STAY_RATE_FRAUD,
                      np.where(np.isin(lclass, [TOWNSHIP, COUNTY]), C.FREQ_STAY_RATE_BACKGROUND, 0.0))
    freq_v = stay & (rng.random(len(v)) < p_freq)
    freq_codes = [cat.idx(c) for c in FREQ_RULE_IDS]
    day_of_line = (lines.sec // DAY_S) - v.bday[lines.visit]
    cand = freq_v[lines.visit] & np.isin(lines.entry, freq_codes)
    cand &= np.where(rules_inst[lines.visit], rng.random(len(lines)) < 0.9,
                     (day_of_line < 6) & (rng.random(len(lines)) < 0.6))
    dup = lines.take(np.flatnonzero(cand))
    dup.sec = np.minimum(dup.sec + rng.integers(60, 900, len(dup)), v.esec[dup.visit])
    dup.viol = np.full(len(dup), L_FREQ, np.int8)
    # 1: level-2 drug at a 卫生院 (else a wrong-sex drug)
    s = hit[kind == 1]
    lv = s[lclass[s] == TOWNSHIP]
    add(lv, pool("drug_tcm_iv_lv2")[rng.integers(0, 2, len(lv))], 0, rng.integers(2, 8, len(lv)), L_DRUG_LEVEL)
    other = s[lclass[s] != TOWNSHIP]
    add(other, np.where(gend[other] == 1, pool("drug_F")[0], pool("drug_M")[0]), 1, rng.integers(10, 30, len(other)),
        L_DRUG_SEX)
    # 2: wrong-sex drug
    s = hit[kind == 2]
    add(s, np.where(gend[s] == 1, pool("drug_F")[rng.integers(0, 3, len(s))], pool("drug_M")[0]), 0,
        rng.integers(10, 40, len(s)), L_DRUG_SEX)
    # 3: child-only drug for an adult
    s = hit[(kind == 3) & (age[hit] >= 18)]
    add(s, pool("drug_child")[rng.integers(0, 2, len(s))], 0, rng.integers(3, 10, len(s)), L_DRUG_AGE)
    # 4: wrong-sex item
    s = hit[kind == 4]
    add(s, np.where(gend[s] == 1, np.array([pool("img_F")[0], pool("treat_F")[0], pool("lab_F")[0]])[
        rng.integers(0, 3, len(s))], np.array([pool("treat_M")[0], pool("lab_M")[0]])[rng.integers(0, 2, len(s))]),
        0, 1.0, L_ITEM_SEX)
    # 5: period limit (糖化血红蛋白 twice within 15 days)
    s = hit[(kind == 5) & (days[hit] >= 4)]
    first = s[DIAG_THEME[np.maximum(v.diag[s], 0)] != THEMES.index("dm")]
    add(first, pool("lab_dm")[0], 0, 1.0, 0)        # a first test (dm stays already have one) …
    add(s, pool("lab_dm")[0], np.minimum(3 + rng.integers(0, 5, len(s)), days[s] - 1), 1.0, L_PERIOD)
    # 6: hourly monitoring beyond 24 h a day
    s = hit[kind == 6]
    add(s, pool("monitor")[0], 0, rng.integers(30, 49, len(s)).astype(float), L_FREQ)
    # Repeat charging: 血液灌流 on the same day as 血液透析 (dialysis sessions at the upcoding hospital,
    # and a few elsewhere); 冠状动脉造影 with STENT the same day.
    dial = np.flatnonzero((v.kind == K_DIALYSIS) & clean_v)
    p_rep = np.where(np.isin(v.inst[dial], plan.upcode), 0.12, 0.004)
    rep = dial[rng.random(len(dial)) < p_rep]
    add(rep, pool("perfusion")[0], 0, 1.0, 0)
    add(rep, pool("cons_perfusion")[0], 0, 1.0, 0)
    pci = np.flatnonzero((v.op == OP_KEYS.index("pci")) & clean_v & ~legit & (rng.random(len(v)) < 0.08))
    add(pci, pool("op_cag")[0], np.minimum(1, days[pci] - 1), 1.0, L_REPEAT)
    # Outpatient 两库 hits: inpatient-only drug, level-2 drug at 卫生院 clinics.
    otp = np.flatnonzero((v.kind == K_OTP) & clean_v & np.isin(lclass, [TOWNSHIP, VILLAGE]))
    p_o = np.where(np.isin(v.inst[otp], plan.rules), 0.05, 0.002)
    o = otp[rng.random(len(otp)) < p_o]
    half = rng.random(len(o)) < 0.5
    add(o[half], np.array([pool("drug_ipt")[0], pool("drug_er")[0]])[rng.integers(0, 2, int(half.sum()))], 0,
        1.0, L_DRUG_VISIT)
    ol = o[~half & (lclass[o] == TOWNSHIP)]
    add(ol, pool("drug_tcm_iv_lv2")[0], 0, 2.0, L_DRUG_LEVEL)

    _course_age_secondary(add, v, age, days, stay, rules_inst, cat, rng)
    _rehab_courses(add, v, clean_v, cat)
    # 限定保险类型 (batch 3): a 工伤-only drug billed to 医保 (every insured person is 职工/居民 医保).
    amb = np.flatnonzero(np.isin(v.kind, [K_OTP, K_PHARM]) & clean_v & ~legit)
    p_ins = np.where(np.isin(v.inst[amb], plan.rules), C.INSUTYPE_VISIT_RATE_FRAUD, C.INSUTYPE_VISIT_RATE_BACKGROUND)
    s = amb[rng.random(len(amb)) < p_ins]
    add(s, pool("drug_injury")[0], 0, rng.integers(1, 4, len(s)).astype(float), L_INSUTYPE)

    # Hoarding purchases: replace their lines by one large purchase of the same drug.
    hoard_v = np.flatnonzero(v.viol == V_HOARDING)
    keep = ~np.isin(lines.visit, hoard_v)
    drug = pool("drug_dm_inj")[0]
    add(hoard_v, drug, 0, rng.integers(*C.HOARDING_PENS, len(hoard_v)).astype(float), 0)
    # Clean insulin refills of chronic diabetes patients at their monthly visit (never the hoarders),
    # so the over-supply rule meets regular dispensing of the hoarded drug.
    dm_visit = (v.kind == K_CHRONIC) & clean_v & (DIAG_THEME[np.maximum(v.diag, 0)] == THEMES.index("dm"))
    on_insulin = (v.psn * 2654435761 % 100) < C.CHRONIC_INSULIN_SHARE * 100
    refill = np.flatnonzero(dm_visit & on_insulin & ~np.isin(v.psn, plan.hoard_psn))
    add(refill, drug, 0, float(C.CHRONIC_INSULIN_PENS), 0)

    parts = [lines.take(np.flatnonzero(keep)), dup]
    if new:
        vis = np.concatenate([x[0] for x in new])
        ent = np.concatenate([x[1] for x in new])
        day = np.concatenate([x[2] for x in new])
        cnt = np.concatenate([x[3] for x in new])
        code = np.concatenate([np.full(len(x[0]), x[4], np.int8) for x in new])
        sec = (v.bday[vis] + day) * DAY_S + rng.integers(9 * 3600, 17 * 3600, len(vis))
        sec = np.clip(sec, v.bsec[vis], v.esec[vis])
        pric = _price(cat, inst, v, vis, ent)
        parts.append(Lines(vis, ent, sec, np.round(cnt * 10_000).astype(np.int64), pric, code))
    out = Lines.concat(parts)
    # 串换: imported plates billed instead of domestic ones at the upcoding hospital.
    dom, imp = pool("cons_ortho")[0], pool("cons_ortho_hi")[0]
    at = np.isin(v.inst[out.visit], plan.upcode) & (out.entry == dom)
    shift = at & (rng.random(len(out)) < C.UPCODING_SHARE)
    out.entry = np.where(shift, imp, out.entry)
    out.pric4 = np.where(shift, _price(cat, inst, v, out.visit, np.full(len(out), imp)), out.pric4)
    out.viol = np.where(shift, L_UPCODE, out.viol).astype(np.int8)
    # Legitimate imported plates at tertiary hospitals (so the imported code alone is no signal).
    # Never at the upcoding hospital: there every imported plate is a substitution with a truth row.
    legit_imp = (out.entry == dom) & (inst.lclass[v.inst[out.visit]] >= 2) & (rng.random(len(out)) < 0.25)
    legit_imp &= ~np.isin(v.inst[out.visit], plan.upcode)
    out.entry = np.where(legit_imp, imp, out.entry)
    out.pric4 = np.where(legit_imp, _price(cat, inst, v, out.visit, np.full(len(out), imp)), out.pric4)
    # Repeat charging of 血液透析: the secondary line is the violating one.
    if len(rep):
        dial_line = np.isin(out.visit, rep) & (out.entry == pool("dialysis")[0]) & (out.viol == 0)
        out.viol = np.where(dial_line, L_REPEAT, out.viol).astype(np.int8)
    order = np.lexsort((out.sec, out.visit))
    return out.take(order)


def _course_age_secondary(add, v: Visits, age: np.ndarray, days: np.ndarray,
                          stay: np.ndarray, rules_inst: np.ndarray, cat: Catalogue, rng: np.random.Generator) -> None:
    """Stay-level hits of batches 6 (drug course), 8-2 (item age) and 2 (secondary operation at full
    price), plus clean 奥扎格雷钠 courses of at most 14 days so that the drug alone is no signal."""
    theme = DIAG_THEME[np.maximum(v.diag, 0)]

    def rate(fraud: float, background: float) -> np.ndarray:
        return np.where(rules_inst, fraud, background)

    # 限定支付疗程: 奥扎格雷钠 on every day of a neuro stay longer than the course; days 15+ break it.
    neuro = stay & (theme == THEMES.index("neuro"))
    u = rng.random(len(v))
    p_over = rate(C.DRUG_COURSE_STAY_RATE_FRAUD, C.DRUG_COURSE_STAY_RATE_BACKGROUND)
    over = neuro & (days > DRUG_COURSE_MAX_DAYS) & (u < p_over)
    clean = np.flatnonzero(neuro & ~over & (u < p_over + C.DRUG_COURSE_LEGIT_RATE))
    n_days = np.where(over, days, 0)
    n_days[clean] = np.minimum(days[clean], rng.integers(5, DRUG_COURSE_MAX_DAYS + 1, len(clean)))
    s = np.flatnonzero(n_days)
    r = np.repeat(s, n_days[s])
    d = grouped_arange(n_days[s])
    late = d >= DRUG_COURSE_MAX_DAYS
    drug = cat.pool("drug_course")[0]
    add(r[~late], drug, d[~late], 2.0, 0)
    add(r[late], drug, d[late], 2.0, L_DRUG_COURSE)
    # 限定年龄 (8-2): 职业功能训练 for retired-age patients on rehab days of ortho/neuro stays.
    rehab = stay & np.isin(theme, [THEMES.index("neuro"), THEMES.index("ortho")]) & (age > WORKING_AGE_MAX + 1)
    s = np.flatnonzero(rehab & (days >= 3) & (rng.random(len(v)) < rate(C.ITEM_AGE_STAY_RATE_FRAUD,
                                                                          C.ITEM_AGE_STAY_RATE_BACKGROUND)))
    n = np.minimum(days[s] - 1, 10)
    add(np.repeat(s, n), cat.pool("rehab_work")[0], 1 + grouped_arange(n), 1.0, L_ITEM_AGE)
    # 限定主次操作 (batch 2): a second 肝胆 operation through the same incision at full price.
    p_2nd = rate(C.SECONDARY_OP_RATE_FRAUD, C.SECONDARY_OP_RATE_BACKGROUND)
    s = np.flatnonzero(stay & (v.op == OP_KEYS.index("chole")) & (rng.random(len(v)) < p_2nd))
    add(s, cat.pool("op_2nd_hepatobiliary")[0], np.minimum(1, days[s] - 1), 1.0, L_SECONDARY)


def _rehab_courses(add, v: Visits, clean_v: np.ndarray, cat: Catalogue) -> None:
    """限定支付疗程 of items (8-3): the training item of every 门诊康复 visit (_rehab_series), one of the
    30-day items per person; days of use after the course are marked, which keeps their visits out of
    refunds. The truth recounts the course days on the settled lines (_truth_codes)."""
    rv = np.flatnonzero((v.kind == K_OTP) & (v.dept == REHAB_DEPT) & clean_v)
    rv = rv[np.lexsort((v.bday[rv], v.psn[rv]))]
    pos = np.arange(len(rv))
    first = np.r_[True, v.psn[rv][1:] != v.psn[rv][:-1]] if len(rv) else np.zeros(0, bool)
    use_day = pos - np.maximum.accumulate(np.where(first, pos, 0)) + 1
    items = cat.pool("rehab_course")
    entry = items[v.psn[rv] % len(items)]
    late = use_day > ITEM_COURSE_MAX_DAYS
    add(rv[~late], entry[~late], 0, 1.0, 0)
    add(rv[late], entry[late], 0, 1.0, L_ITEM_COURSE)


def _price(cat: Catalogue, inst: Institutions, v: Visits, vis: np.ndarray, ent: np.ndarray) -> np.ndarray:
    return unit_price(cat, inst.lclass[v.inst[vis]], ent)


# ------------------------------------------------------------------ truth --------------------
TRUTH_COLUMNS = ["violation_type", "rule_id", "fixmedins_code", "psn_no", "mdtrt_id", "setl_id", "bkkp_sn",
                 "amount", "note", "viol_date"]


@dataclass
class Truth:
    rows: list[pa.Table] = field(default_factory=list)

    def collect(self, st, v: Visits, p: Persons, inst: Institutions, cat: Catalogue, ids) -> None:
        s = st.s
        n_v = len(v)
        # Visit level: the original settlement of a visit is row = visit index.
        vi = np.flatnonzero(v.viol > 0)
        if len(vi):
            codes = v.viol[vi]
            types = [VISIT_TYPES[c][0] for c in range(1, 9)]
            rules = [VISIT_TYPES[c][1] for c in range(1, 9)]
            notes = {V_SPLIT: "readmission to the same hospital within 15 days, same diagnosis",
                     V_GHOST_BED: "stay billed with bed, nursing and 诊查 only",
                     V_OTP_DURING_STAY: "claim while the person was an inpatient",
                     V_MULTI_INST: "one of ≥3 institutions visited the same day",
                     V_POST_DEATH: "settlement after the recorded date of death",
                     V_VOLUME: "fabricated repeat visit (volume inflation)",
                     V_HOARDING: "large repeated purchase of the same drug at one pharmacy",
                     V_LOW_STANDARD: "1-3 day stay for a mild condition, billed mostly for labs and imaging"}
            assert (s.visit[:n_v] == np.arange(n_v)).all()
            self.rows.append(pa.table({
                "violation_type": take_str(types, codes - 1), "rule_id": take_str(rules, codes - 1),
                "fixmedins_code": take_str(inst.code, v.inst[vi]), "psn_no": p.psn_no.take(pa.array(v.psn[vi])),
                "mdtrt_id": ids.mdtrt.take(pa.array(vi)), "setl_id": ids.setl.take(pa.array(vi)),
                "bkkp_sn": pa.nulls(len(vi), pa.string()),
                "amount": money(np.where(codes == V_HOARDING, _over_supply(st, v, cat, vi), s.medfee[vi])).cast(pa.string()),
                "note": take_str([notes[c] for c in range(1, 9)], codes - 1),
                "viol_date": dates(v.bday[vi]).cast(pa.string())}))
        # Line level.
        L = st.lines
        viol = _truth_codes(st, v, cat)
        li = np.flatnonzero(viol > 0)
        if len(li):
            code = viol[li]
            ent = L.entry[li]
            a = line_amounts(L.take(li), cat)
            up = code == L_UPCODE
            dom = _price(cat, inst, v, L.visit[li], np.full(len(li), cat.pool("cons_ortho")[0]))
            diff = np.rint((L.pric4[li] - dom) * L.cnt4[li] / 1e6).astype(np.int64)
            # The suspect amount of fct_rule_hit (domain.md §3.3, docs/rule-engine.md): the line's
            # 医保范围 amount (inscp); for 超频次 only its part above the daily limit, for a secondary
            # operation the part above the discounted price.
            amount = np.where(up, diff, a.inscp)
            amount = np.where(code == L_FREQ, _frequency_excess(st, v, cat, li, a.inscp), amount)
            excess = round_half_away(a.inscp * round((1 - SECONDARY_FEE_RATIO) * 10_000), 10_000)
            amount = np.where(code == L_SECONDARY, excess, amount)
            rid = np.array([e.rule_id or "" for e in cat.entries], dtype=object)[ent]
            codes_ = np.array([e.code for e in cat.entries], dtype=object)[ent]
            rid = np.where(code == L_FREQ, [FREQ_RULE_IDS.get(c, "") for c in codes_], rid)
            rid = np.where(code == L_REPEAT, [REPEAT_RULE_IDS.get(c, "") for c in codes_], rid)
            rid = np.where(up, "behav-upcoding", rid)
            note = np.array([LINE_TYPES[c] for c in range(1, len(LINE_TYPES) + 1)], dtype=object)[code - 1]
            names = np.array([e.name for e in cat.entries], dtype=object)[ent]
            note = np.where(up, "imported plate billed where a domestic one was used",
                            np.char.add(np.char.add(note.astype(str), ": "), names.astype(str)))
            vis = L.visit[li]
            self.rows.append(pa.table({
                "violation_type": take_str([LINE_TYPES[c] for c in range(1, len(LINE_TYPES) + 1)], code - 1),
                "rule_id": pa.array(rid.tolist(), pa.string()),
                "fixmedins_code": take_str(inst.code, v.inst[vis]), "psn_no": p.psn_no.take(pa.array(v.psn[vis])),
                "mdtrt_id": ids.mdtrt.take(pa.array(vis)), "setl_id": ids.setl.take(pa.array(st.line_setl[li])),
                "bkkp_sn": ids.bkkp.take(pa.array(li)), "amount": money(amount).cast(pa.string()),
                "note": pa.array(note.tolist(), pa.string()),
                "viol_date": dates(L.sec[li] // DAY_S).cast(pa.string())}))

    def table(self) -> pa.Table:
        """Every injected violation so far (TRUTH_COLUMNS, all text)."""
        if self.rows:
            return pa.concat_tables(self.rows).select(TRUTH_COLUMNS)
        return pa.table({c: pa.array([], pa.string()) for c in TRUTH_COLUMNS})

    def write(self, out: Path, roles: pa.Table) -> None:
        out.mkdir(parents=True, exist_ok=True)
        pacsv.write_csv(roles, out / "institutions.csv")
        pacsv.write_csv(self.table(), out / "violations.csv")



def _net_lines(st) -> np.ndarray:
    """The settled lines the rules see: neither refund rows nor the lines they cancel."""
    net = st.lines.cnt4 > 0
    net[st.line_refund_of[st.line_refund_of >= 0]] = False
    return net


def _truth_codes(st, v: Visits, cat: Catalogue) -> np.ndarray:
    """Line violation codes of the truth: as injected, except the period and course families
    (batches 8-4, 6 and 8-3), recounted on the settled lines as fct_rule_hit counts them. Period: a
    charge fewer than the period's days after the person's previous one. Course: a person's run of
    charge days of the drug or item with breaks of at most the course gap, across visits; every line
    on a day of use after the limit. A clean first test dropped for following an earlier one
    (drop_period_repeats), a refunded visit before a course limit, or two courses a few days apart
    (a transfer, a readmission) change what the data show."""
    L = st.lines
    code = L.viol.copy()
    net = _net_lines(st)
    code[code == L_PERIOD] = 0
    for pool, days in PERIOD_DAYS.items():
        pi = np.flatnonzero(net & (L.entry == cat.pool(pool)[0]))
        if len(pi) < 2:
            continue
        pi = pi[np.lexsort((pi, L.sec[pi], v.psn[L.visit[pi]]))]
        psn, day = v.psn[L.visit[pi]], L.sec[pi] // DAY_S
        close = (psn[1:] == psn[:-1]) & (day[1:] - day[:-1] < days)
        code[pi[1:][close]] = L_PERIOD
    for pool, c, max_days, gap_days in (("drug_course", L_DRUG_COURSE, DRUG_COURSE_MAX_DAYS, DRUG_COURSE_GAP_DAYS),
                                        ("rehab_course", L_ITEM_COURSE, ITEM_COURSE_MAX_DAYS, ITEM_COURSE_GAP_DAYS)):
        code[code == c] = 0
        ci = np.flatnonzero(net & np.isin(L.entry, cat.pool(pool)))
        if len(ci) == 0:
            continue
        psn, ent, day = v.psn[L.visit[ci]], L.entry[ci], L.sec[ci] // DAY_S
        o = np.lexsort((day, ent, psn))
        ci, psn, ent, day = ci[o], psn[o], ent[o], day[o]
        gap = np.r_[0, np.diff(day)]
        new_course = np.r_[True, (psn[1:] != psn[:-1]) | (ent[1:] != ent[:-1])] | (gap > gap_days)
        k = np.cumsum(new_course | (gap > 0))
        pos = np.arange(len(ci))
        use_day = k - k[np.maximum.accumulate(np.where(new_course, pos, 0))] + 1
        code[ci[use_day > max_days]] = c
    return code


def _frequency_excess(st, v: Visits, cat: Catalogue, li: np.ndarray, inscp: np.ndarray) -> np.ndarray:
    """In-scope amount (fen) of lines li above their item's daily limit, allotted as fct_rule_hit does:
    a person-day's allowance goes to the smallest lines first, then the earliest, then by 记账流水号;
    the rest of the day's quantity is excess. inscp: the in-scope amounts of lines li."""
    L = st.lines
    limit4 = np.zeros(len(cat.entries), np.int64)
    for c in FREQ_RULE_IDS:
        limit4[cat.idx(c)] = FREQ_DAILY_LIMITS.get(c, 1) * 10_000
    fi = np.flatnonzero(_net_lines(st) & (limit4[L.entry] > 0))
    if len(fi) == 0:
        return np.zeros(len(li), np.int64)
    psn, day = v.psn[L.visit[fi]], L.sec[fi] // DAY_S
    o = np.lexsort((fi, L.sec[fi], L.cnt4[fi], L.entry[fi], day, psn))
    fi, psn, day = fi[o], psn[o], day[o]
    cnt = L.cnt4[fi]
    new = np.r_[True, (psn[1:] != psn[:-1]) | (day[1:] != day[:-1]) | (L.entry[fi][1:] != L.entry[fi][:-1])]
    run = np.cumsum(cnt)
    start = np.maximum.accumulate(np.where(new, np.arange(len(fi)), 0))
    run = run - run[start] + cnt[start]
    excess = np.zeros(len(L), np.int64)
    excess[fi] = np.maximum(run - np.maximum(run - cnt, limit4[L.entry[fi]]), 0)
    return round_half_away(inscp * excess[li], L.cnt4[li])


def _over_supply(st, v: Visits, cat: Catalogue, vi: np.ndarray) -> np.ndarray:
    """In-scope amount (fen) of visits vi above the 超量开药 tolerance, as fct_rule_hit measures it: for
    each take-home purchase of the hoarded drug, the days of supply the person bought in the window
    ending with it (earlier purchases first) above window × tolerance, at most its own days, as a
    share of its in-scope amount; summed per visit."""
    L = st.lines
    hi = np.flatnonzero(_net_lines(st) & (L.entry == cat.pool("drug_dm_inj")[0]) & ~np.isin(v.kind[L.visit], STAY_KINDS))
    per_visit = np.zeros(len(v), np.int64)
    if len(hi):
        psn, day = v.psn[L.visit[hi]], L.sec[hi] // DAY_S
        o = np.lexsort((hi, L.sec[hi], psn))
        hi, psn, day = hi[o], psn[o], day[o]
        supply = L.cnt4[hi] * round(HOARDING_DAYS_PER_UNIT * 10)        # days × 100,000
        done = np.cumsum(supply)
        key = psn * 1_000_000 + day
        lo = np.searchsorted(key, key - (HOARDING_WINDOW_DAYS - 1), "left")
        window = done - np.r_[0, done][lo]
        over = np.clip(window - round(HOARDING_WINDOW_DAYS * HOARDING_TOLERANCE * 100_000), 0, supply)
        inscp = line_amounts(L.take(hi), cat).inscp
        np.add.at(per_visit, L.visit[hi], round_half_away(inscp * over, np.maximum(supply, 1)))
    return per_visit[vi]

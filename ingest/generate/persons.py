"""Insured persons: psn_info_b, psn_insu_d and the year-end insured_population.

All persons of the county are generated up front (a few hundred thousand rows at most); the
visit generator then works through them in blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import config as C
from . import reference as R
from .util import (ascii_to_arrow, const_str, dates, digits_ascii, id_strings, rng_for,
                   take_str, weighted_choice, year_start)

ISO_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ISO_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


@dataclass
class Persons:
    """Column arrays of all persons (index = person number)."""
    n: int
    psn_no: pa.Array
    name: pa.Array
    certno: pa.Array
    tel: pa.Array
    addr: pa.Array
    gend: np.ndarray          # int8 1 male 2 female
    brdy: np.ndarray          # day number
    insutype: np.ndarray      # int16 310 / 390
    psn_type: np.ndarray      # index into PSN_TYPES
    retired: np.ndarray       # bool: 职工 already retired at the period start
    retire_day: np.ndarray    # day an in-service 职工 retires (OPEN if not a 职工)
    civil_servant: np.ndarray  # bool
    poor: np.ndarray          # bool
    crt: np.ndarray           # current relation start (day)
    paus: np.ndarray          # current relation end (day, exclusive), INT_MAX if open
    die: np.ndarray           # death day, INT_MAX if alive
    township: np.ndarray      # index into the county townships
    frailty: np.ndarray       # float, multiplies every visit rate
    chronic: np.ndarray       # -1 or index into CHRONIC_DIAGNOSES
    dialysis: np.ndarray      # bool

    def retired_at(self, psn: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Is the person a retired 职工 on that day?"""
        return (self.insutype[psn] == 310) & (day >= self.retire_day[psn])

    def type_at(self, psn: np.ndarray, day: np.ndarray) -> np.ndarray:
        """psn_type index on that day (in-service 11xx become 12xx on retirement)."""
        t = self.psn_type[psn]
        return np.where((t <= 2) & (day >= self.retire_day[psn]), t + 3, t).astype(np.int8)


PSN_TYPES = ("1101", "1102", "1103", "1201", "1202", "1203", "1403", "15")
OPEN = np.iinfo(np.int32).max


def _ages(rng: np.random.Generator, n: int) -> np.ndarray:
    band = weighted_choice(rng, np.array(C.AGE_BAND_WEIGHTS), n)
    return band * 5 + rng.integers(0, 5, n)


def _certno(resd: np.ndarray, brdy: np.ndarray, gend: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """18-char 居民身份证号 with a valid ISO 7064 MOD 11-2 check character."""
    d = brdy.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    seq = rng.integers(0, 500, len(brdy)) * 2 + (gend == 1)        # odd for men
    body = np.hstack([digits_ascii(resd, 6), digits_ascii(y * 10000 + m * 100 + dd, 8),
                      digits_ascii(seq, 3)])
    check = ISO_CHECK[((body.astype(np.int64) - 48) @ ISO_WEIGHTS) % 11]
    return ascii_to_arrow(np.hstack([body, check[:, None]]))


def _names(rng: np.random.Generator, gend: np.ndarray) -> pa.Array:
    n = len(gend)
    sur = take_str(list(R.SURNAMES), weighted_choice(rng, np.array(R.SURNAME_WEIGHTS), n))
    male = gend == 1
    pool_m = list(R.GIVEN_MALE) + list(R.GIVEN_ANY)
    pool_f = list(R.GIVEN_FEMALE) + list(R.GIVEN_ANY)
    g1 = pc.if_else(pa.array(male), take_str(pool_m, rng.integers(0, len(pool_m), n)),
                    take_str(pool_f, rng.integers(0, len(pool_f), n)))
    g2 = pc.if_else(pa.array(male), take_str(pool_m, rng.integers(0, len(pool_m), n)),
                    take_str(pool_f, rng.integers(0, len(pool_f), n)))
    two = pa.array(rng.random(n) < 0.72)
    given = pc.if_else(two, pc.binary_join_element_wise(g1, g2, ""), g1)
    return pc.binary_join_element_wise(sur, given, "")


def _addresses(rng: np.random.Generator, township: np.ndarray, towns: list[tuple[str, bool]]) -> pa.Array:
    n = len(township)
    prefix = R.COUNTY["province"] + R.COUNTY["city"] + R.COUNTY["name"]
    town = take_str([prefix + t for t, _ in towns], township)
    street = np.array([s for _, s in towns])[township]
    village = take_str([v + "村" for v in R.VILLAGE_STEMS], rng.integers(0, len(R.VILLAGE_STEMS), n))
    group = pc.binary_join_element_wise(
        pc.cast(pa.array(rng.integers(1, 16, n)), pa.string()), pa.array(["组"] * 1, pa.string())[0], "")
    rural = pc.binary_join_element_wise(town, village, group, "")
    road = take_str(["皖西路", "梅山路", "人民路", "解放路", "佛子岭路", "紫竹林路", "长安路", "淠河路"],
                    rng.integers(0, 8, n))
    num = pc.binary_join_element_wise(pc.cast(pa.array(rng.integers(1, 400, n)), pa.string()),
                                      pa.array(["号"])[0], "")
    urban = pc.binary_join_element_wise(town, road, num, "")
    return pc.if_else(pa.array(street), urban, rural)


def generate_persons(n0: int, start_day: int, end_day: int, years: int, seed: int) -> Persons:
    """Initial insured n0 plus newborns and new entrants joining during [start_day, end_day)."""
    rng = rng_for(seed, 1)
    n_birth = int(round(n0 * C.BIRTH_RATE * years))
    n_new = int(round(n0 * C.NEW_INSURED_RATE * years))
    n = n0 + n_birth + n_new
    kind = np.concatenate([np.zeros(n0, np.int8), np.ones(n_birth, np.int8), np.full(n_new, 2, np.int8)])

    gend = np.where(rng.random(n) < C.MALE_SHARE, 1, 2).astype(np.int8)
    age0 = _ages(rng, n).astype(np.int64)
    # New entrants are mostly of working age (return migrants, new employees).
    new = kind == 2
    age0[new] = rng.integers(18, 56, new.sum())
    brdy = start_day - age0 * 365 - rng.integers(0, 365, n)
    crt = start_day - rng.integers(1, 12 * 365, n)           # relation started before the period
    births = kind == 1
    brdy[births] = rng.integers(start_day, end_day - 30, births.sum())
    crt[births] = brdy[births] + rng.integers(1, 45, births.sum())
    crt[new] = rng.integers(start_day, end_day - 30, new.sum())
    crt = np.minimum(crt, end_day - 1)

    # Age at the period start decides the scheme (births and children are residents).
    age_start = (start_day - brdy) // 365
    retire_age = np.where(gend == 1, C.RETIRE_AGE_MALE, C.RETIRE_AGE_FEMALE)
    working = (age_start >= 20) & (age_start < retire_age)
    elderly = age_start >= retire_age
    p_emp = np.where(new, 0.3, C.P_EMPLOYED_WORKING_AGE)
    employed = working & (rng.random(n) < p_emp)
    retired = elderly & (rng.random(n) < C.P_RETIREE_ELDERLY)
    employee = employed | retired
    insutype = np.where(employee, 310, 390).astype(np.int16)

    sub = weighted_choice(rng, np.array([s[2] for s in C.EMPLOYEE_SUBTYPES]), n)
    psn_type = np.where(age_start < 18, 6, 7)
    psn_type = np.where(employed, sub, psn_type)
    psn_type = np.where(retired, 3 + sub, psn_type).astype(np.int8)
    retire_day = np.where(employee, brdy + retire_age * 365 + rng.integers(0, 200, n), OPEN).astype(np.int64)
    retire_day = np.where(retired, np.minimum(retire_day, start_day - 1), retire_day)
    civil = employee & (sub == 1)
    poor = (~employee) & (rng.random(n) < C.P_POOR) & (age_start >= 18)

    # Deaths: annual hazard by 5-year band; relation stopped after a registration lag.
    band = np.clip((np.maximum(age_start, 0) + years // 2) // 5, 0, 19)
    q = 1 - (1 - np.array(C.ANNUAL_DEATH_RATE_BY_BAND)[band]) ** years
    dies = rng.random(n) < q * 1.0
    die = np.full(n, OPEN, dtype=np.int64)
    lo = np.maximum(crt, start_day) + 1
    die[dies] = lo[dies] + (rng.random(dies.sum()) * np.maximum(end_day - lo[dies], 1)).astype(np.int64)
    die = np.where(die >= end_day, OPEN, die)
    paus = np.full(n, OPEN, dtype=np.int64)
    dead = die < OPEN
    lag = rng.integers(10, 120, n)
    paus[dead] = die[dead] + lag[dead]
    # Stops (moved away / 断保) among the living.
    stops = (~dead) & (rng.random(n) < C.STOP_RATE * years)
    paus[stops] = np.maximum(crt[stops] + 30, rng.integers(start_day, end_day, stops.sum()))
    paus = np.where(paus >= end_day, OPEN, paus)

    # Townships: streets are larger; at least 4 townships are used.
    towns = R.townships_for(n0)
    tw = np.array([2.2 if s else 1.0 for _, s in towns])
    township = weighted_choice(rng, tw, n)

    resd = np.full(n, int(R.COUNTY["admdvs"]), dtype=np.int64)
    other = employee & (rng.random(n) < 0.15)
    resd[other] = rng.choice(np.array([341502, 341522, 341523, 341524, 340104]), other.sum())

    frailty = rng.gamma(C.FRAILTY_SHAPE, 1 / C.FRAILTY_SHAPE, n)
    band6 = np.searchsorted(np.array(C.AGE_EDGES), age_start, side="right")
    chronic_p = np.array(C.CHRONIC_PREV)[band6]
    chronic = np.where(rng.random(n) < chronic_p,
                       weighted_choice(rng, np.array([5, 3, 2, 1.2, 1.0]), n), -1).astype(np.int8)
    dialysis = (age_start >= 25) & (rng.random(n) < C.DIALYSIS_PREV * 1.6)

    psn_no = id_strings(R.COUNTY["admdvs"], np.arange(1, n + 1), 10)
    tel_ok = rng.random(n) > 0.04
    tel_body = digits_ascii(rng.integers(0, 10 ** 9, n), 9)
    second = np.frombuffer(b"3578958", dtype=np.uint8)[rng.integers(0, 7, n)]
    tel = ascii_to_arrow(np.hstack([np.full((n, 1), 49, np.uint8), second[:, None], tel_body]))
    tel = pc.if_else(pa.array(tel_ok), tel, pa.scalar(None, pa.string()))

    return Persons(
        n=n, psn_no=psn_no, name=_names(rng, gend), certno=_certno(resd, brdy, gend, rng), tel=tel,
        addr=_addresses(rng, township, towns), gend=gend, brdy=brdy, insutype=insutype,
        psn_type=psn_type, retired=retired, retire_day=retire_day, civil_servant=civil, poor=poor, crt=crt, paus=paus,
        die=die, township=township, frailty=frailty, chronic=chronic, dialysis=dialysis,
    )


def _resd_admdvs(p: Persons) -> pa.Array:
    return pc.utf8_slice_codeunits(p.certno, 0, 6)


def psn_info_table(p: Persons) -> pa.Table:
    """psn_info_b: one row per person."""
    dead = p.die < OPEN
    return pa.table({
        "psn_no": p.psn_no, "psn_name": p.name, "gend": take_str(["", "1", "2"], p.gend),
        "brdy": dates(p.brdy), "psn_cert_type": const_str("01", p.n), "certno": p.certno,
        "tel": p.tel, "addr": p.addr, "resd_loc_admdvs": _resd_admdvs(p),
        "surv_stas": take_str(["1", "2"], dead.astype(np.int8)),
        "die_date": dates(np.where(dead, p.die, 0), dead), "vali_flag": const_str("1", p.n),
    })


def psn_insu_table(p: Persons, start_day: int, end_day: int, seed: int) -> pa.Table:
    """psn_insu_d: the current relation of every person, plus the earlier 居民 relation of
    people who switched to 职工 during the period."""
    rng = rng_for(seed, 2)
    idx = np.arange(p.n)
    switched = (p.insutype == 310) & (p.crt >= start_day) & (rng.random(p.n) < 0.5)
    prev = idx[switched]
    all_idx = np.concatenate([idx, prev])
    seq = np.concatenate([switched.astype(np.int64), np.zeros(len(prev), np.int64)])
    crt = np.concatenate([p.crt, p.crt[prev] - rng.integers(400, 4000, len(prev))])
    paus = np.concatenate([p.paus, p.crt[prev]])
    insutype = np.concatenate([p.insutype, np.full(len(prev), 390, np.int16)])
    age_prev = (p.crt[prev] - p.brdy[prev]) // 365
    ptype = np.concatenate([p.type_at(idx, np.minimum(p.paus, end_day - 1)), np.where(age_prev < 18, 6, 7).astype(np.int8)])
    dead = np.concatenate([p.die < OPEN, np.zeros(len(prev), bool)])
    has_paus = paus < OPEN
    stas = np.where(has_paus, np.where(dead, 3, 1), 0)      # 1 正常 2 暂停 4 终止
    stas = np.concatenate([stas[:p.n], np.full(len(prev), 3)])
    order = np.lexsort((seq, all_idx), axis=0)
    all_idx, seq, crt, paus, insutype, ptype, stas, has_paus = (
        a[order] for a in (all_idx, seq, crt, paus, insutype, ptype, stas, has_paus))
    retr = np.isin(ptype, [3, 4, 5])
    emp = insutype == 310
    emp_no = id_strings(R.COUNTY["admdvs"] + "E", (all_idx * 7919) % max(p.n // 20, 1) + 1, 6)
    psn_no = p.psn_no.take(pa.array(all_idx))
    rlts = pc.binary_join_element_wise(psn_no, take_str(["01", "02"], seq + 0), "")
    n = len(all_idx)
    return pa.table({
        "psn_insu_rlts_id": rlts, "psn_no": psn_no,
        "insutype": take_str(["310", "390"], (insutype == 390).astype(np.int8)),
        "psn_type": take_str(list(PSN_TYPES), ptype),
        "psn_insu_stas": take_str(["1", "2", "3", "4"], stas),
        "crt_insu_date": dates(crt), "paus_insu_date": dates(np.where(has_paus, paus, 0), has_paus),
        "insutype_retr_flag": take_str(["0", "1"], retr.astype(np.int8)),
        "emp_no": pc.if_else(pa.array(emp), emp_no, pa.scalar(None, pa.string())),
        "insu_admdvs": const_str(R.COUNTY["admdvs"], n), "vali_flag": const_str("1", n),
    })


def insured_population_table(p: Persons, start_year: int, years: int) -> pa.Table:
    """insured_population: persons insured on 31 December of each year, by scheme, type, sex, age."""
    parts = []
    for k in range(years):
        y = start_year + k
        d = int(year_start(y + 1)) - 1
        active = (p.crt <= d) & (p.paus > d) & (p.die > d)
        age = (d - p.brdy[active]) * 4 // 1461
        ptype = p.type_at(np.flatnonzero(active), np.full(int(active.sum()), d)).astype(np.int64)
        key = (p.insutype[active].astype(np.int64) * 10 + ptype) * 1000
        key = key + p.gend[active].astype(np.int64) * 200 + age
        uniq, cnt = np.unique(key, return_counts=True)
        parts.append((y, uniq, cnt))
    ys = np.concatenate([np.full(len(u), y) for y, u, _ in parts])
    keys = np.concatenate([u for _, u, _ in parts])
    cnts = np.concatenate([c for _, _, c in parts])
    age = keys % 200
    gend = (keys // 200) % 5
    ptype = (keys // 1000) % 10
    insu = keys // 10000
    n = len(keys)
    return pa.table({
        "stat_year": pa.array(ys.astype(np.int32)), "insu_admdvs": const_str(R.COUNTY["admdvs"], n),
        "insutype": take_str(["310", "390"], (insu == 390).astype(np.int8)),
        "psn_type": take_str(list(PSN_TYPES), ptype), "gend": take_str(["", "1", "2"], gend),
        "age": pa.array(age.astype(np.int32)), "psn_cnt": pa.array(cnts.astype(np.int32)),
    })

"""The enforcement ledgers of the generated county: tips, inspections, cases, credit events and
credit grades, consistent with the violations the generator injected (truth/violations.csv).

What happens to a violation: it may draw a tip (举报), which starts a 专项 inspection; the
office's programme adds 日常 inspections of every hospital, two 双随机 draws a year and a
飞行检查. An inspection looks at the institution's violations since the last one that found
something (at most two years back) and finds them with a probability that depends on its type;
what it finds becomes a case with the main violation type, the amount involved (a share of the
true amount: inspectors do not find every claim), recovery, a fine within the regulation's
range (条例 Art. 38: 1-2×, Art. 40: 2-5×), referral to the police for large fraud and an upward
report within a week for cases of 500,000 yuan or more. So most, not all, violating
institutions are caught, some tips are false, some inspections find nothing, and cases still
open at the end of the period have no closing date. Closed cases deduct credit points; the
year's points give the credit grade, and serious fraud puts the subject on the blacklist.

Everything is dated within the generated period (its last day is the as-of date of the ledgers).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ingest.contracts import REWARD_CEILING, TABLES

from .institutions import CITY, COUNTY, TOWNSHIP, Institutions
from .util import EPOCH, money, rng_for, year_start
from .visits import Period

INSP_DAILY, INSP_SPECIAL, INSP_FLIGHT, INSP_RANDOM = "1", "2", "3", "4"
#: Probability that an inspection of each type finds violations that are there.
FIND_PROBABILITY = {INSP_DAILY: 0.35, INSP_SPECIAL: 0.8, INSP_FLIGHT: 0.9, INSP_RANDOM: 0.65}
#: Days an inspection lasts (low, high), by type.
INSP_DAYS = {INSP_DAILY: (1, 3), INSP_SPECIAL: (3, 10), INSP_FLIGHT: (3, 8), INSP_RANDOM: (1, 4)}
LOOKBACK_DAYS = 730
RANDOM_DRAW_SHARE = 0.08          # of the institutions of the 统筹区, per 双随机 draw (two a year)
#: Violation types punished under 条例 Art. 40 (骗保: fabricated or fictitious services).
FRAUD_TYPES = {"claim_after_death", "ghost_bed", "volume_inflation", "pharmacy_hoarding",
               "same_day_multi_institution"}
#: Types for which the prescribing doctors are also held to account (credit points).
DOCTOR_TYPES = {"upcoding", "split_admission", "ghost_bed", "low_standard_admission", "drug_course",
                "drug_institution_level", "item_frequency", "item_repeat_charge"}
REPORT_THRESHOLD_FEN = 500_000 * 100    # 医保发〔2019〕14号 §9(二): 涉案金额 50 万元以上
REPORT_DAYS = 7
#: Fraud above the criminal threshold goes to the police (诈骗罪 数额较大: 3,000-10,000 yuan by province).
POLICE_THRESHOLD_FEN = 10_000 * 100
BLACKLIST_THRESHOLD_FEN = 100_000 * 100
#: Below this the inspection orders a correction (责令整改) and deducts the amount, without a case.
CASE_THRESHOLD_FEN = 2_000 * 100
REWARD_SHARE = 0.02                      # 医保办发〔2018〕22号: 2 % of the amount involved,
REWARD_FLOOR_FEN = 200 * 100             # at least 200 yuan, at most 100,000


@dataclass
class _Violations:
    """The injected violations of one institution, by day."""
    day: np.ndarray
    fen: np.ndarray
    vtype: np.ndarray
    psn: np.ndarray


@dataclass
class _Inspection:
    insp_id: str
    insp_type: str
    inst: int
    begin: int
    end: int | None
    inspectors: str
    draw_id: str | None = None
    tip_id: str | None = None


def _by_institution(truth: pa.Table, inst: Institutions) -> dict[int, _Violations]:
    index = {code: i for i, code in enumerate(inst.code)}
    codes = truth.column("fixmedins_code").to_pylist()
    day = (np.array(truth.column("viol_date").to_pylist(), dtype="datetime64[D]") - EPOCH).astype(np.int64)
    fen = np.rint(np.array([float(a) for a in truth.column("amount").to_pylist()]) * 100).astype(np.int64)
    vtype = np.array(truth.column("violation_type").to_pylist(), dtype=object)
    psn = np.array(truth.column("psn_no").to_pylist(), dtype=object)
    groups: dict[int, list[int]] = defaultdict(list)
    for row, code in enumerate(codes):
        groups[index[code]].append(row)
    out = {}
    for i, rows in groups.items():
        r = np.array(rows)
        order = np.argsort(day[r], kind="stable")
        r = r[order]
        out[i] = _Violations(day[r], fen[r], vtype[r], psn[r])
    return out


class _Ledgers:
    """Rows of the five tables as dicts (money in fen, dates as day numbers)."""

    def __init__(self, per: Period, seed: int):
        self.per, self.rng = per, rng_for(seed, 300)
        self.as_of = per.end_day - 1
        self.rows: dict[str, list[dict]] = {name: [] for name in
                                            ("tips", "inspections", "enforcement_cases", "credit_events")}
        self.serial: dict[str, int] = defaultdict(int)

    def next_id(self, prefix: str, day: int) -> str:
        year = int(str(np.datetime64(int(day), "D"))[:4])
        self.serial[prefix + str(year)] += 1
        return f"{prefix}{year}{self.serial[prefix + str(year)]:05d}"

    def inspectors(self) -> str:
        a, b = self.rng.choice(60, 2, replace=False) + 1
        return f"ZF{a:04d};ZF{b:04d}"


def _programme(led: _Ledgers, inst: Institutions, local: np.ndarray) -> list[_Inspection]:
    """日常 inspections, 双随机 draws and the yearly 飞行检查 of every year of the period."""
    rng, per = led.rng, led.per
    out: list[_Inspection] = []
    hospitals = local[np.isin(inst.lclass[local], [COUNTY, TOWNSHIP, CITY])]
    for k in range(per.years):
        y0 = int(year_start(per.start_year + k))
        y1 = int(year_start(per.start_year + k + 1))
        others = local[~np.isin(local, hospitals)]
        daily = np.concatenate([hospitals, others[rng.random(len(others)) < 0.2]])
        for i in daily:
            out.append(_Inspection("", INSP_DAILY, int(i), int(rng.integers(y0, y1 - 10)), None, ""))
        for d, month_day in enumerate((y0 + 100, y0 + 280)):           # April and October draws
            size = max(2, round(RANDOM_DRAW_SHARE * len(local)))
            draw = f"SJ{per.start_year + k}{d + 1:02d}"
            for i in rng.choice(local, size, replace=False):
                out.append(_Inspection("", INSP_RANDOM, int(i), month_day + int(rng.integers(0, 40)), None, "",
                                       draw_id=draw))
        big = hospitals[np.argsort(-np.array([inst.beds[i] or 0 for i in hospitals]))][:3]
        for i in (rng.choice(big), rng.choice(hospitals)):
            out.append(_Inspection("", INSP_FLIGHT, int(i), int(rng.integers(y0 + 150, y0 + 250)), None, ""))
    return out


def _tips(led: _Ledgers, inst: Institutions, local: np.ndarray, viol: dict[int, _Violations],
          fraud: set[int]) -> tuple[list[dict], list[_Inspection]]:
    """Tips about violating institutions (true) and others (false); each accepted tip starts a
    专项 inspection 10-40 days after it was received."""
    rng, per = led.rng, led.per
    tips: list[dict] = []
    checks: list[_Inspection] = []

    def add(i: int, day: int, subject_type: str, subject_code: str) -> None:
        if day > led.as_of:
            return
        tip = {"tip_id": led.next_id("JB", day), "recv_date": day, "channel": str(rng.choice(
            ["1", "2", "3", "4", "5"], p=[0.45, 0.35, 0.08, 0.07, 0.05])), "subject_type": subject_type,
            "subject_code": subject_code, "fixmedins_code": inst.code[i], "_inst": i}
        tips.append(tip)
        if rng.random() < 0.08:                       # 不予受理: outside the office's remit
            tip.update(tip_status="4", close_date=min(day + int(rng.integers(3, 10)), led.as_of))
            return
        begin = day + int(rng.integers(10, 40))
        if begin > led.as_of:
            tip.update(tip_status="1" if led.as_of - day < 10 else "2")
            return
        checks.append(_Inspection("", INSP_SPECIAL, i, begin, None, "", tip_id=tip["tip_id"]))

    for k in range(per.years):
        y0, y1 = int(year_start(per.start_year + k)), int(year_start(per.start_year + k + 1))
        for i, v in viol.items():
            inside = (v.day >= y0) & (v.day < y1)
            if not inside.any() or inst.pay_loc[i] != 2:
                continue
            lam = 1.2 if i in fraud else 0.15
            for _ in range(rng.poisson(lam)):
                day = int(rng.choice(v.day[inside])) + int(rng.integers(5, 60))
                add(i, day, "1", inst.code[i])
            # Persons buying for resale (超量开药) are reported too: a tip and a case about the person.
            hoarders = sorted(set(v.psn[inside & (v.vtype == "pharmacy_hoarding")]))
            for psn in hoarders:
                if rng.random() < 0.5:
                    day = int(v.day[inside & (v.psn == psn)].max()) + int(rng.integers(5, 30))
                    add(i, day, "3", psn)
        for i in rng.choice(local, rng.poisson(0.05 * len(local)), replace=True):   # false tips
            add(int(i), int(rng.integers(y0, y1)), "1", inst.code[int(i)])
    return tips, checks


def _fine_multiple(rng: np.random.Generator, article: str) -> float:
    if article == "40":
        return float(rng.uniform(2, 5))
    return float(rng.uniform(1, 2)) if rng.random() < 0.6 else 0.0


def _open_case(led: _Ledgers, inst: Institutions, i: int, check: _Inspection, found: _Violations,
               subject: tuple[str, str], tip: dict | None) -> dict:
    rng, as_of = led.rng, led.as_of
    share = float(rng.uniform(0.65, 1.0))
    involved = int(round(share * found.fen.sum()))
    types, amounts = np.unique(found.vtype, return_inverse=True)
    main = str(types[np.argmax(np.bincount(amounts, weights=found.fen))])
    article = "40" if main in FRAUD_TYPES else "38"
    opened = min(check.end + int(rng.integers(3, 25)), as_of)
    days = int(rng.lognormal(np.log(75), 0.5)) + (60 if involved >= REPORT_THRESHOLD_FEN else 0)
    closed = opened + days if opened + days <= as_of else None
    case = {"case_id": led.next_id("AJ", opened), "open_date": opened,
            "case_source": "1" if tip else "2", "tip_id": tip["tip_id"] if tip else None,
            "insp_id": check.insp_id, "subject_type": subject[0], "subject_code": subject[1],
            "fixmedins_code": inst.code[i], "violation_type": main, "viol_begndate": int(found.day.min()),
            "viol_enddate": int(found.day.max()), "involved_amt": involved,
            "referral": "0", "referral_date": None, "close_date": closed, "report_date": None,
            "_article": article, "_inst": i}
    multiple = _fine_multiple(rng, article)
    case["fine_amt"] = int(round(involved * multiple)) if closed is not None else 0
    case["legal_article"] = article if closed is not None and (multiple > 0 or article == "40") else None
    # Closed: mostly recovered in full, some institutions still owe part; open: some paid back already.
    if closed is not None:
        case["recovered_amt"] = involved if rng.random() < 0.7 else int(round(involved * rng.uniform(0.85, 1.0)))
    else:
        case["recovered_amt"] = int(round(involved * rng.uniform(0.2, 0.8))) if rng.random() < 0.3 else 0
    if article == "40" and involved >= POLICE_THRESHOLD_FEN and rng.random() < 0.7:
        day = opened + int(rng.integers(15, 60))
        if day <= (closed if closed is not None else as_of):
            case.update(referral="1", referral_date=day)
    elif inst.biznat[i] == "1" and involved >= BLACKLIST_THRESHOLD_FEN and rng.random() < 0.3:
        day = opened + int(rng.integers(15, 60))
        if day <= (closed if closed is not None else as_of):
            case.update(referral="2", referral_date=day)
    case["case_status"] = "4" if closed is not None else ("3" if as_of - opened > 45 else "2")
    trigger = _report_trigger(case)
    if trigger is not None:
        day = trigger + int(rng.integers(1, 11))      # some reports are late (deadline: 7 days)
        case["report_date"] = day if day <= as_of else None
    case["public_flag"] = "1" if closed is not None and (involved >= BLACKLIST_THRESHOLD_FEN or article == "40") \
        and rng.random() < 0.5 else "0"
    return case


def _report_trigger(case: dict) -> int | None:
    """The day from which the one-week upward report runs: closing, or referral to the police."""
    due = case["involved_amt"] >= REPORT_THRESHOLD_FEN or case["referral"] == "1"
    if not due:
        return None
    days = [d for d in (case["close_date"], case["referral_date"] if case["referral"] == "1" else None)
            if d is not None]
    return min(days) if days else None


def _inspect(led: _Ledgers, inst: Institutions, checks: list[_Inspection], tips: list[dict],
             viol: dict[int, _Violations]) -> None:
    """Run every inspection in date order: what it finds, and the case that follows."""
    rng, as_of = led.rng, led.as_of
    tip_by_id = {t["tip_id"]: t for t in tips}
    covered: dict[tuple[str, str], int] = defaultdict(lambda: -10**9)    # subject -> last day found
    for check in sorted(checks, key=lambda c: (c.begin, c.inst, c.insp_type)):
        if check.begin > as_of:
            continue
        lo, hi = INSP_DAYS[check.insp_type]
        end = check.begin + int(rng.integers(lo, hi + 1))
        check.insp_id, check.inspectors = led.next_id("JC", check.begin), led.inspectors()
        tip = tip_by_id.get(check.tip_id) if check.tip_id else None
        subject = (tip["subject_type"], tip["subject_code"]) if tip else ("1", inst.code[check.inst])
        row = {"insp_id": check.insp_id, "insp_type": check.insp_type, "fixmedins_code": inst.code[check.inst],
               "begndate": check.begin, "enddate": None, "inspectors": check.inspectors,
               "draw_id": check.draw_id, "tip_id": check.tip_id, "finding_flag": None, "findings": None,
               "suspect_amt": None}
        led.rows["inspections"].append(row)
        if end > as_of:
            if tip:
                tip["tip_status"] = "2"
            continue
        check.end = end
        row["enddate"] = end
        v = viol.get(check.inst)
        found = None
        if v is not None:
            window = (v.day > max(covered[subject], check.begin - LOOKBACK_DAYS)) & (v.day <= check.begin)
            if subject[0] == "3":
                window &= v.psn == subject[1]
            if window.any() and rng.random() < FIND_PROBABILITY[check.insp_type]:
                found = _Violations(v.day[window], v.fen[window], v.vtype[window], v.psn[window])
        row["finding_flag"] = "1" if found is not None else "0"
        if tip:
            tip.update(tip_status="3", verified=row["finding_flag"], close_date=end)
        if found is None:
            row["findings"] = "未发现违规问题"
            continue
        covered[subject] = check.begin
        row["suspect_amt"] = int(found.fen.sum())
        if found.fen.sum() < CASE_THRESHOLD_FEN:
            row["findings"] = "发现少量违规费用，责令整改并扣回"
            if tip:
                tip["verified"] = "1"
            continue
        case = _open_case(led, inst, check.inst, check, found, subject, tip)
        row["findings"] = f"发现违规问题，立案查处（{case['case_id']}）"
        led.rows["enforcement_cases"].append(case)
        if tip:
            tip["case_id"] = case["case_id"]
            if case["close_date"] is not None:
                reward = min(max(int(round(case["involved_amt"] * REWARD_SHARE)), REWARD_FLOOR_FEN),
                             REWARD_CEILING * 100)
                paid = case["close_date"] + int(rng.integers(15, 60))
                if paid <= as_of:
                    tip.update(reward_amt=reward, reward_date=paid)


def _credit_events(led: _Ledgers, inst: Institutions) -> None:
    rng, as_of = led.rng, led.as_of
    events = led.rows["credit_events"]

    def add(day: int, subject_type: str, code: str, i: int, event_type: str, score: int, case_id: str | None):
        events.append({"credit_event_id": f"XY{len(events) + 1:07d}", "event_date": day,
                       "subject_type": subject_type, "subject_code": code, "fixmedins_code": inst.code[i],
                       "event_type": event_type, "score_change": score, "case_id": case_id})

    for case in sorted(led.rows["enforcement_cases"], key=lambda c: c["open_date"]):
        day = case["close_date"]
        if day is None:
            continue
        i, amount = case["_inst"], case["involved_amt"]
        points = 10 if amount < 50_000 * 100 else 20 if amount < REPORT_THRESHOLD_FEN else 40
        fraud = case["_article"] == "40"
        add(day, case["subject_type"], case["subject_code"], i, "2" if fraud else "1",
            -(points * 2 if fraud else points), case["case_id"])
        if case["subject_type"] == "1" and case["violation_type"] in DOCTOR_TYPES and inst.medins_type[i] in "ABC":
            for k in rng.choice(23, int(rng.integers(1, 3)), replace=False):
                add(day, "2", f"D{i * 100 + int(k):07d}", i, "1", -points // 2, case["case_id"])
        if case["subject_type"] == "1" and rng.random() < 0.6:
            later = day + int(rng.integers(60, 120))
            if later <= as_of:
                add(later, "1", case["subject_code"], i, "4", 5, case["case_id"])


def _credit_grades(led: _Ledgers, inst: Institutions, local: np.ndarray) -> list[dict]:
    """Year-end evaluation: 100 points plus the year's events; blacklist for serious fraud."""
    per = led.per
    events = led.rows["credit_events"]
    cases = {c["case_id"]: c for c in led.rows["enforcement_cases"]}
    subjects = {("1", inst.code[i]): int(i) for i in local}
    index = {code: i for i, code in enumerate(inst.code)}
    for e in events:
        subjects.setdefault((e["subject_type"], e["subject_code"]), index[e["fixmedins_code"]])
    black: dict[tuple[str, str], tuple[int, int]] = {}
    for c in cases.values():
        if c["close_date"] is not None and c["_article"] == "40" and (
                c["referral"] == "1" or c["involved_amt"] >= BLACKLIST_THRESHOLD_FEN):
            key = (c["subject_type"], c["subject_code"])
            begin = c["close_date"]
            black.setdefault(key, (begin, begin + 3 * 365))
    rows = []
    for k in range(per.years):
        year = per.start_year + k
        y0, y1 = int(year_start(year)), int(year_start(year + 1))
        points: dict[tuple[str, str], int] = defaultdict(int)
        seen: set[tuple[str, str]] = set()
        for e in events:
            if e["event_date"] < y1:
                seen.add((e["subject_type"], e["subject_code"]))
            if y0 <= e["event_date"] < y1:
                points[(e["subject_type"], e["subject_code"])] += e["score_change"]
        for key, i in subjects.items():
            if key[0] != "1" and key not in seen:
                continue
            score = int(min(100, max(0, 95 + points[key])))
            grade = "A" if score >= 90 else "B" if score >= 75 else "C" if score >= 60 else "D"
            begin, end = black.get(key, (None, None))
            listed = begin is not None and begin < y1
            rows.append({"eval_year": year, "subject_type": key[0], "subject_code": key[1],
                         "fixmedins_code": inst.code[i], "credit_score": score, "credit_grade": grade,
                         "blacklist_flag": "1" if listed else "0",
                         "blacklist_begndate": begin if listed else None,
                         "blacklist_enddate": end if listed else None})
    return rows


def _arrow(name: str, rows: list[dict]) -> pa.Table:
    """Rows -> an Arrow table of contract `name` (money in fen, dates as day numbers)."""
    cols = {}
    for col in TABLES[name].columns:
        values = [r.get(col.name) for r in rows]
        if col.type == "money":
            valid = np.array([x is not None for x in values], dtype=bool)
            arr = money(np.array([x or 0 for x in values], dtype=np.int64))
            cols[col.name] = pa.compute.if_else(pa.array(valid), arr, pa.scalar(None, arr.type)) \
                if len(values) else arr
        elif col.type == "date":
            cols[col.name] = pa.array(values, pa.int32()).cast(pa.date32())
        elif col.type == "int":
            cols[col.name] = pa.array(values, pa.int32())
        else:
            cols[col.name] = pa.array(values, pa.string())
    return pa.table(cols)


def enforcement_tables(truth: pa.Table, inst: Institutions, per: Period, seed: int) -> dict[str, pa.Table]:
    """The five enforcement ledgers of the period, from the injected violations."""
    led = _Ledgers(per, seed)
    local = np.flatnonzero(inst.pay_loc == 2)                 # the 统筹区's institutions
    viol = {i: v for i, v in _by_institution(truth, inst).items() if inst.pay_loc[i] == 2}
    fraud = {i for i in range(inst.n) if inst.role[i].startswith("fraud_")}
    tips, special = _tips(led, inst, local, viol, fraud)
    _inspect(led, inst, _programme(led, inst, local) + special, tips, viol)
    _credit_events(led, inst)
    led.rows["tips"] = sorted(tips, key=lambda t: t["tip_id"])
    grades = _credit_grades(led, inst, local)
    return {"tips": _arrow("tips", led.rows["tips"]),
            "inspections": _arrow("inspections", led.rows["inspections"]),
            "enforcement_cases": _arrow("enforcement_cases", led.rows["enforcement_cases"]),
            "credit_events": _arrow("credit_events", led.rows["credit_events"]),
            "credit_grades": _arrow("credit_grades", grades)}

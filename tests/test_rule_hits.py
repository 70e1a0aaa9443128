"""Rule engine (fct_rule_hit) against the generator's ground truth (truth/violations.csv).

The truth is read here only, never by the models: every injected case of an implemented family
must be hit on its line or visit (recall 100 %), and nothing else may be hit (no false positives
on the clean claims the generator builds to avoid these patterns).
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from tests.db import query

LINE_FAMILIES = ["drug_sex", "item_sex", "drug_age", "item_age", "drug_institution_level", "drug_visit_type",
                 "item_repeat_charge", "item_frequency", "item_period", "drug_insutype", "drug_course",
                 "item_primary_secondary", "item_course", "upcoding"]
BEHAVIOUR_FAMILIES = ["split_admission", "ghost_bed", "outpatient_during_stay", "same_day_multi_institution",
                      "claim_after_death", "low_standard_admission", "pharmacy_hoarding"]
HIT_COLUMNS = ["rule_id", "rule_family", "result_type", "bkkp_sn", "related_bkkp_sn", "setl_id", "mdtrt_id",
               "psn_no", "fixmedins_code", "hilist_code", "suspect_amt", "evidence_zh"]


@pytest.fixture(scope="module")
def truth(demo_delivery) -> pd.DataFrame:
    return pd.read_csv(demo_delivery / "truth" / "violations.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def hits(demo_warehouse) -> pd.DataFrame:
    rows = query(demo_warehouse, f"select {', '.join(HIT_COLUMNS)} from marts.fct_rule_hit")
    return pd.DataFrame(rows, columns=HIT_COLUMNS)


@pytest.mark.parametrize("family", LINE_FAMILIES)
def test_every_injected_line_violation_is_hit_on_its_line_and_rule(truth, hits, family):
    injected = truth[truth["violation_type"] == family]
    assert len(injected) > 0, f"the demo injects no {family} case: the test would prove nothing"
    found = injected.merge(hits, on=["rule_id", "bkkp_sn"], how="left", suffixes=("", "_hit"))
    missed = found[found["rule_family"].isna()]
    assert missed.empty, missed[["rule_id", "bkkp_sn", "note"]].head().to_string()
    assert (found["rule_family"] == family).all()
    assert (found["setl_id_hit"] == found["setl_id"]).all() and (found["psn_no_hit"] == found["psn_no"]).all()


@pytest.mark.parametrize("family", BEHAVIOUR_FAMILIES)
def test_every_injected_behaviour_pattern_is_hit_on_its_visit_and_settlement(truth, hits, family):
    injected = truth[truth["violation_type"] == family]
    assert len(injected) > 0, f"the demo injects no {family} case: the test would prove nothing"
    found = injected.merge(hits[hits["bkkp_sn"].isna()], on=["rule_id", "mdtrt_id"], how="left",
                           suffixes=("", "_hit"))
    missed = found[found["rule_family"].isna()]
    assert missed.empty, missed[["rule_id", "mdtrt_id", "note"]].head().to_string()
    assert (found["setl_id_hit"] == found["setl_id"]).all()


def test_rules_hit_no_line_or_visit_the_truth_does_not_list(truth, hits):
    listed = set(zip(truth["rule_id"], truth["mdtrt_id"], truth["bkkp_sn"]))
    keys = zip(hits["rule_id"], hits["mdtrt_id"], hits["bkkp_sn"].fillna(""))
    extra = hits[[k not in listed for k in keys]]
    assert set(hits["rule_family"]) == set(LINE_FAMILIES + BEHAVIOUR_FAMILIES)
    assert extra.empty, extra[["rule_id", "mdtrt_id", "bkkp_sn", "evidence_zh"]].head().to_string()


def test_every_found_truth_case_carries_its_hits_suspect_amount_exactly(truth, hits):
    # one amount convention (docs/rule-engine.md): the truth's amount is fct_rule_hit's suspect_amt
    keyed = hits.assign(bkkp_sn=hits["bkkp_sn"].fillna(""))
    found = truth.merge(keyed, on=["rule_id", "mdtrt_id", "bkkp_sn"], suffixes=("", "_hit"))
    assert set(found["violation_type"]) == set(LINE_FAMILIES + BEHAVIOUR_FAMILIES)
    differ = found[[Decimal(a) != amt for a, amt in zip(found["amount"], found["suspect_amt"])]]
    assert differ.empty, differ[["violation_type", "rule_id", "bkkp_sn", "mdtrt_id", "amount", "suspect_amt"]].head(10)


def test_course_hits_name_an_earlier_line_of_the_same_item_and_person_as_the_course_start(demo_warehouse):
    rows = query(demo_warehouse, """
        select h.rule_family, first.hilist_code = h.hilist_code and first.psn_no = h.psn_no
                              and first.fee_date < h.hit_date
        from marts.fct_rule_hit h join intermediate.int_rule_lines first on first.bkkp_sn = h.related_bkkp_sn
        where h.rule_family in ('drug_course', 'item_course')""")
    assert {family for family, _ in rows} == {"drug_course", "item_course"}
    assert all(ok for _, ok in rows)


def test_secondary_operation_hit_is_the_cheaper_operation_of_its_group_that_day(demo_warehouse):
    rows = query(demo_warehouse, """
        select main.pric > line.pric and main.mdtrt_id = h.mdtrt_id and main.fee_date = h.hit_date
               and h.suspect_amt = cast(line.inscp_amt * (1 - r.secondary_fee_ratio) as decimal(18, 2))
        from marts.fct_rule_hit h
        join intermediate.int_rule_lines line on line.bkkp_sn = h.bkkp_sn
        join intermediate.int_rule_lines main on main.bkkp_sn = h.related_bkkp_sn
        join seeds.rules_item_primary_secondary r on r.rule_id = h.rule_id
        where h.rule_family = 'item_primary_secondary'""")
    assert rows and all(ok for (ok,) in rows)


def test_repeat_charge_hit_names_the_main_line_as_evidence(demo_warehouse):
    rows = query(demo_warehouse, """
        select h.rule_id, main.hilist_code, pairs.main_item_code, main.fee_date = h.hit_date
        from marts.fct_rule_hit h
        join intermediate.int_fee_lines main on main.bkkp_sn = h.related_bkkp_sn
        join seeds.rules_item_repeat_pairs pairs on pairs.rule_id = h.rule_id
        where h.rule_family = 'item_repeat_charge'""")
    assert rows
    assert all(code == main_code and same_day for _, code, main_code, same_day in rows)


def test_frequency_hits_of_a_day_are_suspect_for_the_quantity_above_the_daily_limit(demo_warehouse):
    rows = query(demo_warehouse, """
        with hit_days as (
            select h.rule_id, h.psn_no, h.hit_date, f.item_code, f.max_qty_per_day,
                   cast(sum(h.suspect_amt / (l.inscp_amt / l.cnt)) as double) as suspect_qty,
                   sum(case when h.suspect_amt < l.inscp_amt then 1 else 0 end) as partial_lines
            from marts.fct_rule_hit h
            join intermediate.int_rule_lines l on l.bkkp_sn = h.bkkp_sn
            join seeds.rules_item_frequency f on f.rule_id = h.rule_id
            group by h.rule_id, h.psn_no, h.hit_date, f.item_code, f.max_qty_per_day
        )
        select d.suspect_qty, cast(sum(l.cnt) - d.max_qty_per_day as double), d.partial_lines
        from hit_days d
        join intermediate.int_rule_lines l
          on l.psn_no = d.psn_no and l.fee_date = d.hit_date and l.hilist_code = d.item_code
        group by d.rule_id, d.psn_no, d.hit_date, d.max_qty_per_day, d.suspect_qty, d.partial_lines""")
    assert rows
    assert all(abs(suspect - excess) < 0.05 for suspect, excess, _ in rows)
    assert any(partial for *_, partial in rows), "no over-long line: the partial amount path is untested"


def test_restriction_hits_are_definite_and_carry_the_whole_line(demo_warehouse):
    rows = query(demo_warehouse, """
        select h.result_type, h.suspect_amt = l.inscp_amt, h.evidence_zh
        from marts.fct_rule_hit h join intermediate.int_rule_lines l on l.bkkp_sn = h.bkkp_sn
        where h.rule_family in ('drug_sex', 'item_sex', 'drug_age', 'drug_institution_level', 'drug_visit_type',
                                'drug_insutype')""")
    assert rows
    assert all(kind == "明确" and whole for kind, whole, _ in rows)
    sex = [e for *_, e in rows if "性患者使用限" in e]
    assert sex and all(e.startswith(("男性患者使用限女性", "女性患者使用限男性")) for e in sex)


def test_over_supply_meets_clean_insulin_refills_and_leaves_them_alone(demo_warehouse, truth, hits):
    rows = query(demo_warehouse, """
        select distinct l.mdtrt_id from intermediate.int_rule_lines l
        join seeds.drug_days_supply d on d.drug_code = l.hilist_code
        where not l.is_inpatient""")
    clean = {m for (m,) in rows} - set(truth.loc[truth["violation_type"] == "pharmacy_hoarding", "mdtrt_id"])
    assert len(clean) > 50, "too few clean refills of a days-of-supply drug: the zero-false-positive check is empty"
    assert not clean & set(hits.loc[hits["rule_family"] == "pharmacy_hoarding", "mdtrt_id"])


def test_substitution_rule_leaves_the_imported_plates_of_ordinary_hospitals_alone(demo_warehouse, truth, hits):
    rows = query(demo_warehouse, """
        select l.bkkp_sn from intermediate.int_rule_lines l
        join seeds.substitution_groups g on g.high_code = l.hilist_code""")
    legit = {b for (b,) in rows} - set(truth.loc[truth["violation_type"] == "upcoding", "bkkp_sn"])
    assert legit, "no legitimate high-priced line: the peer comparison is untested"
    assert not legit & set(hits.loc[hits["rule_family"] == "upcoding", "bkkp_sn"])


def test_suspect_amounts_are_positive_yuan(hits):
    assert (hits["suspect_amt"] > Decimal(0)).all()

"""Price disclosure mart (fct_disclosure_item_price) on the generated demo.

Every published price, median and count is recomputed here from the per-patient use of the
monitored items (int_monitored_item_patient_month) over each period's months, with the period
codes built in the test; the suppression tests check every cell and, by brute force, that no
published patient count is a total holding a suppressed one.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from decimal import ROUND_HALF_UP

import pytest

from tests.db import BASIS_POINT, query, safe_ratio

MIN_CELL_PERSONS = 10   # seed disclosure_parameters (default of issue 8)
PRICE_COLUMNS = ["unit_price", "median_unit_price", "min_unit_price", "max_unit_price",
                 "price_to_median_ratio", "price_rank", "price_to_cap_ratio"]
COLUMNS = ["period_type", "period_code", "hilist_code", "fixmedins_code", "period_start", "period_end",
           "is_total", "is_suppressed", "suppression_reason", "is_count_suppressed", "n_patients",
           *PRICE_COLUMNS, "n_institutions_published", "n_institutions", "price_cap", "data_cutoff_date"]


@pytest.fixture(scope="module")
def price_cells(demo_warehouse) -> dict[tuple, dict]:
    rows = query(demo_warehouse, f"select {', '.join(COLUMNS)} from marts.fct_disclosure_item_price")
    return {row[:4]: dict(zip(COLUMNS, row)) for row in rows}


@pytest.fixture(scope="module")
def period_use(demo_warehouse) -> dict[tuple, dict]:
    """Σspend, Σquantity and patients (net quantity over the period > 0) of every period ×
    item × institution and of the region ('all'), from int_monitored_item_patient_month."""
    rows = query(demo_warehouse, """
        with use as (
            select *, strftime(setl_month, '%Y-%m') as month_code,
                   cast(year(setl_month) as varchar) || 'Q' || cast(quarter(setl_month) as varchar)
                       as quarter_code,
                   cast(year(setl_month) as varchar) as year_code
            from intermediate.int_monitored_item_patient_month
        ),
        by_period as (
            select 'month' as period_type, month_code as period_code, * from use
            union all select 'quarter', quarter_code, * from use
            union all select 'year', year_code, * from use
        )
        select period_type, period_code, hilist_code, fixmedins_code, psn_no,
               sum(spend), sum(quantity)
        from by_period group by all
    """)
    cells: dict[tuple, dict] = defaultdict(lambda: {"spend": 0, "quantity": 0, "patients": 0})
    region_person_quantity: dict[tuple, int] = defaultdict(int)
    for kind, code, item, institution, person, spend, quantity in rows:
        for key in ((kind, code, item, institution), (kind, code, item, "all")):
            cells[key]["spend"] += spend
            cells[key]["quantity"] += quantity
        cells[(kind, code, item, institution)]["patients"] += quantity > 0
        region_person_quantity[(kind, code, item, person)] += quantity
    for (kind, code, item, _), quantity in region_person_quantity.items():
        cells[(kind, code, item, "all")]["patients"] += quantity > 0
    return dict(cells)


def _periods(warehouse) -> dict[tuple, tuple]:
    return {row[:2]: row[2:] for row in query(warehouse, """
        select period_type, period_code, period_start, period_end, data_cutoff_date
        from marts.dim_disclosure_periods""")}


def _median(prices: list) -> object:
    """Median of the published 4-decimal prices, rounded half away from zero to 0.0001."""
    return statistics.median(prices).quantize(BASIS_POINT, rounding=ROUND_HALF_UP)


def test_only_finalised_periods_appear_with_every_item_cell_of_them(demo_warehouse, price_cells,
                                                                   period_use):
    periods = _periods(demo_warehouse)
    assert {key[:2] for key in price_cells} == set(periods)
    # every institution (and region) that billed a monitored item in a finalised period has its
    # row, and no other row exists; periods still running in the data have none
    assert set(price_cells) == {key for key in period_use if key[:2] in periods}
    assert {key[:2] for key in period_use} - set(periods) == set()   # the demo ends on a full year
    for key, cell in price_cells.items():
        period_start, period_end, cutoff = periods[key[:2]]
        assert (cell["period_start"], cell["period_end"], cell["data_cutoff_date"]) == \
            (period_start, period_end, cutoff)
        assert cell["is_total"] == (key[3] == "all")


def test_every_published_unit_price_is_the_ratio_of_the_period_sums(price_cells, period_use):
    published = defaultdict(int)
    for key, cell in price_cells.items():
        if cell["is_suppressed"]:
            continue
        use = period_use[key]
        # the region row's price is the volume-weighted one over all institutions
        assert cell["unit_price"] == safe_ratio(use["spend"], use["quantity"]), key
        published[(key[0], cell["is_total"])] += 1
    assert all(published[(kind, total)] > 0 for kind in ("month", "quarter", "year")
               for total in (False, True))


def test_patients_are_counted_over_the_period_and_no_small_cell_is_published(demo_warehouse,
                                                                            price_cells, period_use):
    assert dict(query(demo_warehouse, "select name, value from seeds.disclosure_parameters"))[
        "min_cell_persons"] == MIN_CELL_PERSONS
    for key, cell in price_cells.items():
        patients = period_use[key]["patients"]
        if patients < MIN_CELL_PERSONS:
            assert cell["is_suppressed"] and cell["suppression_reason"] == "small_cell", key
            assert [cell[c] for c in PRICE_COLUMNS] == [None] * len(PRICE_COLUMNS), key
            assert cell["n_patients"] is None and cell["is_count_suppressed"], key
        else:
            assert not cell["is_suppressed"] and cell["suppression_reason"] is None, key
        if cell["n_patients"] is not None:
            assert cell["n_patients"] == patients and patients >= MIN_CELL_PERSONS, key
        assert cell["is_count_suppressed"] == (cell["n_patients"] is None)
        if cell["is_total"]:
            assert cell["n_patients"] is None   # never on the region row
    # counted again over the period: a quarter is not the sum of its months' patients
    month_sum = defaultdict(int)
    for (kind, code, item, institution), use in period_use.items():
        if kind == "month" and institution != "all":
            month_sum[(f"{code[:4]}Q{(int(code[5:]) - 1) // 3 + 1}", item, institution)] += use["patients"]
    assert any(use["patients"] < month_sum[(code, item, institution)]
               for (kind, code, item, institution), use in period_use.items()
               if kind == "quarter" and institution != "all")
    # on a month the count is that of the monthly institution mart
    monthly = {row[:3]: row[3] for row in query(demo_warehouse, """
        select strftime(setl_month, '%Y-%m'), hilist_code, fixmedins_code, n_patients
        from marts.fct_key_item_institution_month""")}
    counted = [(key, cell) for key, cell in price_cells.items()
               if key[0] == "month" and cell["n_patients"] is not None]
    assert len(counted) > 100
    assert all(cell["n_patients"] == monthly[(key[1], key[2], key[3])] for key, cell in counted)


def test_no_published_patient_count_holds_a_suppressed_one(price_cells):
    """A published quarter or year count of an institution × item: every month (and quarter)
    inside it that has a cell is published too, so no subtraction gives a small count away."""
    by_institution_item: dict[tuple, list[dict]] = defaultdict(list)
    for (_, _, item, institution), cell in price_cells.items():
        if institution != "all":
            by_institution_item[(item, institution)].append(cell)
    checked = 0
    for (item, institution), cells in by_institution_item.items():
        for total in cells:
            if total["period_type"] == "month" or total["n_patients"] is None:
                continue
            for part in cells:
                if part["period_type"] != total["period_type"] \
                        and part["period_start"] >= total["period_start"] \
                        and part["period_end"] <= total["period_end"]:
                    assert part["n_patients"] is not None, \
                        (total["period_code"], part["period_code"], item, institution)
                    checked += 1
    assert checked > 50


def test_region_median_is_the_median_of_the_published_institution_prices(price_cells):
    published: dict[tuple, list] = defaultdict(list)
    institutions: dict[tuple, int] = defaultdict(int)
    for key, cell in price_cells.items():
        if not cell["is_total"]:
            institutions[key[:3]] += 1
            if cell["unit_price"] is not None:
                published[key[:3]].append(cell["unit_price"])
    even_medians = 0
    for key, cell in price_cells.items():
        prices = published.get(key[:3], [])
        assert cell["n_institutions_published"] == len(prices)
        assert cell["n_institutions"] == institutions[key[:3]]
        if cell["is_suppressed"] or not prices:
            assert cell["median_unit_price"] is None, key
            continue
        median = _median(prices)
        assert (cell["median_unit_price"], cell["min_unit_price"], cell["max_unit_price"]) == \
            (median, min(prices), max(prices)), key
        price = cell["unit_price"]
        assert cell["price_to_median_ratio"] == (None if price is None else safe_ratio(price, median)), key
        if cell["is_total"]:
            assert cell["price_rank"] is None
            even_medians += len(prices) % 2 == 0 and median not in prices
        else:
            expected_rank = None if price is None else 1 + sum(p < price for p in prices)
            assert cell["price_rank"] == expected_rank, key
    assert even_medians > 0   # the demo has medians between two prices


def test_price_cap_is_the_one_valid_on_the_period_end(demo_warehouse, price_cells):
    caps: dict[str, list] = defaultdict(list)
    for code, kind, amount, begin, end in query(demo_warehouse, """
            select hilist_code, hilist_lmtpric_type, hilist_pric_uplmt_amt, begndate, enddate
            from staging.stg_hilist_lmtpric_d"""):
        caps[code].append((begin, kind, amount, end))
    with_cap = 0
    for key, cell in price_cells.items():
        valid = sorted((c for c in caps.get(key[2], []) if c[0] <= cell["period_end"]
                        and (c[3] is None or c[3] >= cell["period_end"])),
                       key=lambda c: (-c[0].toordinal(), c[1]))
        cap = valid[0][2] if valid else None
        assert cell["price_cap"] == cap, key
        assert cell["price_to_cap_ratio"] == (safe_ratio(cell["unit_price"], cap)
                                              if cell["unit_price"] is not None and cap else None), key
        with_cap += cell["price_to_cap_ratio"] is not None
    assert with_cap > 0


def test_no_spend_quantity_or_person_column_is_published(demo_warehouse):
    columns = {row[0] for row in query(demo_warehouse, """
        select column_name from information_schema.columns
        where table_schema = 'marts' and table_name = 'fct_disclosure_item_price'""")}
    assert set(COLUMNS) <= columns
    forbidden = ("spend", "amt", "quantity", "qty", "cnt", "psn", "certno", "name_psn", "tel", "addr")
    assert [c for c in columns if any(word in c for word in forbidden)] == []

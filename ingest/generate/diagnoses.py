"""Settlement-list diagnoses (setl_list_diag_d) and operations (setl_list_oprn_d)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import reference as R
from .persons import Persons
from .settlement import S_REFUND, Settled
from .util import const_str, dates, id_strings, take_str, weighted_choice
from .visits import DIAG_ALL, K_CHRONIC, K_DAYSURG, K_IPT, K_MATERNITY, OP_KEYS, Visits, age_band

DIAG_CODES = [c for c, _, _ in DIAG_ALL]
DIAG_NAMES = [n for _, n, _ in DIAG_ALL]
CO_CODES = [c for c, _, _ in R.COMORBIDITIES]
CO_NAMES = [n for _, n, _ in R.COMORBIDITIES]


def diag_table(st: Settled, v: Visits, p: Persons, setl_id: pa.Array, mdtrt_id: pa.Array,
               id_base: int, rng: np.random.Generator) -> pa.Table:
    """One main diagnosis plus 0-4 comorbidities per inpatient settlement; one diagnosis for
    40 % of chronic-disease settlements. Refund rows carry no settlement list."""
    s = st.s
    kind = v.kind[s.visit]
    stay = np.isin(kind, [K_IPT, K_DAYSURG, K_MATERNITY])
    chronic = (kind == K_CHRONIC) & (rng.random(len(s)) < 0.4)
    rows = np.flatnonzero((stay | chronic) & (s.skind != S_REFUND))
    vis = s.visit[rows]
    age = (v.bday[vis] - p.brdy[v.psn[vis]]) // 365
    band = age_band(age)
    n_co = np.where(stay[rows], np.minimum(rng.poisson(np.array([0.2, 0.2, 0.5, 1.2, 2.0, 2.6])[band]), 4), 0)
    # Comorbidity codes: weighted by age, no repeats within a settlement, never the main code.
    w = np.array([a for _, _, a in R.COMORBIDITIES])
    r = np.repeat(np.arange(len(rows)), n_co)
    k = np.zeros(len(r), np.int64)
    for b in range(6):
        sel = np.flatnonzero(band[r] == b)
        if len(sel):
            k[sel] = weighted_choice(rng, w[:, b] + 1e-3, len(sel))
    co_code = np.array(CO_CODES)[k]
    main_code = np.array(DIAG_CODES)[v.diag[vis]][r]
    ok = co_code != main_code
    pair = r * 100 + k
    _, first = np.unique(pair, return_index=True)
    uniq = np.zeros(len(r), bool)
    uniq[first] = True
    keep = ok & uniq
    r, k = r[keep], k[keep]
    # Assemble: main rows then comorbidity rows, ordered by settlement.
    set_row = np.concatenate([np.arange(len(rows)), r])
    is_main = np.concatenate([np.ones(len(rows), bool), np.zeros(len(r), bool)])
    code = pa.concat_arrays([take_str(DIAG_CODES, v.diag[vis]), take_str(CO_CODES, k)])
    name = pa.concat_arrays([take_str(DIAG_NAMES, v.diag[vis]), take_str(CO_NAMES, k)])
    order = np.lexsort((~is_main, set_row))
    set_row, is_main = set_row[order], is_main[order]
    oi = pa.array(order)
    code, name = code.take(oi), name.take(oi)
    srow = rows[set_row]
    n = len(srow)
    return pa.table({
        "setl_list_diag_id": id_strings(R.COUNTY["admdvs"] + "4", id_base + np.arange(n), 12),
        "setl_id": setl_id.take(pa.array(srow)), "mdtrt_id": mdtrt_id.take(pa.array(s.visit[srow])),
        "psn_no": p.psn_no.take(pa.array(v.psn[s.visit[srow]])),
        "diag_type": const_str("1", n), "maindiag_flag": take_str(["0", "1"], is_main.astype(np.int8)),
        "diag_code": code, "diag_name": name, "vali_flag": const_str("1", n),
    })


def oprn_table(st: Settled, v: Visits, p: Persons, setl_id: pa.Array, mdtrt_id: pa.Array,
               id_base: int) -> pa.Table:
    """Main operation (and a secondary one where usual) of surgical stays."""
    s = st.s
    rows = np.flatnonzero((v.op[s.visit] >= 0) & (s.skind != S_REFUND))
    vis = s.visit[rows]
    keys = [OP_KEYS[o] for o in range(len(OP_KEYS))]
    main_code = [R.OPERATIONS[k][0] for k in keys]
    main_name = [R.OPERATIONS[k][1] for k in keys]
    sec_code = [R.SECONDARY_OPS.get(k, ("", ""))[0] for k in keys]
    sec_name = [R.SECONDARY_OPS.get(k, ("", ""))[1] for k in keys]
    has2 = np.array([k in R.SECONDARY_OPS for k in keys])[v.op[vis]]
    r2 = rows[has2]
    allrows = np.concatenate([rows, r2])
    is_main = np.concatenate([np.ones(len(rows), bool), np.zeros(len(r2), bool)])
    op = v.op[s.visit[allrows]]
    code = pa.concat_arrays([take_str(main_code, v.op[vis]), take_str(sec_code, op[len(rows):])])
    name = pa.concat_arrays([take_str(main_name, v.op[vis]), take_str(sec_name, op[len(rows):])])
    order = np.lexsort((~is_main, allrows))
    allrows, is_main = allrows[order], is_main[order]
    code, name = code.take(pa.array(order)), name.take(pa.array(order))
    vv = s.visit[allrows]
    day = np.where(v.kind[vv] == K_DAYSURG, v.bday[vv], np.minimum(v.bday[vv] + 1, np.maximum(v.eday[vv] - 1, v.bday[vv])))
    n = len(allrows)
    return pa.table({
        "setl_list_oprn_id": id_strings(R.COUNTY["admdvs"] + "5", id_base + np.arange(n), 12),
        "setl_id": setl_id.take(pa.array(allrows)), "mdtrt_id": mdtrt_id.take(pa.array(vv)),
        "psn_no": p.psn_no.take(pa.array(v.psn[vv])),
        "main_oprn_flag": take_str(["2", "1"], is_main.astype(np.int8)),
        "oprn_oprt_code": code, "oprn_oprt_name": name, "oprn_oprt_date": dates(day),
        "vali_flag": const_str("1", n),
    })


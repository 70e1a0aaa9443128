{#-
    Each stage of the enforcement funnel is a subset of the previous one: leads ≥ closed ≥
    verified ≥ cases ≥ cases_closed, for every year × admdvs × channel. Returns the rows that break it.
-#}
select *
from {{ ref('fct_enforcement_funnel') }}
where not (
    leads >= closed
    and closed >= verified
    and verified >= cases
    and cases >= cases_closed
    and cases_closed >= 0
)

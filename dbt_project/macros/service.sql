{#-
    Visit group of a settlement (fct_institution_month.visit_group): expense_category without
    its 异地 override — inpatient, pharmacy or outpatient. Columns of int_settlements.
-#}
{% macro service_visit_group(is_inpatient='is_inpatient', visit_type='visit_type') -%}
    case
        when {{ is_inpatient }} then 'inpatient'
        when {{ visit_type }} = 'pharmacy' then 'pharmacy'
        else 'outpatient'
    end
{%- endmacro %}

{#-
    The service indicators as ratios of sums (口径: marts/service/_service__docs.md), defined once
    for every mart that publishes them over its own period (fct_institution_month by month, the
    disclosure marts by month, quarter and year). service_indicator(name, prefix) divides the
    summed columns named below, each prefixed (e.g. 'peer_sums.peer_' for the peer group's sums).
-#}
{% macro service_indicator(name, prefix='') -%}
    {%- set definitions = {
        'visits_per_person':     (['visits'], 'persons', 'decimal(18, 4)'),
        'avg_los_days':          (['los_days_sum'], 'discharges', 'decimal(18, 4)'),
        'avg_medfee_per_visit':  (['medfee_sumamt'], 'visits', 'decimal(18, 2)'),
        'avg_fund_pay_per_visit': (['fund_pay_sumamt'], 'visits', 'decimal(18, 2)'),
        'drug_ratio':            (['drug_amt'], 'medfee_sumamt', 'decimal(18, 4)'),
        'consumable_ratio':      (['consumable_amt'], 'medfee_sumamt', 'decimal(18, 4)'),
        'exam_lab_ratio':        (['exam_amt', 'lab_amt'], 'medfee_sumamt', 'decimal(18, 4)'),
        'reimbursement_ratio':   (['fund_pay_sumamt'], 'medfee_sumamt', 'decimal(18, 4)'),
        'inscp_fund_pay_ratio':  (['fund_pay_sumamt'], 'inscp_amt', 'decimal(18, 4)'),
        'ownpay_ratio':          (['fulamt_ownpay_amt'], 'medfee_sumamt', 'decimal(18, 4)'),
        'personal_burden_ratio': (['psn_pay'], 'medfee_sumamt', 'decimal(18, 4)'),
    } -%}
    {%- set numerators, denominator, data_type = definitions[name] -%}
    {{ safe_ratio(prefix ~ numerators | join(' + ' ~ prefix), prefix ~ denominator, data_type) }}
{%- endmacro %}

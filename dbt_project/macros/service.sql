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

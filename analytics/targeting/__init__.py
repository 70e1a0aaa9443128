"""Inspector targeting: the 双随机 draw (sampling.py); the rule hits and risk ranking are dbt marts."""

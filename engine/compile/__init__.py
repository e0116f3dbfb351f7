"""CHECK → COMPILE: a resolved policy to the executable model, every semantic check run on the way.

compiler.py drives: names, fields, params, then computed names in dependency order (order.py),
bands and tables (lookups.py), rules, population checks (population.py) and the cycle
(cycle.py). The checks are checks/'s registry; positions.py turns what they find into located
findings.
"""

"""`kinerja studio`: the policy workbench in the browser (a thin web layer over engine/workbench.py)."""

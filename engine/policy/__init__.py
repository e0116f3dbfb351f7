"""LOAD → RESOLVE: a policy file read with positions, checked against its schema, `extends` merged.

nodes.py (located YAML nodes) ← located.py (the hardened loader) ← documents.py (one file and
its JSON Schema findings) ← lookup.py (parents by id or path, the shipped library, the
project-path rule) ← resolve.py (the parent chain merged entry by entry).
"""

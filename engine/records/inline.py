"""Expressions run inline in code written out per policy: the coercion (records/coerce_code.py)
and the plain evaluation path (evaluation/plain.py), which both call an expression as
`symbol(var)` in the text they write and have that call replaced by the expression's own
compiled tree (`Expression.inline`: the tree its closure was compiled from), one call less each
time. Lives in the lower of the two layers so that both use the one inliner.

Nothing a policy says is ever parsed as code here: the written text holds only symbols made of
indices, and the trees joined to it are the expression language's checked ones.
"""

from __future__ import annotations

import ast
from typing import Any

# what an expression inlined may consist of (the expression language's checked tree, rewritten)
INLINE_NODES = (ast.BoolOp, ast.boolop, ast.Compare, ast.cmpop, ast.BinOp, ast.operator, ast.UnaryOp,
                ast.unaryop, ast.IfExp, ast.Call, ast.keyword, ast.Name, ast.Constant, ast.Subscript, ast.Tuple,
                ast.List, ast.expr_context)


class Inliner(ast.NodeTransformer):
    """`symbol(var)` of an expression in `inline` (symbol → Expression) → the expression's
    compiled body itself, as a tree (the body `fn` runs, with `_e` read as `var`). The names it
    refers to (constants, functions) join `namespace` under the symbol's prefix. A body with
    anything but plain operators, calls, names and constants stays a call."""

    def __init__(self, inline: dict[str, Any], namespace: dict[str, Any], var: str = "e"):
        self.inline, self.namespace, self.var = inline, namespace, var

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func, args = node.func, node.args
        if not isinstance(func, ast.Name) or func.id not in self.inline or node.keywords or len(args) != 1 \
                or not isinstance(args[0], ast.Name) or args[0].id != self.var:
            return node
        body, objects = self.inline[func.id].inline()
        parts = list(ast.walk(body))
        if not all(isinstance(part, INLINE_NODES) for part in parts) or \
                any(isinstance(part, ast.Name) and part.id != "_e" and part.id not in objects for part in parts):
            return node
        prefix = func.id  # an index-made symbol: C3_0
        for part in parts:
            if isinstance(part, ast.Name):
                if part.id == "_e":
                    part.id = self.var
                else:
                    part.id = f"{prefix}{part.id}"
                    self.namespace[part.id] = objects[part.id[len(prefix):]]
            ast.copy_location(part, node)
        return body


def compile_inlined(text: str, inline: dict[str, Any], namespace: dict[str, Any], var: str, filename: str) -> None:
    """Run the written `text` (symbols and fixed text only) in `namespace`, each `symbol(var)`
    of an expression in `inline` run inline."""
    tree = Inliner(inline, namespace, var).visit(ast.parse(text))
    exec(compile(ast.fix_missing_locations(tree), filename, "exec"), namespace)


__all__ = ["INLINE_NODES", "Inliner", "compile_inlined"]

"""A condition of the expression language in plain words, for the policy handbook.

`predikat in ("Sangat Baik", "Baik")` reads "Predikat kinerja adalah "Sangat Baik" atau
"Baik"". A phrase is a list of segments `(kind, text)`: "t" plain words, "name" a label of
something the policy declares, "val" a value, "code" a piece of the expression shown as
written (any form with no phrasing: arithmetic, most function calls). The renderer escapes
and styles each segment; nothing here produces markup.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from kinerja.expr.language import parse
from kinerja.i18n import N_, in_every_language
from kinerja.values import show_value

Segment = tuple[str, str]

_WORDS_EN = {  # English message ids; the Indonesian is in the catalogue
    "==": N_("is"),
    "!=": N_("is not"),
    ">=": N_("is at least"),
    ">": N_("is more than"),
    "<=": N_("is at most"),
    "<": N_("is less than"),
    "in": N_("is"),
    "not in": N_("is none of"),
    "or_last": N_(" or "),
    "nor_last": N_(", "),
    "and": N_(" and "),
    "or": N_(", or "),
    "missing": N_("is empty (not filled in)"),
    "present": N_("is filled in"),
    "true": N_("yes"),
    "false": N_("no"),
    "is_true": N_("is yes"),
    "is_false": N_("is no"),
    "not": N_("it is not the case that "),
    "param": N_("parameter"),
}
WORDS = in_every_language(_WORDS_EN)
_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.GtE: ">=", ast.Gt: ">", ast.LtE: "<=", ast.Lt: "<",
        ast.In: "in", ast.NotIn: "not in"}


@dataclass
class Names:
    """What a phrase may say about a name: its label, and a param's value."""

    labels: dict[str, str]
    params: dict[str, Any]


def phrase(text: str, names: Names, lang: str = "id") -> tuple[list[Segment], bool]:
    """(segments, phrased): `phrased` is False when the whole condition is shown as written."""
    tree, problems = parse(text) if isinstance(text, str) else (None, ["not text"])
    if tree is None or problems:
        return [("code", str(text))], False
    writer = _Writer(str(text), names, lang)
    try:
        return writer.condition(tree.body), True
    except _NoPhrase:
        return [("code", str(text))], False


def conjuncts(text: str) -> list[str]:
    """The parts of a top-level `a and b and c`, each as written; else the text itself."""
    tree, problems = parse(text) if isinstance(text, str) else (None, ["not text"])
    if tree is None or problems or not isinstance(tree.body, ast.BoolOp) or not isinstance(tree.body.op, ast.And):
        return [text]
    parts = [_source(text, v) for v in tree.body.values]
    return [p for p in parts if p] if all(parts) else [text]


class _NoPhrase(Exception):
    """This form has no phrasing: show the whole condition as written."""


def _source(text: str, node: ast.AST) -> str | None:
    return ast.get_source_segment(text, node)


class _Writer:
    def __init__(self, text: str, names: Names, lang: str):
        self.text, self.names, self.lang, self.w = text, names, lang, WORDS[lang]

    def condition(self, node: ast.AST) -> list[Segment]:
        if isinstance(node, ast.BoolOp):
            glue = self.w["and"] if isinstance(node.op, ast.And) else self.w["or"]
            out: list[Segment] = []
            for i, value in enumerate(node.values):
                if i:
                    out.append(("t", glue))
                inner = self.condition(value)
                nested = isinstance(value, ast.BoolOp)
                out.extend([("t", "(")] + inner + [("t", ")")] if nested else inner)
            return out
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            target = node.operand
            if _is_missing_call(target) and isinstance(target, ast.Call):
                return self.operand(target.args[0]) + [("t", " " + self.w["present"])]
            if isinstance(target, ast.Name):
                return self.operand(target) + [("t", " " + self.w["is_false"])]
            return [("t", self.w["not"] + "(")] + self.condition(target) + [("t", ")")]
        if _is_missing_call(node) and isinstance(node, ast.Call):
            return self.operand(node.args[0]) + [("t", " " + self.w["missing"])]
        if isinstance(node, ast.Name):
            return self.operand(node) + [("t", " " + self.w["is_true"])]
        if isinstance(node, ast.Compare):
            return self.compare(node)
        raise _NoPhrase

    def compare(self, node: ast.Compare) -> list[Segment]:
        out: list[Segment] = []
        left = node.left
        for i, (op, right) in enumerate(zip(node.ops, node.comparators)):
            word = _OPS.get(type(op))
            if word is None:
                raise _NoPhrase
            if i:
                out.append(("t", self.w["and"]))
            out.extend(self.operand(left))
            out.append(("t", f" {self.w[word]} "))
            if word in ("in", "not in"):
                out.extend(self.choices(right, word))
            else:
                out.extend(self.operand(right))
            left = right
        return out

    def choices(self, node: ast.AST, word: str) -> list[Segment]:
        if not isinstance(node, (ast.Tuple, ast.List, ast.Set)) or not node.elts:
            return self.operand(node)
        out: list[Segment] = []
        last = self.w["nor_last"] if word == "not in" else self.w["or_last"]
        for i, element in enumerate(node.elts):
            if i:
                out.append(("t", last if i == len(node.elts) - 1 else ", "))
            out.extend(self.operand(element))
        return out

    def operand(self, node: ast.AST) -> list[Segment]:
        if isinstance(node, ast.Name):
            name = node.id
            if name in self.names.params:
                shown = show_value(self.names.params[name], self.lang)
                return [("val", shown), ("t", f" ({self.w['param']} "), ("code", name), ("t", ")")]
            if name in ("true", "false"):
                return [("val", self.w[name])]
            return [("name", self.names.labels.get(name) or name)]
        if isinstance(node, ast.Constant):
            value = getattr(node, "decimal", node.value)
            if isinstance(value, str):
                return [("val", f"“{value}”")]
            return [("val", show_value(value, self.lang))]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
            return [("val", "-" + show_value(getattr(node.operand, "decimal", node.operand.value), self.lang))]
        source = _source(self.text, node)
        if not source:
            raise _NoPhrase
        return [("code", source)]


def _is_missing_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "is_missing"
            and len(node.args) == 1 and not node.keywords)


def plain_text(segments: list[Segment]) -> str:
    """The phrase as one line of text (code kept in backticks)."""
    return "".join(f"`{text}`" if kind == "code" else text for kind, text in segments)

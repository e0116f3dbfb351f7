"""Located YAML nodes: each node of a policy file with its line and column, and the ways to
walk them (the node at a JSON path, the key node of a mapping entry, plain data without
recursion). The loader in `located.py` builds them; every later stage reads them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from collections.abc import Sequence as _PathSeq
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = ["Mapping", "Node", "Scalar", "Sequence", "format_path", "key_at", "node_at", "to_plain"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(eq=False, slots=True)
class Node:
    """A located YAML node; positions are 1-based, the end is just past the node."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(eq=False, slots=True)
class Scalar(Node):
    """A scalar with its typed value and its text, so later checks can suggest how to quote."""

    value: str | int | Decimal | bool | None
    source: str
    style: str | None = None


@dataclass(eq=False, slots=True)
class Mapping(Node):
    """A mapping in file order: key -> (key node, value node)."""

    items: dict[str, tuple[Scalar, Node]] = field(default_factory=dict)


@dataclass(eq=False, slots=True)
class Sequence(Node):
    """A sequence of nodes."""

    items: list[Node] = field(default_factory=list)


def format_path(parts: _PathSeq[str | int]) -> str:
    """A JSON path such as `$.rules[2].when` or `$["odd key"]`, as used in findings."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            out.append("." + part if _IDENT.fullmatch(part) else "[" + json.dumps(part, ensure_ascii=False) + "]")
    return "".join(out)


def to_plain(node: Node | None) -> object:
    """Plain dict/list/scalar data (Decimal for non-integers), built without recursion."""
    if node is None or isinstance(node, Scalar):
        return None if node is None else node.value
    out: dict | list = {} if isinstance(node, Mapping) else []
    work: list[tuple[Node, dict | list]] = [(node, out)]
    while work:
        src, dst = work.pop()
        pairs: Iterable[tuple[str | int, Node]] = ((k, v) for k, (_, v) in src.items.items()) \
            if isinstance(src, Mapping) else enumerate(src.items) if isinstance(src, Sequence) else ()
        for key, child in pairs:
            value: object
            if isinstance(child, Scalar):
                value = child.value
            else:
                container: dict | list = {} if isinstance(child, Mapping) else []
                work.append((child, container))
                value = container
            if isinstance(dst, dict):
                dst[key] = value
            else:
                dst.append(value)
    return out


def _step(node: Node | None, part: str | int) -> Node | None:
    if isinstance(node, Mapping) and isinstance(part, str):
        entry = node.items.get(part)
        return entry[1] if entry else None
    if isinstance(node, Sequence) and isinstance(part, int) and not isinstance(part, bool):
        return node.items[part] if 0 <= part < len(node.items) else None
    return None


def node_at(root: Node, path: _PathSeq[str | int]) -> Node:
    """The deepest node that exists along `path` (the root if not even the first step exists)."""
    node = root
    for part in path:
        child = _step(node, part)
        if child is None:
            break
        node = child
    return node


def key_at(root: Node, path: _PathSeq[str | int]) -> Scalar | None:
    """The key node of the path's last element, when the whole path exists and ends at a mapping key."""
    if not path:
        return None
    parent: Node | None = root
    for part in path[:-1]:
        parent = _step(parent, part)
    last = path[-1]
    if isinstance(parent, Mapping) and isinstance(last, str) and last in parent.items:
        return parent.items[last][0]
    return None

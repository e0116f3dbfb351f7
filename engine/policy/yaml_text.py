"""Plain data as policy-style YAML: block style, small collections of plain values on one line,
Decimals as written. Used by `kinerja show --resolved` and by `kinerja init` for the files it writes."""

from __future__ import annotations

import json
from decimal import Decimal

import yaml

WIDTH = 4096  # never wrap: a comment after a wrapped flow collection would land inside it


FLOW_MAX = 100  # a mapping or list of plain values shorter than this stays on one line


class _Dumper(yaml.SafeDumper):
    pass


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    text = format(value, "f")
    if value == value.to_integral_value() and "." not in text:
        return dumper.represent_scalar("tag:yaml.org,2002:int", text)
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


def _short(data) -> bool:
    """Flow style for small collections of plain values (table rows, field specs)."""
    items = data.values() if isinstance(data, dict) else data
    flat = all(not isinstance(v, (dict, list)) or (isinstance(v, list) and
                                                     all(not isinstance(x, (dict, list)) for x in v))
               for v in items)
    return flat and len(json.dumps(data, default=str, ensure_ascii=False)) <= FLOW_MAX


def _mapping(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=_short(data))


def _sequence(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    plain = all(not isinstance(v, (dict, list)) for v in data)  # a list of labels: one line, however long
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=plain or _short(data))


def _string(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(dict, _mapping)
_Dumper.add_representer(list, _sequence)
_Dumper.add_representer(str, _string)


def to_yaml(data) -> str:
    """Plain data as YAML: block style, small collections of plain values in flow style."""
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=WIDTH)
    return text[:-5] if text.endswith("\n...\n") else text


def entry_lines(name: str, value, comment: str = "") -> list[str]:
    """`name: value` as YAML lines (a block value indented under its key), the comment on the key."""
    body = to_yaml(value).rstrip("\n").splitlines()
    comment = f"  # {comment}" if comment else ""
    key = to_yaml(name).rstrip("\n")
    if len(body) == 1 and not (isinstance(value, (dict, list)) and value and not body[0].startswith(("{", "["))):
        return [f"{key}: {body[0]}{comment}"]
    return [f"{key}:{comment}"] + ["  " + line for line in body]

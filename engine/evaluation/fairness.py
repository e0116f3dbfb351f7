"""Fairness view: each group's rate of a favourable outcome, against the best group's rate.

A ratio below 4/5 of the best group's rate is flagged (the "four-fifths rule" of adverse-impact
analysis). Counts stay integers and the flag is decided exactly; rates and ratios are shown
rounded. Groups come from any field or output, and `jenis_kelamin` can be derived from the NIP
(digit 15: 1 laki-laki, 2 perempuan; domain.md §5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from kinerja.evaluation.population import NO_GROUP, group_value
from kinerja.i18n import _

DEFAULT_FAVOURABLE = "kenaikan-pangkat-reguler"
FOUR_FIFTHS = (4, 5)
DERIVED = ("jenis_kelamin",)
_SEX = {"1": "L", "2": "P"}


@dataclass(frozen=True)
class Favourable:
    """An action that fired (`kind="action"`), or an output with one of some values."""

    kind: str
    name: str
    values: tuple = ()

    def test(self, result) -> bool:
        if self.kind == "action":
            name = self.name
            for a in result.actions:  # noqa: SIM110 - `any` over a generator costs more, and this runs per record
                if a.get("id") == name:
                    return True
            return False
        if self.kind == "actions":  # any of several actions (the ones a variant changes)
            return any(a.get("id") in self.values for a in result.actions)
        value = result.outputs.get(self.name)
        return value is not None and str(value) in self.values

    def text(self) -> str:
        if self.kind == "action":
            return f"action {self.name}"
        if self.kind == "actions":
            return "action " + " or ".join(self.values)
        return f"{self.name} in ({', '.join(self.values)})"


def shown_favourable(text: str) -> str:
    """`describe()`'s text as a report shows it, in the reader's language."""
    return _("action {name}").format(name=text[len("action "):]) if text.startswith("action ") else text


def parse_favourable(spec: str | None) -> Favourable:
    """`ACTION_ID`, or `output=Label A,Label B`; None means the KP reguler action fired."""
    if not spec:
        return Favourable("action", DEFAULT_FAVOURABLE)
    name, sep, values = spec.partition("=")
    if not sep:
        return Favourable("action", spec.strip())
    labels = tuple(v.strip() for v in values.split(",") if v.strip())
    if not name.strip() or not labels:
        raise ValueError(_('"{spec}" is not OUTPUT=LABEL[,LABEL…] or an action id').format(spec=spec))
    return Favourable("output", name.strip(), labels)


def favourable_actions(ids: list[str]) -> Favourable:
    """The favourable outcome "one of these actions fired" (one id: the plain action form)."""
    return Favourable("action", ids[0]) if len(ids) == 1 else Favourable("actions", " | ".join(ids), tuple(ids))


def jenis_kelamin(nip) -> str:
    """L or P from digit 15 of an 18-digit NIP; the empty group when it cannot be read."""
    if isinstance(nip, str) and len(nip) == 18 and nip.isdigit():
        return _SEX.get(nip[14], NO_GROUP)
    return NO_GROUP


def grouper(name: str, derive: bool):
    """A function result → group value for `name` (derived from the NIP when asked)."""
    if derive and name == "jenis_kelamin":
        return lambda result: jenis_kelamin(result.nip)
    return lambda result: group_value(result, name)


@dataclass
class _Count:
    records: int = 0
    favourable: int = 0


@dataclass
class FairnessTally:
    """Counts per group of one or more fields; `add` only valid results."""

    fields: list[str]
    favourable: Favourable
    derived: frozenset = frozenset()
    counts: dict = field(default_factory=dict)
    min_group: int = 1  # smaller groups are shown but neither flagged nor taken as the best

    def __post_init__(self):
        self.groupers = [grouper(f, f in self.derived) for f in self.fields]
        self.counts = {f: {} for f in self.fields}
        # what `add` reads of each field, once: (its groups, the name to look up in the env or
        # None for a derived field, the grouper)
        self.plan = [(self.counts[f], None if f in self.derived and f == "jenis_kelamin" else f, get)
                     for f, get in zip(self.fields, self.groupers)]

    def add(self, result) -> None:
        if not result.ok:
            return
        hit = self.favourable.test(result)
        env = result.env
        for groups, name, get in self.plan:
            value = None if env is None or name is None else env.get(name)
            key = value if value.__class__ is str and value else get(result)  # (group_value, inline when it can be)
            c = groups.get(key)
            if c is None:
                c = groups[key] = _Count()
            c.records += 1
            c.favourable += hit

    def merge(self, counts: dict) -> None:
        """Add the counts of another tally of the same fields over later records, groups in
        first-seen order (the best group of equal rates is the first seen)."""
        for name, groups in counts.items():
            mine = self.counts[name]
            for key, c in groups.items():
                m = mine.get(key)
                if m is None:
                    mine[key] = c
                else:
                    m.records += c.records
                    m.favourable += c.favourable

    def table(self) -> dict:
        return {name: rates(self.counts[name], name, self.favourable, self.min_group) for name in self.fields}


def _q(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def rates(groups: dict, name: str, favourable: Favourable, min_group: int = 1) -> dict:
    """Rate and ratio to the best rate per group; `flag` when the ratio is below 4/5 (exact).
    Groups with fewer than `min_group` records are reported (`too_small`) but a rate from two
    or three people says little, so they are neither flagged nor the reference."""
    best_key, best = None, None
    for key, c in groups.items():
        better = best is None or c.favourable * best.records > best.favourable * c.records
        if c.records >= max(min_group, 1) and better:
            best_key, best = key, c
    rows = []
    for key in sorted(groups, key=str):
        c = groups[key]
        rate = Decimal(c.favourable) / c.records if c.records else None
        ratio, flag = None, False
        if best is not None and best.favourable and c.records:
            ratio = _q(Decimal(c.favourable * best.records) / (best.favourable * c.records))
            # ratio < 4/5  ⇔  fav·n_best·5 < 4·fav_best·n
            flag = c.favourable * best.records * FOUR_FIFTHS[1] < FOUR_FIFTHS[0] * best.favourable * c.records
        too_small = c.records < min_group
        rows.append({"group": key, "records": c.records, "favourable": c.favourable,
                     "rate": _q(rate) if rate is not None else None, "ratio": ratio,
                     "flag": flag and not too_small, "too_small": too_small})
    return {"field": name, "favourable": favourable.text(), "min_group": min_group,
            "best": best_key if best and best.favourable else None,
            "groups": rows, "flagged": [r["group"] for r in rows if r["flag"]]}


def compare_rates(a: dict, b: dict) -> dict:
    """Both variants' rates and ratios per group, and the change of the ratio (b − a)."""
    out = {}
    for name in a:
        ra = {r["group"]: r for r in a[name]["groups"]}
        rb = {r["group"]: r for r in b[name]["groups"]}
        rows = []
        for key in sorted(set(ra) | set(rb), key=str):
            x, y = ra.get(key, {}), rb.get(key, {})
            change = y["ratio"] - x["ratio"] if x.get("ratio") is not None and y.get("ratio") is not None else None
            rows.append({"group": key, "records": max(x.get("records", 0), y.get("records", 0)),
                         "a": {k: x.get(k) for k in ("favourable", "rate", "ratio", "flag", "too_small")},
                         "b": {k: y.get(k) for k in ("favourable", "rate", "ratio", "flag", "too_small")},
                         "ratio_change": change})
        out[name] = {"field": name, "favourable": a[name]["favourable"], "best_a": a[name]["best"],
                     "best_b": b[name]["best"], "groups": rows,
                     "flagged_a": a[name]["flagged"], "flagged_b": b[name]["flagged"]}
    return out

"""The checks registry: small functions yielding issues; the driver in compile/ locates them.

End-to-end cases (code and line:column in a policy file) are under tests/cases/validate/;
these are the tiny cases of single checks and of the registry itself.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from kinerja.checks import run as run_checks
from kinerja.checks.bands import range_covers_input, reachable
from kinerja.checks.registry import REGISTRY, Issue, check, descend
from kinerja.model import Band, BandDef, make_rounder


def band(range_min=None, range_max=None, places=None) -> Band:
    return Band("predikat", "Predikat", "nilai", [], None if range_min is None else Decimal(range_min),
                None if range_max is None else Decimal(range_max),
                None if places is None else make_rounder(places))


# (bands as written, the input's range) -> (code, where below the entry) of each issue
REACHABLE = [
    ([{"min": 90, "label": "A"}, {"min": 0, "label": "B"}], (0, 100), []),
    ([{"min": 90, "below": 90, "label": "A"}, {"min": 0, "label": "B"}], (None, None), [("bands", 0, "below")]),
    ([{"min": 90, "max": 80, "label": "A"}, {"min": 0, "label": "B"}], (None, None), [("bands", 0, "max")]),
    ([{"min": 90, "max": 90, "label": "A"}, {"min": 0, "label": "B"}], (None, None), []),  # exactly 90
    ([{"min": 110, "label": "A"}, {"min": 0, "label": "B"}], (0, 100), [("bands", 0, "min")]),
    ([{"min": 100, "label": "A"}, {"min": 0, "label": "B"}], (0, 100), []),  # exactly 100
    ([{"min": 0, "label": "A"}, {"min": -10, "label": "B"}], (0, 100), [("bands", 1, "min")]),
    ([{"min": 0, "label": "A"}, {"min": -10, "max": 0, "label": "B"}], (0, 100), []),  # exactly 0
    ([{"min": 0, "label": "A"}, {"min": -10, "below": -5, "label": "B"}], (0, 100), [("bands", 1, "below")]),
    ([{"min": 0, "label": "A"}, {"min": 0, "label": "B"}], (0, 100), []),  # one min twice is K204's
    ([{"min": 100, "label": "A"}, {"min": 0, "label": "B"}], ("0", "99.6", 0), []),  # 99.6 rounds to 100
    ([{"min": 100, "label": "A"}, {"min": 0, "label": "B"}], ("0", "99.4", 0), [("bands", 0, "min")]),
]


@pytest.mark.parametrize("specs, rng, expected", REACHABLE, ids=[
    "all-reachable", "below-equals-min", "max-under-min", "max-equals-min", "starts-above-range",
    "starts-at-range-max", "ends-below-range", "max-at-range-min", "below-under-range", "duplicate-min",
    "rounded-up-to-it", "rounded-short-of-it"])
def test_a_band_entry_no_value_can_reach(specs, rng, expected):
    issues = list(reachable({"bands": specs}, band(*rng), Decimal(0), {}))
    assert [(i.code, i.at) for i in issues] == [("K221", at) for at in expected]


def test_descend_puts_a_part_s_issues_below_its_path():
    issues = [Issue("K217", "x", ("type",)), Issue("K217", "y")]
    assert [i.at for i in descend(issues, "items", "nilai")] == [("items", "nilai", "type"), ("items", "nilai")]


def test_a_check_of_an_unknown_subject_is_refused():
    with pytest.raises(ValueError, match="unknown check subject"):
        check("bandz")


def test_every_subject_has_its_checks_and_they_run_in_order():
    assert all(REGISTRY[subject] for subject in REGISTRY), [s for s in REGISTRY if not REGISTRY[s]]
    names = [fn.__name__ for fn in REGISTRY["band"]]
    assert names == ["ordered", "reachable", "range_covers_input"]
    compiled = band(None, 50)
    compiled.bands = [BandDef("A", Decimal(90), Decimal(90), False)]
    issues = list(run_checks("band", {"bands": [{"min": 90, "below": 90, "label": "A"}], "range": {"max": 50}},
                             compiled, Decimal(0), {"max": 100}))
    assert [i.code for i in issues] == ["K221", "K218"]


@pytest.mark.parametrize("rng, field, expected", [
    ({"min": 0, "max": 100}, {"min": 0, "max": 120}, [("range", "max")]),
    ({"min": 10, "max": 120}, {"min": 0, "max": 120}, [("range", "min")]),
    ({"min": 0, "max": 120}, {"min": 0, "max": 100}, []),  # wider than the field: nothing to miss
    ({"max": 100}, {}, []),  # a computed input has no declared range to compare with
    ({}, {"min": 0, "max": 120}, []),  # no own range: the field's is used
], ids=["narrower-max", "narrower-min", "wider", "no-field-range", "no-own-range"])
def test_a_band_range_narrower_than_its_field_warns(rng, field, expected):
    issues = list(range_covers_input({"range": rng, "bands": []}, band(), Decimal(0), field))
    assert [(i.code, i.at) for i in issues] == [("K218", at) for at in expected]

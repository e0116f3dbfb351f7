"""The one value formatter (kinerja.values): each style, pinned on tiny cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kinerja.values import format_value, json_text, plain_decimal, quoted, show_value

D = Decimal


@pytest.mark.parametrize("value,expected", [
    (D("2E+1"), "20"), (D("1E-6"), "0.000001"), (D("12.50"), "12.50"), (D("-0.5"), "-0.5"),
    (D("1E+999999999"), "1E+999999999"),  # beyond the number limits: never a huge string
    (D("NaN"), "NaN"),
], ids=["exponent", "tiny", "places kept", "negative", "beyond the limits", "nan"])
def test_plain_decimal(value, expected):
    assert plain_decimal(value) == expected


@pytest.mark.parametrize("value,plain,with_quotes", [
    (None, "-", "-"), (True, "ya", "ya"), (False, "tidak", "tidak"), (D("88.40"), "88.40", "88.40"),
    ("Baik", "Baik", '"Baik"'), ((D("1.5"), None, D("2E+1")), "1.5, -, 20", "1.5, -, 20"), (3, "3", "3"),
], ids=["none", "true", "false", "decimal", "text", "each value", "int"])
def test_plain_text_and_quoted(value, plain, with_quotes):
    assert (format_value(value), quoted(value)) == (plain, with_quotes)


@pytest.mark.parametrize("value,lang,expected", [
    (D("87.5"), "id", "87,5"), (D("87.5"), "en", "87.5"), (True, "id", "ya"), (False, "en", "no"),
    (None, "id", "-"), (0.25, "id", "0,25"), ("Sangat Baik", "id", "Sangat Baik"),
    ((D("1.5"), D("2")), "id", "1.5, 2"),  # an each value's items stay plain: no comma inside a comma list
], ids=["decimal comma", "decimal point", "ya", "no", "none", "float", "text", "each value"])
def test_prose(value, lang, expected):
    assert show_value(value, lang) == expected


@pytest.mark.parametrize("value,json_like,python_like", [
    (None, "null", "None"), (True, "true", "True"), (D("3.130"), "3.130", "3.130"), (D("2E+1"), "20", "20"),
    ('a "b"\n', '"a \\"b\\"\\n"', '"a \\"b\\"\\n"'), ("é", '"é"', '"é"'),
    (dt.date(2024, 1, 31), '"2024-01-31"', "2024-01-31"),
    ((D("1"), "x"), '[1, "x"]', '[1, "x"]'),
    ({"a": None, 1: [True]}, '{"a": null, "1": [true]}', '{"a": None, "1": [True]}'),
], ids=["none", "bool", "places", "exponent", "escapes", "unicode", "date", "list", "mapping"])
def test_json_like(value, json_like, python_like):
    assert (json_text(value), json_text(value, python=True)) == (json_like, python_like)

"""Conditions in plain Indonesian and English for the handbook (engine/explanation/phrase.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kinerja.explanation.phrase import Names, conjuncts, phrase, plain_text

NAMES = Names({"predikat": "Predikat kinerja", "tahun_dalam_pangkat": "Masa dalam pangkat (tahun)",
               "unit_kerja": "Unit kerja"}, {"kp_min": Decimal(4), "aktif": True})

CASES = [
    ("in", 'predikat in ("Sangat Baik", "Baik")', "Predikat kinerja adalah “Sangat Baik” atau “Baik”",
     "Predikat kinerja is “Sangat Baik” or “Baik”"),
    ("in-three", "kotak_talenta in (7, 8, 9)", "kotak_talenta adalah 7, 8 atau 9", "kotak_talenta is 7, 8 or 9"),
    ("not-in", 'unit_kerja not in ("A", "B")', "Unit kerja tidak termasuk “A” dan “B”",
     "Unit kerja is none of “A”, “B”"),
    ("ge-param", "tahun_dalam_pangkat >= kp_min",
     "Masa dalam pangkat (tahun) paling sedikit 4 (parameter `kp_min`)",
     "Masa dalam pangkat (tahun) is at least 4 (parameter `kp_min`)"),
    ("lt", "nilai < 60.50", "nilai kurang dari 60,50", "nilai is less than 60.50"),  # Indonesian: decimal comma
    ("gt", "nilai > 1", "nilai lebih dari 1", "nilai is more than 1"),
    ("le", "nilai <= -2", "nilai paling banyak -2", "nilai is at most -2"),
    ("eq", 'predikat == "Sangat Kurang"', "Predikat kinerja adalah “Sangat Kurang”",
     "Predikat kinerja is “Sangat Kurang”"),
    ("ne", 'predikat != "Baik"', "Predikat kinerja bukan “Baik”", "Predikat kinerja is not “Baik”"),
    ("chained", "0 < nilai <= 100", "0 kurang dari nilai dan nilai paling banyak 100",
     "0 is less than nilai and nilai is at most 100"),
    ("present", "not is_missing(tahun_dalam_pangkat)", "Masa dalam pangkat (tahun) terisi",
     "Masa dalam pangkat (tahun) is filled in"),
    ("missing-or", "is_missing(a) or is_missing(b)", "a kosong (tidak diisi), atau b kosong (tidak diisi)",
     "a is empty (not filled in), or b is empty (not filled in)"),
    ("boolean", "kinerja_unggul", "kinerja_unggul bernilai ya", "kinerja_unggul is yes"),
    ("not-boolean", "not kinerja_unggul", "kinerja_unggul bernilai tidak", "kinerja_unggul is no"),
    ("bool-param", "flag == aktif", "flag adalah ya (parameter `aktif`)", "flag is yes (parameter `aktif`)"),
    ("nested", "x > 1 and (y or z)", "x lebih dari 1 dan (y bernilai ya, atau z bernilai ya)",
     "x is more than 1 and (y is yes, or z is yes)"),
    ("arithmetic-operand", "max(a, b) * 2 >= 10", "`max(a, b) * 2` paling sedikit 10",
     "`max(a, b) * 2` is at least 10"),
    ("not-general", "not (a > 1)", "tidak benar bahwa (a lebih dari 1)", "it is not the case that (a is more than 1)"),
]


@pytest.mark.parametrize("text,want_id,want_en", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_phrase(text, want_id, want_en):
    for lang, want in (("id", want_id), ("en", want_en)):
        segments, phrased = phrase(text, NAMES, lang)
        assert phrased and plain_text(segments) == want


@pytest.mark.parametrize("text", ['a if b else c', 'nilai > 50 if unit == "A" else nilai > 60', "a ) b", "", 12],
                         ids=["ifexp", "ifexp-bool", "syntax-error", "empty", "not-text"])
def test_unphrasable_is_shown_as_written(text):
    segments, phrased = phrase(text, NAMES)
    assert not phrased and segments == [("code", str(text))]


def test_phrase_segments_keep_values_apart_from_words():
    segments, _ = phrase('predikat in ("<b>",)', NAMES)
    assert segments == [("name", "Predikat kinerja"), ("t", " adalah "), ("val", "“<b>”")]


@pytest.mark.parametrize("text,parts", [
    ("a > 1 and b < 2", ["a > 1", "b < 2"]),
    ("a > 1 and (b or c)", ["a > 1", "b or c"]),
    ("a > 1 or b < 2", ["a > 1 or b < 2"]),
    ("a >", ["a >"]),
], ids=["and", "and-nested", "or-kept", "broken-kept"])
def test_conjuncts(text, parts):
    assert conjuncts(text) == parts

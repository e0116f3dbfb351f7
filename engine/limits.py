"""The hard limits that keep a hostile or broken input from crashing a run or exhausting memory.

Each limit is documented in the README ("Limits") with what exceeding it produces. They are
deliberately far above anything a real appraisal needs (a budget in rupiah stays below 10^15).
"""

from __future__ import annotations

import csv
from decimal import Decimal

from kinerja.i18n import _

# Numbers: a record value or computed result must lie below 10^21 in absolute value and have at
# most 20 digits after the point. Beyond that a record value is a K412 error on its row, a
# computed result a K406 evaluation error, a literal in a policy a K308 finding at `validate`.
MAX_NUMBER_EXPONENT = 20  # Decimal.adjusted(): 1e20 is allowed, 1e21 is not
MAX_NUMBER_PLACES = 20
MAX_NUMBER_TEXT = 100  # characters in a number written as text (longer is not a number kinerja reads)

# Text: a record's text value, or text built by an expression (`+`, a rule's reason), holds at
# most this many characters; beyond it the record is an error row (K412 / K406).
MAX_TEXT = 32_768

# A cell of a CSV or XLSX file (and a CSV header line) holds at most this many characters.
MAX_CELL = csv.field_size_limit()  # 131,072: Python's csv module enforces it; xlsx does the same
MAX_HEADER_LINE = 4 * 1024 * 1024
MAX_LINE = 16 * 1024 * 1024  # one physical line of a CSV file
MAX_COLUMNS = 100_000

# A record in JSON, JSONL or YAML is nested at most this deep (lists and mappings), and a JSON
# record or JSONL line is at most this long.
MAX_DEPTH = 32
MAX_RECORD_BYTES = 64 * 1024 * 1024

# A quoted CSV cell may run over several lines (an address with line breaks), but a record that
# covers more physical lines than this is taken for a stray quote.
MAX_RECORD_LINES = 20

_TOO_BIG = Decimal(10) ** (MAX_NUMBER_EXPONENT + 1)


def number_problem(d: Decimal) -> str | None:
    """Why a finite Decimal is beyond the number limits, or None when it is within them."""
    if not d:
        return None
    if d.adjusted() > MAX_NUMBER_EXPONENT:
        return _("is too large: kinerja reads numbers below 10^{value}").format(value=MAX_NUMBER_EXPONENT + 1)
    exponent = d.as_tuple().exponent  # an int: `d` is finite
    if isinstance(exponent, int) and exponent < -MAX_NUMBER_PLACES:
        return _("has more than {MAX_NUMBER_PLACES} digits after the decimal point").format(
            MAX_NUMBER_PLACES=MAX_NUMBER_PLACES)
    return None


def shown(d: Decimal) -> str:
    """A Decimal in at most a few dozen characters, whatever its exponent (1E+999999999 stays so)."""
    text = str(d)
    return text if len(text) <= 60 else f"{text[:40]}…"

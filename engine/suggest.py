""""Did you mean …?" that stays fast however many names a policy declares.

difflib compares the word with every candidate; a hostile policy with thousands of unknown
names against thousands of declared ones would make that quadratic (minutes). Beyond a few
hundred candidates only the plausible ones are compared: same first letter (case-insensitive)
and a length difference of at most a third, at most MAX_COMPARED of them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

SMALL = 300
MAX_COMPARED = 200


def close_match(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate closest to `word` (difflib ratio at least `cutoff`), or None."""
    pool = candidates if isinstance(candidates, (list, tuple)) else list(candidates)
    if len(pool) > SMALL and word:
        size = len(word)
        slack = max(2, size // 3)
        first = "".join(sorted({re.escape(word[0].lower()), re.escape(word[0].upper())}))
        shape = re.compile(f"^[{first}][^\\n]{{{max(0, size - slack - 1)},{size + slack - 1}}}$", re.MULTILINE)
        pool = shape.findall("\n".join(pool))[:MAX_COMPARED]  # one C-level scan, not a Python loop
    hits = difflib.get_close_matches(word, pool, n=1, cutoff=cutoff)
    return hits[0] if hits else None

"""Where policies come from: the shipped library, a parent named by id or path, and the rule
that a path in a policy or test file stays inside the project (a hostile pull request must not
make kinerja read other files).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from kinerja.i18n import N_, _
from kinerja.policy.located import MAX_BYTES
from kinerja.policy.reading import Document, read_document

NOT_POLICIES = (".test.yaml", ".test.yml", ".map.yaml", ".map.yml", ".sample.yaml", ".sample.yml",
                ".records.yaml", ".records.yml")


def shipped_policies() -> Iterator[tuple[str, Any]]:
    """(display name, traversable) for every policy file shipped in kinerja.policies."""
    root = resources.files("kinerja.policies")
    stack = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        for item in sorted(folder.iterdir(), key=lambda p: p.name):
            if item.is_dir() and not item.name.startswith(("_", ".")):
                stack.append((item, f"{prefix}{item.name}/"))
            elif item.name.endswith(".yaml") and not item.name.endswith((".test.yaml", ".map.yaml", ".sample.yaml")):
                yield f"policies/{prefix}{item.name}", item


@cache
def shipped_index() -> dict[str, tuple[str, str]]:
    """Each shipped policy's id → (its display path, its text); read once per process."""
    index = {}
    for name, item in shipped_policies():
        text = item.read_text("utf-8")
        pid = _peek_id(text)
        if pid:
            index[pid] = (name, text)
    return index


def _peek_id(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("id:"):
            return line[3:].split("#")[0].strip().strip("'\"") or None
    return None


class ParentRefused(Exception):
    """A path in a policy or test file that points outside the project; a hostile file from a
    pull request must not make kinerja read other files (absolute paths, `..` out of the tree)."""


def project_path(ref: str, base_dir: Path | None, what: str = "extends") -> Path:
    """`ref` relative to `base_dir`, refused unless it stays inside that folder or the current one."""
    if os.path.isabs(ref) or "\\" in ref:
        raise ParentRefused(_("{what} takes a relative path (from this file's folder), not {ref!r}")
                            .format(what=what, ref=ref))
    base = base_dir if base_dir is not None else Path.cwd()
    try:
        path = (base / ref).resolve()
    except (ValueError, OSError):  # a NUL byte, a loop of links
        raise ParentRefused(_("cannot use {ref!r} as a path").format(ref=ref)) from None
    if not any(path.is_relative_to(root) for root in (Path.cwd().resolve(), base.resolve())):
        raise ParentRefused(_("\"{ref}\" points outside this project's folders").format(ref=ref))
    return path


def link_escapes(path: str | os.PathLike) -> bool:
    """Whether `path` is a symbolic link to somewhere outside both the folder it sits in and
    the current folder: a `*.yaml` link in a pull request must not make kinerja read (and echo
    in findings) a file from elsewhere on the CI machine, such as a credentials file."""
    if not os.path.islink(path):
        return False
    try:
        target = Path(os.path.realpath(path))
        roots = (Path(os.path.realpath(os.path.dirname(os.path.abspath(path)))), Path.cwd().resolve())
    except (OSError, ValueError):
        return True
    return not any(target.is_relative_to(root) for root in roots)


LINK_REFUSED = N_("is a link to a file outside this project; kinerja does not read it")


def read_capped(path: str | os.PathLike, limit: int = MAX_BYTES) -> bytes:
    """At most `limit` + 1 bytes of a file (enough to tell it is too large, even of /dev/zero);
    OSError for a named pipe or socket, whose opening would wait for a writer forever."""
    mode = os.stat(path).st_mode
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        raise OSError(errno.EINVAL, _("it is a named pipe or socket, not a file"))
    with open(path, "rb") as fh:
        return fh.read(limit + 1)


def _display(path: Path) -> str:
    """A path as users typed it: relative to the current folder when inside it."""
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def _read_head(path: Path, limit: int = 65536) -> str:
    with open(path, "rb") as fh:
        return fh.read(limit).decode("utf-8", errors="replace")


def find_policy(ref: str, base_dir: Path | None) -> Document | None:
    """A parent by relative path (from the child's folder, staying inside it or the current
    folder), or by id: a policy with that id in the child's own folder, else a shipped one."""
    if ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref:
        if not ref.endswith((".yaml", ".yml")):
            raise ParentRefused(_("extends takes a policy id or a relative path to a .yaml file"))
        path = project_path(ref, base_dir)
        return read_document(path, display=_display(path)) if path.is_file() else None
    if base_dir is not None and base_dir.is_dir():  # a policy with that id beside the child wins
        for path in sorted(base_dir.glob("*.y*ml")):
            if path.name.endswith(NOT_POLICIES) or not path.is_file() or link_escapes(path):
                continue
            try:
                if _peek_id(_read_head(path)) == ref:
                    return read_document(path, display=_display(path))
            except (OSError, ValueError):
                continue
    shipped = shipped_index().get(ref)
    if shipped:
        return read_document(shipped[0], text=shipped[1])
    return None

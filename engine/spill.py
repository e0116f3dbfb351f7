"""A list that keeps its head in memory and the rest in a temporary file.

`compare` lists every changed (and every invalid) employee; at the national scale that is
millions of entries. `SpillList` keeps the first `keep` in memory (what the text, markdown
and HTML reports show) and writes the others, pickled in batches, to an anonymous temporary
file that the operating system removes; iterating reads them back in order, so memory is
bounded by `keep` and one batch, however many entries there are.

`Parked` is bytes a worker process left in a file instead of sending them through a pipe
(`evaluate --jobs N`: the rows it rendered); the parent copies them into its output in the
kernel (os.sendfile) and removes the file.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any, BinaryIO

KEEP = 1000  # entries kept in memory: more than any report shows before "… and N more"
BATCH = 512  # entries per pickled frame


class SpillList:
    """Append-only; `len`, iteration, `[i]` and `[:n]` behave as on a list."""

    def __init__(self, items: Iterable[Any] = (), keep: int | None = None, batch: int | None = None):
        self.keep, self.batch = KEEP if keep is None else keep, BATCH if batch is None else batch
        self.head: list = []
        self.buffer: list = []
        self.frames: list[tuple[int, int]] = []  # (offset, length) of each pickled batch in the file
        self.file: IO[bytes] | None = None
        self.count = 0
        self.extend(items)

    def append(self, item: Any) -> None:
        self.count += 1
        if len(self.head) < self.keep:
            self.head.append(item)
            return
        self.buffer.append(item)
        if len(self.buffer) >= self.batch:
            self._flush()

    def extend(self, items: Iterable[Any]) -> None:
        for item in items:
            self.append(item)

    def extend_pickled(self, data: bytes, count: int) -> None:
        """Append `count` items given as one pickled list (as a worker process sends them),
        written to the file as they are when the head is full: no unpickling on the way."""
        if len(self.head) < self.keep or self.buffer:
            self.extend(pickle.loads(data))  # pickled by our own worker
            return
        file = self._spill_file()
        file.seek(0, 2)
        self.frames.append((file.tell(), len(data)))
        file.write(data)
        self.count += count

    def _flush(self) -> None:
        if not self.buffer:
            return
        file = self._spill_file()
        data = pickle.dumps(self.buffer, protocol=pickle.HIGHEST_PROTOCOL)
        file.seek(0, 2)
        self.frames.append((file.tell(), len(data)))
        file.write(data)
        self.buffer = []

    def _spill_file(self) -> IO[bytes]:
        if self.file is None:  # open for the list's life, closed in __del__: not a `with` block
            self.file = tempfile.TemporaryFile(prefix="kinerja-")  # noqa: SIM115 (see the line above)
        return self.file

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __iter__(self) -> Iterator[Any]:
        yield from self.head
        if self.file is not None:  # frames are written only to the file
            for offset, length in list(self.frames):
                self.file.seek(offset)
                yield from pickle.loads(self.file.read(length))  # our own temporary file
        yield from list(self.buffer)

    def __getitem__(self, index):
        if isinstance(index, slice):
            if index.step not in (None, 1) or (index.start or 0) < 0 or (index.stop is not None and index.stop < 0):
                return list(self)[index]
            return list(islice(self, index.start or 0, index.stop))
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError("SpillList index out of range")
        return self.head[index] if index < len(self.head) else next(islice(self, index, None))

    def __eq__(self, other) -> bool:
        if isinstance(other, (SpillList, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SpillList({self.count} items, {len(self.head)} in memory)"

    def __del__(self) -> None:
        if self.file is not None:
            self.file.close()  # the operating system deletes the anonymous file


class Parked:
    """Bytes left in a file of `folder` (a private temporary folder the reading process made and
    removes at its end): what a worker process sends instead of the bytes themselves."""

    __slots__ = ("path", "size")

    def __init__(self, path: str, size: int):
        self.path, self.size = path, size

    @classmethod
    def park(cls, data: bytes, folder: str) -> Parked | bytes:
        """`data` in a new file of `folder`, or `data` itself when the file cannot be written
        (a full disk, a folder gone): then it travels as it did before."""
        try:
            fd, path = tempfile.mkstemp(dir=folder, prefix="rows-")
        except OSError:
            return data
        try:
            with open(fd, "wb") as fh:
                fh.write(data)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(path)
            return data
        return cls(path, len(data))

    def copy_to(self, out: BinaryIO) -> None:
        """Append the parked bytes to `out` (flushed first) and remove their file. To a regular
        file they are copied by the kernel; to anything else (a pipe) read and written."""
        out.flush()
        with open(self.path, "rb") as src:
            sent = 0
            if stat.S_ISREG(os.fstat(out.fileno()).st_mode) and hasattr(os, "sendfile"):
                try:
                    while sent < self.size:
                        n = os.sendfile(out.fileno(), src.fileno(), sent, self.size - sent)
                        if n == 0:
                            break
                        sent += n
                except OSError:
                    if sent:
                        raise
                if sent:
                    out.seek(0, os.SEEK_END)  # the buffered file's idea of where it is, after the kernel wrote
            if sent < self.size:
                src.seek(sent)
                shutil.copyfileobj(src, out)
        os.unlink(self.path)

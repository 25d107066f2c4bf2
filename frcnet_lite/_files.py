"""Writing files so that a failure never leaves a partial file or destroys an existing one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temporary file name beside ``path``; it replaces ``path`` only if the block succeeds.

    The temporary name is hidden (``.<name>.<random>.partial<suffix>``) and keeps ``path``'s suffix,
    since writers such as :func:`numpy.savez` choose the format by it. On any error or interruption
    (``KeyboardInterrupt``; the command line turns SIGTERM into an exception too) it is removed and an
    existing ``path`` is left untouched. The file gets the usual permissions (``0666`` less the umask,
    e.g. ``0644``), not :func:`tempfile.mkstemp`'s ``0600``. A ``path`` that is a directory is refused
    before anything is written.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "a.txt"
    ...     with atomic_write(p) as tmp:
    ...         _ = pathlib.Path(tmp).write_text("done")
    ...     p.read_text(), sorted(x.name for x in pathlib.Path(d).iterdir())
    ('done', ['a.txt'])
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(21, "is a directory; expected a file name", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f".partial{path.suffix}")
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; results should be readable like any other
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through :func:`atomic_write`; return the path.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_text(pathlib.Path(d) / "b.json", "{}").read_text()
    '{}'
    """
    path = Path(path)
    with atomic_write(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return path


def _umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def existing_ancestor(path: Path) -> Path:
    """The nearest folder above ``path`` (or ``path`` itself) that exists: where a new file would be made."""
    parent = Path(path).parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent

"""A file's head, looked at once for format detection: text lines, column names, HDF5 layout, zip."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from ._text import _split_header, decode_head

__all__ = ["Head", "HDF5_SIGNATURE"]

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_HEAD_BYTES = 65536


class Head:
    """The first 64 KiB of a file and what can be seen in them (each property computed once)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with open(path, "rb") as fh:
            self.raw = fh.read(_HEAD_BYTES)

    @cached_property
    def text(self) -> str | None:
        """The head as text (UTF-8, else Latin-1), or None for a binary file.

        Text before a NUL byte at the start of a line counts (Zeiss appends binary metadata so)."""
        decoded = decode_head(self.raw, ("utf-8", "latin-1"))
        return None if decoded is None else decoded[1]

    @cached_property
    def lines(self) -> list[str]:
        """The first 50 lines (without line ends)."""
        if self.text is None:
            return []
        return [ln.rstrip("\r\n") for ln in self.text.splitlines()[:50]]

    @cached_property
    def comments(self) -> list[str]:
        """Leading ``#`` lines, without the marker."""
        out = []
        for ln in self.lines:
            if not ln.lstrip("\ufeff").startswith("#"):
                break
            out.append(ln.lstrip("\ufeff")[1:].strip())
        return out

    @cached_property
    def header(self) -> str:
        """The first line that is neither a ``#`` comment nor blank."""
        return next((ln for ln in self.lines if ln.strip() and not ln.lstrip("\ufeff").startswith("#")), "")

    @cached_property
    def names(self) -> list[str]:
        """Column names of :attr:`header`."""
        return _split_header(self.header, None)[0] if self.header else []

    @cached_property
    def delimiter(self) -> str:
        """The delimiter of :attr:`header`."""
        return _split_header(self.header, None)[1] if self.header else ","

    @cached_property
    def is_hdf5(self) -> bool:
        """Whether the file is HDF5 (signature at 0 or after a user block: 512, 1024, ... bytes)."""
        return any(self.raw[o:o + 8] == HDF5_SIGNATURE for o in (0, 512, 1024, 2048, 4096, 8192, 16384, 32768))

    @cached_property
    def hdf5(self) -> dict[str, Any]:
        """``{name: kind}`` of the HDF5 objects at the top level and one level down (empty if unreadable)."""
        if not self.is_hdf5:
            return {}
        import h5py  # noqa: PLC0415

        found: dict[str, Any] = {}
        try:
            with h5py.File(self.path, "r") as f:
                for k, obj in f.items():
                    if isinstance(obj, h5py.Group):
                        found[k] = "group"
                        for k2, sub in obj.items():
                            found[f"{k}/{k2}"] = "group" if isinstance(sub, h5py.Group) else "dataset"
                    else:
                        found[k] = tuple(obj.dtype.names or ())
        except Exception:  # noqa: BLE001 - a damaged file: no layout; the reader reports the error
            return {}
        return found

    @cached_property
    def is_zip(self) -> bool:
        """Whether the file is a zip archive."""
        return self.raw[:4] == b"PK\x03\x04"

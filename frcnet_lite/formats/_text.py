"""Delimited text tables: the header (comments, names, delimiter) and strict numeric parsing.

Strict means: every data row has exactly the header's number of fields (a row cut short by a
truncated file is an error, never a shorter number or a filled-in NaN), and every value of a
column that is read is a number (``nan``/``inf`` and empty fields are NaN, which the readers then
refuse or drop). Parsing uses :func:`pandas.read_csv` on the columns that are needed; a cheap count
of the delimiters confirms the field counts, and only when something is off is the file read again
line by line to say which line is wrong.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._base import LocalizationFileError

__all__ = ["TextTable", "open_text", "read_columns", "decode_head"]

#: Delimiters recognised in a header line, in order of preference (" " means: runs of whitespace).
DELIMITERS = ("\t", ",", ";", " ")


@dataclass
class TextTable:
    """A delimited text file split into its parts (byte offsets into ``data``)."""

    path: Path
    data: bytes
    encoding: str
    comments: list[str]
    names: list[str]
    delimiter: str
    start: int
    end: int
    first_line: int
    fallback_encodings: tuple[str, ...] = ()

    def index(self, name: str) -> int:
        """Position of the column ``name``."""
        return self.names.index(name)


def decode_head(data: bytes, encodings: tuple[str, ...] = ("utf-8",)) -> tuple[str, str] | None:
    """The first of ``encodings`` that decodes ``data`` (a file's head; a cut multi-byte character at
    its end is forgiven), with the text; None when none does or the head holds NUL bytes (other than
    from a line that starts with one on: Zeiss appends binary metadata so)."""
    if b"\x00" in data:
        cut = data.find(b"\n\x00")
        if cut < 0 or b"\x00" in data[:cut]:
            return None
        data = data[: cut + 1]
    for enc in encodings:
        try:
            return enc, data.decode(enc)
        except UnicodeDecodeError as exc:
            if exc.start >= len(data) - 3 and enc == "utf-8":  # a character cut at the end of the head
                return enc, data[: exc.start].decode(enc)
    return None


def _split_header(line: str, delimiter: str | None) -> tuple[list[str], str]:
    line = line.strip().lstrip("\ufeff")
    if delimiter is None:
        delimiter = next((d for d in DELIMITERS if d in line), ",")
    names = _fields(line, delimiter)
    if len(names) == 1 and delimiter != " " and delimiter in names[0]:
        # the whole header quoted once more (a spreadsheet re-saving a quoted CSV: "id,""frame"",...")
        names = _fields(names[0], delimiter)
    return [n.strip().strip('"').strip() for n in names], delimiter


def _fields(line: str, delimiter: str) -> list[str]:
    if delimiter == " ":
        return line.split()
    try:
        return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
    except csv.Error:
        return line.split(delimiter)


def open_text(
    path: Path,
    *,
    encodings: tuple[str, ...] = ("utf-8",),
    comment: str | None = "#",
    delimiter: str | None = None,
    header_line: int | None = None,
) -> TextTable:
    """Read a delimited text file's header: leading comment lines, column names, delimiter.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    encodings : tuple of str
        Encodings to try, in order.
    comment : str or None
        Marker of the comment lines before the header (None: no comment lines).
    delimiter : str, optional
        The delimiter (default: tab, comma, semicolon or whitespace, whichever the header has first).
    header_line : int, optional
        Take the header from this 0-based line (default: the first line that is not a comment or blank).

    Raises
    ------
    LocalizationFileError
        For a binary file, an undecodable one, or one without a header line.
    """
    data = path.read_bytes()
    head = data[:65536]
    decoded = decode_head(head[: head.rfind(b"\n") + 1] or head, encodings)
    if decoded is None:
        raise LocalizationFileError(f"{path} is not a text file in {' or '.join(encodings)} (is it binary?)")
    encoding = decoded[0]
    comments: list[str] = []
    pos, lineno = 0, 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        stop = len(data) if nl < 0 else nl + 1
        line = data[pos:stop].decode(encoding, errors="replace")
        lineno += 1
        pos = stop
        if header_line is not None:
            if lineno - 1 < header_line:
                comments.append(line.strip())
                continue
        elif comment and line.lstrip("\ufeff").startswith(comment):
            comments.append(line.lstrip("\ufeff")[len(comment):].strip())
            continue
        elif not line.strip():
            continue
        if "\x00" in line:
            raise LocalizationFileError(f"{path}: line {lineno} holds NUL bytes; expected a text table")
        try:
            line = line.encode(encoding).decode(encoding)
        except UnicodeError:
            raise LocalizationFileError(f"{path}: line {lineno} is not {encoding} text") from None
        names, delim = _split_header(line, delimiter)
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise LocalizationFileError(f"{path}: duplicate column name(s) {dup} in the header line {lineno}")
        return TextTable(path, data, encoding, comments, names, delim, pos, len(data), lineno + 1,
                         encodings[encodings.index(encoding) + 1:])
    raise LocalizationFileError(f"{path} has no header line (the file is empty or holds only comments)")


def read_columns(table: TextTable, wanted: list[str]) -> dict[str, np.ndarray]:
    """The columns ``wanted`` (header names) of ``table`` as float64 arrays, strictly parsed."""
    import pandas as pd  # noqa: PLC0415

    idx = [table.index(w) for w in wanted]
    body = table.data[table.start:table.end]
    if not body.strip():
        return {w: np.zeros(0) for w in wanted}
    sep = r"\s+" if table.delimiter == " " else table.delimiter
    df = None
    for encoding in (table.encoding, *table.fallback_encodings):
        try:
            # no dtype= (forcing float64 makes pandas 1.6x slower): columns that are not numbers come back
            # as objects and are diagnosed below
            df = pd.read_csv(io.BytesIO(body), sep=sep, header=None, usecols=idx, engine="c", encoding=encoding,
                             skip_blank_lines=True, skipinitialspace=True)
            table.encoding = encoding
            break
        except UnicodeDecodeError as exc:
            error: Exception = exc
        except Exception as exc:  # noqa: BLE001 - pandas raises many kinds; find the line, else report it
            error = exc
            break
    if df is None:
        _diagnose(table, idx)
        raise LocalizationFileError(f"{table.path}: cannot read the columns {wanted}: {error}")
    n_fields = len(table.names)
    if (table.delimiter == " " or any(df[i].dtype.kind not in "fiub" for i in idx)
            or body.count(table.delimiter.encode(table.encoding)) != (n_fields - 1) * len(df)):
        _diagnose(table, idx)  # something does not add up: look at every line (quoted delimiters are fine)
    out = {}
    for w, i in zip(wanted, idx):
        col = df[i]
        if col.dtype.kind not in "fiub":  # values _diagnose accepts but pandas does not (e.g. '1.0 ')
            col = pd.to_numeric(col.astype(str).str.strip().replace(_NA_STRINGS, "nan"), errors="coerce")
        out[w] = col.to_numpy(dtype=np.float64)
    return out


_NA_STRINGS = ["", "NA", "NaN", "nan", "N/A", "NULL", "null", "-nan", "-NaN", "None", "n/a", "#N/A"]


def _is_number(text: str) -> bool:
    s = text.strip()
    if s in _NA_STRINGS:
        return True
    try:
        float(s)
    except ValueError:
        return False
    return "_" not in s


def _diagnose(table: TextTable, idx: list[int]) -> None:
    """Raise for the first line whose field count or numeric fields are wrong (returns when all are fine)."""
    text = table.data[table.start:table.end].decode(table.encoding, errors="replace")
    n_fields = len(table.names)
    for k, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        if not line.strip():
            continue
        lineno = table.first_line + k
        fields = _fields(line, table.delimiter)
        if len(fields) != n_fields:
            what = "a truncated row?" if len(fields) < n_fields else "extra fields"
            raise LocalizationFileError(
                f"{table.path}, line {lineno}: {len(fields)} fields where the header has {n_fields} ({what}): "
                f"{_short(line)}")
        for i in idx:
            if not _is_number(fields[i]):
                raise LocalizationFileError(f"{table.path}, line {lineno}, column {table.names[i]!r}: "
                                            f"{_short(fields[i])} is not a number")


def _short(text: str, n: int = 60) -> str:
    return repr(text if len(text) <= n else text[:n] + "...")


def finite_or_none(value: object) -> float | None:
    """``float(value)`` when it is a finite number, else None."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None

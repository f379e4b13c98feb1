"""Read a few columns of one sheet of an .xlsx quickly (lxml iterparse over the sheet's XML).

openpyxl's read-only mode converts every cell of every row (~0.8 ms per row of 申报项目's 55 columns:
8 s for 10,000 forms, on every cron run).  Regeneration needs five of those columns, so this reader
looks only at the cells of the wanted headers.  It understands what Excel, LibreOffice and openpyxl
write for plain values; anything else (a formula, a styled number that may be a date, a missing
cell reference) raises Unsupported and the caller reads the file with openpyxl instead.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from lxml import etree

__all__ = ["Unsupported", "read_columns"]

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAX_PART = 512 * 2**20  # a workbook part larger than this is not one intake wrote


class Unsupported(Exception):
    """The file holds something this reader does not interpret exactly as openpyxl would."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _part(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > _MAX_PART:
        raise Unsupported(f"{name} too large")
    return zf.read(info)


def _sheet_path(zf: zipfile.ZipFile, title: str) -> str | None:
    book = etree.fromstring(_part(zf, "xl/workbook.xml"), _parser())
    rid = next((s.get(f"{_REL_NS}id") for s in book.iter(f"{_NS}sheet") if s.get("name") == title), None)
    if rid is None:
        return None
    rels = etree.fromstring(_part(zf, "xl/_rels/workbook.xml.rels"), _parser())
    target = next((r.get("Target") for r in rels.iter(f"{_PKG_REL}Relationship") if r.get("Id") == rid), None)
    if not target:
        raise Unsupported("sheet relationship missing")
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _text(si: Any) -> str:
    """A string item: its <t>, or its runs' <t> (phonetic <rPh> runs are not part of the value)."""
    parts = []
    for child in si.iterchildren(f"{_NS}t", f"{_NS}r"):
        t = child if child.tag == f"{_NS}t" else child.find(f"{_NS}t")
        if t is not None:
            parts.append(t.text or "")
    return "".join(parts)


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    root = etree.fromstring(_part(zf, "xl/sharedStrings.xml"), _parser())
    return [_text(si) for si in root.iterchildren(f"{_NS}si")]


def _number(text: str) -> int | float:
    return float(text) if any(ch in text for ch in ".eE") else int(text)


def _value(c: Any, strings: Sequence[str]) -> Any:
    if c.find(f"{_NS}f") is not None:
        raise Unsupported("formula")
    kind = c.get("t", "n")
    if kind == "inlineStr":
        si = c.find(f"{_NS}is")
        return _text(si) if si is not None else None
    v = c.find(f"{_NS}v")
    if v is None or v.text is None:
        return None
    if kind == "s":
        return strings[int(v.text)]
    if kind in ("str", "e"):
        return v.text
    if kind == "b":
        return v.text == "1"
    if kind == "n":
        if c.get("s") not in (None, "0"):
            raise Unsupported("styled number (may be a date)")
        return _number(v.text)
    raise Unsupported(f"cell type {kind}")


def _rows(stream: Any) -> Iterator[Any]:
    for _, row in etree.iterparse(
        stream, events=("end",), tag=f"{_NS}row", resolve_entities=False, no_network=True, huge_tree=False
    ):
        yield row
        row.clear()
        while row.getprevious() is not None:  # keep the tree empty behind us
            del row.getparent()[0]


def read_columns(path: Path, title: str, headers: Sequence[str]) -> list[tuple[Any, ...]] | None:
    """Rows of sheet `title` as tuples in the order of its header row, holding the values of the
    columns named in `headers` (None in all other columns); the header row comes first.
    None when the sheet is absent.  Raises Unsupported (or zip/XML errors) when unsure."""
    with zipfile.ZipFile(path) as zf:
        sheet = _sheet_path(zf, title)
        if sheet is None:
            return None
        strings = _shared_strings(zf)
        if zf.getinfo(sheet).file_size > _MAX_PART:
            raise Unsupported(f"{sheet} too large")
        with zf.open(sheet) as stream:  # parsed as it is inflated: the sheet's XML is never whole
            return _read(_rows(stream), strings, headers)


def _read(rows: Iterator[Any], strings: Sequence[str], headers: Sequence[str]) -> list[tuple[Any, ...]]:
    first = next(rows, None)
    if first is None:
        return [()]
    if first.get("r", "1") != "1":
        raise Unsupported("no header row")
    header_cells = {_column(c): _value(c, strings) for c in first.iterchildren(f"{_NS}c")}
    width = max(header_cells, default=0)
    header = tuple(header_cells.get(i) for i in range(1, width + 1))
    wanted = {i for i, h in header_cells.items() if h is not None and str(h).strip() in headers}
    out: list[tuple[Any, ...]] = [header]
    for row in rows:
        number = int(row.get("r") or len(out) + 1)
        while len(out) < number - 1:  # rows Excel left out because they are empty
            out.append(())
        values: list[Any] = [None] * width
        for c in row.iterchildren(f"{_NS}c"):
            col = _column(c)
            if col in wanted:
                values[col - 1] = _value(c, strings)
        out.append(tuple(values))
    return out


def _column(c: Any) -> int:
    ref = c.get("r")
    if not ref:
        raise Unsupported("cell without a reference")
    index = 0
    for letter in ref.rstrip("0123456789"):  # "AB12" → column 28
        if not "A" <= letter <= "Z":
            raise Unsupported(f"cell reference {ref!r}")
        index = index * 26 + ord(letter) - 64
    return index

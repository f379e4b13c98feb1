"""Safe loading of .docx packages and one walker over their body XML (docs/pitfalls.md §4, §5, §9).

`load_document(data)` opens the zip under size/ratio limits and parses the main part with entities
off.  `walk_body(root)` turns the body into blocks — paragraphs (`Para`) and tables (`Grid`) — with
the visible text Word would show: w:ins / w:smartTag / w:hyperlink / w:fldSimple / w:customXml /
content controls included, w:del and mc:Fallback left out, symbols, checkbox controls, legacy form
checkboxes and 带圈 EQ fields turned into ☑ / ☐, text boxes read once.  Tables get a real grid:
gridSpan, vMerge and gridBefore resolved, cells inside w:sdt found, nested tables kept, and
consecutive tables (a table split by hand or by a converter) merged into one.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from lxml import etree

from core.documents import DocumentError
from parsers import checkbox

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_w = f"{{{W}}}"


def q(tag: str) -> str:
    return _w + tag


@dataclass(frozen=True)
class Limits:
    max_total: int = 100 * 1024 * 1024  # sum of uncompressed member sizes
    max_member: int = 50 * 1024 * 1024  # any single member, and the main part we actually read
    max_ratio: float = 100.0  # uncompressed / compressed, whole package
    max_entries: int = 1000


DEFAULT_LIMITS = Limits()
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAIN_TYPES = (
    "document.main+xml",
    "document.macroEnabled.main+xml",
    "template.main+xml",
    "template.macroEnabledTemplate.main+xml",
)

# ------------------------------------------------------------------ loading


def xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )


def _ole_reason(data: bytes) -> str:
    try:
        import msoffcrypto  # only to tell an encrypted OOXML from a legacy .doc

        if msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted():
            return "文件已加密（设有打开密码），请申报单位提供未加密的 Word 文件"
    except Exception:  # noqa: BLE001 - msoffcrypto raises many types on a damaged file: read as legacy below
        pass
    return "这是旧版 Word（.doc/.wps）文件，需先转换为 .docx 才能读取"


def _check_limits(zf: zipfile.ZipFile, limits: Limits) -> None:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise DocumentError("文件包含的部件过多，已拒绝解析")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > limits.max_total or any(i.file_size > limits.max_member for i in infos):
        raise DocumentError("文件解压后过大，已拒绝解析")
    if total / packed > limits.max_ratio and total > 1024 * 1024:
        raise DocumentError("文件压缩比异常（疑似压缩炸弹），已拒绝解析")


def _read_member(zf: zipfile.ZipFile, name: str, limits: Limits) -> bytes:
    """Read a member, stopping at the limit even if its header lies about the size."""
    with zf.open(name) as fh:
        out = fh.read(limits.max_member + 1)
    if len(out) > limits.max_member:
        raise DocumentError("文件解压后过大，已拒绝解析")
    return out


def _main_part(zf: zipfile.ZipFile, limits: Limits) -> str:
    names = set(zf.namelist())
    if "[Content_Types].xml" in names:
        raw = _read_member(zf, "[Content_Types].xml", limits)
        if b'PartName="/word/document.xml"' in raw and "word/document.xml" in names:
            return "word/document.xml"  # the usual case, without parsing the content types
        try:
            types = etree.fromstring(raw, xml_parser())
        except etree.XMLSyntaxError:
            types = None
        for o in types.iter("{*}Override") if types is not None else ():
            if any(str(o.get("ContentType", "")).endswith(t) for t in _MAIN_TYPES):
                part = str(o.get("PartName", "")).lstrip("/")
                if part in names:
                    return part
    if "word/document.xml" in names:
        return "word/document.xml"
    raise DocumentError("不是 Word 文档（文件中没有正文部件）")


def load_document(data: bytes, limits: Limits = DEFAULT_LIMITS) -> etree._Element:
    """The root element of the main document part. DocumentError (Chinese reason) for anything else."""
    if data.startswith(OLE_MAGIC):
        raise DocumentError(_ole_reason(data))
    if not data.startswith(b"PK"):
        raise DocumentError("不是 Word（.docx）文件，无法读取")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            _check_limits(zf, limits)
            xml = _read_member(zf, _main_part(zf, limits), limits)
    except DocumentError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        KeyError,
        ValueError,
        NotImplementedError,
        zlib.error,
    ) as err:
        raise DocumentError("文件已损坏或不完整，无法打开") from err
    if STRICT_W.encode() in xml[:4096]:
        # "Strict Open XML" (ISO 29500 strict) differs from Transitional in its namespaces only, as far
        # as the elements read here go.
        xml = xml.replace(STRICT_W.encode(), W.encode())
    try:
        return etree.fromstring(xml, xml_parser())
    except etree.XMLSyntaxError as err:
        raise DocumentError("文件内容已损坏（正文 XML 无法解析）") from err


def read(data: bytes, name: str) -> tuple[etree._Element, list[Block]]:
    """The main part's root and its body walked into blocks; DocumentError (Chinese reason, the
    document's name) for anything that cannot be read."""
    try:
        root = load_document(data)
        return root, walk_body(root)
    except DocumentError as err:
        err.name = err.name or name
        raise
    except (etree.LxmlError, RecursionError, MemoryError, ValueError, KeyError, IndexError) as err:
        raise DocumentError("文件内容异常，无法解析", name=name) from err


# ------------------------------------------------------------------ blocks


@dataclass(frozen=True)
class Para:
    text: str
    emphasis: tuple[
        str, ...
    ] = ()  # the text of its runs set apart by highlight, shading, underline, bold, colour


class GridCell(NamedTuple):
    """One cell of a grid (immutable)."""

    row: int
    col: int
    rowspan: int
    colspan: int
    paras: tuple[str, ...]
    nested: tuple[Grid, ...] = ()
    text: str = ""  # non-empty paragraphs stripped, joined by newlines; nested tables' rows after them
    emphasis: tuple[str, ...] = ()  # its paragraphs' emphasised text (Para.emphasis)


def _cell_text(paras: tuple[str, ...], nested: tuple[Grid, ...]) -> str:
    lines = [s for s in (p.strip() for p in paras) if s]
    for g in nested:
        lines += [t for t in (g.row_text(r) for r in range(g.n_rows)) if t]
    return "\n".join(lines)


@dataclass(frozen=True)
class Grid:
    cells: tuple[GridCell, ...]  # distinct cells, row-major by origin
    n_rows: int
    n_cols: int
    index: dict[tuple[int, int], int] = field(default_factory=dict, compare=False, repr=False)

    def at(self, row: int, col: int) -> GridCell | None:
        """The cell covering (row, col), merged cells resolved to their origin."""
        i = self.index.get((row, col))
        return None if i is None else self.cells[i]

    def row_cells(self, row: int) -> list[GridCell]:
        seen: list[GridCell] = []
        for c in range(self.n_cols):
            cell = self.at(row, c)
            if cell is not None and all(cell is not s for s in seen):
                seen.append(cell)
        return seen

    def row_text(self, row: int) -> str:
        return " ".join(c.text.replace("\n", " ") for c in self.row_cells(row) if c.text)


Block = Para | Grid

# ------------------------------------------------------------------ inline text

T, R, P, TBL, TR, TC = (q(x) for x in ("t", "r", "p", "tbl", "tr", "tc"))
SDT, SDTCONTENT = q("sdt"), q("sdtContent")
SYM, FLDCHAR, INSTR = q("sym"), q("fldChar"), q("instrText")
FLDSIMPLE, TXBX = q("fldSimple"), q("txbxContent")
CUSTOMXML, INS, DEL, MOVETO = q("customXml"), q("ins"), q("del"), q("moveTo")
ALT, FALLBACK = f"{{{MC}}}AlternateContent", f"{{{MC}}}Fallback"
W14_CHECKBOX, W14_CHECKED, W14_VAL = f"{{{W14}}}checkbox", f"{{{W14}}}checked", f"{{{W14}}}val"
_RPR = q("rPr")
_FONT_ATTRS = tuple(q(a) for a in ("ascii", "hAnsi", "cs", "eastAsia"))
_VAL = q("val")
_PUA = re.compile("[\uf000-\uf0ff]")
_RFONTS = q("rFonts")


@dataclass
class _Field:
    instr: str = ""
    checkbox: bool | None = None  # a FORMCHECKBOX's state
    in_result: bool = False


@dataclass
class _Inline:
    """Text of one paragraph being collected, with field state and text boxes found on the way."""

    out: list[str] = field(default_factory=list)
    fields: list[_Field] = field(default_factory=list)
    boxes: list[etree._Element] = field(default_factory=list)
    emphasis: list[str] = field(default_factory=list)
    emphasis_end: int = -1  # where the last emphasised run ended in `out`

    def emit(self, text: str) -> None:
        if not self.fields or self.fields[-1].in_result:
            self.out.append(text)


_SKIP = frozenset(
    {
        DEL,
        q("moveFrom"),
        q("delText"),
        q("rPr"),
        q("pPr"),
        q("proofErr"),
        q("bookmarkStart"),
        q("bookmarkEnd"),
        q("commentRangeStart"),
        q("commentRangeEnd"),
        q("lastRenderedPageBreak"),
        FALLBACK,
    }
)
_TEXT_BREAKS = {
    q("tab"): " ",
    q("ptab"): " ",
    q("br"): "\n",
    q("cr"): "\n",
    q("noBreakHyphen"): "-",
    q("softHyphen"): "",
}
_BOX_HOSTS = frozenset({q("drawing"), q("pict"), ALT, q("object")})


_STRUCK = frozenset({q("strike"), q("dstrike"), q("vanish")})
_OFF_VALUES = ("0", "false", "off", "none")
_HIGHLIGHT, _SHD, _UNDERLINE, _BOLD, _COLOR = q("highlight"), q("shd"), q("u"), q("b"), q("color")
_FILL = q("fill")
_PLAIN_FILLS = ("", "auto", "ffffff", "none")
_PLAIN_COLOURS = ("", "auto", "000000")


def _emphasised(prop: etree._Element) -> bool:
    """A run property that sets text apart: a highlight, a shading, an underline, bold, a colour."""
    tag, val = prop.tag, str(prop.get(_VAL, "")).strip().lower()
    if tag == _HIGHLIGHT:
        return val not in ("", "none")
    if tag == _SHD:
        return val != "nil" and str(prop.get(_FILL, "")).strip().lower() not in _PLAIN_FILLS
    if tag == _UNDERLINE:
        return val not in ("none", *_OFF_VALUES[:3])
    if tag == _BOLD:
        return val not in _OFF_VALUES
    if tag == _COLOR:
        return val not in _PLAIN_COLOURS
    return False


def _run_props(run: etree._Element) -> tuple[str | None, bool, bool]:
    """The run's font; whether its text is struck through (w:strike / w:dstrike) or hidden (w:vanish):
    applicants strike through the options they did not choose, so struck text reads as deleted; and
    whether it is set apart (highlighted, shaded, underlined, bold, coloured): some mark their choice so."""
    font, struck, emphasis = None, False, False
    for rpr in run:  # w:rPr comes first when present; lxml's find() would go through ElementPath
        if rpr.tag != _RPR:
            break
        for prop in rpr:
            if prop.tag == _RFONTS and font is None:
                font = next((str(v) for v in (prop.get(a) for a in _FONT_ATTRS) if v), None)
            elif prop.tag in _STRUCK and prop.get(_VAL, "1").strip().lower() not in _OFF_VALUES:
                struck = True
            elif not emphasis and _emphasised(prop):
                emphasis = True
        break
    return font, struck, emphasis


def _run_font(run: etree._Element) -> str | None:
    return _run_props(run)[0]


def _symbol_text(font: str | None, text: str) -> str:
    out = []
    for ch in text:
        glyph = checkbox.symbol_char(font, ord(ch))
        out.append(ch if glyph is None else glyph)
    return "".join(out)


def _t_text(font: str | None, text: str) -> str:
    if (font is not None and checkbox.is_symbol_font(font)) or _PUA.search(text):
        return _symbol_text(font, text)
    return text


def _sym(el: etree._Element) -> str:
    try:
        code = int(el.get(q("char"), ""), 16)
    except ValueError:
        return ""
    return checkbox.symbol_char(el.get(q("font")) or "symbol", code) or ""


def _ff_checkbox(fld: etree._Element) -> bool | None:
    box = fld.find(f"{_w}ffData/{_w}checkBox")
    if box is None:
        return None
    checked = box.find(q("checked"))
    node = checked if checked is not None else box.find(q("default"))
    if node is None:
        return False
    return node.get(_VAL, "1").strip().lower() in ("1", "true", "on")


def _fld_char(el: etree._Element, st: _Inline) -> None:
    kind = el.get(q("fldCharType"))
    if kind == "begin":
        st.fields.append(_Field(checkbox=_ff_checkbox(el)))
    elif kind == "separate" and st.fields:
        st.fields[-1].in_result = True
    elif kind == "end" and st.fields:
        f = st.fields.pop()
        if f.checkbox is not None:
            st.emit(checkbox.CHECKED_MARK if f.checkbox else checkbox.UNCHECKED_MARK)
        elif re.search(r"\bFORMCHECKBOX\b", f.instr):
            st.emit(checkbox.UNCHECKED_MARK)
        else:
            glyph = checkbox.eq_field_glyph(f.instr)
            if glyph:
                st.emit(glyph)
            elif re.match(r"\s*eq\s", f.instr, re.IGNORECASE):
                st.emit(checkbox.eq_field_text(f.instr))


def _run(run: etree._Element, st: _Inline) -> None:
    font, struck, emphasis = _run_props(run)
    if struck:
        return
    start = len(st.out)
    _run_content(run, font, st)
    if emphasis and (shown := "".join(st.out[start:])).strip():
        if start == st.emphasis_end and st.emphasis:  # Word splits what was typed into several runs
            st.emphasis[-1] += shown
        else:
            st.emphasis.append(shown)
        st.emphasis_end = len(st.out)


def _run_content(run: etree._Element, font: str | None, st: _Inline) -> None:
    for el in run:
        tag = el.tag
        if tag == T:
            st.emit(_t_text(font, el.text or ""))
        elif tag in _TEXT_BREAKS:
            st.emit(_TEXT_BREAKS[tag])
        elif tag == SYM:
            st.emit(_sym(el))
        elif tag == FLDCHAR:
            _fld_char(el, st)
        elif tag == INSTR and st.fields and not st.fields[-1].in_result:
            st.fields[-1].instr += el.text or ""
        elif tag in _BOX_HOSTS:
            st.boxes.extend(_text_boxes(el))


def _text_boxes(el: etree._Element) -> Iterator[etree._Element]:
    """w:txbxContent under el, skipping mc:Fallback (Word writes each box twice) and nested boxes."""
    for node in el.iter(TXBX):
        if any(a.tag == FALLBACK or a.tag == TXBX for a in node.iterancestors()):
            continue
        yield node


def _showing_placeholder(sdt: etree._Element) -> bool:
    pr = sdt.find(q("sdtPr"))
    return pr is not None and pr.find(q("showingPlcHdr")) is not None


def _sdt_checkbox(sdt: etree._Element) -> bool | None:
    pr = sdt.find(q("sdtPr"))
    box = pr.find(W14_CHECKBOX) if pr is not None else None
    if box is None:
        return None
    checked = box.find(W14_CHECKED)
    val = checked.get(W14_VAL, "1") if checked is not None else "0"
    return val.strip().lower() in ("1", "true")


def _inline(el: etree._Element, st: _Inline) -> None:
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == R:
            _run(child, st)
        elif tag == SDT:
            state = _sdt_checkbox(child)
            if state is not None:  # the stored state wins over whatever glyph is shown
                st.emit(checkbox.CHECKED_MARK if state else checkbox.UNCHECKED_MARK)
            elif _showing_placeholder(child):
                continue  # "单击或点击此处输入文字。": an empty control shows Word's placeholder
            else:
                content = child.find(SDTCONTENT)
                _inline(content if content is not None else child, st)
        elif tag == ALT:
            st.boxes.extend(_text_boxes(child))
        else:  # w:ins, w:smartTag, w:hyperlink, w:customXml, w:fldSimple, w:moveTo, w:dir, w:bdo, ...
            _inline(child, st)


def paragraph_text(p: etree._Element) -> tuple[str, list[etree._Element]]:
    """Visible text of a paragraph and the text boxes anchored in it."""
    text, boxes, _ = _paragraph(p)
    return text, boxes


def _paragraph(p: etree._Element) -> tuple[str, list[etree._Element], tuple[str, ...]]:
    """paragraph_text, and the text of its emphasised runs (adjacent ones joined)."""
    st = _Inline()
    _inline(p, st)
    return "".join(st.out), st.boxes, tuple(st.emphasis)


# ------------------------------------------------------------------ blocks and tables


# A body or cell as walked: paragraphs, grids of text boxes, and runs of consecutive tables (merged later).
_Raw = Para | Grid | list["_RawTable"]


class _RawCell(NamedTuple):
    span: int
    vmerge: str | None  # "restart" | "continue" | None
    blocks: list[_Raw]


class _RawRow(NamedTuple):
    before: int
    header: bool
    cells: list[_RawCell]


_RawTable = list[_RawRow]


def _block_children(el: etree._Element) -> Iterator[etree._Element]:
    """w:p and w:tbl children, looking through w:sdt / w:customXml wrappers."""
    for child in el:
        tag = child.tag
        if tag in (P, TBL):
            yield child
        elif tag == SDT:
            content = child.find(SDTCONTENT)
            if content is not None and not _showing_placeholder(child):
                yield from _block_children(content)
        elif tag in (CUSTOMXML, INS, MOVETO):
            yield from _block_children(child)


def _add_para(out: list[_Raw], text: str, emphasis: tuple[str, ...] = ()) -> None:
    # An empty paragraph between two tables does not end the run: split tables join up.
    if text.strip() or not (out and isinstance(out[-1], list)):
        out.append(Para(text, emphasis))


def _add_table(out: list[_Raw], table: _RawTable) -> None:
    last = out[-1] if out else None
    if isinstance(last, list):
        last.append(table)
    else:
        out.append([table])


def _box_blocks(boxes: list[etree._Element], out: list[_Raw]) -> None:
    for box in boxes:
        out.extend(build_grid(b) if isinstance(b, list) else b for b in _blocks(box))


def _blocks(container: etree._Element) -> list[_Raw]:
    """Paragraphs, and runs of consecutive tables (merged later), text boxes before their paragraph."""
    out: list[_Raw] = []
    for el in _block_children(container):
        if el.tag == TBL:
            _add_table(out, _raw_table(el))
            continue
        text, boxes, emphasis = _paragraph(el)
        _box_blocks(boxes, out)
        _add_para(out, text, emphasis)
    return out


def _unwrapped(parent: etree._Element, tag: str) -> Iterator[etree._Element]:
    """parent's children with `tag`, looking through content controls and custom XML wrapped around them."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag == SDT or child.tag == CUSTOMXML:
            inner = child.find(SDTCONTENT) if child.tag == SDT else child
            if inner is not None:
                yield from _unwrapped(inner, tag)


def _rows(tbl: etree._Element) -> Iterator[etree._Element]:
    return _unwrapped(tbl, TR)


def _cells(tr: etree._Element) -> Iterator[etree._Element]:
    return _unwrapped(tr, TC)


def _int_val(el: etree._Element | None, default: int) -> int:
    if el is None:
        return default
    try:
        return max(0, int(el.get(_VAL, default)))
    except ValueError:
        return default


_TCPR, _GRIDSPAN, _VMERGE = q("tcPr"), q("gridSpan"), q("vMerge")
_TRPR, _GRIDBEFORE, _TBLHEADER = q("trPr"), q("gridBefore"), q("tblHeader")


def _tc_props(tc: etree._Element) -> tuple[int, str | None]:
    """gridSpan and vMerge of a cell (child iteration: much cheaper than find() paths)."""
    span, vm = 1, None
    for pr in tc:
        if pr.tag == _TCPR:
            for x in pr:
                if x.tag == _GRIDSPAN:
                    span = max(1, _int_val(x, 1))
                elif x.tag == _VMERGE:
                    vm = "restart" if x.get(_VAL) == "restart" else "continue"
        break
    return span, vm


def _tr_props(tr: etree._Element) -> tuple[int, bool]:
    """gridBefore and whether the row repeats as a header."""
    before, header = 0, False
    for pr in tr:
        if pr.tag == _TRPR:
            for x in pr:
                if x.tag == _GRIDBEFORE:
                    before = _int_val(x, 0)
                elif x.tag == _TBLHEADER:
                    header = x.get(_VAL, "true").lower() not in ("0", "false", "off")
        break
    return before, header


def _raw_table(tbl: etree._Element) -> _RawTable:
    rows = []
    for tr in _rows(tbl):
        before, header = _tr_props(tr)
        cells = [_RawCell(*_tc_props(tc), _blocks(tc)) for tc in _cells(tr)]
        rows.append(_RawRow(before, header, cells))
    return rows


def walk_body(root: etree._Element) -> list[Block]:
    body = root.find(q("body"))
    if body is None:
        return []
    return [build_grid(b) if isinstance(b, list) else b for b in _blocks(body)]


# ---- grids


@dataclass
class _Origin:
    """A cell being placed: its origin, how far it spans so far, and its content."""

    row: int
    col: int
    rowspan: int
    colspan: int
    paras: tuple[str, ...]
    nested: tuple[Grid, ...]
    emphasis: tuple[str, ...]


@dataclass
class _Build:
    cells: list[_Origin] = field(default_factory=list)
    index: dict[tuple[int, int], int] = field(default_factory=dict)
    n_cols: int = 0


def _cell_content(blocks: list[_Raw]) -> tuple[tuple[str, ...], tuple[Grid, ...], tuple[str, ...]]:
    paras: list[str] = []
    nested: list[Grid] = []
    emphasis: list[str] = []
    for b in blocks:
        if isinstance(b, Para):
            paras.append(b.text)
            emphasis.extend(b.emphasis)
        else:
            nested.append(build_grid(b) if isinstance(b, list) else b)
    return tuple(paras), tuple(nested), tuple(emphasis)


def _add_row(b: _Build, row: _RawRow, r: int) -> None:
    col = row.before
    for cell in row.cells:
        above = b.index.get((r - 1, col)) if cell.vmerge == "continue" else None
        if above is not None:
            origin = b.cells[above]
            origin.rowspan = r - origin.row + 1
            target = above
        else:
            b.cells.append(_Origin(r, col, 1, cell.span, *_cell_content(cell.blocks)))
            target = len(b.cells) - 1
        for c in range(col, col + cell.span):
            b.index[(r, c)] = target
        col += cell.span
    b.n_cols = max(b.n_cols, col)


def _raw_row_text(row: _RawRow) -> str:
    return "".join(b.text for cell in row.cells for b in cell.blocks if isinstance(b, Para))


def build_grid(tables: list[_RawTable]) -> Grid:
    """One grid from one table or a run of consecutive tables (a split table)."""
    b = _Build()
    r = 0
    header_rows: list[str] = []
    for t_i, table in enumerate(tables):
        for row in table:
            if row.header:
                if t_i == 0:
                    header_rows.append(_raw_row_text(row))
                elif _raw_row_text(row) in header_rows:
                    continue  # a repeated header row at the top of a continuation table
            _add_row(b, row, r)
            r += 1
    cells = tuple(
        GridCell(
            c.row, c.col, c.rowspan, c.colspan, c.paras, c.nested, _cell_text(c.paras, c.nested), c.emphasis
        )
        for c in b.cells
    )
    return Grid(cells, r, b.n_cols, b.index)


def iter_grids(blocks: list[Block]) -> Iterator[Grid]:
    """Every grid, nested ones after their parent."""
    for b in blocks:
        if isinstance(b, Grid):
            yield from _grid_and_nested(b)


def _grid_and_nested(g: Grid) -> Iterator[Grid]:
    yield g
    for cell in g.cells:
        for n in cell.nested:
            yield from _grid_and_nested(n)


def has_tracked_changes(root: etree._Element) -> bool:
    return next(root.iter(INS, DEL), None) is not None


def has_images(root: etree._Element) -> bool:
    return next(root.iter(q("drawing"), q("pict")), None) is not None

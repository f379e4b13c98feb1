"""Safe loading of .docx packages and one walker over their body XML (pitfalls.md sections 4, 5, 9).

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
from dataclasses import dataclass, field
from typing import Iterator

from lxml import etree

from parsers import checkbox
from parsers.types import DocumentError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_w = "{%s}" % W


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
_MAIN_TYPES = ("document.main+xml", "document.macroEnabled.main+xml", "template.main+xml",
               "template.macroEnabledTemplate.main+xml")

# ------------------------------------------------------------------ loading


def xml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           remove_comments=True, remove_pis=True)


def _ole_reason(data: bytes) -> str:
    try:
        import msoffcrypto  # only to tell an encrypted OOXML from a legacy .doc

        if msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted():
            return "文件已加密（设有打开密码），请申报单位提供未加密的 Word 文件"
    except Exception:  # an unreadable OLE file is reported as legacy below
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
        data = fh.read(limits.max_member + 1)
    if len(data) > limits.max_member:
        raise DocumentError("文件解压后过大，已拒绝解析")
    return data


def _main_part(zf: zipfile.ZipFile, limits: Limits) -> str:
    names = set(zf.namelist())
    if "[Content_Types].xml" in names:
        try:
            types = etree.fromstring(_read_member(zf, "[Content_Types].xml", limits), xml_parser())
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
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError, ValueError,
            NotImplementedError) as err:
        raise DocumentError("文件已损坏或不完整，无法打开") from err
    try:
        return etree.fromstring(xml, xml_parser())
    except etree.XMLSyntaxError as err:
        raise DocumentError("文件内容已损坏（正文 XML 无法解析）") from err


def part_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.namelist()


# ------------------------------------------------------------------ blocks


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class GridCell:
    row: int
    col: int
    rowspan: int
    colspan: int
    paras: tuple[str, ...]
    nested: tuple["Grid", ...] = ()

    @property
    def text(self) -> str:
        """Non-empty paragraphs, stripped, joined by newlines; nested tables' text after them."""
        lines = [p.strip() for p in self.paras if p.strip()]
        for g in self.nested:
            lines += [g.row_text(r) for r in range(g.n_rows) if g.row_text(r)]
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

    def emit(self, text: str) -> None:
        if not self.fields or self.fields[-1].in_result:
            self.out.append(text)


_SKIP = {q("del"), q("moveFrom"), q("delText"), q("rPr"), q("pPr"), q("proofErr"), q("bookmarkStart"),
         q("bookmarkEnd"), q("commentRangeStart"), q("commentRangeEnd"), q("lastRenderedPageBreak"),
         "{%s}Fallback" % MC}
_TEXT_BREAKS = {q("tab"): " ", q("ptab"): " ", q("br"): "\n", q("cr"): "\n", q("noBreakHyphen"): "-",
                q("softHyphen"): ""}


def _run_font(run: etree._Element) -> str | None:
    fonts = run.find(f"{_w}rPr/{_w}rFonts")
    if fonts is None:
        return None
    for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
        value = fonts.get(q(attr))
        if value:
            return value
    return None


def _symbol_text(font: str | None, text: str) -> str:
    out = []
    for ch in text:
        glyph = checkbox.symbol_glyph(font, ord(ch))
        out.append(glyph if glyph is not None else ("" if 0xF000 <= ord(ch) <= 0xF0FF else ch))
    return "".join(out)


def _t_text(font: str | None, text: str) -> str:
    if checkbox.is_symbol_font(font) or any(0xF000 <= ord(c) <= 0xF0FF for c in text):
        return _symbol_text(font, text)
    return text


def _sym(el: etree._Element) -> str:
    try:
        code = int(el.get(q("char"), ""), 16)
    except ValueError:
        return ""
    return checkbox.symbol_glyph(el.get(q("font")), code) or ""


def _ff_checkbox(fld: etree._Element) -> bool | None:
    box = fld.find(f"{_w}ffData/{_w}checkBox")
    if box is None:
        return None
    checked = box.find(q("checked"))
    node = checked if checked is not None else box.find(q("default"))
    if node is None:
        return False
    return node.get(q("val"), "1").strip().lower() in ("1", "true", "on")


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
    font = _run_font(run)
    for el in run:
        tag = el.tag
        if tag == q("t"):
            st.emit(_t_text(font, el.text or ""))
        elif tag in _TEXT_BREAKS:
            st.emit(_TEXT_BREAKS[tag])
        elif tag == q("sym"):
            st.emit(_sym(el))
        elif tag == q("fldChar"):
            _fld_char(el, st)
        elif tag == q("instrText") and st.fields and not st.fields[-1].in_result:
            st.fields[-1].instr += el.text or ""
        elif tag in (q("drawing"), q("pict"), "{%s}AlternateContent" % MC, q("object")):
            st.boxes.extend(_text_boxes(el))


def _text_boxes(el: etree._Element) -> Iterator[etree._Element]:
    """w:txbxContent under el, skipping mc:Fallback (Word writes each box twice) and nested boxes."""
    for node in el.iter(q("txbxContent")):
        if any(a.tag == "{%s}Fallback" % MC or a.tag == q("txbxContent") for a in node.iterancestors()):
            continue
        yield node


def _sdt_checkbox(sdt: etree._Element) -> bool | None:
    pr = sdt.find(q("sdtPr"))
    box = pr.find("{%s}checkbox" % W14) if pr is not None else None
    if box is None:
        return None
    checked = box.find("{%s}checked" % W14)
    val = checked.get("{%s}val" % W14, "1") if checked is not None else "0"
    return val.strip().lower() in ("1", "true")


def _inline(el: etree._Element, st: _Inline) -> None:
    for child in el:
        tag = child.tag
        if tag in _SKIP or not isinstance(tag, str):
            continue
        if tag == q("r"):
            _run(child, st)
        elif tag == q("sdt"):
            state = _sdt_checkbox(child)
            if state is not None:  # the stored state wins over whatever glyph is shown
                st.emit(checkbox.CHECKED_MARK if state else checkbox.UNCHECKED_MARK)
            else:
                _inline(child.find(q("sdtContent")) if child.find(q("sdtContent")) is not None else child, st)
        elif tag == q("fldSimple"):
            _inline(child, st)
        elif tag == "{%s}AlternateContent" % MC:
            st.boxes.extend(_text_boxes(child))
        else:  # w:ins, w:smartTag, w:hyperlink, w:customXml, w:moveTo, w:dir, w:bdo, ...
            _inline(child, st)


def paragraph_text(p: etree._Element) -> tuple[str, list[etree._Element]]:
    st = _Inline()
    _inline(p, st)
    return "".join(st.out), st.boxes


# ------------------------------------------------------------------ blocks and tables


def _block_children(el: etree._Element) -> Iterator[etree._Element]:
    """w:p and w:tbl children, looking through w:sdt / w:customXml wrappers."""
    for child in el:
        tag = child.tag
        if tag in (q("p"), q("tbl")):
            yield child
        elif tag == q("sdt"):
            content = child.find(q("sdtContent"))
            if content is not None:
                yield from _block_children(content)
        elif tag in (q("customXml"), q("ins"), q("moveTo")):
            yield from _block_children(child)


def _blocks(container: etree._Element) -> list[Block | list[etree._Element]]:
    """Paragraphs, and runs of consecutive tables (merged later), text boxes before their paragraph."""
    out: list[Block | list[etree._Element]] = []
    for el in _block_children(container):
        if el.tag == q("tbl"):
            if out and isinstance(out[-1], list):
                out[-1].append(el)
            else:
                out.append([el])
            continue
        text, boxes = paragraph_text(el)
        for box in boxes:
            out.extend(build_grid(b) if isinstance(b, list) else b for b in _blocks(box))
        if text.strip() or not (out and isinstance(out[-1], list)):
            out.append(Para(text))
        # An empty paragraph between two tables does not end the run: split tables join up.
    return out


def walk_body(root: etree._Element) -> list[Block]:
    body = root.find(q("body"))
    if body is None:
        return []
    return [build_grid(b) if isinstance(b, list) else b for b in _blocks(body)]


def _rows(tbl: etree._Element) -> Iterator[etree._Element]:
    for child in tbl:
        if child.tag == q("tr"):
            yield child
        elif child.tag in (q("sdt"), q("customXml")):
            inner = child.find(q("sdtContent")) if child.tag == q("sdt") else child
            if inner is not None:
                yield from _rows(inner)


def _cells(tr: etree._Element) -> Iterator[etree._Element]:
    for child in tr:
        if child.tag == q("tc"):
            yield child
        elif child.tag in (q("sdt"), q("customXml")):
            inner = child.find(q("sdtContent")) if child.tag == q("sdt") else child
            if inner is not None:
                yield from _cells(inner)


def _int_val(el: etree._Element | None, default: int) -> int:
    if el is None:
        return default
    try:
        return max(0, int(el.get(q("val"), default)))
    except ValueError:
        return default


def _cell_content(tc: etree._Element) -> tuple[tuple[str, ...], tuple[Grid, ...]]:
    paras: list[str] = []
    nested: list[Grid] = []
    for b in _blocks(tc):
        if isinstance(b, Para):
            paras.append(b.text)
        elif isinstance(b, list):
            nested.append(build_grid(b))
        else:
            nested.append(b)
    return tuple(paras), tuple(nested)


@dataclass
class _Build:
    cells: list[dict] = field(default_factory=list)
    index: dict[tuple[int, int], int] = field(default_factory=dict)
    n_cols: int = 0


def _is_repeated_header(tr: etree._Element, first_rows: list[str]) -> bool:
    if tr.find(f"{_w}trPr/{_w}tblHeader") is None:
        return False
    text = "".join(paragraph_text(p)[0] for p in tr.iter(q("p")))
    return text in first_rows


def _add_row(b: _Build, tr: etree._Element, r: int) -> None:
    col = _int_val(tr.find(f"{_w}trPr/{_w}gridBefore"), 0)
    for tc in _cells(tr):
        pr = tc.find(q("tcPr"))
        span = max(1, _int_val(pr.find(q("gridSpan")) if pr is not None else None, 1))
        vm = pr.find(q("vMerge")) if pr is not None else None
        above = b.index.get((r - 1, col))
        if vm is not None and vm.get(q("val"), "continue") == "continue" and above is not None:
            origin = b.cells[above]
            origin["rowspan"] = r - origin["row"] + 1
            for c in range(col, col + span):
                b.index[(r, c)] = above
        else:
            paras, nested = _cell_content(tc)
            b.cells.append({"row": r, "col": col, "rowspan": 1, "colspan": span, "paras": paras,
                            "nested": nested})
            for c in range(col, col + span):
                b.index[(r, c)] = len(b.cells) - 1
        col += span
    b.n_cols = max(b.n_cols, col)


def build_grid(tables: list[etree._Element]) -> Grid:
    """One grid from one table or a run of consecutive tables (a split table)."""
    b = _Build()
    r = 0
    header_rows: list[str] = []
    for t_i, tbl in enumerate(tables):
        for tr in _rows(tbl):
            if t_i == 0 and tr.find(f"{_w}trPr/{_w}tblHeader") is not None:
                header_rows.append("".join(paragraph_text(p)[0] for p in tr.iter(q("p"))))
            elif t_i > 0 and _is_repeated_header(tr, header_rows):
                continue
            _add_row(b, tr, r)
            r += 1
    cells = tuple(GridCell(**c) for c in b.cells)
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
    return next(root.iter(q("ins"), q("del")), None) is not None

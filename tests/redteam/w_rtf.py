"""The IR as hand-written RTF, the way Word and WPS save "RTF 格式" (and older systems export forms):
cells as \\cellx boundaries (a horizontal merge is one wide cell), \\clvmgf / \\clvmrg vertical merges,
Insert → Symbol as a SYMBOL field, legacy FORMCHECKBOX form fields, Wingdings letters in a
\\fcharset2 font.  LibreOffice opens it and saves .docx / .doc / PDF.
"""

from __future__ import annotations

from tests.redteam.model import Doc, PageBreak, Para, R, Table

_FONTS = {"宋体": 0, "Wingdings": 1, "Wingdings 2": 2, "Symbol": 3, "MS Gothic": 4, "Segoe UI Symbol": 5}
_HEADER = (
    r"{\rtf1\ansi\ansicpg936\deff0\deflang1033\deflangfe2052"
    r"{\fonttbl{\f0\fnil\fcharset134 \'cb\'ce\'cc\'e5;}{\f1\fnil\fcharset2 Wingdings;}"
    r"{\f2\fnil\fcharset2 Wingdings 2;}{\f3\froman\fcharset2 Symbol;}{\f4\fmodern\fcharset128 MS Gothic;}"
    r"{\f5\fswiss\fcharset0 Segoe UI Symbol;}}"
    r"{\colortbl;\red0\green0\blue0;\red255\green0\blue0;\red255\green255\blue0;}"
    r"\paperw11906\paperh16838\margl1080\margr1080\margt1440\margb1440"
    r"\viewkind1\uc1\pard\plain\f0\fs24 "
)


def _text(s: str) -> str:
    out = []
    for ch in s:
        o = ord(ch)
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append(r"\line ")
        elif o < 128:
            out.append(ch)
        else:
            v = o if o < 32768 else o - 65536
            out.append(f"\\u{v}?")
    return "".join(out)


def _run(r: R, n: list[int]) -> str:
    if r.br:
        return r"\line "
    if r.dele:
        return ""
    if r.textbox:
        return r"\line ".join(_text(line) for line in r.textbox)
    props = ""
    if r.b:
        props += r"\b"
    if r.u:
        props += r"\ul"
    if r.strike:
        props += r"\strike"
    if r.color:
        props += r"\cf2"
    if r.hl or r.shd:
        props += r"\highlight3"
    if r.sym:
        font, code = r.sym
        dec = int(code, 16) & 0xFF
        body = (
            rf"{{\field{{\*\fldinst SYMBOL {dec} \\f \"{font}\" \\s 12}}"
            rf"{{\fldrslt\f{_FONTS.get(font, 1)} \'{dec:02x}}}}}"
        )
        return f"{{{props} {body}}}" if props else body
    if r.ffbox is not None:
        n[0] += 1
        d = 1 if r.ffbox else 0
        return (
            rf"{{\field{{\*\fldinst {{FORMCHECKBOX {{\*\formfield{{\fftype1\ffres25\fftypetxt0\ffhps20"
            rf"\ffdefres{d}{{\*\ffname Check{n[0]}}}}}}}}}}}{{\fldrslt }}}}"
        )
    if r.eq:
        return rf"{{\field{{\*\fldinst {_text(r.eq.replace(chr(92), chr(92) * 2))}}}{{\fldrslt }}}}"
    if r.sdt is not None:
        return rf"{{\f4{props} {_text(r.sdt_glyph)}}}"
    if r.font and r.font in ("Wingdings", "Wingdings 2"):
        code = ord(r.text[0]) & 0xFF
        return rf"{{\f{_FONTS[r.font]}{props} \'{code:02x}}}"
    font = rf"\f{_FONTS[r.font]}" if r.font in _FONTS else ""
    if not (font or props):
        return _text(r.text)
    return f"{{{font}{props} {_text(r.text)}}}"


def _para(p: Para, n: list[int], center: bool = False) -> str:
    return (r"\qc " if center else "") + "".join(_run(r, n) for r in p)


def _table(t: Table, n: list[int]) -> str:
    out = []
    edges = [sum(t.widths[: i + 1]) for i in range(len(t.widths))]
    border = r"\clbrdrt\brdrs\brdrw10\clbrdrl\brdrs\brdrw10\clbrdrb\brdrs\brdrw10\clbrdrr\brdrs\brdrw10"
    for row in t.rows:
        defs = [r"\trowd\trgaph108\trleft0\trqc"]
        cells = []
        col = 0
        for c in row:
            col += c.span
            merge = r"\clvmgf" if c.vmerge == "restart" else (r"\clvmrg" if c.vmerge == "continue" else "")
            defs.append(f"{merge}\\clvertalc{border}\\cellx{edges[col - 1]}")
            if c.vmerge == "continue":
                cells.append(r"\pard\intbl\cell ")
                continue
            paras = r"\par ".join(_para(p, n, c.label) for p in c.paras)
            cells.append(rf"\pard\intbl {paras}\cell ")
        out.append("".join(defs) + "\n" + "".join(cells) + r"\row " + "\n")
    return "".join(out) + r"\pard "


def rtf(doc: Doc) -> bytes:
    n = [0]
    parts = [_HEADER]
    for b in doc.blocks:
        if isinstance(b, Table):
            parts.append(_table(b, n))
        elif isinstance(b, PageBreak):
            parts.append(r"\page ")
        else:
            text = "".join(r.text for r in b)
            center = text.endswith("申报表")
            parts.append(r"\pard " + _para(b, n, center) + r"\par " + "\n")
    parts.append("}")
    return "".join(parts).encode("ascii")

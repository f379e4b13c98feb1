"""Hand-written WordprocessingML, the way Word 2016 on Windows and WPS Office 2019 write a 申报表.

Word: rsid attributes, w14:paraId, runs split where the applicant paused (proofErr, bookmarks, the
_GoBack bookmark), check box content controls in MS Gothic, legacy FORMCHECKBOX fields, Insert → Symbol
as <w:sym>, tracked changes.  WPS: its namespaces (wpsCustomData), rFonts with w:hint="eastAsia" on every
run, 仿宋_GB2312 / 宋体, fixed table layout, exact line spacing, highlight written as w:shd.
No code of the product is used; the XML is spelt out here.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from xml.sax.saxutils import escape

from tests.redteam.model import Cell, Doc, PageBreak, Para, R, Table
from tests.redteam.seal import seal_png

_NS_WORD = (
    'xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:wp14="http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:w10="urn:schemas-microsoft-com:office:word" '
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml" '
    'xmlns:wpg="http://schemas.microsoft.com/office/word/2010/wordprocessingGroup" '
    'xmlns:wpi="http://schemas.microsoft.com/office/word/2010/wordprocessingInk" '
    'xmlns:wne="http://schemas.microsoft.com/office/word/2006/wordml" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" '
    'mc:Ignorable="w14 w15 wp14"'
)
_NS_WPS = (
    _NS_WORD.replace('mc:Ignorable="w14 w15 wp14"', "")
    + ' xmlns:wpsCustomData="http://www.wps.cn/officeDocument/2013/wpsCustomData" mc:Ignorable="w14 w15 wp14"'
)


class _Writer:
    def __init__(self, flavour: str, seed: int = 0) -> None:
        self.wps = flavour == "wps"
        self.font = "仿宋_GB2312" if self.wps else "宋体"
        self.ids = itertools.count(1)
        self.rsid = itertools.cycle(["00B21C3A", "004F7E12", "00C83D51", "0017A9E4"])
        self.seed = seed
        self.seal_done = False
        self.want_seal = False

    # ---- runs

    def rpr(self, r: R, font: str | None = None) -> str:
        parts = []
        f = font or r.font
        if f:
            parts.append(
                f'<w:rFonts w:ascii="{f}" w:hAnsi="{f}"'
                + (' w:eastAsia="宋体"' if self.wps else "")
                + (' w:hint="eastAsia"' if self.wps else "")
                + "/>"
            )
        elif self.wps:
            parts.append(
                f'<w:rFonts w:hint="eastAsia" w:ascii="{self.font}" w:hAnsi="{self.font}" w:eastAsia="{self.font}" w:cs="{self.font}"/>'
            )
        if r.b:
            parts.append("<w:b/><w:bCs/>")
        if r.strike:
            parts.append("<w:strike/>")
        if r.color:
            parts.append(f'<w:color w:val="{r.color}"/>')
        if self.wps:
            parts.append('<w:sz w:val="24"/><w:szCs w:val="24"/>')
        if r.hl:
            parts.append(f'<w:highlight w:val="{r.hl}"/>')
        if r.u:
            parts.append('<w:u w:val="single"/>')
        if r.shd:
            parts.append(f'<w:shd w:val="clear" w:color="auto" w:fill="{r.shd}"/>')
        if self.wps:
            parts.append('<w:lang w:val="en-US" w:eastAsia="zh-CN"/>')
        return f"<w:rPr>{''.join(parts)}</w:rPr>" if parts else ""

    def t(self, text: str, r: R, *, dele: bool = False) -> str:
        tag = "w:delText" if dele else "w:t"
        sp = ' xml:space="preserve"' if text != text.strip() or "  " in text else ""
        return f"<w:r>{self.rpr(r)}<{tag}{sp}>{escape(text)}</{tag}></w:r>"

    def run(self, r: R) -> str:
        out = self._run(r)
        n = next(self.ids)
        if r.dele:
            return f'<w:del w:id="{n}" w:author="Administrator" w:date="2024-12-12T09:30:00Z">{out}</w:del>'
        if r.ins:
            return f'<w:ins w:id="{n}" w:author="Administrator" w:date="2024-12-12T09:30:00Z">{out}</w:ins>'
        return out

    def _run(self, r: R) -> str:
        if r.br:
            return "<w:r><w:br/></w:r>"
        if r.sym:
            font, code = r.sym
            return f'<w:r>{self.rpr(r)}<w:sym w:font="{font}" w:char="{code}"/></w:r>'
        if r.textbox:
            return self.textbox(r.textbox)
        if r.sdt_text:
            return self.sdt_text(r)
        if r.formtext:
            return self.formtext(r)
        if r.sdt is not None:
            return self.sdt_checkbox(r)
        if r.ffbox is not None:
            return self.formcheckbox(r)
        if r.eq:
            return (
                f'<w:r>{self.rpr(r)}<w:fldChar w:fldCharType="begin"/></w:r>'
                f'<w:r>{self.rpr(r)}<w:instrText xml:space="preserve"> {escape(r.eq)}</w:instrText></w:r>'
                f'<w:r>{self.rpr(r)}<w:fldChar w:fldCharType="end"/></w:r>'
            )
        if r.dele:
            return self.t(r.text, r, dele=True)
        text = r.text
        # Word splits what was typed in several sittings into runs (one per rsid): split long text
        if not self.wps and len(text) >= 6 and not r.font:
            cut = 2 + (len(text) + self.seed) % (len(text) - 3)
            return (
                self.t(text[:cut], r)
                + '<w:proofErr w:type="gramStart"/>'
                + self.t(text[cut:], r)
                + '<w:proofErr w:type="gramEnd"/>'
            )
        return self.t(text, r)

    def sdt_checkbox(self, r: R) -> str:
        n = next(self.ids)
        val = "1" if r.sdt else "0"
        checked = "2611" if r.sdt_glyph == "☑" else "2612"
        gothic = R(font="MS Gothic")
        return (
            f'<w:sdt><w:sdtPr><w:rPr><w:rFonts w:ascii="MS Gothic" w:eastAsia="MS Gothic" w:hAnsi="MS Gothic" w:hint="eastAsia"/></w:rPr>'
            f'<w:id w:val="-{1000 + n}"/><w14:checkbox><w14:checked w14:val="{val}"/>'
            f'<w14:checkedState w14:val="{checked}" w14:font="MS Gothic"/><w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/>'
            f"</w14:checkbox></w:sdtPr><w:sdtEndPr/><w:sdtContent>"
            f"<w:r>{self.rpr(gothic)}<w:t>{r.sdt_glyph}</w:t></w:r></w:sdtContent></w:sdt>"
        )

    def sdt_text(self, r: R) -> str:
        """A plain-text content control (Developer → 纯文本内容控件), showing its placeholder when empty."""
        n = next(self.ids)
        shown = '<w:rStyle w:val="PlaceholderText"/><w:color w:val="808080"/>' if r.placeholder else ""
        return (
            f'<w:sdt><w:sdtPr><w:id w:val="{700000 + n}"/><w:placeholder><w:docPart w:val="DefaultPlaceholder_-1854013440"/>'
            f"</w:placeholder>{'<w:showingPlcHdr/>' if r.placeholder else ''}<w:text/></w:sdtPr><w:sdtEndPr/>"
            f'<w:sdtContent><w:r><w:rPr>{shown}</w:rPr><w:t xml:space="preserve">{escape(r.text)}</w:t></w:r>'
            "</w:sdtContent></w:sdt>"
        )

    def formtext(self, r: R) -> str:
        """A legacy text form field (a protected form): the value is the field's result."""
        n = next(self.ids)
        return (
            f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Text{n}"/><w:enabled/>'
            '<w:calcOnExit w:val="0"/><w:textInput/></w:ffData></w:fldChar></w:r>'
            '<w:r><w:instrText xml:space="preserve"> FORMTEXT </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r>{self.rpr(r)}<w:t xml:space="preserve">{escape(r.text)}</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        )

    def textbox(self, lines: tuple[str, ...]) -> str:
        """A text box (WPS templates put the 申报单位 / 申报时间 lines in one), written the way Word does:
        the DrawingML shape, and the VML copy in mc:Fallback."""
        n = next(self.ids)
        body = "".join(self.para((R(line),)) for line in lines)
        return (
            '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
            f'<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="{n}" '
            'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
            '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
            '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
            '<wp:extent cx="5400000" cy="720000"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapTopAndBottom/>'
            f'<wp:docPr id="{n}" name="文本框 {n}"/><wp:cNvGraphicFramePr/>'
            '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
            '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="5400000" cy="720000"/>'
            '</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/></wps:spPr>'
            f"<wps:txbx><w:txbxContent>{body}</w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp>"
            "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict>"
            '<v:shape id="_x0000_s1026" type="#_x0000_t202" style="width:425pt;height:56pt" filled="f" stroked="f">'
            f"<v:textbox><w:txbxContent>{body}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>"
            "</mc:AlternateContent></w:r>"
        )

    def formcheckbox(self, r: R) -> str:
        n = next(self.ids)
        checked = "<w:checked/>" if r.ffbox else ""
        bm = f"Check{n}"
        return (
            f'<w:bookmarkStart w:id="{n}" w:name="{bm}"/>'
            f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="{bm}"/><w:enabled/>'
            f'<w:calcOnExit w:val="0"/><w:checkBox><w:sizeAuto/><w:default w:val="0"/>{checked}</w:checkBox>'
            f"</w:ffData></w:fldChar></w:r>"
            f'<w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>'
            + ("" if self.wps else '<w:r><w:fldChar w:fldCharType="separate"/></w:r>')
            + f'<w:r><w:fldChar w:fldCharType="end"/></w:r><w:bookmarkEnd w:id="{n}"/>'
        )

    # ---- paragraphs

    def ppr(self, center: bool = False, size: bool = False) -> str:
        parts = []
        if self.wps:
            parts.append(
                '<w:keepNext w:val="0"/><w:keepLines w:val="0"/><w:widowControl/><w:suppressLineNumbers w:val="0"/>'
            )
            parts.append('<w:spacing w:line="400" w:lineRule="exact"/>')
        if center:
            parts.append('<w:jc w:val="center"/>')
        if self.wps:
            parts.append(
                f'<w:rPr><w:rFonts w:hint="eastAsia" w:ascii="{self.font}" w:hAnsi="{self.font}" w:eastAsia="{self.font}"/></w:rPr>'
            )
        return f"<w:pPr>{''.join(parts)}</w:pPr>" if parts else ""

    def para(self, p: Para, center: bool = False) -> str:
        attrs = (
            ""
            if self.wps
            else f' w14:paraId="{next(self.ids):08X}" w14:textId="77777777" w:rsidR="{next(self.rsid)}" w:rsidRDefault="{next(self.rsid)}"'
        )
        body = "".join(self.run(r) for r in p)
        if self.want_seal and not self.seal_done and any("申报单位" in r.text for r in p):
            body += self.seal_drawing()
            self.seal_done = True
        return f"<w:p{attrs}>{self.ppr(center)}{body}</w:p>"

    def seal_drawing(self) -> str:
        n = next(self.ids)
        emu = 1440000  # 4 cm
        return (
            "<w:r><w:drawing>"
            f'<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="{n}" behindDoc="0" '
            'locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
            '<wp:positionH relativeFrom="column"><wp:posOffset>1800000</wp:posOffset></wp:positionH>'
            '<wp:positionV relativeFrom="paragraph"><wp:posOffset>-300000</wp:posOffset></wp:positionV>'
            f'<wp:extent cx="{emu}" cy="{emu}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
            f'<wp:docPr id="{n}" name="公章 {n}"/><wp:cNvGraphicFramePr/>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<pic:pic><pic:nvPicPr><pic:cNvPr id="{n}" name="seal.png"/><pic:cNvPicPr/></pic:nvPicPr>'
            '<pic:blipFill><a:blip r:embed="rIdSeal"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
            f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{emu}" cy="{emu}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
            "</a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>"
        )

    # ---- tables

    def cell(self, c: Cell, width: int) -> str:
        pr = [f'<w:tcW w:w="{width}" w:type="dxa"/>']
        if c.span > 1:
            pr.append(f'<w:gridSpan w:val="{c.span}"/>')
        if c.vmerge == "restart":
            pr.append('<w:vMerge w:val="restart"/>')
        elif c.vmerge == "continue":
            pr.append("<w:vMerge/>")
        if self.wps or c.label:
            pr.append('<w:vAlign w:val="center"/>')
        paras = (
            "".join(self.para(p, center=c.label) for p in c.paras)
            if c.vmerge != "continue"
            else self.para(())
        )
        if c.tables:  # a table in a cell, and the paragraph Word requires after it
            paras += "".join(self.table(t) for t in c.tables) + self.para(())
        return f"<w:tc><w:tcPr>{''.join(pr)}</w:tcPr>{paras}</w:tc>"

    def table(self, t: Table) -> str:
        total = sum(t.widths)
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in t.widths)
        layout = '<w:tblLayout w:type="fixed"/>' if self.wps else ""
        borders = "".join(
            f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
            for side in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        style = "" if self.wps else '<w:tblStyle w:val="TableGrid"/>'
        pr = (
            f'<w:tblPr>{style}<w:tblW w:w="{total}" w:type="dxa"/><w:jc w:val="center"/>'
            f"<w:tblBorders>{borders}</w:tblBorders>{layout}"
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        )
        rows = []
        for row in t.rows:
            col = 0
            cells = []
            for c in row:
                w = sum(t.widths[col : col + c.span])
                cells.append(self.cell(c, w))
                col += c.span
            height = (
                '<w:trPr><w:trHeight w:val="567" w:hRule="atLeast"/><w:jc w:val="center"/></w:trPr>'
                if self.wps
                else ""
            )
            rid = "" if self.wps else f' w:rsidR="{next(self.rsid)}" w:rsidTr="{next(self.rsid)}"'
            rows.append(f"<w:tr{rid}>{height}{''.join(cells)}</w:tr>")
        return f"<w:tbl>{pr}<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"

    def body(self, doc: Doc) -> str:
        self.want_seal = doc.seal
        out = []
        first = True
        for b in doc.blocks:
            if isinstance(b, Table):
                out.append(self.table(b))
            elif isinstance(b, PageBreak):
                out.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
            else:
                text = "".join(r.text for r in b)
                out.append(self.para(b, center=text.endswith("申报表")))
                if first and not self.wps:
                    out[-1] = out[-1].replace(
                        "</w:p>",
                        '<w:bookmarkStart w:id="0" w:name="_GoBack"/><w:bookmarkEnd w:id="0"/></w:p>',
                        1,
                    )
                first = False
        sect = (
            '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
            '<w:pgMar w:top="1440" w:right="1080" w:bottom="1440" w:left="1080" w:header="851" w:footer="992" w:gutter="0"/>'
            '<w:cols w:space="425"/><w:docGrid w:type="lines" w:linePitch="312"/></w:sectPr>'
        )
        ns = _NS_WPS if self.wps else _NS_WORD
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f"<w:document {ns}><w:body>{''.join(out)}{sect}</w:body></w:document>"
        )


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="png" ContentType="image/png"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "{custom}</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    "{custom}</Relationships>"
)
_DOC_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>'
    '<Relationship Id="rIdSeal" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.png"/>'
    "</Relationships>"
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:eastAsia="{font}" w:hAnsi="Times New Roman" w:cs="Times New Roman"/>'
    '<w:kern w:val="2"/><w:sz w:val="24"/><w:szCs w:val="24"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
    "<w:pPrDefault/></w:docDefaults>"
    '<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/><w:qFormat/>'
    '<w:pPr><w:widowControl w:val="0"/><w:jc w:val="both"/></w:pPr></w:style>'
    '<w:style w:type="table" w:default="1" w:styleId="a1"><w:name w:val="Normal Table"/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
    '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
    '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="a1"/><w:tblPr><w:tblBorders>'
    '<w:top w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:left w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    '<w:bottom w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:right w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    "</w:tblBorders></w:tblPr></w:style></w:styles>"
)
_SETTINGS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:zoom w:percent="100"/>{track}<w:defaultTabStop w:val="420"/><w:characterSpacingControl w:val="compressPunctuation"/>'
    "<w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/><w:doNotLeaveBackslashAlone/><w:ulTrailSpace/>"
    "<w:doNotExpandShiftReturn/><w:adjustLineHeightInTable/><w:useFELayout/></w:compat></w:settings>"
)
_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>{creator}</dc:creator>'
    '<dcterms:created xsi:type="dcterms:W3CDTF">2024-12-11T08:00:00Z</dcterms:created></cp:coreProperties>'
)
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>{app}</Application></Properties>"
)
_WPS_CUSTOM = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer">'
    "<vt:lpwstr>2052-11.1.0.14309</vt:lpwstr></property></Properties>"
)


def docx_bytes(doc: Doc, flavour: str = "word", seed: int = 0) -> bytes:
    """The document as a .docx written the way Word ("word") or WPS ("wps") writes one."""
    w = _Writer(flavour, seed)
    xml = w.body(doc)
    wps = flavour == "wps"
    tracked = any(
        r.ins or r.dele
        for b in doc.blocks
        if isinstance(b, Table)
        for row in b.rows
        for c in row
        for p in c.paras
        for r in p
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        custom_type = (
            '<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>'
            if wps
            else ""
        )
        custom_rel = (
            '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/>'
            if wps
            else ""
        )
        z.writestr("[Content_Types].xml", _CONTENT_TYPES.replace("{custom}", custom_type))
        z.writestr("_rels/.rels", _RELS.replace("{custom}", custom_rel))
        z.writestr("word/_rels/document.xml.rels", _DOC_RELS)
        z.writestr("word/document.xml", xml)
        z.writestr("word/styles.xml", _STYLES.replace("{font}", w.font))
        z.writestr(
            "word/settings.xml", _SETTINGS.replace("{track}", "<w:trackRevisions/>" if tracked else "")
        )
        z.writestr("word/media/image1.png", seal_png())
        z.writestr(
            "docProps/core.xml", _CORE.replace("{creator}", "Administrator" if not wps else "WPS_1702345678")
        )
        z.writestr(
            "docProps/app.xml",
            _APP.replace("{app}", "WPS Office_11.1.0.14309" if wps else "Microsoft Office Word"),
        )
        if wps:
            z.writestr("docProps/custom.xml", _WPS_CUSTOM)
    return buf.getvalue()

"""parse_pdf on awkward PDFs: encrypted, broken, not a form, garbled fonts, drawn checkboxes, red seal paths."""

from __future__ import annotations

import hashlib
import re
import zlib
from types import SimpleNamespace

import pytest

from core.documents import DocumentError, LabelValue, Source
from core.schema import DEFAULT_SCHEMA
from parsers.normalise import normalise
from parsers.pdf_form import ENCRYPTED_REASON, parse_pdf
from samples.formgen import sample_fields
from samples.pdfgen import pdf_from_fields

_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _objects(objs: dict[int, bytes], trailer: bytes) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for num in sorted(objs):
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, objs[num])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (max(objs) + 1)
    for num in range(1, max(objs) + 1):
        out += b"%010d 00000 n \n" % offsets[num]
    out += b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref)
    return bytes(out)


def encrypted_pdf(user_password: bytes, owner_password: bytes = b"owner") -> bytes:
    """A one-page PDF under the Standard security handler (RC4 40-bit, revision 2), built by hand:
    no installed library writes encrypted PDFs (pypdf / pikepdf are not dependencies)."""
    pad = lambda pw: (pw + _PAD)[:32]  # noqa: E731
    o_value = _rc4(hashlib.md5(pad(owner_password)).digest()[:5], pad(user_password))
    perms = -44
    file_id = b"0123456789abcdef"
    key = hashlib.md5(
        pad(user_password) + o_value + perms.to_bytes(4, "little", signed=True) + file_id
    ).digest()[:5]
    u_value = _rc4(key, _PAD)
    content = b"BT /F1 24 Tf 72 720 Td (Secret form) Tj ET"
    obj_key = hashlib.md5(key + (4).to_bytes(3, "little") + (0).to_bytes(2, "little")).digest()[:10]
    stream = _rc4(obj_key, content)
    objs = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        4: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        6: b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (o_value.hex().encode(), u_value.hex().encode(), perms),
    }
    trailer = b"<< /Size 7 /Root 1 0 R /Encrypt 6 0 R /ID [<%s> <%s>] >>" % (
        file_id.hex().encode(),
        file_id.hex().encode(),
    )
    return _objects(objs, trailer)


def test_user_password_pdf_is_refused_with_the_agreed_reason() -> None:
    with pytest.raises(DocumentError) as err:
        parse_pdf(encrypted_pdf(b"1234"), "加密.pdf")
    assert err.value.reason == ENCRYPTED_REASON == "PDF 已加密，请申报单位重新提交"
    assert err.value.name == "加密.pdf"


def test_owner_password_only_opens_normally() -> None:
    # An empty user password only restricts permissions: readers (and we) open it without asking.
    form = parse_pdf(encrypted_pdf(b""), "限制编辑.pdf")
    assert form.kind == "pdf" and form.pdf is not None and form.pdf.text_layer and form.pdf.encrypted
    assert parse_pdf(pdf_from_fields(sample_fields(1)), "a.pdf").pdf.encrypted is False  # type: ignore[union-attr]
    assert not form.is_form  # "Secret form" is not a 申报表


@pytest.mark.parametrize(
    "data", [b"", b"not a pdf at all", b"%PDF-1.4\n1 0 obj\n<< garbage", b"PK\x03\x04zip"]
)
def test_broken_or_non_pdf_raises_document_error(data: bytes) -> None:
    with pytest.raises(DocumentError):
        parse_pdf(data, "坏.pdf")


def test_truncated_pdf_raises_or_reads_partially_never_crashes() -> None:
    good = pdf_from_fields(sample_fields(2))
    for cut in (len(good) // 3, len(good) // 2, len(good) - 40):
        try:
            form = parse_pdf(good[:cut], "截断.pdf")
        except DocumentError:
            continue
        assert form.kind == "pdf"


def _text_pdf(lines: list[str]) -> bytes:
    """A plain text PDF (no table) through the same CJK font machinery as pdfgen."""
    from samples import pdfgen

    cv = pdfgen._Canvas()
    for i, line in enumerate(lines):
        cv.text(60, 80 + i * 20, line)
    return pdfgen._serialize(cv, seal=False)


def test_cover_letter_pdf_is_not_a_form() -> None:
    letter = _text_pdf(
        [
            "关于报送2025年高级研修项目申报材料的函",
            "省人社厅专技处：",
            "现将我单位《高级研修项目申报表》报送你处，请审核。",
            "联系人：张三  电话：027-12345678  地址：武汉市武昌区",
        ]
    )
    form = parse_pdf(letter, "公函.pdf")
    assert not form.is_form
    assert "公函" in form.note or "未找到申报表" in form.note


def test_garbled_cid_font_is_recognised() -> None:
    good = pdf_from_fields(sample_fields(4), seal=False)
    garbled = good.replace(b"/Encoding /UniGB-UTF16-H", b"/Encoding /Identity-H   ").replace(
        b"/Ordering (GB1)", b"/Ordering (XYZ)"
    )
    form = parse_pdf(garbled, "乱码.pdf")
    assert form.pdf is not None and not form.pdf.text_layer and not form.pdf.scanned
    assert form.is_form and "乱码" in form.note
    assert form.fields.to_json()["project_name"] is None


def _with_extra_ops(pdf: bytes, ops: bytes) -> bytes:
    """Append drawing operators to page 1's content stream (object 10 in pdfgen's layout)."""
    m = re.search(rb"10 0 obj\n<< /Length (\d+) /Filter /FlateDecode >>\nstream\n", pdf)
    assert m is not None
    start = m.end()
    body = zlib.decompress(pdf[start : start + int(m.group(1))]) + b"\n" + ops
    data = zlib.compress(body)
    head = b"10 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data)
    return pdf[: m.start()] + head + data + pdf[start + int(m.group(1)) :]


def test_red_vector_seal_adds_no_table_edges_and_is_detected() -> None:
    fields = sample_fields(6)
    base = pdf_from_fields(fields, seal=False)
    # an electronic seal drawn as red curves over the first rows of the table
    k = 0.5523 * 55
    circle = (
        b"q 0.85 0.1 0.1 RG 4 w 300 640 m %.1f 640 355 %.1f 355 695 c 355 %.1f %.1f 750 300 750 c "
        b"%.1f 750 245 %.1f 245 695 c 245 %.1f %.1f 640 300 640 c S Q"
        % (300 + k, 695 - k, 695 + k, 300 + k, 300 - k, 695 + k, 695 - k, 300 - k)
    )
    line = b"q 0.85 0.1 0.1 RG 1 w 250 700 m 350 700 l S Q"
    form = parse_pdf(_with_extra_ops(base, circle + b"\n" + line), "电子章.pdf")
    assert form.fields.to_json()["project_name"] == fields["project_name"]
    assert form.fields.to_json()["applicant"] == fields["applicant"]
    assert form.pdf is not None and form.pdf.seal == "present"


def test_drawn_checkboxes_are_read() -> None:
    """Legacy form-field boxes reach a PDF as small squares, ticked with a cross drawn inside."""
    from parsers import pdf_text

    def square(x: float) -> dict[str, object]:
        return {
            "x0": x,
            "x1": x + 10,
            "top": 10.0,
            "bottom": 20.0,
            "width": 10.0,
            "height": 10.0,
            "fill": False,
            "non_stroking_color": None,
        }

    page = SimpleNamespace(
        rects=[square(10.0), square(40.0), {**square(70.0), "x1": 170.0, "width": 100.0}],
        lines=[{"x0": 10.5, "x1": 19.5, "top": 10.5, "bottom": 19.5, "stroking_color": (0, 0, 0)}],
        curves=[],
    )
    marks = [c["text"] for c in pdf_text.drawn_boxes(page)]
    assert marks == ["☑", "☐"]  # the wide rectangle is a table cell, not a box


def test_searchable_scan_with_invisible_ocr_text_is_a_scan() -> None:
    from samples import pdfgen

    cv = pdfgen._Canvas()
    cv.text(60, 80, "专业技术人员知识更新工程2025年高级研修项目申报表 项目名称 办班时间 办班地点")
    ops = cv.pages[0][0].replace("BT ", "BT 3 Tr ", 1)  # render mode 3: OCR text nobody sees
    image = b"q 595 0 0 842 0 0 cm /Seal Do Q"  # pdfgen's image XObject stretched over the page
    body = zlib.compress(ops.encode() + b"\n" + image)
    objs = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [9 0 R] /Count 1 >>",
        3: pdfgen._FONT,
        5: pdfgen._CIDFONT,
        6: pdfgen._DESCRIPTOR,
        9: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 10 0 R "
        b"/Resources << /Font << /F1 3 0 R >> /XObject << /Seal 7 0 R >> >> >>",
        10: b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(body), body),
    }
    objs[7], objs[8] = pdfgen._seal_objects(64)
    form = parse_pdf(pdfgen._write_objects(objs), "扫描件-可搜索.pdf")
    assert form.pdf is not None and form.pdf.scanned and not form.pdf.text_layer
    assert form.is_form and "扫描件" in form.note


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("☑财政资助项目 □自筹经费项目（自筹经费来源：_____）", "fiscal"),
        ("□财政资助项目  ■自筹经费项目（自筹经费来源：单位自筹）", "self_funded"),
        ("£财政资助项目 R自筹经费项目（自筹经费来源：单位自筹）", "self_funded"),  # Wingdings 2 lost its font
        ("þ财政资助项目 ¨自筹经费项目", "fiscal"),  # Wingdings lost its font
        (
            "□财政资助项目 自筹经费项目（自筹经费来源：单位自筹）",
            "self_funded",
        ),  # the tick over a box was lost
        ("自筹经费项目（自筹经费来源：单位自筹）", "self_funded"),  # the other option deleted
        ("□财政资助项目 □自筹经费项目", None),
    ],
)
def test_funding_choice_from_pdf_text(text: str, expected: str | None) -> None:
    got = normalise([LabelValue("funding_type", "申报项目类别", text, Source.PDF_TEXT)], DEFAULT_SCHEMA)
    assert got.fields.funding_type == expected and got.problems == ()


def test_symbol_letters_inside_words_are_left_alone() -> None:
    from core.schema import FUNDING_OPTIONS
    from parsers import choices

    assert choices.unfont_symbols("PDF财政资助项目", FUNDING_OPTIONS) == "PDF财政资助项目"
    assert choices.unfont_symbols("R 财政资助项目", FUNDING_OPTIONS) == "☑财政资助项目"


def _table_pdf(rows: list[tuple[tuple[str, int], ...]], header: list[str] = ()) -> bytes:  # type: ignore[assignment]
    """A PDF with one ruled table of the given rows ((text, span over 5 grid columns), ...)."""
    from samples import pdfgen

    cv = pdfgen._Canvas()
    for i, line in enumerate(header):
        cv.text(pdfgen.MARGIN, pdfgen.MARGIN + 18 * i, line)
    y = pdfgen.MARGIN + 18 * len(header) + 10
    for cells in rows:
        y = pdfgen._place_row(cv, y, cells, 0, pdfgen.PAGE_H - pdfgen.MARGIN)
    return pdfgen._serialize(cv, seal=False)


def test_value_below_a_full_width_label() -> None:
    rows = [
        (("项目名称", 2), ("数字经济高级研修班", 3)),
        (("办班时间", 2), ("2025年6月16日-20日", 1), ("办班地点", 1), ("武汉", 1)),
        (("研修目的和作用", 5),),
        (("提升数字化能力，服务高质量发展。", 5),),
        (("培训对象", 2), ("中高级职称专业技术人员", 3)),
    ]
    form = parse_pdf(
        _table_pdf(rows, ["申报单位：湖北某研究院（盖章）", "申报时间：2024年12月12日"]), "竖排.pdf"
    )
    assert form.is_form
    assert form.fields.to_json()["purpose"] == "提升数字化能力，服务高质量发展。"
    assert form.fields.to_json()["trainees"] == "中高级职称专业技术人员"
    assert form.fields.to_json()["declared_org"] == "湖北某研究院"
    assert form.fields.to_json()["declared_date"] == "2024-12-12"
    assert (
        form.fields.to_json()["training_start"] == "2025-06-16"
        and form.fields.to_json()["training_end"] == "2025-06-20"
    )


def test_header_lines_typed_inside_the_table() -> None:
    rows = [
        (("申报单位：湖北某研究院（盖章）", 3), ("申报时间：2024年12月12日", 2)),
        (("项目名称", 2), ("数字经济高级研修班", 3)),
        (("办班时间", 2), ("2025.6.16—6.20", 1), ("办班地点", 1), ("武汉", 1)),
        (("培训对象", 2), ("中高级职称专业技术人员", 3)),
        (("研修内容和方式", 2), ("专题研讨", 3)),
    ]
    form = parse_pdf(_table_pdf(rows), "表内表头.pdf")
    assert form.fields.to_json()["declared_org"] == "湖北某研究院"
    assert form.fields.to_json()["declared_date"] == "2024-12-12"
    assert form.fields.to_json()["project_name"] == "数字经济高级研修班"


def test_borderless_form_is_read_from_lines() -> None:
    from samples import pdfgen

    lines = [
        "专业技术人员知识更新工程2025年高级研修项目申报表",
        "申报单位：湖北某研究院（盖章）",
        "项目名称：数字经济高级研修班",
        "办班时间 2025年6月16日-20日  办班地点 武汉市",
        "研修目的和作用 提升数字化能力，",
        "服务高质量发展。",
        "申报单位信息 单位名称 湖北某研究院 联系人 张三",
        "办公电话 027-12345678 手机 13800000000",
        "承办单位信息 单位名称 武汉培训中心 联系人 李四",
        "办公电话 027-87654321 手机 13900000000",
    ]
    cv = pdfgen._Canvas()
    for i, line in enumerate(lines):
        cv.text(60, 60 + i * 20, line)
    form = parse_pdf(pdfgen._serialize(cv, seal=False), "无框线.pdf")
    f = form.fields.to_json()
    assert form.is_form
    assert f["project_name"] == "数字经济高级研修班" and f["training_location"] == "武汉市"
    assert f["training_start"] == "2025-06-16"
    assert f["purpose"] == "提升数字化能力，\n服务高质量发展。"
    assert f["applicant"]["contact"] == "张三" and f["applicant"]["office_phone"] == "027-12345678"
    assert f["organizer"]["contact"] == "李四" and f["organizer"]["mobile"] == "13900000000"


def test_text_layer_pdfminer_cannot_read_keeps_seal_and_title(monkeypatch: pytest.MonkeyPatch) -> None:
    import pdfplumber

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("pdfminer choked")

    monkeypatch.setattr(pdfplumber, "open", broken)
    form = parse_pdf(pdf_from_fields(sample_fields(3)), "怪.pdf")
    assert form.is_form and "无法解析" in form.note
    assert form.pdf is not None and form.pdf.seal == "present" and not form.pdf.text_layer
    assert form.fields.to_json()["project_name"] is None


def test_several_forms_merged_into_one_pdf_are_reported() -> None:
    from samples import pdfgen

    first, second = sample_fields(41), sample_fields(42)
    second["project_name"] = "另一单位的" + second["project_name"]
    canvas = pdfgen._layout(first)
    canvas.pages += pdfgen._layout(second).pages
    form = parse_pdf(pdfgen._serialize(canvas, seal=True), "合并.pdf")
    # split by page: each unit's form is read whole, none is left for a human to retype
    assert [f.fields.project_name for f in form.forms()] == [first["project_name"], second["project_name"]]
    assert not any(p.code == "multiple_forms_in_pdf" for f in form.forms() for p in f.problems)
    single = parse_pdf(pdf_from_fields(first), "单.pdf")
    assert not any(p.code == "multiple_forms_in_pdf" for p in single.problems)


def test_merged_pdf_reaches_reviewers_as_its_own_flag() -> None:
    """The problem is catalogued (core.flags), so review carries it under its own code, not form_problem."""
    from core.flags import SPECS, Flag, Severity, describe
    from intake.review import default_rules, form_flags
    from parsers.pairing import pair_documents
    from samples import pdfgen

    first, second = sample_fields(43), sample_fields(44)
    second["project_name"] = "另一单位的" + second["project_name"]
    canvas = pdfgen._layout(first)
    canvas.pages += pdfgen._layout(second).pages
    form = parse_pdf(pdfgen._serialize(canvas, seal=True), "合并.pdf")
    groups = pair_documents(list(form.forms())).groups
    assert len(groups) == 2  # one application per unit
    for group in groups:
        flags = [
            f
            for f in form_flags(group, default_rules())
            if f.code in ("multiple_forms_in_pdf", "form_problem")
        ]
        assert flags == []
    # the flag stays catalogued for what cannot be split (two forms' titles on one page)
    spec = SPECS["multiple_forms_in_pdf"]
    assert spec.severity is Severity.WARNING and spec.scope == "form"
    assert "只读取了第一份" in describe(Flag("multiple_forms_in_pdf", "共 2 份：甲；乙"))


def test_damaged_pdfs_give_a_form_or_document_error_never_a_crash() -> None:
    import random

    rnd = random.Random(20241217)
    sources = [pdf_from_fields(sample_fields(s)) for s in range(2)]
    outcomes = set()
    for _ in range(60):
        data = bytearray(rnd.choice(sources))
        for _ in range(rnd.randint(1, 15)):
            pos = rnd.randrange(len(data))
            if rnd.random() < 0.6:
                data[pos] = rnd.randrange(256)
            else:
                del data[pos : pos + rnd.randint(1, 40)]
        try:
            form = parse_pdf(bytes(data), "坏.pdf")
            outcomes.add("parsed")
            assert form.kind == "pdf" and form.pdf is not None
        except DocumentError as err:
            outcomes.add("refused")
            assert err.reason
    assert outcomes == {"parsed", "refused"}  # the mutations did damage some beyond repair


@pytest.mark.parametrize(
    ("text", "batch"),
    [
        ("■是第3批国家级专业技术人员继续教育基地", 3),
        ("■是第 十二 批国家级专业技术人员继续教育基地", 12),
        ("■是第__批国家级专业技术人员继续教育基地", None),
    ],
)
def test_ce_base_batch(text: str, batch: int | None) -> None:
    cell = LabelValue(
        "organizer.ce_base", "是否继续教育基地", text + " □是省级继续教育基地 □否", Source.PDF_TEXT
    )
    organizer = normalise([cell], DEFAULT_SCHEMA).fields.organizer
    assert organizer.ce_base == "national" and organizer.ce_base_batch == batch


def test_labels_with_a_star_or_a_bracketed_note() -> None:
    rows = [
        (("*项目名称（全称）", 2), ("数字经济高级研修班", 3)),
        (("办班时间★", 2), ("2025年6月16日-20日", 1), ("办班地点", 1), ("武汉", 1)),
        (("培训对象(人数)", 2), ("中高级职称专业技术人员50人", 3)),
        (("研修内容和方式", 2), ("专题研讨", 3)),
    ]
    form = parse_pdf(_table_pdf(rows), "星号.pdf")
    assert form.fields.to_json()["project_name"] == "数字经济高级研修班"
    assert form.fields.to_json()["training_start"] == "2025-06-16"
    assert form.fields.to_json()["trainees"] == "中高级职称专业技术人员50人"


@pytest.mark.parametrize("turn", ["clockwise", "anticlockwise"])
def test_section_label_with_turned_text_direction(turn: str) -> None:
    """承办单位信息 written in a cell whose text direction is turned (a common template layout): the rows
    beside it belong to the organizer, not to the applicant whose labels are the same."""
    from samples import pdfgen

    cv = pdfgen._Canvas()
    cv.text(60, 60, "专业技术人员知识更新工程2025年高级研修项目申报表")
    y = 90.0
    rows = (
        (("项目名称", 2), ("数字经济高级研修班", 3)),
        (("办班时间", 2), ("2025年6月16日至20日", 3)),  # a 申报表 has its own labels (parsers.detect)
        (("研修目的和作用", 2), ("提升数字化能力", 3)),
        (("培训对象", 2), ("专业技术人员", 3)),
    )
    for cells in rows:
        y = pdfgen._place_row(cv, y, cells, 0, 800)
    section_top = y
    for cells in (
        (("单位名称", 1), ("湖北某研究院", 1), ("联系人", 1), ("张三", 1)),
        (("办公电话", 1), ("027-12345678", 1), ("手机", 1), ("13800000000", 1)),
    ):
        pdfgen._draw_row(cv, y, pdfgen.MARGIN + pdfgen._COLS[0], cells, 1, pdfgen._cell_lines(cells, 1), 36)
        y += 36
    cv.rect(pdfgen.MARGIN, section_top, pdfgen._COLS[0], y - section_top)
    label = "承办单位信息"
    x, size = pdfgen.MARGIN + 25, 10.5
    for k, ch in enumerate(label):  # one glyph per Tm: turned 90° either way
        if turn == "clockwise":
            tm = f"0 -1 1 0 {x:.1f} {pdfgen.PAGE_H - section_top - 6 - k * 11:.1f}"
        else:
            tm = f"0 1 -1 0 {x + 10:.1f} {pdfgen.PAGE_H - y + 6 + k * 11:.1f}"  # read bottom-up
        cv.ops.append(f"BT /F1 {size} Tf {tm} Tm <{pdfgen._hex(ch)}> Tj ET")
    form = parse_pdf(pdfgen._serialize(cv, seal=False), "竖排标签.pdf")
    assert form.fields.to_json()["organizer"]["name"] == "湖北某研究院"
    assert form.fields.to_json()["organizer"]["office_phone"] == "027-12345678"
    assert form.fields.to_json()["applicant"]["name"] is None


def test_a_pdf_whose_word_twin_was_read_is_read_only_for_the_cross_check() -> None:
    fields = sample_fields(24)
    data = pdf_from_fields(fields)
    full = parse_pdf(data, "申报表.pdf")
    light = parse_pdf(data, "申报表.pdf", cross_check=True)
    assert light.is_form and light.pdf is not None and light.pdf.cross_check and not full.pdf.cross_check
    assert light.pdf.seal == full.pdf.seal == "present"
    got = light.fields
    assert got.project_name == fields["project_name"] and got.declared_org == fields["declared_org"]
    assert (got.training_start, got.training_end) == (full.fields.training_start, full.fields.training_end)
    assert re.sub(r"\s", "", got.applicant.name or "") == fields["applicant"]["name"]
    assert got.purpose is None and got.funding_type is None  # not read: the Word version gives them
    assert full.fields.purpose and full.fields.funding_type


def test_a_pdf_of_several_forms_is_read_in_full_even_with_a_word_twin() -> None:
    from samples import pdfgen

    canvas = pdfgen._layout(sample_fields(41))
    canvas.pages += pdfgen._layout(sample_fields(42)).pages
    form = parse_pdf(pdfgen._serialize(canvas, seal=True), "合并.pdf", cross_check=True)
    assert form.pdf is not None and not form.pdf.cross_check
    assert len(form.forms()) == 2 and not any(p.code == "multiple_forms_in_pdf" for p in form.problems)

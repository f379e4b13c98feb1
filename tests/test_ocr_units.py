"""The OCR path's pieces on synthetic images: straightening, table recovery, box-to-cell mapping,
checkbox ink, seal verdicts, the text-side fixes, sniffing photos.  No recognition model here."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from parsers.ocr import cleanup, layout, marks
from parsers.ocr import seal as scan_seal
from parsers.ocr.layout import Cell, Grid, Piece
from parsers.sniff import sniff

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(FONT, size, index=2)
    except OSError:
        return ImageFont.load_default()


def _text_page(lines: int = 14) -> Image.Image:
    """An A4 page at 150 dpi with rows of text, like the body of a form."""
    img = Image.new("L", (1240, 1754), 255)
    d = ImageDraw.Draw(img)
    for i in range(lines):
        d.text(
            (150, 200 + i * 60),
            "申报单位信息联系人办公电话手机传真地址研修目的和作用" * 1,
            fill=0,
            font=_font(26),
        )
    return img


def _mask(img: Image.Image) -> np.ndarray:
    return cleanup.ink(cleanup.flatten(np.asarray(img.convert("L"))))


# ---------------------------------------------------------------- straightening


@pytest.mark.parametrize("degrees", [-3.0, -1.0, 1.5, 3.0, -8.0, 7.0])  # beyond 5°: a photo at a slant
def test_skew_is_measured_within_a_few_tenths_of_a_degree(degrees: float) -> None:
    page = _text_page().rotate(degrees, resample=Image.BICUBIC, fillcolor=255)
    # cv2's angle that levels the rows undoes PIL's counter-clockwise turn
    assert cleanup.skew_angle(_mask(page)) == pytest.approx(-degrees, abs=0.3)


def test_a_level_page_is_left_alone() -> None:
    rgb = np.asarray(_text_page().convert("RGB"))
    prepared = cleanup.prepare(rgb)
    assert prepared.angle == 0.0 and not prepared.warped
    assert prepared.grey.shape == rgb.shape[:2]


def test_detector_boxes_standing_up_mean_the_page_lies_on_its_side() -> None:
    from parsers.ocr.read import _sideways

    wide = [(100, y, 700, y + 30) for y in range(100, 1000, 50)]
    tall = [(x0, y0, x1, y1) for (y0, x0, y1, x1) in wide]
    assert _sideways(tall) and not _sideways(wide)
    assert not _sideways(tall[:2])  # a couple of tall boxes (a vertical label) decide nothing


def test_grey_and_coloured_paper_is_flattened_to_white() -> None:
    page = np.asarray(_text_page().convert("RGB")).astype(np.float32)
    yellowed = np.clip(
        page * np.array([0.93, 0.86, 0.62]) * np.linspace(0.75, 1.0, page.shape[1])[None, :, None], 0, 255
    )
    flat = cleanup.flatten(cleanup.lift_red(yellowed.astype(np.uint8)))
    paper = flat[50:150, 50:1200]
    assert paper.mean() > 245  # the paper, not the text
    assert (cleanup.ink(flat)[200:230] > 0).sum() > 1000  # the text survives


def test_red_ink_is_lifted_and_black_under_it_stays() -> None:
    img = Image.new("RGB", (400, 200), "white")
    d = ImageDraw.Draw(img)
    d.text((20, 80), "湖北工业大学", fill="black", font=_font(40))
    d.ellipse((150, 20, 330, 190), outline=(210, 30, 40), width=8)
    d.rectangle((200, 60, 260, 120), fill=(230, 60, 70))
    grey = cleanup.lift_red(np.asarray(img))
    assert grey[25:35, 230:250].min() == 255  # the ring's ink is gone
    assert (grey[80:130, 20:390] < 100).sum() > 500  # the characters are not


def _under_a_seal(opaque: bool) -> tuple[np.ndarray, np.ndarray]:
    """Black text with a red ring and star over it: pressed as a stamp (ink multiplies, the text shows
    black through it), or laid over it as an electronic seal at 92% opacity (the text all but hidden),
    then saved as JPEG; and where the text's strokes are under the ink."""
    text = Image.new("L", (400, 200), 0)
    ImageDraw.Draw(text).text((20, 80), "湖北省林业科学研究院", fill=255, font=_font(34))
    ink = Image.new("L", (400, 200), 0)
    d = ImageDraw.Draw(ink)
    d.ellipse((120, 10, 300, 190), outline=255, width=12)
    d.polygon([(210, 70), (240, 140), (180, 140)], fill=255)
    t, k = np.asarray(text) > 127, np.asarray(ink) > 127
    page = np.full((200, 400, 3), 252.0)
    page[t] = 0.0
    red = np.array([205.0, 32.0, 40.0])
    if opaque:
        page[k] = 0.92 * red + 0.08 * page[k]
    else:
        page[k] = page[k] * red / 255.0
    buf = io.BytesIO()
    Image.fromarray(page.astype(np.uint8)).save(buf, "JPEG", quality=90)
    rgb = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    inner = cv2.erode(k.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)  # well inside the ink
    return rgb, t & inner


def test_text_an_opaque_seal_hides_is_brought_back_by_the_reading_under_the_ink() -> None:
    rgb, hidden = _under_a_seal(opaque=True)
    assert hidden.sum() > 100
    wiped, under = cleanup.lift_red(rgb), cleanup.lift_red(rgb, under=1)
    assert (wiped[hidden] < 200).mean() < 0.05  # wiping the ink wipes the text under it
    assert np.median(under[hidden]) < 160  # the reading under the ink brings it back, grey on white
    ring_only = cv2.erode((cleanup.red_mask(rgb)).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert (
        under[ring_only & ~cv2.dilate(hidden.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)] > 200
    ).mean() > 0.9


def test_text_a_stamp_shows_through_stays_black_when_its_ink_is_wiped() -> None:
    rgb, hidden = _under_a_seal(opaque=False)
    assert (cleanup.lift_red(rgb)[hidden] < 128).mean() > 0.8


# ---------------------------------------------------------------- table recovery


def _ruled_table() -> tuple[Image.Image, list[int], list[int]]:
    """5 rows: a label column, a value spanning three columns in rows 0–1, four cells in rows 2–4 with
    the first column merged over them; text (with tall strokes) touching the rules in row 0."""
    img = Image.new("L", (1000, 420), 255)
    d = ImageDraw.Draw(img)
    ys = [20, 60, 120, 180, 240, 300]
    xs = [20, 200, 420, 640, 980]
    for y in ys:
        d.line((20, y, 980, y), fill=0, width=2)
    d.line((20, 20, 20, 300), fill=0, width=2)
    d.line((980, 20, 980, 300), fill=0, width=2)
    d.line((200, 20, 200, 300), fill=0, width=2)  # label | value, every row
    d.line((420, 120, 420, 300), fill=0, width=2)  # rows 2–4 only
    d.line((640, 120, 640, 300), fill=0, width=2)
    d.line((20, 180, 200, 180), fill=255, width=2)  # first column merged over rows 2–4
    d.line((20, 240, 200, 240), fill=255, width=2)
    d.line((20, 180, 20, 240), fill=0, width=2)
    for x in (260, 300, 340):  # strokes of characters in a tight row, reaching both rules
        d.line((x, 23, x, 57), fill=0, width=2)
        d.line((x - 12, 35, x + 12, 35), fill=0, width=2)
    return img, ys, xs


def test_rules_become_cells_with_merges_and_strokes_do_not() -> None:
    img, _ys, _xs = _ruled_table()
    grid = layout.find_grid(_mask(img), char_h=22)
    assert grid is not None
    starts = sorted((c.row, c.col) for c in grid.cells)
    assert grid.columns == 4
    assert (0, 0) in starts and (0, 1) in starts and (0, 2) not in starts  # value spans 3 columns
    assert (2, 0) in starts and (3, 0) not in starts and (4, 0) not in starts  # merged vertically
    assert (2, 2) in starts and (4, 3) in starts
    merged = next(c for c in grid.cells if (c.row, c.col) == (2, 0))
    assert merged.box[1] == pytest.approx(120, abs=3) and merged.box[3] == pytest.approx(300, abs=3)


def test_a_characters_stroke_over_a_column_boundary_in_a_tight_row_is_no_rule() -> None:
    """中 in a tight row (a line of text between rules a few pixels off), right above where the rows
    below it have a column boundary: its middle stroke reaches both rules and lines up with the column,
    but it is only a character high; the row's value cell is whole."""
    img = Image.new("L", (1000, 200), 255)
    d = ImageDraw.Draw(img)
    for y in (20, 52, 100, 150):
        d.line((20, y, 980, y), fill=0, width=2)
    for x in (20, 200, 980):
        d.line((x, 20, x, 150), fill=0, width=2)
    d.line((420, 52, 420, 150), fill=0, width=2)  # a column boundary in the rows below only
    d.rectangle((410, 29, 430, 43), outline=0, width=2)  # 中: its box, and its stroke through it
    d.line((420, 25, 420, 48), fill=0, width=2)
    grid = layout.find_grid(_mask(img), char_h=22)
    assert grid is not None
    value = next(c for c in grid.cells if (c.row, c.col) == (0, 1))
    assert value.box[2] == pytest.approx(980, abs=3)  # not cut at 420
    assert any((c.row, c.col) == (1, 2) for c in grid.cells)  # the boundary below stands


def test_a_line_detection_passed_over_inside_a_cell_is_found_from_its_ink() -> None:
    from parsers.ocr.read import _missed_lines

    img = Image.new("L", (900, 200), 255)
    d = ImageDraw.Draw(img)
    d.rectangle((20, 20, 880, 180), outline=0, width=2)
    d.line((200, 20, 200, 180), fill=0, width=2)
    d.line((20, 100, 880, 100), fill=0, width=2)
    d.text((40, 40), "是否继续", fill=0, font=_font(26))
    d.text((220, 40), "是第3批国家级专业技术人员继续教育基地", fill=0, font=_font(26))
    d.text((220, 120), "·", fill=0, font=_font(26))  # a speck is no line
    grid = layout.find_grid(_mask(img), char_h=26)
    label = (36, 38, 150, 76)
    found = _missed_lines(_mask(img), [label], grid, 26.0)
    assert len(found) == 1 and found[0][0] < 225 and found[0][2] > 700 and 30 < found[0][1] < 50
    assert _missed_lines(_mask(img), [label, found[0]], grid, 26.0) == []


def test_faint_thin_rules_of_a_scan_are_rules() -> None:
    """A 0.5 pt rule scanned and read at 150 dpi is light grey (about 45 of 255 darker than paper),
    one or two pixels wide; paper grain is darker than that in places but not along a rule's length."""
    img, _ys, _xs = _ruled_table()
    a = np.asarray(img).astype(np.float32)
    rng = np.random.default_rng(3)
    faint = np.where(a < 128, 210.0, 252.0) + rng.normal(0, 6, a.shape)  # rules and strokes at ~210
    grey = np.clip(faint, 0, 255).astype(np.uint8)
    assert layout.find_grid(cleanup.ink(grey), char_h=22) is None  # as ink they are too light
    grid = layout.find_grid(255 - grey, char_h=22)
    crisp = layout.find_grid(_mask(img), char_h=22)
    assert grid is not None and crisp is not None
    assert len(grid.cells) == len(crisp.cells) and grid.columns == crisp.columns
    for got, want in zip(grid.cells, crisp.cells, strict=True):
        assert (got.row, got.col) == (want.row, want.col)
        assert np.abs(np.subtract(got.box, want.box)).max() <= 2


def test_no_table_no_grid() -> None:
    assert layout.find_grid(_mask(_text_page()), char_h=22) is None


def _grid() -> Grid:
    cells = (
        Cell((0, 0, 100, 40), 0, 0),
        Cell((100, 0, 400, 40), 0, 1),  # spans columns 1–2
        Cell((0, 40, 100, 120), 1, 0),  # spans rows 1–2
        Cell((100, 40, 250, 80), 1, 1),
        Cell((250, 40, 400, 80), 1, 2),
        Cell((100, 80, 250, 120), 2, 1),
        Cell((250, 80, 400, 120), 2, 2),
    )
    return Grid(cells, 3, ())


def _p(text: str, x0: int, y0: int, x1: int, y1: int, conf: float = 0.99, kind: str = "text") -> Piece:
    return Piece(text, conf, (x0, y0, x1, y1), kind)


def test_pieces_go_to_their_cells_and_rows_keep_merges_as_none() -> None:
    pieces = [
        _p("项目名称", 5, 10, 90, 30),
        _p("生物育种前沿技术", 110, 10, 390, 30),
        _p("申报单位", 5, 50, 90, 70),
        _p("信息", 5, 72, 60, 92),
        _p("联系人", 110, 50, 200, 70),
        _p("王勇", 260, 50, 320, 70, conf=0.8),
        _p("手机", 110, 90, 170, 110),
        _p("13404796669", 260, 90, 390, 110),
        _p("申报时间：2024年12月14日", 5, 150, 300, 170),  # outside the table
    ]
    text = layout.rows_and_lines(_grid(), pieces)
    assert text.rows == (
        ("项目名称", "生物育种前沿技术", None),
        ("申报单位信息", "联系人", "王勇"),
        (None, "手机", "13404796669"),
        (),
    )
    assert text.outside == ("申报时间：2024年12月14日",)
    assert ("王勇", 0.8) in text.scored


def test_wrapped_lines_join_and_a_short_line_ends_a_paragraph() -> None:
    ps = [
        _p("围绕生物育种前沿技术领域的重大需求", 0, 0, 395, 20),
        _p("提升创新能力。", 0, 22, 150, 42),
        _p("培养骨干人才。", 0, 44, 150, 64),
    ]
    assert (
        layout.cell_text(ps, right=400) == "围绕生物育种前沿技术领域的重大需求提升创新能力。\n培养骨干人才。"
    )


def test_a_box_token_before_an_option_is_a_checkbox_elsewhere_the_character() -> None:
    ps = [
        _p("☑", 0, 0, 18, 20, kind="mark"),
        _p("财政资助项目", 20, 0, 150, 20),
        _p("☐", 160, 0, 178, 20, kind="mark"),
        _p("自筹经费项目", 180, 0, 300, 20),
        _p("☐", 310, 0, 328, 20, kind="mark"),
        _p("岸贸易", 330, 0, 390, 20),
    ]
    assert layout.cell_text(ps, right=400) == "☑财政资助项目☐自筹经费项目口岸贸易"


def test_a_label_and_value_whose_rule_was_lost_are_split_by_the_label() -> None:
    grid = Grid((Cell((0, 0, 400, 40), 0, 0),), 2, ())
    pieces = [_p("项目名称", 5, 10, 90, 30), _p("智能电网高级研修班", 130, 10, 390, 30)]
    text = layout.rows_and_lines(grid, pieces, lambda t: t == "项目名称")
    assert text.rows[0] == ("项目名称", "智能电网高级研修班")


def test_text_boxes_are_cut_at_rules_and_slivers_dropped() -> None:
    assert layout.split_box((0, 0, 300, 30), [(148, 152)]) == [(0, 0, 148, 30), (152, 0, 300, 30)]
    assert layout.split_box((0, 0, 300, 30), [(288, 292)]) == [(0, 0, 288, 30)]  # 8 px past the rule
    assert layout.split_box((0, 0, 300, 30), [(288, 292)], 0.2) == [(0, 0, 288, 30), (292, 0, 300, 30)]


def test_ocr_spacing_and_punctuation_as_chinese_writes_them() -> None:
    assert layout.tidy("中国地质大学 (武汉)") == "中国地质大学（武汉）"
    assert layout.tidy("2025 年7月") == "2025年7月"
    assert layout.tidy("自筹经费来源:") == "自筹经费来源："
    assert layout.tidy("027-89668021") == "027-89668021"
    assert layout.tidy("Deep learning, AI") == "Deep learning, AI"
    assert layout.tidy("[生物育种前沿技术高级研修班") == "生物育种前沿技术高级研修班"  # the cell's left rule
    assert layout.tidy("[1]号楼") == "[1]号楼"


# ---------------------------------------------------------------- checkboxes


def _boxes_image() -> Image.Image:
    img = Image.new("L", (400, 60), 255)
    d = ImageDraw.Draw(img)
    d.rectangle((10, 20, 30, 40), outline=0, width=2)  # empty
    d.rectangle((60, 20, 80, 40), outline=0, width=2)  # ticked
    d.line((63, 30, 69, 37), fill=0, width=2)
    d.line((69, 37, 78, 22), fill=0, width=2)
    d.rectangle((110, 20, 130, 40), fill=0)  # filled ■
    d.rectangle((160, 20, 180, 40), outline=0, width=2)  # crossed ☒
    d.line((162, 22, 178, 38), fill=0, width=2)
    d.line((178, 22, 162, 38), fill=0, width=2)
    d.rectangle((210, 20, 250, 30), outline=0, width=2)  # not square: not a box
    return img


def test_checkboxes_are_judged_by_the_ink_inside_them() -> None:
    found = sorted(marks.find_marks(_mask(_boxes_image()), char_h=22), key=lambda m: m.box[0])
    assert [(m.box[0] // 10, m.checked) for m in found] == [(1, False), (6, True), (11, True), (16, True)]
    assert all(m.certainty >= 0.6 for m in found)


@pytest.mark.parametrize("char", ["目", "日", "田", "曰"])
def test_a_character_drawn_as_a_box_is_not_a_checkbox(char: str) -> None:
    img = Image.new("L", (300, 60), 255)
    d = ImageDraw.Draw(img)
    d.text((10, 8), f"项{char}", fill=0, font=_font(30))
    d.rectangle((120, 14, 142, 36), outline=0, width=2)  # the real box beside it
    found = marks.find_marks(_mask(img.resize((300, 60))), char_h=30)
    # squeezed to a square (a phone's tilt), the character still is not a box
    squeezed = marks.find_marks(_mask(img.resize((300, 78))), char_h=30)
    assert [m.box[0] // 10 for m in found] == [12]
    assert all(m.box[0] > 100 for m in squeezed)


def test_a_light_thin_box_and_one_whose_tick_runs_out_of_it_are_found_on_the_light_ink() -> None:
    img = Image.new("L", (300, 80), 255)
    d = ImageDraw.Draw(img)
    d.rectangle((10, 30, 32, 52), outline=175, width=1)  # a thin line a photo left light grey
    d.rectangle((80, 30, 102, 52), outline=0, width=2)  # a pen tick running out of the box (heldout.py's)
    d.line([(82, 41), (89, 50), (107, 21)], fill=0, width=3, joint="curve")
    d.text((150, 28), "是", fill=0, font=_font(26))  # a character the light ink blurs into a blob
    d.ellipse((200, 30, 222, 52), fill=120)
    grey = cleanup.flatten(np.asarray(img))
    ink, light = cleanup.ink(grey), cleanup.ink(grey, cleanup.RULE_LEVEL)
    assert marks.find_marks(ink, char_h=24) == []  # the light box is not ink, the ticked one not square
    found = sorted(marks.find_marks(ink, char_h=24, light=light), key=lambda m: m.box[0])
    assert [(m.box[0] // 10, m.checked) for m in found] == [(1, False), (8, True)]


def test_rows_of_text_are_not_taken_for_a_tables_rules() -> None:
    page = _text_page(14)
    ImageDraw.Draw(page).line((150, 1100, 1000, 1100), fill=0, width=2)
    hor, ver = cleanup._long_lines(_mask(page))
    assert hor and all(abs(seg[1] - 1100) <= 2 and abs(seg[3] - 1100) <= 2 for seg in hor) and not ver


def test_a_fragment_a_pixel_higher_joins_the_line_it_ends() -> None:
    from parsers.ocr.read import _join_fragments

    line, tail = (778, 613, 890, 649), (873, 611, 896, 646)  # "行业主管" and a second box of "管"
    assert _join_fragments([line, tail], 26.7) == [(778, 611, 896, 649)]
    assert len(_join_fragments([line, (950, 611, 990, 646)], 26.7)) == 2  # a gap: two pieces


def test_ocr_stand_ins_for_a_box_before_an_option() -> None:
    assert marks.unconfuse("口财政资助项目 回自筹经费项目") == "☐财政资助项目 ☑自筹经费项目"
    assert marks.unconfuse("口服务国家战略：进出口贸易") == "☐服务国家战略：进出口贸易"  # 口 of 出口 stays
    assert marks.option_follows(" 否") and marks.option_follows("是第_批")
    assert not marks.option_follows("家级专业")


# ---------------------------------------------------------------- seal on scans


def _colour_page() -> Image.Image:
    img = Image.new("RGB", (1240, 1754), (250, 248, 240))
    d = ImageDraw.Draw(img)
    d.text((150, 300), "申报单位：湖北工业大学（盖章）", fill=(20, 20, 20), font=_font(28))
    d.text((150, 360), "项目名称 生物育种", fill=(30, 30, 90), font=_font(28))  # blue pen
    return img


def _seal(
    img: Image.Image, colour: tuple[int, int, int], *, cut: bool = False, ring_only: bool = False
) -> Image.Image:
    out = img.copy()
    d = ImageDraw.Draw(out)
    x = 1240 - 110 if cut else 500  # cut: most of the seal falls off the page's edge
    d.ellipse((x, 250, x + 236, 486), outline=colour, width=9)
    if not ring_only:
        d.polygon([(x + 118, 310), (x + 140, 390), (x + 96, 390)], fill=colour)
    return out


@pytest.mark.parametrize(
    "how",
    ["red", "faded_pink", "half_off_the_page", "orange"],
)
def test_a_seal_on_a_colour_scan_is_present(how: str) -> None:
    colour = {
        "red": (210, 30, 40),
        "faded_pink": (240, 150, 165),
        "half_off_the_page": (205, 40, 45),
        "orange": (235, 125, 80),
    }[how]
    page = _seal(_colour_page(), colour, cut=how == "half_off_the_page")
    verdict, box = scan_seal.judge_page(np.asarray(page))
    assert verdict == "seal" and box is not None


def test_a_colour_scan_without_red_has_no_seal_and_grey_cannot_tell() -> None:
    assert scan_seal.judge_page(np.asarray(_colour_page()))[0] == "none"
    grey = _colour_page().convert("L").convert("RGB")
    assert scan_seal.judge_page(np.asarray(grey))[0] == "grey"


def test_a_thin_red_underline_is_not_a_seal() -> None:
    page = _colour_page()
    ImageDraw.Draw(page).line((150, 340, 700, 340), fill=(210, 30, 40), width=3)
    assert scan_seal.judge_page(np.asarray(page))[0] == "none"


# ---------------------------------------------------------------- photos are scans


def _encoded(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buf, fmt)
    return buf.getvalue()


@pytest.mark.parametrize("fmt,kind", [("JPEG", "jpeg"), ("PNG", "png"), ("TIFF", "tiff"), ("BMP", "bmp")])
def test_images_are_sniffed_as_scans(fmt: str, kind: str) -> None:
    got = sniff(_encoded(fmt))
    assert (got.kind, got.detail) == ("image", kind)


def test_a_real_heic_is_refused_with_a_reason_and_text_starting_bm_is_not_an_image() -> None:
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    got = sniff(heic)
    assert got.kind == "other" and got.reason and "HEIC" in got.reason
    assert sniff(b"BMW \xe7\x94\xb3\xe6\x8a\xa5 report text").kind == "other"


def test_a_photo_is_decoded_upright_and_a_huge_one_refused() -> None:
    from core.documents import DocumentError
    from parsers.ocr.pages import MAX_PIXELS, image_page

    img = Image.new("RGB", (300, 200), "white")
    exif = img.getexif()
    exif[0x0112] = 6  # the camera was turned: rotate 90° clockwise to view
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    assert image_page(buf.getvalue(), "p.jpg").shape[:2] == (300, 200)
    side = int(MAX_PIXELS**0.5) + 100
    big = io.BytesIO()
    Image.new("L", (side, side), 255).save(big, "PNG")
    with pytest.raises(DocumentError):
        image_page(big.getvalue(), "big.png")


# ---------------------------------------------------------------- straightening a photo, agreeing on the unit


def test_a_photo_from_below_slants_the_sides_and_is_straightened() -> None:
    level_top_bottom = np.array([[100, 100], [1100, 100], [1130, 1500], [70, 1500]], np.float32)
    assert cleanup._tilt(level_top_bottom) > 1.0  # the sides lean: not a rectangle yet
    assert cleanup._nearly_square(level_top_bottom)
    assert cleanup._tilt(np.array([[100, 100], [1100, 100], [1100, 1500], [100, 1500]], np.float32)) == 0


def _keystoned_table(level: int) -> np.ndarray:
    """A phone photo's table: a border narrower at the top, its rules `level` grey, dark text between."""
    img = Image.new("RGB", (1240, 1754), "white")
    d = ImageDraw.Draw(img)
    tl, tr, br, bl = (220, 300), (1020, 300), (1060, 1300), (180, 1300)
    for k in range(6):
        t = k / 5
        left = (tl[0] + (bl[0] - tl[0]) * t, tl[1] + (bl[1] - tl[1]) * t)
        right = (tr[0] + (br[0] - tr[0]) * t, tr[1] + (br[1] - tr[1]) * t)
        d.line([left, right], fill=(level,) * 3, width=2)
        d.text((300, left[1] + 80), "申报单位信息联系人办公电话", fill="black", font=_font(26))
    for k in range(3):
        t = k / 2
        d.line(
            [(tl[0] + (tr[0] - tl[0]) * t, tl[1]), (bl[0] + (br[0] - bl[0]) * t, bl[1])], fill=(level,) * 3
        )
    return np.asarray(img)


@pytest.mark.parametrize("level", [0, 210])
def test_a_keystoned_table_is_straightened_even_when_its_rules_are_barely_darker_than_paper(
    level: int,
) -> None:
    flat = cleanup.flatten(np.asarray(Image.fromarray(_keystoned_table(level)).convert("L")))
    assert level < cleanup.RULE_LEVEL or cleanup.table_quad(cleanup.ink(flat, cleanup.RULE_LEVEL)) is None
    assert cleanup.prepare(_keystoned_table(level)).warped


def test_the_end_of_a_pen_tick_past_a_box_is_not_part_of_its_outline() -> None:
    comp = np.zeros((30, 30), bool)
    comp[6, 2:24] = comp[27, 2:24] = True  # the box's sides
    comp[6:28, 2] = comp[6:28, 23] = True
    for i in range(6):  # the tick leaving it up and to the right
        comp[5 - i, 24 + i] = True
    assert marks._sides_only(comp, 100, 200) == (102, 206, 22, 22)


def test_the_unit_read_under_the_seal_agrees_with_the_table_when_they_differ_by_a_slip() -> None:
    from core.documents import Evidence, Source
    from core.fields import FormFields, Unit
    from parsers.normalise import Normalised
    from parsers.scan_form import one_unit

    def read(header: str, table: str, header_conf: float = 0.94) -> str | None:
        got = Normalised(
            FormFields(declared_org=header, applicant=Unit(name=table)),
            {
                "declared_org": Evidence(header, Source.OCR, header_conf),
                "applicant.name": Evidence(table, Source.OCR, 0.999),
            },
        )
        return one_unit(got).fields.declared_org

    assert read("湖北省林业科学研气", "湖北省林业科学研究院") == "湖北省林业科学研究院"
    assert read("湖北工业大学", "湖北工业大学继续教育学院") == "湖北工业大学"  # another name: kept
    assert read("湖北大学", "湖北工业大学") == "湖北大学"


def test_what_a_seal_leaves_of_the_stamp_mark_is_not_part_of_the_unit() -> None:
    from core.documents import Source
    from parsers.header import declared

    lines = [
        "申报单位：湖北省林业科学研究院（盖",
        "申报单位：中国地质大学（武汉）",
        "申报单位：某某学会（章）",
    ]
    assert [p.value for p in declared(lines, Source.OCR)] == [
        "湖北省林业科学研究院",
        "中国地质大学（武汉）",
        "某某学会",
    ]


def test_the_seals_own_words_read_between_the_header_lines_are_not_the_rest_of_the_unit() -> None:
    from core.documents import Source
    from parsers.header import declared

    def org(*lines: str) -> list[str]:
        return [p.value for p in declared(lines, Source.OCR) if p.key == "declared_org"]

    date = "申报时间：2024年12月16日"
    assert org("申报单位：湖北省农业科学院（盖章）", "专用章", date) == ["湖北省农业科学院"]
    assert org("申报单位：湖北省农业科学院（盖", "科学院", date) == ["湖北省农业科学院"]  # the hint ends it
    assert org("申报单位：湖北省林业科学研究院", "申报单位专用章", date) == ["湖北省林业科学研究院"]
    assert org("申报单位：中国地质大学（", "武汉）", date) == ["中国地质大学（武汉）"]  # still wrapped


def test_a_speck_read_as_a_stop_after_the_unit_is_not_part_of_it() -> None:
    # a seal's dot or a speck of toner after the name reads as "." / "。" / "，"; no unit's name ends so
    from core.documents import Source
    from parsers.header import declared

    lines = [
        "申报单位：武汉理工大学.（盖章）",
        "申报单位：湖北省农业科学院。",
        "申报单位（盖章）：某某学会，",
    ]
    assert [p.value for p in declared(lines, Source.OCR)] == ["武汉理工大学", "湖北省农业科学院", "某某学会"]


def test_the_stamp_hint_with_a_character_misread_under_the_seal_is_not_part_of_the_unit() -> None:
    from core.documents import Source
    from parsers.header import declared

    lines = [
        "申报单位：湖北省农业科学院（盖彰）",
        "申报单位：某某学会（羔章）",
        "申报单位：中国地质大学（武汉）",
    ]
    got = [p.value for p in declared(lines, Source.OCR)]
    assert got == ["湖北省农业科学院", "某某学会", "中国地质大学（武汉）"]


def test_a_blank_read_as_a_dash_and_the_radical_for_a_pause_mark_are_what_the_form_shows() -> None:
    from parsers.choices import funding

    # the template's blank line after 自筹经费来源 read as one dash on a photo: nothing was written
    assert funding("☑财政资助项目 ☐自筹经费项目（自筹经费来源：-）").source is None
    assert funding("☐财政资助项目 ☑自筹经费项目（自筹经费来源：/）").source is None
    assert funding("☐财政资助项目 ☑自筹经费项目（自筹经费来源：单位自有资金）").source == "单位自有资金"
    assert layout.tidy("专题讲座丶案例研讨") == "专题讲座、案例研讨"


def test_a_wrapped_lines_crop_stops_halfway_into_the_line_above_it() -> None:
    from parsers.ocr.read import _apart

    first, wrapped = (546, 869, 737, 905), (546, 896, 591, 930)  # "中国地质大学（武" / "汉）"
    beside = (600, 896, 700, 930)  # the same line's next piece (a rule between): not another line
    apart = _apart([first, wrapped, beside])
    assert apart[0] == (546, 869, 737, 901) and apart[1] == (546, 900, 591, 930)
    assert apart[2] == (600, 900, 700, 930)  # it lies under the first line too
    assert _apart([(0, 0, 100, 30), (0, 5, 100, 35)]) == [(0, 0, 100, 30), (0, 5, 100, 35)]  # one line


def _curled_table(bow: float) -> np.ndarray:
    """A table on a page that does not lie flat: every rule bowed `bow` pixels at its middle."""
    img = Image.new("L", (1240, 1754), 255)
    d = ImageDraw.Draw(img)
    xs = np.arange(150, 1091)

    def y_at(base: float) -> list[tuple[float, float]]:
        return [(float(x), base + bow * np.sin(np.pi * (x - 150) / 940)) for x in xs]

    for k in range(9):
        d.line(y_at(300 + 120 * k), fill=0, width=2)
        if k < 8:
            d.text((400, 330 + 120 * k + bow), "申报单位信息联系人办公电话", fill=0, font=_font(26))
    for x in (150, 330, 1090):
        d.line([(x, 300), (x, 1260)], fill=0, width=2)
    return np.asarray(img)


def test_a_curled_pages_rules_are_bent_back_straight() -> None:
    curled = _curled_table(12.0)
    bow = cleanup.bow_map(cleanup.ink(curled))
    assert bow is not None
    rules = cleanup._rule_curves(cleanup.ink(cleanup.uncurl(curled, bow)))
    assert len(rules) == 9
    for xs, ys in rules:
        assert np.ptp(ys - np.polyval(np.polyfit(xs, ys, 1), xs)) < 3.0  # straight within a stroke


def test_a_flat_pages_rules_are_left_alone() -> None:
    assert cleanup.bow_map(cleanup.ink(_curled_table(0.0))) is None

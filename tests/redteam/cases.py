"""The evaluation set: every case is one unit's 申报表 (a form from tests.redteam.pool, changed where
the case is about something), a filling style (tests.redteam.layout), the writer of its Word version and
of its PDF version, and what a reviewer expects (tests.redteam.model).  Written by hand, case by case.

Writers ("channels"):
  Word:  word (hand-written WordprocessingML as Word 2016 writes it), wps (as WPS Office writes it),
         pydocx (python-docx), html>docx / html>doc (an HTML rendering through LibreOffice),
         rtf>docx / rtf>doc (hand-written RTF through LibreOffice)
  PDF:   word>pdf / wps>pdf (LibreOffice's PDF export of the hand-written .docx), html>pdf (LibreOffice),
         chrome (headless Chromium printing the HTML), rl / rl_zapf (reportlab; ZapfDingbats boxes)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from tests.redteam.layout import Style
from tests.redteam.model import Alt, Dates, Expect, Form, Unit, expected_fields, expected_flags
from tests.redteam.pool import N, base

WORD_CHANNELS = ("word", "wps", "pydocx", "html>docx", "html>doc", "rtf>docx", "rtf>doc")
PDF_CHANNELS = ("word>pdf", "wps>pdf", "html>pdf", "chrome", "rl", "rl_zapf")

D = {
    "std": Dates("2025年6月16日-20日", "2025-06-16", "2025-06-20"),
    "dot": Dates("2025.6.10—6.14", "2025-06-10", "2025-06-14"),
    "noyear": Dates("6月10日至14日", "2025-06-10", "2025-06-14"),
    "tbd": Dates("2025年9月（暂定）", None, None),
    "h2": Dates("拟于2025年下半年", None, None),
    "days": Dates("5天", None, None),
    "slash": Dates("2025/06/10~2025/06/14", "2025-06-10", "2025-06-14"),
    "cnmonth": Dates("二〇二五年六月", None, None),
    "total": Dates("2025年7月14日—18日（共5天）", "2025-07-14", "2025-07-18"),
    "dash2": Dates("2025年8月18-22日", "2025-08-18", "2025-08-22"),
    "late": Dates("2025年11月3日-7日", "2025-11-03", "2025-11-07"),
    "full": Dates("2025年6月10日-2025年6月14日", "2025-06-10", "2025-06-14"),
    "iso": Dates("2025-09-22至2025-09-26", "2025-09-22", "2025-09-26"),
    "mid": Dates("2025年6月中旬（5天）", None, None),
    "tilde": Dates("2025年5月12日~16日", "2025-05-12", "2025-05-16"),
    "comma": Dates("2025年6月10日—6月14日，共5天", "2025-06-10", "2025-06-14"),
    "dots2": Dates("2025.09.22-09.26", "2025-09-22", "2025-09-26"),
    "report": Dates("2025年9月22日至26日（9月21日报到）", "2025-09-22", "2025-09-26"),
    "cnfull": Dates("二〇二五年六月十日至十四日", "2025-06-10", "2025-06-14"),
    "oct": Dates("2025年10月27日至31日", "2025-10-27", "2025-10-31"),
    "long": Dates("2025年7月7日-15日", "2025-07-07", "2025-07-15"),
    "octlate": Dates("2025年10月下旬", None, None),
    "startdur": Dates("2025年6月16日起，为期5天", "2025-06-16", "2025-06-20"),
    "wrap": Dates("2025年6月16日\n至6月20日", "2025-06-16", "2025-06-20"),
    "fullwidth": Dates("２０２５年６月１６日－２０日", "2025-06-16", "2025-06-20"),
    "nov": Dates("拟于2025年11月举办", None, None),
    "four": Dates("2025年4月21日-24日", "2025-04-21", "2025-04-24"),
    "spaced": Dates("2025 年 9 月 15 日 - 19 日", "2025-09-15", "2025-09-19"),
    "ymd_dash": Dates("2025年5月19日-5月23日", "2025-05-19", "2025-05-23"),
}
EMPTY_DATES = Dates("", None, None)
DECLARED = {
    "std": ("2024年12月12日", "2024-12-12"),
    "dot": ("2024.12.13", "2024-12-13"),
    "cn": ("二〇二四年十二月十二日", "2024-12-12"),
    "iso": ("2024-12-16", "2024-12-16"),
    "spaced": ("2024 年 12 月 10 日", "2024-12-10"),
    "fullwidth": ("２０２４年１２月１１日", "2024-12-11"),
    "blank": ("", None),
    "slash": ("2024/12/9", "2024-12-09"),
}


@dataclass(frozen=True)
class Case:
    id: str
    note: str  # what the case is about, in a few words
    form: Form
    style: Style
    dates: str = "std"
    declared: str = "std"
    word: str | None = "word"
    pdf: str | None = "word>pdf"
    sealed: bool = True
    mail: str = "pair"  # "pair" | "word_only" | "pdf_only": what the unit's mail carries
    field_overrides: tuple[tuple[str, Any], ...] = ()
    flag_extra: tuple[tuple[str, str], ...] = ()  # flags a reviewer expects beyond the form's rules
    optional: frozenset[str] = frozenset()
    unclear_ok: tuple[str, ...] = ()  # choice fields where "请核对" (null + choice_unclear) is also right
    unclear: tuple[str, ...] = ()  # choice fields a reviewer cannot decide either: null + choice_unclear

    @property
    def date_spec(self) -> Dates:
        return EMPTY_DATES if self.dates == "empty" else D[self.dates]

    @property
    def form_filled(self) -> Form:
        dates, (declared, _) = self.date_spec, DECLARED[self.declared]
        return replace(self.form, training_dates=dates.text, declared_date=declared)

    def expect(self, *, has_word: bool, has_pdf: bool, sealed: bool | None = None) -> Expect:
        f = self.form_filled
        dates, (_, iso) = self.date_spec, DECLARED[self.declared]
        same = self.style.organizer_same
        fields = expected_fields(
            f,
            dates,
            declared_date_iso=iso,
            organizer_same_as_applicant=same,
            overrides=dict(self.field_overrides),
        )
        flags = expected_flags(
            f,
            dates,
            declared_date_iso=iso,
            has_word=has_word,
            has_pdf=has_pdf,
            sealed=self.sealed if sealed is None else sealed,
            organizer_same_as_applicant=same,
        )
        flags |= set(self.flag_extra)
        for key in self.unclear_ok:
            fields[key] = Alt((fields[key], None))
        for key in self.unclear:
            fields[key] = None
            flags -= {_MISSING[key]}
            flags.add(("choice_unclear", ""))
        return Expect(fields, frozenset(flags), self.optional)


_MISSING = {
    "funding_type": ("funding_type_missing", ""),
    "scope": ("scope_missing", ""),
    "organizer.ce_base": ("missing_field", "承办单位信息·是否继续教育基地"),
}

# ---------------------------------------------------------------- building the list

_PROJECT_VARIANTS = (
    "",
    "专题",
    "创新实践",
    "骨干人才",
    "青年人才",
    "能力提升",
    "前沿技术",
    "产教融合",
    "数字化转型",
    "绿色低碳",
    "标准化",
)


_CITIES = (
    "黄石市",
    "十堰市",
    "宜昌市",
    "襄阳市",
    "鄂州市",
    "荆门市",
    "孝感市",
    "荆州市",
    "黄冈市",
    "咸宁市",
    "随州市",
    "恩施州",
    "仙桃市",
    "潜江市",
    "天门市",
)
_KINDS = ("学会", "协会", "研究会", "促进会", "研究院", "技术服务中心", "行业协会", "发展研究中心")


def form(i: int, **changes: Any) -> Form:
    """Unit i's form; from the second round through the pool on, each case is another unit (a city's
    society of the same field) with a project of its own."""
    f = base(i)
    cycle = i // N
    if cycle:
        variant = _PROJECT_VARIANTS[cycle % len(_PROJECT_VARIANTS)]
        unit = f"{_CITIES[(i + 7 * cycle) % len(_CITIES)]}{f.industry_field}{_KINDS[cycle % len(_KINDS)]}"
        f = f.with_(
            project_name=f.project_name.replace("高级研修班", f"{variant}高级研修班"),
            declared_org=unit,
            applicant=replace(f.applicant, name=unit),
        )
    return f.with_(**changes)


CASES: list[Case] = []
_counter = iter(range(10_000))


Changes = dict[str, Any] | Callable[[Form], dict[str, Any]]


def add(
    note: str, style: Style, *, changes: Changes | None = None, base_form: Form | None = None, **kw: Any
) -> Case:
    """A case on the next unit of the pool (or on `base_form`); `changes` (or a function of the form
    giving them) is what this applicant did differently."""
    n = next(_counter)
    f = base_form or form(n)
    got = changes(f) if callable(changes) else (changes or {})
    c = Case(f"c{n:03d}", note, f.with_(**got), style, **kw)
    CASES.append(c)
    return c


# ---- 1. every way of marking a choice, each in two or three writers -----------------------------

_WORD_ROUND = ("word", "wps", "html>docx", "rtf>doc", "pydocx", "word", "wps", "rtf>docx", "html>doc")
_PDF_ROUND = ("word>pdf", "chrome", "wps>pdf", "html>pdf", "chrome", "word>pdf", "rl")

_MARK_SWEEP = (
    # (mark, what it imitates)
    ("uni_check", "☑ typed from the template's □"),
    ("uni_xbox", "☒ (Word's check box glyph) typed as text"),
    ("uni_fill", "■ over the box"),
    ("sym_w2", "Insert → Symbol, Wingdings 2 ☑ (w:sym F052)"),
    ("sym_w2_short", "w:sym with the code written without F0 (0052)"),
    ("sym_w2_tick", "Wingdings 2 ✓ (F050) replacing the box"),
    ("sym_w1", "Insert → Symbol, Wingdings þ ☑ (F0FE)"),
    ("sym_w1_box_o", "Wingdings ☑ and Wingdings o □"),
    ("sym_symbol_sqrt", "√ from the Symbol font (F0D6)"),
    ("font_w2", "letters R / £ in Wingdings 2 (what pasting a ☑ leaves)"),
    ("font_w1_pua", "PUA characters in Wingdings (WPS)"),
    ("segoe_check", "☑ / ☐ in Segoe UI Symbol"),
    ("sdt_x", "Developer tab check box content control (☒)"),
    ("sdt_check", "content control with its checked symbol changed to ☑"),
    ("ffbox", "legacy FORMCHECKBOX form field"),
    ("eq_circle", "带圈字符: √ enclosed in □"),
    ("tick_replace", "√ typed instead of the box"),
    ("tick_before_box", "√ typed before the box"),
    ("tick_after", "√ typed after the option, box left empty"),
    ("tick_after_bracket", "（√） after the option"),
    ("tick_after_quoted", "“√” after the option"),
    ("check_light", "✓ instead of the box"),
    ("check_heavy", "✔ instead of the box"),
    ("red_tick", "a red bold √"),
    ("filled_circle", "● / ○"),
    ("paren_box", "（√） / （  ） as boxes"),
    ("square_bracket", "[√] / [ ]"),
    ("delete_keep_box", "unchosen options deleted, the chosen box left empty"),
    ("delete_tick", "unchosen options deleted, the chosen one ticked"),
    ("delete_no_box", "only the chosen option's words left"),
    ("strike_unchosen", "unchosen options struck through"),
    ("strike_tick", "unchosen struck through, chosen ticked"),
    ("tracked_box", "□ replaced by ☑ with Track Changes on"),
    ("tick_and_box_tick", "☑ and a √ after it as well"),
)

for k, (mark, what) in enumerate(_MARK_SWEEP):
    for j in range(2):
        word = _WORD_ROUND[(k + 2 * j) % len(_WORD_ROUND)]
        if mark in ("sdt_x", "sdt_check", "ffbox", "eq_circle", "tracked_box") and word == "pydocx":
            word = "word"
        if mark in ("sdt_x", "sdt_check", "ffbox", "eq_circle", "tracked_box", "font_w1_pua") and j == 0:
            word = ("word", "wps")[k % 2]
        pdf = _PDF_ROUND[(k + j) % len(_PDF_ROUND)]
        st = Style(
            f"mark:{mark}",
            funding=mark,
            scope=mark,
            ce=mark,
            layout="ABCA"[(k + j) % 4],
            scope_lines=(k + j) % 3 == 1,
            ce_lines=(k + j) % 5 == 2,
        )
        add(
            f"{what} [{word}]",
            st,
            word=word,
            pdf=pdf,
            dates=tuple(D)[(k * 3 + j) % 8 if (k * 3 + j) % 8 not in (3, 4, 5, 7) else 0],
        )

# ---- 2. emphasis instead of a mark --------------------------------------------------------------
# A highlighted / underlined / shaded option with every box empty: the applicant chose it.  A reviewer
# reads it so; the honest alternative is "请核对" (choice_unclear) — never "not ticked".
for mark, word, pdf in (
    ("emph_highlight", "word", "word>pdf"),
    ("emph_underline_bold", "wps", "chrome"),
    ("emph_shading", "wps", "wps>pdf"),
    ("emph_highlight", "html>docx", "html>pdf"),
):
    add(
        f"{mark}: chosen option emphasised, no mark [{word}]",
        Style(f"emph:{mark}", funding=mark, scope="uni_check", ce="uni_check"),
        word=word,
        pdf=pdf,
        optional=frozenset({"choice_unclear"}),
        unclear_ok=("funding_type",),
    )

# ---- 3. mixed marks: one style per cell, the way a form passes through several hands --------------
_MIXES = (
    ("sym_w2", "tick_after", "sdt_x", "word"),
    ("font_w2", "uni_check", "delete_tick", "wps"),
    ("tick_replace", "sym_w1", "ffbox", "word"),
    ("delete_no_box", "tick_after_bracket", "uni_fill", "wps"),
    ("sdt_check", "strike_unchosen", "tick_before_box", "word"),
    ("check_heavy", "filled_circle", "delete_keep_box", "html>docx"),
    ("uni_xbox", "eq_circle", "sym_w2", "wps"),
    ("paren_box", "tick_after", "uni_check", "rtf>docx"),
    ("tracked_box", "uni_check", "sym_w2", "word"),
    ("strike_tick", "delete_tick", "font_w1_pua", "wps"),
)
for k, (fm, sm, cm, word) in enumerate(_MIXES):
    add(
        f"mixed: {fm} / {sm} / {cm} [{word}]",
        Style(f"mix:{fm}/{sm}/{cm}", funding=fm, scope=sm, ce=cm, layout="AB"[k % 2]),
        word=word,
        pdf=("chrome", "word>pdf", "html>pdf")[k % 3],
    )

# ---- 4. choices truly left undone or done twice: the flag is right --------------------------------
add(
    "funding left unticked",
    Style("empty:funding"),
    changes={"funding": None, "self_source": ""},
    word="wps",
    pdf="wps>pdf",
)
add(
    "funding left unticked (Wingdings boxes)",
    Style("empty:funding_sym", funding="sym_w2", scope="sym_w2", ce="sym_w2"),
    changes={"funding": None, "self_source": ""},
    word="word",
    pdf="chrome",
)
add(
    "both funding types ticked",
    Style("both:funding"),
    changes={"funding": "both", "self_source": "会员单位赞助"},
    word="word",
    pdf="word>pdf",
)
add(
    "both ticked, typed √ after",
    Style("both:tick_after", funding="tick_after"),
    changes={"funding": "both", "self_source": "企业赞助"},
    word="html>docx",
    pdf="chrome",
)
add(
    "self-funded, source left blank",
    Style("self:blank"),
    changes={"funding": "self_funded", "self_source": ""},
    word="word",
    pdf="word>pdf",
)
add(
    "self-funded, source blank (content control)",
    Style("self:blank_sdt", funding="sdt_x"),
    changes={"funding": "self_funded", "self_source": ""},
    word="word",
    pdf="word>pdf",
)
add(
    "scope: nothing ticked",
    Style("empty:scope"),
    changes={"scope": frozenset(), "scope_notes": ()},
    word="wps",
    pdf="chrome",
)
add(
    "scope: nothing ticked, sym boxes",
    Style("empty:scope_sym", scope="sym_w1"),
    changes={"scope": frozenset(), "scope_notes": ()},
    word="word",
    pdf="word>pdf",
)
add(
    "ce_base: nothing ticked",
    Style("empty:ce"),
    changes={"ce_base": None, "batch": None},
    word="word",
    pdf="html>pdf",
)
add(
    "ce_base: nothing ticked, FORMCHECKBOX",
    Style("empty:ce_ff", ce="ffbox"),
    changes={"ce_base": None, "batch": None},
    word="word",
    pdf="word>pdf",
)
add(
    "all three scope options ticked",
    Style("scope:all"),
    changes={
        "scope": frozenset({"national_strategy", "industry_demand", "digital_tech"}),
        "scope_notes": (
            ("national_strategy", "乡村振兴"),
            ("industry_demand", "高端装备"),
            ("digital_tech", "工业互联网"),
        ),
    },
    word="wps",
    pdf="wps>pdf",
)
add(
    "scope ticked without notes",
    Style("scope:nonotes", scope="sym_w2"),
    changes={"scope_notes": ()},
    word="word",
    pdf="chrome",
)
add(
    "scope: notes written, no ticks",
    Style("scope:notes_only", scope="delete_keep_box"),
    changes={},
    word="word",
    pdf="word>pdf",
)

# ---- 5. 自筹经费来源 written every way, 第__批 filled --------------------------------------------
for k, (src_style, src) in enumerate(
    (
        ("inside", "单位自筹"),
        ("after", "学会会费及企业赞助"),
        ("nextline", "会员单位共同出资"),
        ("underscored", "承办单位自有资金"),
        ("inside", "参训单位分摊（不向学员收费）"),
        ("after", "省级学会专项经费"),
    )
):
    add(
        f"自筹经费来源 {src_style}",
        Style(
            f"source:{src_style}",
            funding=("uni_check", "sym_w2", "tick_after", "sdt_x", "font_w2", "delete_tick")[k],
            source=src_style,
        ),
        changes={"funding": "self_funded", "self_source": src},
        word=("word", "wps", "html>docx", "word", "wps", "rtf>docx")[k],
        pdf=("word>pdf", "chrome", "html>pdf", "wps>pdf", "chrome", "rl")[k],
    )
for k, (text, n) in enumerate((("3", 3), ("三", 3), (" 8 ", 8), ("12", 12), ("第", None))):
    if n is None:
        continue
    add(
        f"第{text}批 national base",
        Style(f"batch:{k}", ce=("uni_check", "sym_w2", "tick_after", "sdt_x")[k % 4]),
        changes={"ce_base": "national", "batch": n, "batch_text": text},
        word=("word", "wps", "html>doc", "word")[k % 4],
        pdf=("chrome", "word>pdf", "html>pdf", "wps>pdf")[k % 4],
    )
add(
    "national base, batch left blank",
    Style("batch:blank"),
    changes={"ce_base": "national", "batch": None},
    word="wps",
    pdf="chrome",
)

# ---- 6. dates as units write them ----------------------------------------------------------------
for k, key in enumerate(D):
    if key in ("std",):
        continue
    add(
        f"办班时间 “{D[key].text}”",
        Style(
            f"dates:{key}",
            funding=("uni_check", "sym_w2", "tick_replace")[k % 3],
            scope="uni_check",
            layout="AB"[k % 2],
        ),
        dates=key,
        word=("word", "wps", "html>docx", "rtf>docx", "pydocx")[k % 5],
        pdf=("word>pdf", "chrome", "html>pdf", "wps>pdf", "rl")[k % 5],
        flag_extra=(("training_after_deadline", ""),) if key == "nov" else (),
    )
for k, key in enumerate(DECLARED):
    if key == "std":
        continue
    add(
        f"申报时间 “{DECLARED[key][0]}”",
        Style(
            f"declared:{key}",
            header=("lines", "template", "one_line", "spaced", "seal_first", "lines", "template")[k % 7],
        ),
        declared=key,
        word=("word", "wps", "html>docx", "pydocx")[k % 4],
        pdf=("chrome", "word>pdf", "html>pdf", "wps>pdf")[k % 4],
    )

# ---- 7. labels reworded, spaced, hints kept, tables changed ---------------------------------------
_LABELS = (
    (
        "研修项目名称 / 举办时间 / 举办地点",
        (("project_name", "研修项目名称"), ("training_dates", "举办时间"), ("training_location", "举办地点")),
    ),
    ("研修目的及作用", (("purpose", "研修目的及作用"),)),
    (
        "所属行业领域 / 行业主管部门",
        (("industry_field", "所属行业领域"), ("industry_authority", "行业主管部门")),
    ),
    ("通信地址", (("address", "通信地址"), ("org_address", "通信地址"))),
    ("培训对象及人数", (("trainees", "培训对象及人数"),)),
    ("研修内容及方式 / 授课专家", (("content", "研修内容及方式"), ("experts", "授课专家"))),
    ("联系电话 / 手机号码", (("office_phone", "联系电话"), ("mobile", "手机号码"))),
    ("是否符合选题范围（可多选）", (("scope", "是否符合选题范围（可多选）"),)),
    ("是否为继续教育基地", (("ce", "是否为继续教育基地"),)),
    ("单位全称", (("name", "单位全称"),)),
    ("研修时间 / 研修地点", (("training_dates", "研修时间"), ("training_location", "研修地点"))),
    ("项目名称（全称）", (("project_name", "项目名称（全称）"),)),
    ("申报项目类别（单选）", (("funding", "申报项目类别（单选）"),)),
    ("拟邀授课专家情况", (("experts", "拟邀授课专家情况"),)),
    ("办班时间及天数", (("training_dates", "办班时间及天数"),)),
)
for k, (what, labels) in enumerate(_LABELS):
    add(
        f"labels: {what}",
        Style(
            f"labels:{k}",
            labels=labels,
            funding=("sym_w2", "uni_check", "tick_after")[k % 3],
            layout="ABC"[k % 3],
        ),
        word=("word", "wps", "html>docx", "rtf>doc", "pydocx")[k % 5],
        pdf=("chrome", "word>pdf", "html>pdf", "wps>pdf", "rl")[k % 5],
    )
add("labels with spaces (项 目 名 称)", Style("labels:spaced", spaced_labels=True), word="wps", pdf="wps>pdf")
add(
    "labels with spaces, layout C",
    Style("labels:spaced_c", spaced_labels=True, layout="C", funding="sym_w1"),
    word="word",
    pdf="chrome",
)
add(
    "labels typed with a colon (项目名称：)",
    Style("labels:colon", label_colons=True),
    word="html>docx",
    pdf="html>pdf",
)
add(
    "labels with colons, WPS",
    Style("labels:colon_wps", label_colons=True, funding="font_w2", layout="B"),
    word="wps",
    pdf="chrome",
)

for k, mode in enumerate(("before", "after", "fullwidth")):
    add(
        f"hints kept ({mode}) with the applicant's text",
        Style(f"hints:{mode}", hints=mode, layout="AB"[k % 2]),
        word=("word", "wps", "html>docx")[k],
        pdf=("word>pdf", "chrome", "html>pdf")[k],
    )
add(
    "hint left alone: 授课专家情况 not filled",
    Style("hints:only_experts", hints="only"),
    changes={"experts": ""},
    word="word",
    pdf="word>pdf",
)
add(
    "hint left alone: 培训对象 not filled (WPS)",
    Style("hints:only_trainees", hints="only"),
    changes={"trainees": ""},
    word="wps",
    pdf="chrome",
)
add(
    "hint left alone: 研修内容 not filled (html)",
    Style("hints:only_content", hints="only", layout="B"),
    changes={"content": ""},
    word="html>docx",
    pdf="html>pdf",
)

for k, at in enumerate(("purpose", "applicant", "content", "organizer")):
    add(
        f"table split over two pages before {at}",
        Style(f"split:{at}", split_at=at, funding=("sym_w2", "tick_after", "uni_check", "sdt_x")[k]),
        word=("word", "wps", "html>docx", "word")[k],
        pdf=("word>pdf", "chrome", "html>pdf", "wps>pdf")[k],
    )
add("layout D: 联系人：张三 typed in one cell", Style("layout:D", layout="D"), word="word", pdf="word>pdf")
add("layout D (WPS)", Style("layout:D_wps", layout="D", funding="sym_w2"), word="wps", pdf="chrome")
add(
    "no 申报单位信息 / 承办单位信息 column: the unit blocks are just rows",
    Style("layout:N", layout="N"),
    word="word",
    pdf="word>pdf",
)
add(
    "no section column (WPS, Chromium PDF)",
    Style("layout:N_wps", layout="N", funding="sym_w2"),
    word="wps",
    pdf="chrome",
)
add(
    "no section column (python-docx, reportlab PDF)",
    Style("layout:N_pyd", layout="N", funding="tick_after"),
    word="pydocx",
    pdf="rl",
)
add(
    "layout C, everything on its own row",
    Style("layout:C", layout="C", scope_lines=True),
    word="pydocx",
    pdf="rl",
)
add(
    "header typed in the table's first row",
    Style("header:in_table", header="in_table"),
    word="word",
    pdf="word>pdf",
)
add(
    "header in the table (layout B)",
    Style("header:in_table_b", header="in_table", layout="B"),
    word="wps",
    pdf="chrome",
)
add(
    "values on several lines",
    Style("multiline", multiline=True, scope_lines=True, ce_lines=True, funding_lines=True),
    changes={
        "purpose": "一、提升专业技术人员创新能力；\n二、推动产学研合作；\n三、培养高层次骨干人才。",
        "content": "1.主题报告：行业前沿；\n2.专题研讨：关键技术；\n3.现场教学：龙头企业。",
    },
    word="word",
    pdf="word>pdf",
)
add(
    "values on several lines (WPS)",
    Style("multiline_wps", multiline=True, scope_lines=True),
    changes={"experts": "张教授，华中科技大学；\n李研究员，中科院武汉分院；\n王高工，东风公司。"},
    word="wps",
    pdf="chrome",
)
add("no title, no footnote", Style("bare", title=False, footnote=False), word="html>docx", pdf="html>pdf")

# ---- 8. units, phones, 同上 -----------------------------------------------------------------------
add(
    "organizer block written as 同上 (one merged cell)",
    Style("same:block", organizer_same=True),
    changes={"organizer": Unit()},
    word="word",
    pdf="word>pdf",
)
add(
    "organizer block 同上 (layout B, WPS)",
    Style("same:block_b", organizer_same=True, layout="B"),
    changes={"organizer": Unit()},
    word="wps",
    pdf="chrome",
)
add(
    "organizer fields each 同上",
    Style("same:fields", organizer_same=False),
    changes={"organizer": Unit("同上", "同上", "同上", "同上", "", "同上")},
    word="wps",
    pdf="wps>pdf",
)
for k, (office, mobile, fax) in enumerate(
    (
        ("027-8765 4321", "138 0000 0000", "无"),
        ("（027）87654321", "13800000000", ""),
        ("027-87654321转8001", "", "027-87654322"),
        ("无", "13912345678", "无"),
        ("", "139 1234 5678", ""),
    )
):
    add(
        f"phones {office!r} / {mobile!r} / fax {fax!r}",
        Style(f"phones:{k}", layout="ABC"[k % 3]),
        changes=lambda f, o=office, m=mobile, x=fax: {
            "applicant": replace(f.applicant, office_phone=o, mobile=m, fax=x)
        },
        word=("word", "wps", "html>docx", "pydocx", "rtf>docx")[k],
        pdf=("chrome", "word>pdf", "html>pdf", "wps>pdf", "rl")[k],
    )

# ---- 9. what an applicant really left empty: the flags are right -----------------------------------
add(
    "applicant contact left empty",
    Style("empty:contact"),
    changes=lambda f: {"applicant": replace(f.applicant, contact="")},
    word="word",
    pdf="word>pdf",
)
add(
    "both applicant phones empty",
    Style("empty:phones", layout="B"),
    changes=lambda f: {"applicant": replace(f.applicant, office_phone="", mobile="")},
    word="wps",
    pdf="chrome",
)
add(
    "organizer address empty",
    Style("empty:org_addr"),
    changes=lambda f: {"organizer": replace(f.organizer, address="")},
    word="html>docx",
    pdf="html>pdf",
)
add(
    "办班地点 empty, 主管部门 empty",
    Style("empty:where"),
    changes={"training_location": "", "industry_authority": ""},
    word="word",
    pdf="chrome",
)
add(
    "申报单位 left empty above the table",
    Style("empty:declared_org", header="template"),
    changes={"declared_org": ""},
    word="wps",
    pdf="wps>pdf",
)
add(
    "申报时间 left as the template's blanks",
    Style("empty:declared_date", header="template"),
    declared="blank",
    word="word",
    pdf="word>pdf",
)
add("研修目的 empty", Style("empty:purpose", layout="C"), changes={"purpose": ""}, word="pydocx", pdf="rl")
add("办班时间 empty", Style("empty:dates"), word="word", pdf="chrome", dates="empty")
add("PDF without a seal", Style("seal:none"), word="word", pdf="word>pdf", sealed=False)
add(
    "PDF without a seal (Chromium)",
    Style("seal:none_chrome", funding="sym_w2"),
    word="wps",
    pdf="chrome",
    sealed=False,
)
add("PDF without a seal (reportlab)", Style("seal:none_rl", layout="B"), word="word", pdf="rl", sealed=False)

# ---- 10. mails that carry only one half -----------------------------------------------------------
add(
    "only the Word file sent",
    Style("mail:word_only", funding="sym_w2"),
    word="word",
    pdf=None,
    mail="word_only",
)
add(
    "only the Word file sent (WPS)",
    Style("mail:word_only_wps", funding="tick_after"),
    word="wps",
    pdf=None,
    mail="word_only",
)
add(
    "only a PDF sent (LibreOffice)",
    Style("mail:pdf_only", funding="uni_check"),
    word=None,
    pdf="word>pdf",
    mail="pdf_only",
)
add(
    "only a PDF sent (Chromium)",
    Style("mail:pdf_only_chrome", funding="tick_after", scope="uni_check"),
    word=None,
    pdf="chrome",
    mail="pdf_only",
)
add(
    "only a PDF sent (reportlab, ZapfDingbats boxes)",
    Style("mail:pdf_only_rl"),
    word=None,
    pdf="rl_zapf",
    mail="pdf_only",
)
add(
    "only a PDF sent (reportlab, ZapfDingbats, layout B)",
    Style("mail:pdf_only_rl_b", layout="B", funding="tick_after"),
    word=None,
    pdf="rl_zapf",
    mail="pdf_only",
)
add(
    "only a PDF sent (LibreOffice from HTML, strike)",
    Style("mail:pdf_only_strike", funding="strike_unchosen", scope="strike_unchosen", ce="strike_unchosen"),
    word=None,
    pdf="html>pdf",
    mail="pdf_only",
)
add(
    "only a PDF sent (Chromium, highlighted option)",
    Style("mail:pdf_only_hl", funding="emph_highlight"),
    word=None,
    pdf="chrome",
    mail="pdf_only",
    optional=frozenset({"choice_unclear"}),
    unclear_ok=("funding_type",),
)


def case_by_id(cid: str) -> Case:
    return next(c for c in CASES if c.id == cid)


# ---- 11. mails: a form with other documents, in a zip, late, corrected, completed, forwarded -------
# (tests.redteam.mails puts these together; the mail kind says how)
add(
    "with a cover letter (公函) beside it",
    Style("mail:with_cover", funding="sym_w2"),
    word="word",
    pdf="word>pdf",
    mail="with_cover",
)
add(
    "with an 实施方案 beside it",
    Style("mail:with_plan", funding="tick_after", layout="B"),
    word="wps",
    pdf="chrome",
    mail="with_plan",
)
add(
    "with the notice copied back",
    Style("mail:with_notice"),
    word="html>docx",
    pdf="html>pdf",
    mail="with_notice",
)
add(
    "Word and PDF inside a zip with GBK names",
    Style("mail:zip", funding="font_w2"),
    word="wps",
    pdf="wps>pdf",
    mail="zip",
)
add("received after the deadline", Style("mail:late"), word="word", pdf="word>pdf", mail="late")
_first = add(
    "first version, then corrected (更正) the next day",
    Style("mail:correction1"),
    word="word",
    pdf="word>pdf",
    mail="correction1",
)
add(
    "the same unit's second, different project (never replaced by the correction)",
    Style("mail:second_project", funding="tick_after"),
    base_form=_first.form.with_(
        project_name="光电子信息产业知识产权运营与保护高级研修班", funding="fiscal", self_source=""
    ),
    word="wps",
    pdf="chrome",
)
add(
    "the correction: project name reworded, funding changed",
    Style("mail:correction2", funding="sym_w2"),
    base_form=_first.form.with_(
        project_name=_first.form.project_name.replace("高级研修班", "专题高级研修班"),
        funding="self_funded",
        self_source="单位自筹",
    ),
    word="word",
    pdf="word>pdf",
    mail="correction2",
)
add(
    "Word only, the stamped PDF sent later (补发盖章PDF)",
    Style("mail:bufa", funding="tick_after"),
    word="wps",
    pdf="wps>pdf",
    mail="bufa",
)
for k in range(3):
    add(
        f"forwarded by a 市州人社局 with two other units' forms ({k + 1}/3)",
        Style(f"mail:multi{k}", funding=("uni_check", "sym_w2", "tick_replace")[k], layout="AB"[k % 2]),
        word=("word", "wps", "html>docx")[k],
        pdf=("word>pdf", "chrome", "html>pdf")[k],
        mail="multi",
    )

# ---- 12. second round: what the first round did not try ------------------------------------------
DECLARED["month"] = ("2024年12月", None)  # a month, no day: written, not missing

for mark, pairs in (
    ("emoji_check", (("word", "chrome"), ("html>docx", "html>pdf"))),
    ("emoji_ballot", (("wps", "word>pdf"),)),
    ("emoji_heavy", (("html>docx", "chrome"),)),
    ("latin_v", (("word", "wps>pdf"),)),
    ("box_after", (("wps", "chrome"), ("word", "word>pdf"))),
    # a form field's checkbox in Word (FORMCHECKBOX), an HTML <input type="checkbox"> printed by Chromium.
    # Not through LibreOffice's HTML import: it drops form controls, so its .docx / .doc / PDF carry no mark
    ("input_box", (("word", "chrome"), ("wps", "chrome"), ("word", "word>pdf"))),
    ("radio_circle", (("word", "chrome"),)),
    ("fullwidth_space_tick", (("wps", "wps>pdf"),)),
):
    for word, pdf in pairs:
        add(
            f"{mark} [{word} / {pdf}]",
            Style(f"mark2:{mark}", funding=mark, scope=mark, ce=mark),
            word=word,
            pdf=pdf,
        )
for word, pdf in (("word", "chrome"), ("wps", "wps>pdf")):
    add(
        f"（是）/（否） after each funding option [{word}]",
        Style("mark2:yes_no", funding="yes_no"),
        word=word,
        pdf=pdf,
    )
add(
    "a lone √ between the two funding options: undecidable",
    Style(
        "unclear:between", raw_cells=(("funding", "□财政资助项目 √ □自筹经费项目（自筹经费来源：_____）"),)
    ),
    word="word",
    pdf="word>pdf",
    changes={"funding": "fiscal", "self_source": ""},
    unclear=("funding_type",),
)
add(
    "two 继续教育基地 options ticked",
    Style(
        "unclear:ce_two",
        raw_cells=(("ce", "☑是第3批国家级专业技术人员继续教育基地  ☑是省级继续教育基地  □否"),),
    ),
    word="wps",
    pdf="chrome",
    unclear=("organizer.ce_base",),
)
add(
    "scope notes on the line under each option",
    Style(
        "scope:notes_below",
        raw_cells=(
            ("scope", "☑服务国家战略：\n长江经济带发展\n□对接产业需求：\n☑突出数字技术：\n人工智能与大数据"),
        ),
    ),
    changes={
        "scope": frozenset({"national_strategy", "digital_tech"}),
        "scope_notes": (("national_strategy", "长江经济带发展"), ("digital_tech", "人工智能与大数据")),
    },
    word="word",
    pdf="word>pdf",
)
add("申报时间 with a month but no day", Style("declared:month"), declared="month", word="wps", pdf="chrome")
add("values in content controls", Style("values:sdt", values_as="sdt"), word="word", pdf="word>pdf")
add(
    "values in content controls, 授课专家 left showing its placeholder",
    Style("values:sdt_empty", values_as="sdt"),
    changes={"experts": ""},
    word="word",
    pdf="word>pdf",
)
add(
    "content controls (WPS), 手机 and 传真 left showing the placeholder",
    Style("values:sdt_empty_wps", values_as="sdt", layout="B"),
    changes=lambda f: {"applicant": replace(f.applicant, mobile="", fax="")},
    word="wps",
    pdf="chrome",
)
add(
    "values as legacy FORMTEXT fields",
    Style("values:formtext", values_as="formtext"),
    word="word",
    pdf="word>pdf",
)
add(
    "申报单位 / 申报时间 in a text box",
    Style("header:textbox", header="textbox"),
    word="word",
    pdf="word>pdf",
)
add(
    "header in a text box (WPS)",
    Style("header:textbox_wps", header="textbox", funding="sym_w2"),
    word="wps",
    pdf="wps>pdf",
)
add("the form table pasted into an outer table", Style("layout:nest", nest=True), word="word", pdf="chrome")
add(
    "nested in an outer table (WPS)",
    Style("layout:nest_wps", nest=True, funding="tick_after"),
    word="wps",
    pdf="word>pdf",
)
add(
    "a cover letter on the first page of the same file",
    Style("cover:first", cover_first=True),
    word="word",
    pdf="word>pdf",
)
add(
    "cover letter first (HTML)",
    Style("cover:first_html", cover_first=True, funding="sym_w2"),
    word="html>docx",
    pdf="chrome",
)
add(
    "the Word file sent as .wps (Kingsoft's extension)",
    Style("mail:wps_ext"),
    word="html>doc",
    pdf="html>pdf",
    mail="wps_ext",
)
add(
    "a .docx sent with the extension .doc",
    Style("mail:wrong_ext", funding="sym_w2"),
    word="word",
    pdf="word>pdf",
    mail="wrong_ext",
)
add(
    "the PDF first, the Word file later (补发Word)",
    Style("mail:bufa_word", funding="tick_after"),
    word="wps",
    pdf="chrome",
    mail="bufa_word",
)
_two = add(
    "one unit, two projects in one mail (1/2)", Style("mail:two1"), word="word", pdf="word>pdf", mail="two"
)
add(
    "one unit, two projects in one mail (2/2)",
    Style("mail:two2", funding="sym_w2"),
    base_form=_two.form.with_(
        project_name=_two.form.project_name.replace("高级研修班", "与管理创新高级研修班"),
        training_dates="",
        declared_date="",
    ),
    word="word",
    pdf="word>pdf",
    mail="two",
    dates="four",
)

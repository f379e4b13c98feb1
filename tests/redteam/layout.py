"""A `Form` laid out as a 申报表 document (the IR of tests.redteam.model), in a given filling style:
how each choice is marked, how the table is cut, which labels were reworded, what was left of the
template's hints.  Built from the blank form in /work/shared/seed/ (the notice's attachment).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tests.redteam.model import C, Cell, Doc, Form, P, PageBreak, Para, R, Table, Unit

TITLE = "专业技术人员知识更新工程2025年高级研修项目申报表"
HINT_CONTENT = "(包括但不限于主题报告、专题研讨、学术交流、现场教学)"
HINT_EXPERTS = "(如有院士或省部级领导出席, 请重点阐述)"
HINT_TRAINEES = (
    "(按通知要求招收学员, 学员一般应具有中高级职称, 或是在管理岗位工作的高级经营管理人员, 并应向基层一线人才倾斜。"
    "招收学员如需行业主管部门协助, 例如希望将本班次录入行业继续教育系统备案, 请在此详细阐述)"
)
FOOTNOTE = (
    "注：请按照《湖北省人力资源和社会保障厅关于征集专业技术人员知识更新工程2025年高级研修项目选题的通知》"
    "有关要求，认真填写此表并加盖申报单位印章。"
)

# The template's labels (line breaks as in the blank form's narrow first column).
LABELS = {
    "project_name": "项目名称",
    "training_dates": "办班时间",
    "training_location": "办班地点",
    "industry_field": "选题所属\n行业领域",
    "industry_authority": "选题所属\n行业主管部门",
    "funding": "申报项目\n类别\n(仅单选)",
    "scope": "是否符合\n选题范围",
    "purpose": "研修目的\n和作用",
    "content": "研修内容和方式",
    "experts": "授课专家情况",
    "trainees": "培训对象",
    "applicant": "申报单位信息",
    "organizer": "承办单位信息",
    "name": "单位名称",
    "contact": "联系人",
    "office_phone": "办公电话",
    "mobile": "手机",
    "fax": "传真",
    "address": "地址",
    "org_fax": "传 真",
    "org_address": "地 址",
    "ce": "是否继续\n教育基地",
}


# ---------------------------------------------------------------- marks


@dataclass(frozen=True)
class Mark:
    """How one applicant marks the options of a choice cell."""

    name: str
    on: tuple[R, ...]  # where the box of a chosen option stands
    off: tuple[R, ...]  # the box of an option not chosen
    after: tuple[R, ...] = ()  # typed after the chosen option's words
    after_off: tuple[R, ...] = ()  # typed after the words of an option not chosen (a box after each option)
    unchosen: str = "keep"  # "keep" | "delete" | "strike"
    emph: dict[str, object] = field(default_factory=dict)  # run properties put on the chosen words
    tracked: bool = False  # the box replaced with tracked changes on (w:del □, w:ins ☑)


def _m(name: str, on: str | R | tuple[R, ...], off: str | R | tuple[R, ...] = "□", **kw: object) -> Mark:
    def runs(x: str | R | tuple[R, ...]) -> tuple[R, ...]:
        if isinstance(x, tuple):
            return x
        return (R(x),) if isinstance(x, str) else (x,)

    return Mark(name, runs(on), runs(off), **kw)  # type: ignore[arg-type]


W2_ON, W2_OFF = R(sym=("Wingdings 2", "F052"), show="☑"), R(sym=("Wingdings 2", "F0A3"), show="□")
MARKS = {
    m.name: m
    for m in (
        _m("uni_check", "☑"),
        _m("uni_xbox", "☒", "☐"),
        _m("uni_fill", "■"),
        _m("sym_w2", W2_ON, W2_OFF),
        _m(
            "sym_w2_short", R(sym=("Wingdings 2", "0052"), show="☑"), R(sym=("Wingdings 2", "00A3"), show="□")
        ),
        _m("sym_w2_tick", R(sym=("Wingdings 2", "F050"), show="✓"), R("□")),
        _m("sym_w1", R(sym=("Wingdings", "F0FE"), show="☑"), R(sym=("Wingdings", "F0A8"), show="□")),
        _m("sym_w1_box_o", R(sym=("Wingdings", "F0FE"), show="☑"), R(sym=("Wingdings", "F06F"), show="□")),
        _m("sym_symbol_sqrt", R(sym=("Symbol", "F0D6"), show="√"), R("□")),
        _m("font_w2", R("R", font="Wingdings 2", show="☑"), R("£", font="Wingdings 2", show="□")),
        _m("font_w1_pua", R("\uf0fe", font="Wingdings", show="☑"), R("\uf0a8", font="Wingdings", show="□")),
        _m("segoe_check", R("☑", font="Segoe UI Symbol"), R("☐", font="Segoe UI Symbol")),
        _m("sdt_x", R(sdt=True, sdt_glyph="☒", show="☒"), R(sdt=False, sdt_glyph="☐", show="☐")),
        _m("sdt_check", R(sdt=True, sdt_glyph="☑", show="☑"), R(sdt=False, sdt_glyph="☐", show="☐")),
        _m("ffbox", R(ffbox=True, show="☒"), R(ffbox=False, show="☐")),
        _m("eq_circle", R(eq="eq \\o\\ac(□,√)", show="☑"), R("□")),
        _m("tick_replace", "√"),
        _m("tick_before_box", (R("√"), R("□"))),
        _m("tick_after", "□", after=(R("√"),)),
        _m("tick_after_bracket", "□", after=(R("（√）"),)),
        _m("tick_after_quoted", "□", after=(R("“√”"),)),
        _m("check_light", "✓"),
        _m("check_heavy", "✔"),
        _m("red_tick", R("√", color="FF0000", b=True)),
        _m("filled_circle", "●", "○"),
        _m("paren_box", "（√）", "（  ）"),
        _m("square_bracket", "[√]", "[ ]"),
        _m("delete_keep_box", "□", unchosen="delete"),
        _m("delete_tick", "☑", unchosen="delete"),
        _m("delete_no_box", (), unchosen="delete"),
        _m("strike_unchosen", "□", unchosen="strike"),
        _m("strike_tick", "☑", unchosen="strike"),
        _m("emph_highlight", "□", emph={"hl": "yellow"}),
        _m("emph_underline_bold", "□", emph={"u": True, "b": True}),
        _m("emph_shading", "□", emph={"shd": "FFFF00"}),
        _m("tracked_box", "☑", tracked=True),
        _m("tick_and_box_tick", (R("☑"),), after=(R("√"),)),
        # second batch
        _m("emoji_check", "✅"),
        _m("emoji_ballot", "☑\ufe0f"),
        _m("emoji_heavy", "✔\ufe0f", "□"),
        _m("latin_v", "V"),
        _m("box_after", (), (), after=(R("☑"),), after_off=(R("□"),)),
        _m("yes_no", (), (), after=(R("（是）"),), after_off=(R("（否）"),)),
        _m(
            "input_box",
            R(ffbox=True, html_input=True, show="☑"),
            R(ffbox=False, html_input=False, show="☐"),
        ),
        _m("radio_circle", "◉", "○"),
        _m("fullwidth_space_tick", "√\u3000"),
    )
}


# ---------------------------------------------------------------- the style


@dataclass(frozen=True)
class Style:
    name: str
    funding: str = "uni_check"
    scope: str = "uni_check"
    ce: str = "uni_check"
    layout: str = (
        "A"  # "A" template 5 columns | "B" section rows, 4 columns | "C" label/value rows | "D" inline
    )
    split_at: str | None = None  # a page-broken split of the table before this row ("purpose", "applicant")
    labels: tuple[tuple[str, str], ...] = ()  # reworded labels
    spaced_labels: bool = False  # "项 目 名 称"
    label_colons: bool = False  # "项目名称："
    hints: str = "delete"  # "delete" | "before" | "after" | "fullwidth" | "only" (for an empty cell)
    header: str = "lines"  # "lines" | "one_line" | "in_table" | "template" | "spaced" | "seal_first"
    source: str = "inside"  # "inside" | "after" | "nextline" | "underscored"
    scope_lines: bool = False  # each 选题范围 option on a line of its own
    ce_lines: bool = False
    funding_lines: bool = False
    multiline: bool = False  # long values in several paragraphs, other values with a line break
    organizer_same: bool = False  # the whole 承办单位 block written as "同上"
    title: bool = True
    footnote: bool = True
    sep: str = "  "  # between options on one line
    raw_cells: tuple[tuple[str, str], ...] = ()  # a choice cell written out as it stands ("funding": "…")
    values_as: str = (
        "text"  # "text" | "sdt" (content controls, empty ones showing the placeholder) | "formtext"
    )
    nest: bool = False  # the whole form table pasted into the one cell of an outer table
    cover_first: bool = False  # a cover letter (公函) on the first page of the same document

    def label(self, key: str) -> str:
        text = dict(self.labels).get(key, LABELS[key])
        if self.spaced_labels and "\n" not in text and len(text) <= 4:
            text = " ".join(text)
        if self.label_colons:
            text = text.replace("\n", "") + "："
        return text


def _label_cell(text: str, span: int = 1, vmerge: str | None = None) -> Cell:
    return C(*text.split("\n"), span=span, vmerge=vmerge, label=True)


PLACEHOLDER = "单击或点击此处输入文字。"


def _value(text: str, style: Style, span: int = 1) -> Cell:
    if style.values_as == "sdt":
        if not text:
            return C(P(R(PLACEHOLDER, sdt_text=True, placeholder=True)), span=span)
        return C(*(P(R(line, sdt_text=True)) for line in text.split("\n")), span=span)
    if style.values_as == "formtext" and text:
        return C(*(P(R(line, formtext=True)) for line in text.split("\n")), span=span)
    if not text:
        return C("", span=span)
    lines = text.split("\n")
    if style.multiline or len(lines) > 1:
        return C(*lines, span=span)
    return C(text, span=span)


def _with_hint(text: str, hint: str, style: Style) -> tuple[str, ...]:
    mode = style.hints
    if mode == "fullwidth":
        hint = hint.replace("(", "（").replace(")", "）").replace(", ", "，")
    if mode in ("before", "fullwidth", "only"):
        return (hint, *(text.split("\n") if text else ()))
    if mode == "after":
        return (*(text.split("\n") if text else []), hint)
    return tuple(text.split("\n")) if text else ("",)


# ---------------------------------------------------------------- choice cells


def _emph(runs: tuple[R, ...], mark: Mark) -> tuple[R, ...]:
    return tuple(replace(r, **mark.emph) for r in runs) if mark.emph else runs  # type: ignore[arg-type]


def _option(words: tuple[R, ...], tail: tuple[R, ...], chosen: bool, mark: Mark) -> tuple[R, ...] | None:
    """One option's runs: its box or mark, its words, a mark after them, its note; None when deleted."""
    if not chosen and mark.unchosen == "delete":
        return None
    if chosen:
        if mark.tracked:
            box: tuple[R, ...] = (R("□", dele=True), *(replace(r, ins=True) for r in mark.on))
        else:
            box = mark.on
        return (*box, *_emph(words, mark), *mark.after, *tail)
    runs = (*mark.off, *words, *mark.after_off, *tail)
    if mark.unchosen == "strike":
        runs = tuple(replace(r, strike=True) for r in runs)
    return runs


def _join(options: list[tuple[R, ...] | None], lines: bool, sep: str) -> tuple[Para, ...]:
    kept = [o for o in options if o is not None]
    if lines:
        return tuple(tuple(o) for o in kept)
    out: list[R] = []
    for i, o in enumerate(kept):
        if i:
            out.append(R(sep))
        out.extend(o)
    return (tuple(out),)


def funding_cell(f: Form, style: Style) -> tuple[Para, ...]:
    if "funding" in dict(style.raw_cells):
        return tuple(P(line) for line in dict(style.raw_cells)["funding"].split("\n"))
    mark = MARKS[style.funding]
    chosen = {"fiscal": {0}, "self_funded": {1}, "both": {0, 1}}.get(f.funding or "", set())
    src = f.self_source
    if style.source == "after" and src:
        tail: tuple[R, ...] = (R("（自筹经费来源：）"), R(src))
    elif style.source == "nextline" and src:
        tail = (R("（自筹经费来源："), R(br=True), R(src + "）"))
    elif style.source == "underscored" and src:
        tail = (R("（自筹经费来源："), R("__" + src + "___", u=True), R("）"))
    else:
        tail = (R("（自筹经费来源：" + (src or "_____") + "）"),)
    options = [
        _option((R("财政资助项目"),), (), 0 in chosen, mark),
        _option((R("自筹经费项目"),), tail, 1 in chosen, mark),
    ]
    return _join(options, style.funding_lines, style.sep)


def scope_cell(f: Form, style: Style) -> tuple[Para, ...]:
    if "scope" in dict(style.raw_cells):
        return tuple(P(line) for line in dict(style.raw_cells)["scope"].split("\n"))
    mark = MARKS[style.scope]
    words = {
        "national_strategy": "服务国家战略",
        "industry_demand": "对接产业需求",
        "digital_tech": "突出数字技术",
    }
    options = [_option((R(w),), (R("：" + f.note(k)),), k in f.scope, mark) for k, w in words.items()]
    return _join(options, style.scope_lines, style.sep)


def ce_cell(f: Form, style: Style) -> tuple[Para, ...]:
    if "ce" in dict(style.raw_cells):
        return tuple(P(line) for line in dict(style.raw_cells)["ce"].split("\n"))
    mark = MARKS[style.ce]
    blank = f.batch_text or (str(f.batch) if f.batch else "__")
    national = (R("是第"), R(blank, u=blank != "__"), R("批国家级专业技术人员继续教育基地"))
    options = [
        _option(national, (), f.ce_base == "national", mark),
        _option((R("是省级继续教育基地"),), (), f.ce_base == "provincial", mark),
        _option((R("否"),), (), f.ce_base == "no", mark),
    ]
    return _join(options, style.ce_lines, style.sep)


# ---------------------------------------------------------------- header lines


def header_paras(f: Form, style: Style) -> list[Para]:
    org, when = f.declared_org, f.declared_date
    if style.header == "one_line":
        return [P(f"申报单位（盖章）：{org}        申报时间：{when}")]
    if style.header == "template":  # the blank form's own words, the unit typed after them
        return [P("申报单位：（盖章）" + org), P("申报时间：" + (when or "    年   月   日"))]
    if style.header == "seal_first":
        return [P(f"申报单位：{org}（盖章）"), P(f"申报时间：{when}")]
    if style.header == "spaced":
        return [P(f"申 报 单 位：{org}"), P(f"申 报 时 间：{when}")]
    if style.header == "in_table":
        return []
    if style.header == "textbox":
        return [P(R(textbox=(f"申报单位（盖章）：{org}", f"申报时间：{when}")))]
    return [P(f"申报单位（盖章）：{org}"), P(f"申报时间：{when}")]


# ---------------------------------------------------------------- tables


def _unit_rows_5(prefix: str, u: Unit, style: Style, extra: list[tuple[Cell, ...]]) -> list[tuple[Cell, ...]]:
    fax_l = style.label("org_fax" if prefix == "organizer" else "fax")
    addr_l = style.label("org_address" if prefix == "organizer" else "address")
    n = 3 + len(extra)
    sec = style.label(prefix)
    rows = [
        (
            _label_cell(sec, vmerge="restart" if n > 1 else None),
            _label_cell(style.label("name")),
            _value(u.name, style),
            _label_cell(style.label("contact")),
            _value(u.contact, style),
        ),
        (
            C(vmerge="continue"),
            _label_cell(style.label("office_phone")),
            _value(u.office_phone, style),
            _label_cell(style.label("mobile")),
            _value(u.mobile, style),
        ),
        (
            C(vmerge="continue"),
            _label_cell(fax_l),
            _value(u.fax, style),
            _label_cell(addr_l),
            _value(u.address, style),
        ),
    ]
    rows += [(C(vmerge="continue"), *cells) for cells in extra]
    return rows


def _table_a(f: Form, style: Style) -> list[tuple[Cell, ...]]:
    """The template: 5 grid columns, section labels merged down the first column."""
    L = style.label
    rows: list[tuple[Cell, ...]] = []
    if style.header == "in_table":
        rows.append((C(f"申报单位（盖章）：{f.declared_org}    申报时间：{f.declared_date}", span=5),))
    rows += [
        (_label_cell(L("project_name")), _value(f.project_name, style, 4)),
        (
            _label_cell(L("training_dates")),
            _value(f.training_dates, style, 2),
            _label_cell(L("training_location")),
            _value(f.training_location, style),
        ),
        (
            _label_cell(L("industry_field")),
            _value(f.industry_field, style, 2),
            _label_cell(L("industry_authority")),
            _value(f.industry_authority, style),
        ),
        (_label_cell(L("funding")), Cell(funding_cell(f, style), span=4)),
        (_label_cell(L("scope")), Cell(scope_cell(f, style), span=4)),
        (_label_cell(L("purpose")), _value(f.purpose, style, 4)),
        (_label_cell(L("content")), C(*_with_hint(f.content, HINT_CONTENT, style), span=4)),
        (_label_cell(L("experts")), C(*_with_hint(f.experts, HINT_EXPERTS, style), span=4)),
        (_label_cell(L("trainees")), C(*_with_hint(f.trainees, HINT_TRAINEES, style), span=4)),
    ]
    rows += _unit_rows_5("applicant", f.applicant, style, [])
    ce_row = (_label_cell(L("ce")), Cell(ce_cell(f, style), span=3))
    if style.organizer_same:
        rows += [
            (_label_cell(L("organizer"), vmerge="restart"), C("同上", span=4)),
            (C(vmerge="continue"), *ce_row),
        ]
    else:
        rows += _unit_rows_5("organizer", f.organizer, style, [ce_row])
    return rows


def _table_b(f: Form, style: Style) -> list[tuple[Cell, ...]]:
    """4 columns; 申报单位信息 / 承办单位信息 as full-width heading rows (a common re-typed layout)."""
    L = style.label

    def unit(prefix: str, u: Unit) -> list[tuple[Cell, ...]]:
        if style.organizer_same and prefix == "organizer":
            return [(_label_cell(L(prefix)), C("同上", span=3))]
        return [
            (_label_cell(L(prefix), span=4),),
            (
                _label_cell(L("name")),
                _value(u.name, style),
                _label_cell(L("contact")),
                _value(u.contact, style),
            ),
            (
                _label_cell(L("office_phone")),
                _value(u.office_phone, style),
                _label_cell(L("mobile")),
                _value(u.mobile, style),
            ),
            (
                _label_cell(L("fax")),
                _value(u.fax, style),
                _label_cell(L("address")),
                _value(u.address, style),
            ),
        ]

    rows: list[tuple[Cell, ...]] = []
    if style.header == "in_table":
        rows.append(
            (C(f"申报单位（盖章）：{f.declared_org}", span=2), C(f"申报时间：{f.declared_date}", span=2))
        )
    rows += [
        (_label_cell(L("project_name")), _value(f.project_name, style, 3)),
        (
            _label_cell(L("training_dates")),
            _value(f.training_dates, style),
            _label_cell(L("training_location")),
            _value(f.training_location, style),
        ),
        (
            _label_cell(L("industry_field")),
            _value(f.industry_field, style),
            _label_cell(L("industry_authority")),
            _value(f.industry_authority, style),
        ),
        (_label_cell(L("funding")), Cell(funding_cell(f, style), span=3)),
        (_label_cell(L("scope")), Cell(scope_cell(f, style), span=3)),
        (_label_cell(L("purpose")), _value(f.purpose, style, 3)),
        (_label_cell(L("content")), C(*_with_hint(f.content, HINT_CONTENT, style), span=3)),
        (_label_cell(L("experts")), C(*_with_hint(f.experts, HINT_EXPERTS, style), span=3)),
        (_label_cell(L("trainees")), C(*_with_hint(f.trainees, HINT_TRAINEES, style), span=3)),
    ]
    rows += unit("applicant", f.applicant)
    rows += unit("organizer", f.organizer)
    rows.append((_label_cell(L("ce")), Cell(ce_cell(f, style), span=3)))
    return rows


def _table_c(f: Form, style: Style) -> list[tuple[Cell, ...]]:
    """3 columns, one field per row: the unit blocks as a merged section cell with label/value rows."""
    L = style.label

    def unit(prefix: str, u: Unit) -> list[tuple[Cell, ...]]:
        keys = ["name", "contact", "office_phone", "mobile", "fax", "address"]
        rows: list[tuple[Cell, ...]] = []
        for i, k in enumerate(keys):
            first = _label_cell(L(prefix), vmerge="restart") if i == 0 else C(vmerge="continue")
            rows.append((first, _label_cell(L(k)), _value(getattr(u, k), style)))
        return rows

    rows: list[tuple[Cell, ...]] = [
        (_label_cell(L("project_name"), span=2), _value(f.project_name, style)),
        (_label_cell(L("training_dates"), span=2), _value(f.training_dates, style)),
        (_label_cell(L("training_location"), span=2), _value(f.training_location, style)),
        (_label_cell(L("industry_field"), span=2), _value(f.industry_field, style)),
        (_label_cell(L("industry_authority"), span=2), _value(f.industry_authority, style)),
        (_label_cell(L("funding"), span=2), Cell(funding_cell(f, style))),
        (_label_cell(L("scope"), span=2), Cell(scope_cell(f, style))),
        (_label_cell(L("purpose"), span=2), _value(f.purpose, style)),
        (_label_cell(L("content"), span=2), C(*_with_hint(f.content, HINT_CONTENT, style))),
        (_label_cell(L("experts"), span=2), C(*_with_hint(f.experts, HINT_EXPERTS, style))),
        (_label_cell(L("trainees"), span=2), C(*_with_hint(f.trainees, HINT_TRAINEES, style))),
    ]
    rows += unit("applicant", f.applicant)
    rows += unit("organizer", f.organizer)
    rows.append((_label_cell(L("ce"), span=2), Cell(ce_cell(f, style))))
    return rows


def _table_d(f: Form, style: Style) -> list[tuple[Cell, ...]]:
    """The unit blocks typed as "联系人：张三" cells (a form re-typed quickly), the rest as in B."""
    rows = _table_b(f, replace(style, organizer_same=False))
    out: list[tuple[Cell, ...]] = []
    for row in rows:
        if len(row) == 4 and all(c.label == (i % 2 == 0) for i, c in enumerate(row)):
            first = row[0].text.replace("\n", "")
            if first in ("单位名称", "办公电话", "传真"):
                out.append(
                    (
                        C(f"{first}：{row[1].text}", span=2),
                        C(f"{row[2].text.replace(chr(10), '')}：{row[3].text}", span=2),
                    )
                )
                continue
        out.append(row)
    return out


def _table_n(f: Form, style: Style) -> list[tuple[Cell, ...]]:
    """The template without its merged section column (a form re-typed in a hurry): the two unit blocks
    are just rows of 单位名称 / 联系人 …, the applicant's first."""
    rows = _table_a(f, replace(style, organizer_same=False))
    out: list[tuple[Cell, ...]] = []
    sections = (style.label("applicant"), style.label("organizer"))
    for row in rows:
        if len(row) > 1 and (row[0].vmerge or row[0].text in sections):
            out.append((replace(row[1], span=row[1].span + row[0].span), *row[2:]))
        else:
            out.append(row)
    return out


_WIDTHS = {
    "A": (1500, 1300, 2300, 1300, 2600),
    "B": (1700, 2700, 1700, 2900),
    "C": (1400, 1400, 6200),
    "D": (1700, 2700, 1700, 2900),
    "N": (1500, 1300, 2300, 1300, 2600),
}
_BUILDERS = {"A": _table_a, "B": _table_b, "C": _table_c, "D": _table_d, "N": _table_n}


def _split(rows: list[tuple[Cell, ...]], at: str, style: Style) -> int:
    word = style.label(at).split("\n")[0]
    for i, row in enumerate(rows):
        if row and row[0].text.split("\n")[0] == word:
            return i
    raise ValueError(f"no row {at}")


COVER = (
    "关于报送专业技术人员知识更新工程2025年高级研修项目申报材料的函",
    "省人力资源和社会保障厅专业技术人员职称处：",
    "根据鄂人社函〔2024〕132号通知要求，现将我单位高级研修项目申报表报送贵处，请予审核。",
    "联系人及电话见申报表。",
)


def document(f: Form, style: Style, *, seal: bool = False) -> Doc:
    rows = _BUILDERS[style.layout](f, style)
    widths = _WIDTHS[style.layout]
    blocks: list[object] = []
    if style.cover_first:
        blocks += [P(line) for line in COVER] + [P(f.declared_org), PageBreak()]
    if style.nest:
        inner = Table(tuple(rows), widths)
        rows = [(Cell((P(""),), tables=(inner,)),)]
        widths = (sum(widths) + 200,)
    if style.title:
        blocks.append(P("附件"))
        blocks.append(P(R(TITLE, b=True)))
    blocks += header_paras(f, style)
    if style.split_at:
        i = _split(rows, style.split_at, style)
        blocks.append(Table(tuple(rows[:i]), widths))
        blocks.append(PageBreak())
        blocks.append(Table(tuple(rows[i:]), widths))
    else:
        blocks.append(Table(tuple(rows), widths))
    if style.footnote:
        blocks.append(P(FOOTNOTE))
    return Doc(tuple(blocks), seal=seal)  # type: ignore[arg-type]

"""Documents that are not an application: what else units attach (a cover letter with a contact table,
a 推荐汇总表 listing several projects, an 实施方案, the notice itself, a 承诺书), and the blank form
sent back.  Each is a Doc (rendered by the same writers as the forms) or raw HTML."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tests.redteam.layout import Style, document
from tests.redteam.model import C, Doc, Form, P, R, Table, Unit

SEED = Path("/work/shared/seed/000_83f0fde3ab5f53fa.txt")


def cover_letter() -> Doc:
    rows = (
        (C("联系人", label=True), C("王晓东"), C("联系电话", label=True), C("027-87231456")),
        (C("手机", label=True), C("13871234567"), C("传真", label=True), C("027-87231457")),
        (C("地址", label=True), C("武汉市武昌区中北路86号", span=3)),
    )
    return Doc(
        (
            P(R("湖北省节能协会", b=True)),
            P(R("关于申报专业技术人员知识更新工程2025年高级研修项目的函", b=True)),
            P("省人力资源和社会保障厅专业技术人员职称处："),
            P(
                "根据《省人力资源和社会保障厅关于征集专业技术人员知识更新工程2025年高级研修项目选题的通知》"
                "（鄂人社函〔2024〕132号）要求，我单位认真组织申报，现将《碳达峰碳中和与节能减排高级研修班》"
                "申报表报送贵处，请予审核。项目名称：碳达峰碳中和与节能减排高级研修班；办班时间：2025年9月。"
            ),
            P("附件：专业技术人员知识更新工程2025年高级研修项目申报表"),
            Table(rows, (1800, 2800, 1800, 2800)),
            P("湖北省节能协会"),
            P("2024年12月12日"),
        )
    )


def summary_table() -> Doc:
    head = ("序号", "项目名称", "申报单位", "办班时间", "办班地点", "项目类别", "联系人", "联系电话")
    data = (
        (
            "1",
            "智慧水务与供水安全高级研修班",
            "宜昌市水务集团",
            "2025年6月",
            "宜昌",
            "财政资助",
            "张明",
            "0717-6223456",
        ),
        (
            "2",
            "柑橘产业技术创新高级研修班",
            "宜昌市农业科学研究院",
            "2025年9月",
            "宜昌",
            "自筹经费",
            "李华",
            "0717-6512345",
        ),
        (
            "3",
            "水电工程安全运行高级研修班",
            "三峡大学",
            "2025年10月",
            "宜昌",
            "财政资助",
            "王芳",
            "0717-6392211",
        ),
    )
    rows = (tuple(C(h, label=True) for h in head), *(tuple(C(x) for x in r) for r in data))
    return Doc(
        (
            P(R("宜昌市2025年高级研修项目推荐汇总表", b=True)),
            P("推荐单位（盖章）：宜昌市人力资源和社会保障局"),
            Table(rows, (500, 2200, 1700, 1100, 800, 900, 700, 1300)),
        )
    )


def implementation_plan() -> Doc:
    lines = (
        "2025年智能网联汽车关键技术高级研修班实施方案",
        "一、研修目的",
        "围绕智能网联汽车关键技术，提升专业技术人员创新能力。",
        "二、培训对象",
        "全省汽车行业具有中高级职称的专业技术人员60名。",
        "三、研修内容和方式",
        "主题报告、专题研讨、现场教学。",
        "四、办班时间和地点",
        "办班时间：2025年6月16日-20日。办班地点：武汉市。",
        "五、授课专家",
        "拟邀请武汉理工大学、东风公司专家授课。",
        "六、经费预算",
        "师资费3万元，场地费1万元，资料费0.5万元。",
        "七、联系方式",
        "联系人：王强，电话：027-84281234，地址：武汉市经济技术开发区东风大道。",
    )
    return Doc(tuple(P(x) for x in lines))


def commitment() -> Doc:
    return Doc(
        (
            P(R("承诺书", b=True)),
            P(
                "我单位承诺：所申报的高级研修项目严格遵守培训班有关财务规定，除往返交通费由学员承担外，不向学员收取任何费用。"
            ),
            P("单位名称（盖章）：湖北省医学会"),
            P("联系人：沈涛    电话：027-85726123"),
            P("2024年12月13日"),
        )
    )


def expert_list() -> Doc:
    head = ("姓名", "职称", "工作单位", "授课内容")
    data = (
        ("张三", "教授", "华中科技大学", "光电子器件前沿"),
        ("李四", "研究员", "中科院武汉物理与数学研究所", "量子精密测量"),
    )
    rows = (tuple(C(h, label=True) for h in head), *(tuple(C(x) for x in r) for r in data))
    return Doc((P(R("授课专家情况一览表", b=True)), Table(rows, (1500, 1500, 3500, 3000))))


def notice_copy() -> Doc:
    lines = [x.strip("# ").strip() for x in SEED.read_text(encoding="utf-8").splitlines()]
    lines = [x for x in lines if x and "|" not in x and "<input" not in x and "\t" not in x]
    return Doc(tuple(P(x) for x in lines[:40]))


def blank_template() -> Doc:
    """The notice's attachment as downloaded: nothing filled in, the hints still there."""
    empty = Form(
        project_name="",
        declared_org="",
        declared_date="",
        training_dates="",
        training_location="",
        industry_field="",
        industry_authority="",
        funding=None,
        self_source="",
        scope=frozenset(),
        scope_notes=(),
        purpose="",
        content="",
        experts="",
        trainees="",
        applicant=Unit(),
        organizer=Unit(),
        ce_base=None,
    )
    doc = document(empty, Style("blank", hints="only", header="template"))
    return replace(doc)


NEGATIVES = {
    "cover_letter": cover_letter,
    "summary_table": summary_table,
    "implementation_plan": implementation_plan,
    "commitment": commitment,
    "expert_list": expert_list,
    "notice_copy": notice_copy,
    "blank_template": blank_template,
}

"""Truthful field values for test forms, written without the project's own generators.

`values(seed)` gives a filled 申报表 in the export contract's shape: what the applicant meant, which is
what a reader must return.  Deterministic per seed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

_UNITS = [
    ("湖北省机械工程学会", "武汉市洪山区珞喻路1037号", "027"),
    ("武汉理工大学继续教育学院", "武汉市洪山区珞狮路122号", "027"),
    ("宜昌市人力资源和社会保障局", "宜昌市西陵区夷陵大道58号", "0717"),
    ("襄阳市农业科学院", "襄阳市樊城区人民路16号", "0710"),
    ("湖北省水利水电科学研究院", "武汉市武昌区中北路7号", "027"),
    ("黄石市中心医院", "黄石市黄石港区天津路141号", "0714"),
    ("荆州市建筑设计研究院有限公司", "荆州市沙市区北京路232号", "0716"),
    ("十堰市数据局", "十堰市茅箭区北京中路8号", "0719"),
]
_TOPICS = [
    ("智能网联汽车测试验证技术", "汽车制造", "湖北省经济和信息化厅"),
    ("长江流域生态保护与综合治理", "水利", "湖北省水利厅"),
    ("数字乡村与智慧农业装备应用", "农业", "湖北省农业农村厅"),
    ("光电子信息芯片先进封装", "电子信息", "湖北省科学技术厅"),
    ("医学人工智能辅助诊断", "卫生健康", "湖北省卫生健康委员会"),
    ("装配式建筑与智能建造", "建筑业", "湖北省住房和城乡建设厅"),
    ("工业互联网安全与数据治理", "信息技术", "湖北省通信管理局"),
]
_NAMES = ["王建国", "李红梅", "张志强", "刘晓燕", "陈立新", "杨帆", "赵敏", "周涛", "吴静", "黄海波"]
_SOURCES = ["单位自筹", "承办单位自有资金", "学会会费收入", "企业赞助"]
_NOTES = {
    "national_strategy": ["长江经济带发展", "乡村振兴", "流域综合治理"],
    "industry_demand": ["高端装备", "光电子信息", "新能源与智能网联汽车", "生命健康"],
    "digital_tech": ["人工智能", "工业互联网", "大数据", "智能制造"],
}


def _phone(rnd: random.Random, area: str) -> str:
    return f"{area}-{rnd.randint(8000_0000, 8999_9999) if area == '027' else rnd.randint(300_0000, 899_9999)}"


def _unit(rnd: random.Random, pick: tuple[str, str, str]) -> dict[str, Any]:
    name, address, area = pick
    return {
        "name": name,
        "contact": rnd.choice(_NAMES),
        "office_phone": _phone(rnd, area),
        "mobile": f"1{rnd.choice('3589')}{rnd.randint(0, 9)}{rnd.randint(1000_0000, 9999_9999)}",
        "fax": _phone(rnd, area),
        "address": address,
    }


def values(seed: int) -> dict[str, Any]:
    rnd = random.Random(seed)
    topic, field, authority = rnd.choice(_TOPICS)
    applicant, organizer = rnd.sample(_UNITS, 2)
    start = date(2025, 4, 1) + timedelta(days=rnd.randint(0, 170))
    days = rnd.choice([4, 5])
    end = start + timedelta(days=days - 1)
    funding = rnd.choice(["fiscal", "self_funded"])
    scope_keys = list(_NOTES)
    chosen = set(rnd.sample(scope_keys, rnd.randint(1, 3)))
    ce_base = rnd.choice(["national", "provincial", "no"])
    org = _unit(rnd, organizer)
    return {
        "project_name": f"{topic}高级研修班",
        "declared_org": applicant[0],
        "declared_date": f"2024-12-{rnd.randint(10, 16):02d}",
        "training_dates": f"{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日",
        "training_start": start.isoformat(),
        "training_end": end.isoformat(),
        "training_location": rnd.choice(["武汉市", "宜昌市", "襄阳市", "十堰市"]),
        "industry_field": field,
        "industry_authority": authority,
        "funding_type": funding,
        "self_funding_source": rnd.choice(_SOURCES) if funding == "self_funded" else None,
        "scope": {k: k in chosen for k in scope_keys},
        "scope_notes": {k: (rnd.choice(_NOTES[k]) if k in chosen else None) for k in scope_keys},
        "purpose": f"围绕{topic}的前沿问题，提升专业技术人员创新能力和实践水平。",
        "content_and_format": "主题报告、专题研讨、现场教学相结合，共安排专家授课8场。",
        "experts": f"拟邀请{rnd.choice(['华中科技大学', '武汉大学', '中国科学院'])}等单位的教授、研究员5名授课。",
        "trainees": "全省相关领域具有中高级职称的专业技术人员，共60人，向基层一线倾斜。",
        "applicant": _unit(rnd, applicant),
        "organizer": {
            **org,
            "ce_base": ce_base,
            "ce_base_batch": rnd.randint(1, 9) if ce_base == "national" else None,
        },
    }

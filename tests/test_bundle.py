"""Sharing: `intake report --bundle DIR --zip FILE` on the demo mailbox gives one folder (and one zip)
whose every link — workbook cells, review pages, summary.html — opens a file from a copy of it in
another folder."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from click.testing import CliRunner

from intake.cli import demo_config, main
from intake.run import run_intake
from samples.demo import build_demo_mailbox
from tests.test_reports_factory import cell_link

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("demo")
    build_demo_mailbox(base / "mailbox")
    run_intake(demo_config(base))
    config = base / "config.toml"
    config.write_text(
        '[mailbox]\nkind = "maildir"\npath = "mailbox"\n'
        '[intake]\ndeadline = "2024-12-17T23:59:59+08:00"\ntraining_end_limit = "2025-10-31"\ndata_dir = "data"\n'
        '[report]\nworkbook = "申报汇总.xlsx"\nsummary_html = "summary.html"\nexport_jsonl = "export.jsonl"\n',
        encoding="utf-8",
    )
    return base


def _links(folder: Path) -> list[tuple[str, Path]]:
    """(where, target file) of every link to a file in the bundle's workbook, pages and summary."""
    found: list[tuple[str, Path]] = []
    book = folder / "申报汇总.xlsx"
    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                target = cell_link(c)
                if target is not None:
                    found.append((f"{ws.title}!{c.coordinate}", folder / target))
    for page in [folder / "summary.html", *(folder / "审核页").glob("*.html")]:
        for href in re.findall(r'href="([^"#]+)"', page.read_text(encoding="utf-8")):
            found.append((page.name, page.parent / unquote(href)))
    return found


def _check(folder: Path) -> int:
    links = _links(folder)
    broken = [(where, str(t)) for where, t in links if not t.resolve().is_file()]
    assert broken == []
    outside = [str(t) for _, t in links if not t.resolve().is_relative_to(folder.resolve())]
    assert outside == []  # nothing points out of the bundle
    return len(links)


def test_bundle_and_zip_open_with_every_link_working_elsewhere(demo: Path, tmp_path: Path) -> None:
    bundle, archive = tmp_path / "审核材料", tmp_path / "审核材料.zip"
    result = CliRunner().invoke(
        main,
        ["report", "--config", str(demo / "config.toml"), "--bundle", str(bundle), "--zip", str(archive)],
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in bundle.iterdir()} == {
        "使用说明.txt",
        "原件",
        "审核页",
        "申报汇总.xlsx",
        "summary.html",
    }
    # a copy in another folder (another PC, a shared drive): every link still opens its file
    copy = tmp_path / "elsewhere" / "拷贝"
    shutil.copytree(bundle, copy)
    shutil.rmtree(bundle)
    n = _check(copy)
    wb = openpyxl.load_workbook(copy / "申报汇总.xlsx")
    forms = wb["申报项目"].max_row - 1
    assert forms > 5 and n >= 3 * forms  # each row: its review page, and Word and/or PDF originals
    # both originals linked from a row that has both
    h = {c.value: c.column for c in wb["申报项目"][1]}
    both = [
        r
        for r in range(2, forms + 2)
        if all(cell_link(wb["申报项目"].cell(row=r, column=h[k])) for k in ("Word原件", "PDF原件"))
    ]
    assert both
    # the zip: unpacked anywhere, one folder, the same links
    with zipfile.ZipFile(archive) as zf:
        assert {n.split("/")[0] for n in zf.namelist()} == {"审核材料"}
        assert all(i.flag_bits & 0x800 for i in zf.infolist() if not i.filename.isascii())  # UTF-8 names
        zf.extractall(tmp_path / "unzipped")
    _check(tmp_path / "unzipped" / "审核材料")


def test_the_live_workbook_keeps_its_originals_beside_it(demo: Path) -> None:
    _check(demo)

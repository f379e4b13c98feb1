"""A shareable folder (`intake report --bundle DIR`) and its zip (`--zip FILE`).

The folder holds the workbook, summary.html, 原件/ and 审核页/ with every link relative, plus a short
使用说明.txt.  The zip stores names in UTF-8 (the zip flag for it is set), which Windows 10 and later,
WPS, 7-Zip and Bandizip read correctly.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from reports.atomic import atomic_write_bytes
from reports.originals import ORIGINALS_DIR
from reports.pages import PAGES_DIR

__all__ = ["README_NAME", "write_readme", "zip_folder"]

README_NAME = "使用说明.txt"


def write_readme(folder: Path, workbook: str, summary: str) -> Path:
    text = (
        f"高级研修项目申报审核材料\r\n\r\n"
        f"1. 先把整个文件夹复制（或把压缩包全部解压）到本机，再打开“{workbook}”。\r\n"
        f"   请勿只拿出工作簿一个文件：表中“打开”“查看”链接指向同一文件夹里的“{ORIGINALS_DIR}”和“{PAGES_DIR}”。\r\n"
        f"2. “{summary}”用浏览器打开，可看到新收到的申报（按单位分组）及原件链接。\r\n"
        f"3. “{PAGES_DIR}”里每份申报表一页，可直接打印（A4）。\r\n"
        f"4. 在工作簿“申报项目”表中填写推荐级别、审核意见、审核人；更正内容请直接改单元格。\r\n"
        f"   把填好的工作簿交回，由管理员放回原处后，下次生成时会全部保留。\r\n"
    )
    path = folder / README_NAME
    atomic_write_bytes(path, text.encode("utf-8-sig"))  # BOM: Notepad on older Windows reads it as UTF-8
    return path


def zip_folder(folder: Path, target: Path) -> Path:
    """Zip everything under `folder` (hidden files left out) to `target`, atomically; names inside
    start with the folder's name, so unzipping gives one folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for dirpath, dirnames, filenames in os.walk(folder):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.startswith("."):
                        continue
                    path = Path(dirpath) / name
                    zf.write(path, (Path(folder.name) / path.relative_to(folder)).as_posix())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target

"""What the product still gets wrong on the red-team set, and why (tests/test_redteam.py xfails these).

Keys: a document ("c007_p" = case c007's PDF, "_w" its Word file); KNOWN_RUN: the mails (by case) whose
run-tier result is still wrong.  Each entry is removed when the product is fixed (the xfails are strict).
"""

from __future__ import annotations

KNOWN: dict[str, str] = {
    "c067_p": "organizer.ce_base expected 'provincial', got None (choice_unclear): reportlab wrapped the √ typed after 省级继续教育基地 onto the next line, in front of □否 — read as 否's mark too",
}

KNOWN_RUN: dict[str, str] = {}

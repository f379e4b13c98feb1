"""The red team's evaluation set: 申报表 written the way units fill them in, by writers that share no code
with the readers under parsers/ (hand-written WordprocessingML in the manner of Word and of WPS,
python-docx, HTML and RTF converted by LibreOffice, PDF printed by LibreOffice, Chromium and reportlab),
each with the fields and flags a reviewer would expect.  See tests/redteam/README.md.
"""

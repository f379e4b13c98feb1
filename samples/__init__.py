"""Writers of demo and test material: 申报表 .docx files in every applicant style (formgen), text and
scanned PDFs (pdfgen), and the demo mailbox (demo).  Independent of the readers in `parsers`; the
runtime packages never import this one, except `intake demo`.
"""

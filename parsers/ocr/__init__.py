"""Scanned pages read as text: the OCR path of the 申报表 parser.

One job per module, data flowing one way:
  pages    PDF pages (pypdfium2) and photos (Pillow) as RGB arrays, size-capped
  cleanup  red ink lifted off, background flattened, page turned upright and straightened
  engine   the only user of rapidocr-onnxruntime: text lines found and recognised, with confidence
  marks    checkbox glyphs found in the image and judged by the ink inside them
  layout   ruling lines → table cells; text pieces → cells → rows as the text-PDF reader gives them
  read     one page through all of the above (a `PageScan`: plain, cacheable data)
  seal     the red seal judged on a scan (present / absent / cannot verify)
The field mapping itself is not here: rows of cell text go to the same label/value reader and
normaliser (parsers.pdf_form, parsers.choices) as a text PDF's.
"""

"""Documents to records: the 申报表 schema, Word and PDF parsers, checkbox and date readers.

This package imports nothing from `intake` or `reports`.
"""

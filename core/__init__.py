"""The leaf of the project: value types every package shares.

`core.schema` declares the 申报表 once (FieldSpec list); `core.fields` is the typed record of a form's
values; `core.documents` the documents and what parsers make of them; `core.flags` the catalogue of
flags; `core.records` what the store hands to reports.  Imports nothing from intake, parsers or reports.
"""

"""Records to what people read: the review workbook, the HTML summary, the JSON-lines export.

Imports only value types (intake.models, core.flags, core.documents).
"""

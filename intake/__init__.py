"""intake: mailbox of 申报表 submissions → review workbook, HTML summary, JSON-lines export."""

__version__ = "0.1.0"

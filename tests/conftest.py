"""Shared pytest set-up. Fixtures that need a real server or LibreOffice live in their own modules
(tests/dovecot.py, ...) and skip with a reason when the program is not installed."""

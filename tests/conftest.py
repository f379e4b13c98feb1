"""Shared pytest set-up. Fixtures that need a real server or LibreOffice live in their own modules
(tests/dovecot.py, ...) and skip with a reason when the program is not installed."""

# The session fixture that starts a real Dovecot (skips when it is not installed), for every module.
from tests.dovecot import dovecot as dovecot

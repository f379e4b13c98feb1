"""The IMAP mail source: the only module that imports imapclient.

Rules that come from 163.com and from IMAP itself (docs/pitfalls.md §1 and §10):
- send ID (ASCII values) after login on every (re)connect, or 163 refuses SELECT with "Unsafe Login";
- EXAMINE (read-only) and `BODY.PEEK[]`: a run never sets \\Seen, never deletes or moves;
- INTERNALDATE as an aware datetime (`normalise_times = False`): the receipt time that decides lateness;
- `UID n:*` also returns the last message when nothing is newer, so filter `uid > after_uid` here;
- SEARCH SINCE/BEFORE is date-only in the server's zone: search a day wider, the caller filters exactly;
- a refused login (wrong 授权码) is fatal at once — retrying can trigger 163's risk control;
- a TLS/port mismatch (security = "ssl" against a plain port, starttls against an implicit-TLS port) is a
  setting to fix, named in one sentence, not a connection problem to retry;
- a message over SPOOL_BYTES is fetched in parts straight into a spool file (intake.spool), one over
  mailbox.max_message_mb not at all: only its header, so it can be listed and flagged.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import imaplib
import logging
import os
import random
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, TypeVar

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from intake.config import is_loopback
from intake.models import MessageRef, RawMessage
from intake.source import FolderListing, LoginRefused, MailboxError, MailboxSettingsError, MailboxUnavailable
from intake.spool import CHUNK_BYTES, SPOOL_BYTES, new_spool_file

log = logging.getLogger(__name__)

__all__ = [
    "ID_PARAMS",
    "DraftRefused",
    "ImapMailbox",
    "LoginRefused",
    "MailboxError",
    "MailboxSettingsError",
    "MailboxUnavailable",
    "PostAction",
    "parse_post_action",
]

# RFC 2971 ID: ASCII only (imaplib crashes on anything else before sending); the exact shape 163 accepts.
ID_PARAMS = {
    "name": "intake",
    "version": "0.1.0",
    "vendor": "hbzsgx-intake",
    "support-email": "ops@example.cn",
}

T = TypeVar("T")

# Where a special-use folder lives when the server does not flag it (163/126 names first).
_SPECIAL_NAMES = {
    "\\junk": ("垃圾邮件", "Junk", "Spam", "Junk E-mail", "INBOX.Junk", "INBOX/Junk"),
    "\\sent": ("已发送", "Sent", "Sent Messages", "INBOX.Sent"),
    "\\trash": ("已删除", "Trash", "Deleted Messages", "INBOX.Trash"),
    "\\drafts": ("草稿箱", "Drafts", "INBOX.Drafts"),
}

# Errors after which a fresh connection may succeed.
_TRANSIENT = (IMAPClientAbortError, OSError, EOFError)


def _refused_message(username: str, detail: str) -> str:
    return (
        f"IMAP login refused for {username}; the server said: {detail.rstrip('. ')}. Check the authorization code "
        "(授权码): 163.com accepts only a client authorization code, not the web password; generate one "
        "under 设置 → POP3/SMTP/IMAP and put it in the configured environment variable."
    )


def server_text(err: BaseException) -> str:
    """An imaplib/imapclient error as the server's words: imaplib puts the reply's bytes in the message
    as a repr (b'...' with \\x escapes for 163's Chinese answers); each is decoded, UTF-8 or GB18030."""
    text = _BYTES_REPR.sub(_decoded_repr, str(err).strip())
    return _short_text(" ".join(text.split()) or type(err).__name__)


_BYTES_REPR = re.compile(r"b'(?:[^'\\]|\\.)*'" + r'|b"(?:[^"\\]|\\.)*"')


def _decoded_repr(match: re.Match[str]) -> str:
    try:
        raw = ast.literal_eval(match.group(0))
    except (ValueError, SyntaxError):
        return match.group(0)
    return _decode_reply(raw) if isinstance(raw, bytes) else match.group(0)


def _decode_reply(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", "replace")


# OpenSSL's words for "what came back is not TLS" (a plain-text IMAP greeting read as a TLS record).
_NOT_TLS = (
    "WRONG_VERSION_NUMBER",
    "RECORD_LAYER_FAILURE",
    "UNKNOWN_PROTOCOL",
    "PACKET_LENGTH_TOO_LONG",
    "HTTP_REQUEST",
    "UNEXPECTED_RECORD",
    "WRONG_SSL_VERSION",
    "UNSUPPORTED_PROTOCOL",
)


def _not_tls(err: ssl.SSLError) -> bool:
    words = f"{getattr(err, 'reason', '') or ''} {err}".upper().replace(" ", "_")
    return any(w in words for w in _NOT_TLS)


@dataclass(frozen=True)
class PostAction:
    """Opt-in action after a message's results are committed: add a keyword, or move to a folder."""

    kind: str  # "keyword" | "move"
    target: str


def parse_post_action(value: Any) -> PostAction | None:
    """Accept None/""/"none", "keyword:NAME" (also "flag:NAME"), "move:FOLDER", or an object with
    kind/target attributes (a config dataclass)."""
    if value is None:
        return None
    if not isinstance(value, str):
        kind, target = getattr(value, "kind", None), getattr(value, "target", None)
        return PostAction(str(kind), str(target)) if kind and target else None
    text = value.strip()
    if text.lower() in ("", "none", "off"):
        return None
    kind, sep, target = text.partition(":")
    kind = {"flag": "keyword"}.get(kind.strip().lower(), kind.strip().lower())
    if not sep or kind not in ("keyword", "move") or not target.strip():
        raise ValueError(f"post_action must be 'keyword:NAME' or 'move:FOLDER', got {value!r}")
    if kind == "keyword" and not target.strip().isascii():
        raise ValueError("post_action keyword must be ASCII")
    return PostAction(kind, target.strip())


def _setting(cfg: Any, name: str, default: Any) -> Any:
    value = getattr(cfg, name, None)
    return default if value is None else value


def _aware(dt: datetime) -> datetime:
    """imapclient's FixedOffset → a plain datetime.timezone (same instant, pickles and compares simply)."""
    offset = dt.utcoffset()
    if offset is None:  # a server without a zone in INTERNALDATE: RFC 3501 requires one; assume UTC
        return dt.replace(tzinfo=UTC)
    return dt.replace(tzinfo=timezone(offset))


def _received(item: dict[bytes, Any], folder: str, uid: int) -> datetime:
    when = item.get(b"INTERNALDATE")
    if isinstance(when, datetime):
        return _aware(when)
    # RFC 3501 requires INTERNALDATE; without it the fetch time is the best bound we have (never earlier
    # than the real receipt, so a late mail is not made to look on time).
    log.warning("IMAP %s uid %s: no INTERNALDATE from the server; using the time of fetching", folder, uid)
    return datetime.now(UTC)


def _body(item: dict[bytes, Any], folder: str, uid: int) -> bytes:
    body = item.get(b"BODY[]")
    if body is None:  # NIL: a message the server cannot read; an empty one is shown as unreadable, not lost
        log.warning("IMAP %s uid %s: the server returned no body", folder, uid)
        return b""
    return bytes(body)


def _batches(uids: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(uids), size):
        yield list(uids[start : start + size])


FETCH_BYTES = 32 * 1024 * 1024  # small messages fetched together: at most this many bytes per FETCH


def _size_groups(batch: Sequence[int], sizes: dict[int, int]) -> Iterator[list[int]]:
    """Consecutive UIDs whose sizes add up to at most FETCH_BYTES; a message over SPOOL_BYTES alone."""
    group: list[int] = []
    total = 0
    for uid in batch:
        size = sizes.get(uid, 0)
        if size > SPOOL_BYTES or (group and total + size > FETCH_BYTES):
            if group:
                yield group
            group, total = [], 0
            if size > SPOOL_BYTES:
                yield [uid]
                continue
        group.append(uid)
        total += size
    if group:
        yield group


class ImapMailbox:
    """intake.source.Mailbox over IMAP. One connection, opened lazily, reopened after a drop."""

    def __init__(
        self,
        cfg: Any,
        *,
        attempts: int | None = None,
        backoff_s: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_step: Callable[[str, str], None] | None = None,
    ) -> None:
        self._cfg = cfg
        self._host: str = cfg.host
        self._security: str = str(_setting(cfg, "security", "ssl")).lower()
        self._port: int = int(_setting(cfg, "port", 993 if self._security == "ssl" else 143))
        self._batch = max(1, int(_setting(cfg, "batch_size", 50)))
        self._attempts = max(1, attempts if attempts is not None else int(_setting(cfg, "retries", 5)))
        self._backoff = backoff_s if backoff_s is not None else float(_setting(cfg, "retry_backoff_s", 1.0))
        self._sleep = sleep
        self._on_step = on_step or (lambda step, detail: None)  # `intake check` prints each step
        self._post = parse_post_action(getattr(cfg, "post_action", None))
        self._client: IMAPClient | None = None
        self._selected: tuple[str, bool] | None = None  # (folder, readonly)
        self._uidvalidity: dict[str, int] = {}
        self._max_bytes = int(float(_setting(cfg, "max_message_mb", 200)) * 1024 * 1024)
        self.missing_folders: list[str] = []  # configured folders the server does not have (last LIST)
        self.connects = 0  # how many connections were opened (tests and `intake check` report it)
        if self._security not in ("ssl", "starttls", "plain"):
            raise MailboxSettingsError(f"security must be ssl, starttls or plain, not {self._security!r}")
        if self._security == "plain" and not is_loopback(self._host):
            raise MailboxSettingsError(
                f"refusing an unencrypted IMAP connection to {self._host}: use ssl or starttls"
            )

    # ---- context manager / lifecycle ----

    def __enter__(self) -> ImapMailbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        client, self._client, self._selected = self._client, None, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # the connection may already be gone; nothing to save
            log.debug("logout failed", exc_info=True)
            _shutdown(client)

    # ---- connection ----

    def _ssl_context(self) -> ssl.SSLContext:
        ca_file = getattr(self._cfg, "ca_file", None)
        ctx = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        if getattr(self._cfg, "verify_tls", True) is False:
            log.warning("TLS certificate verification is switched off (verify_tls = false)")
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def _password(self) -> str:
        env = getattr(self._cfg, "password_env", None)
        if not env or not os.environ.get(env):
            raise MailboxSettingsError(
                f"the IMAP authorization code (授权码) is not set: put it in the environment variable {env!r}"
            )
        return os.environ[env]

    def _open(self) -> IMAPClient:
        timeout = SocketTimeout(
            connect=float(_setting(self._cfg, "connect_timeout", 30)),
            read=float(_setting(self._cfg, "read_timeout", 120)),
        )
        use_ssl = self._security == "ssl"
        ctx = self._ssl_context() if self._security != "plain" else None
        try:
            client = IMAPClient(self._host, port=self._port, ssl=use_ssl, ssl_context=ctx, timeout=timeout)
        except ssl.SSLCertVerificationError as err:
            raise MailboxSettingsError(self._tls_message(err)) from err
        except ssl.SSLError as err:
            if _not_tls(err):
                raise MailboxSettingsError(self._plain_port_message(err)) from err
            raise
        except TimeoutError as err:
            # No greeting: a client speaking plain text to a port that waits for a TLS handshake.
            if not use_ssl and _speaks_tls(self._host, self._port, timeout.connect):
                raise MailboxSettingsError(self._tls_port_message()) from err
            raise
        _quiet_trace(client)
        self._on_step("connect", f"{self._host}:{self._port} ({self._security})")
        try:
            if self._security == "starttls":
                self._starttls(client, ctx)
                self._on_step(
                    "starttls", "certificate verified" if ctx and ctx.check_hostname else "unverified"
                )
            self._login(client)
        except BaseException:
            _shutdown(client)
            raise
        client.normalise_times = False
        self.connects += 1
        return client

    def _tls_message(self, err: Exception) -> str:
        return (
            f"TLS certificate of {self._host} could not be verified ({err}); for a private CA set ca_file "
            "in the [mailbox] section"
        )

    def _plain_port_message(self, err: ssl.SSLError) -> str:
        return (
            f"{self._host}:{self._port} does not speak TLS on connect (the TLS handshake failed: "
            f'{getattr(err, "reason", None) or err}): with security = "ssl" use the IMAPS port (993); '
            f'for port {self._port} set security = "starttls" — check port and security in the [mailbox] section'
        )

    def _tls_port_message(self) -> str:
        return (
            f"{self._host}:{self._port} expects TLS from the first byte (implicit TLS) and sent no IMAP "
            f'greeting to a {self._security} connection: set security = "ssl" for this port, or use port 143 '
            "for starttls — check port and security in the [mailbox] section"
        )

    def _starttls(self, client: IMAPClient, ctx: ssl.SSLContext | None) -> None:
        if not client.has_capability("STARTTLS"):
            raise MailboxSettingsError(
                f'{self._host}:{self._port} does not offer STARTTLS; use security = "ssl" (port 993) '
                "in the [mailbox] section"
            )
        try:
            client.starttls(ctx)
        except ssl.SSLCertVerificationError as err:
            raise MailboxSettingsError(self._tls_message(err)) from err

    def _login(self, client: IMAPClient) -> None:
        username = self._cfg.username
        try:
            client.login(username, self._password())
        except LoginError as err:
            # imapclient turns a dropped connection during LOGIN into LoginError too: that one is transient.
            if isinstance(err.__context__, _TRANSIENT):
                raise err.__context__ from err
            raise LoginRefused(_refused_message(username, server_text(err))) from None
        self._on_step("login", str(username))
        self._send_id(client)

    def _send_id(self, client: IMAPClient) -> None:
        # imapclient may still hold the pre-login CAPABILITY list; ask again now that we are logged in
        if hasattr(client, "_cached_capabilities"):
            client._cached_capabilities = None
        if not client.has_capability("ID"):
            self._on_step("id", "not advertised by the server (not needed)")
            return
        reply = client.id_(ID_PARAMS)
        server = _id_text(reply)
        log.debug("server ID: %s", server)
        self._on_step("id", f"sent; server says {server}" if server else "sent")

    def connect(self) -> None:
        """Open the connection now (connect, TLS, login, ID) instead of on first use."""
        self._retry("connect", lambda client: None)

    def _connection(self) -> IMAPClient:
        if self._client is None:
            self._selected = None
            self._client = self._open()
        return self._client

    def _drop(self) -> None:
        client, self._client, self._selected = self._client, None, None
        if client is not None:
            _shutdown(client)

    def _retry(self, what: str, op: Callable[[IMAPClient], T]) -> T:
        """Run `op` on a live connection; after a drop or timeout reconnect with backoff and run it again."""
        for attempt in range(1, self._attempts + 1):
            try:
                return op(self._connection())
            except (LoginRefused, _UidValidityChanged):
                raise
            except _TRANSIENT as err:
                self._drop()
                if attempt == self._attempts:
                    raise MailboxUnavailable(
                        f"IMAP {self._host}: {what} failed after {attempt} attempts: {_short(err)}"
                    ) from err
                delay = min(30.0, self._backoff * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)
                # INFO: a drop that the next attempt repairs needs nobody; if none does, the run says so once.
                log.info(
                    "IMAP %s: %s (%s); reconnecting in %.1f s", what, _short(err), type(err).__name__, delay
                )
                self._sleep(delay)
        raise AssertionError("unreachable")

    # ---- folders ----

    def _configured_folders(self) -> list[str]:
        many = getattr(self._cfg, "folders", None)
        if many:
            return [str(f) for f in many]
        one = getattr(self._cfg, "folder", None)
        return [str(one)] if one else ["INBOX"]

    def folders(self) -> list[str]:
        """Configured folders that exist; "\\Junk" style names are found through SPECIAL-USE."""
        return self._retry("LIST", self._resolve_folders)

    def _resolve_folders(self, client: IMAPClient) -> list[str]:
        existing, by_flag = _listing(client)
        found: list[str] = []
        missing: list[str] = []
        for wanted in self._configured_folders():
            name = (
                _special(wanted, by_flag, existing)
                if wanted.startswith("\\")
                else (wanted if wanted in existing or wanted.upper() == "INBOX" else None)
            )
            if name is None:
                missing.append(wanted)
            elif name not in found:
                found.append(name)
        self.missing_folders = missing  # the caller reports them (once per run, with the exit code)
        return found

    def folder_counts(self) -> list[tuple[str, int | None]]:
        """Every folder on the server with its message count (for `intake check`)."""

        def op(client: IMAPClient) -> list[tuple[str, int | None]]:
            rows: list[tuple[str, int | None]] = []
            for flags, _sep, name in client.list_folders():
                if b"\\Noselect" in flags or b"\\NonExistent" in flags:
                    rows.append((name, None))
                    continue
                status = client.folder_status(name, [b"MESSAGES"])
                rows.append((name, int(status[b"MESSAGES"])))
            return rows

        return self._retry("STATUS", op)

    def _examine(self, client: IMAPClient, folder: str, readonly: bool = True) -> int:
        if self._selected != (folder, readonly) or folder not in self._uidvalidity:
            try:
                info = client.select_folder(folder, readonly=readonly)
            except IMAPClientError as err:
                if isinstance(err, IMAPClientAbortError):
                    raise
                if "unsafe login" in str(err).lower():
                    # ID was sent and 163 still refuses: account-level risk control. Retrying makes it worse.
                    raise LoginRefused(
                        f"{self._host} refused to open {folder!r} ({_short(err)}) although the client sent ID: "
                        "log in on the web mail once and complete the SMS verification, then check the "
                        "authorization code (授权码)"
                    ) from None
                raise
            self._selected = (folder, readonly)
            self._uidvalidity[folder] = int(info[b"UIDVALIDITY"])
        return self._uidvalidity[folder]

    # ---- listing and fetching ----

    def list_uids(
        self, folder: str, *, after_uid: int = 0, since: date | None = None, before: date | None = None
    ) -> FolderListing:
        def op(client: IMAPClient) -> FolderListing:
            self._uidvalidity.pop(folder, None)  # re-read UIDVALIDITY on every listing
            uidvalidity = self._examine(client, folder)
            found = client.search(_criteria(after_uid, since, before))
            uids = tuple(sorted(u for u in found if u > after_uid))
            return FolderListing(folder=folder, uidvalidity=uidvalidity, uids=uids)

        return self._retry(f"SEARCH {folder}", op)

    def fetch(self, folder: str, uids: Sequence[int]) -> Iterator[RawMessage]:
        """`BODY.PEEK[]` + INTERNALDATE, batched by count and by size: small messages travel together
        (at most FETCH_BYTES per FETCH), one over SPOOL_BYTES is streamed to a spool file in parts, one over
        max_message_mb is not fetched (its header only, with `too_large` set).  Memory stays at one
        group whatever the mailbox holds."""
        wanted = sorted(set(uids))
        expected = self._uidvalidity.get(folder)
        for batch in _batches(wanted, self._batch):
            sizes = self._retry(
                f"FETCH {folder}",
                functools.partial(self._sizes, folder=folder, batch=batch, expected=expected),
            )
            for group in _size_groups(batch, sizes):
                if len(group) == 1 and sizes.get(group[0], 0) > SPOOL_BYTES:
                    large = functools.partial(
                        self._fetch_large,
                        folder=folder,
                        uid=group[0],
                        size=sizes[group[0]],
                        expected=expected,
                    )
                    message = self._retry(f"FETCH {folder}", large)
                    if message is not None:
                        yield message
                    continue
                rows = self._retry(
                    f"FETCH {folder}",
                    functools.partial(self._fetch_batch, folder=folder, batch=group, expected=expected),
                )
                for uidvalidity, uid, when, data in rows:
                    yield RawMessage(ref=MessageRef(folder, uidvalidity, uid), internal_date=when, data=data)
                del rows

    def _check_validity(self, client: IMAPClient, folder: str, expected: int | None) -> int:
        uidvalidity = self._examine(client, folder)
        if expected is not None and uidvalidity != expected:
            raise _UidValidityChanged(
                f"UIDVALIDITY of {folder!r} changed from {expected} to {uidvalidity} during the run; "
                "the next run re-lists the folder"
            )
        return uidvalidity

    def _sizes(
        self, client: IMAPClient, folder: str, batch: list[int], expected: int | None
    ) -> dict[int, int]:
        """RFC822.SIZE per UID (a server that will not say: every message is taken as small)."""
        self._check_validity(client, folder, expected)
        try:
            response = client.fetch(batch, [b"RFC822.SIZE"])
        except IMAPClientAbortError:
            raise
        except IMAPClientError as err:
            log.debug("IMAP %s: RFC822.SIZE refused (%s); fetching without sizes", folder, _short(err))
            return {}
        return {
            uid: int(item[b"RFC822.SIZE"])
            for uid, item in response.items()
            if isinstance(item.get(b"RFC822.SIZE"), int)
        }

    def _fetch_large(
        self, client: IMAPClient, folder: str, uid: int, size: int, expected: int | None
    ) -> RawMessage | None:
        uidvalidity = self._check_validity(client, folder, expected)
        ref = MessageRef(folder, uidvalidity, uid)
        if size > self._max_bytes:
            log.warning(
                "IMAP %s uid %s: %.0f MB is over mailbox.max_message_mb (%.0f MB); only its header is read",
                folder,
                uid,
                size / 2**20,
                self._max_bytes / 2**20,
            )
            item = client.fetch([uid], [b"BODY.PEEK[HEADER]", b"INTERNALDATE"]).get(uid)
            if item is None:
                log.warning("IMAP %s uid %s vanished before it could be fetched", folder, uid)
                return None
            header = bytes(item.get(b"BODY[HEADER]") or b"")
            return RawMessage(ref, _received(item, folder, uid), header, too_large=size)
        fd, path = new_spool_file()
        try:
            with os.fdopen(fd, "wb") as out:
                when = self._spool(client, folder, uid, out)
        except IMAPClientAbortError:
            path.unlink(missing_ok=True)
            raise
        except IMAPClientError as err:
            path.unlink(missing_ok=True)
            _v, _u, received, empty = self._unreadable(client, folder, uidvalidity, uid, err)
            return RawMessage(ref, received, empty)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        if when is None:
            path.unlink(missing_ok=True)
            log.warning("IMAP %s uid %s vanished before it could be fetched", folder, uid)
            return None
        return RawMessage(ref, when, b"", path=path, spooled=True)

    def _spool(self, client: IMAPClient, folder: str, uid: int, out: Any) -> datetime | None:
        """Write the message to `out` in CHUNK_BYTES partial fetches; its INTERNALDATE (None: gone)."""
        offset, when = 0, None
        while True:
            wanted = [f"BODY.PEEK[]<{offset}.{CHUNK_BYTES}>".encode()]
            item = client.fetch([uid], [*wanted, b"INTERNALDATE"] if offset == 0 else wanted).get(uid)
            if item is None:
                return None
            if offset == 0:
                when = _received(item, folder, uid)
            piece = next((v for k, v in item.items() if k.startswith(b"BODY[]")), None) or b""
            out.write(piece)
            offset += len(piece)
            if len(piece) < CHUNK_BYTES:
                return when

    def _fetch_batch(
        self, client: IMAPClient, folder: str, batch: list[int], expected: int | None
    ) -> list[tuple[int, int, datetime, bytes]]:
        uidvalidity = self._check_validity(client, folder, expected)
        try:
            response = client.fetch(batch, [b"BODY.PEEK[]", b"INTERNALDATE"])
        except IMAPClientAbortError:
            raise
        except IMAPClientError as err:
            # The server refused the FETCH (NO/BAD): find the message it cannot serve instead of stopping
            # every run from now on at the same batch.
            if len(batch) == 1:
                return [self._unreadable(client, folder, uidvalidity, batch[0], err)]
            return [row for uid in batch for row in self._fetch_batch(client, folder, [uid], expected)]
        rows = []
        for uid in batch:
            item = response.pop(uid, None)
            if item is None or b"BODY[]" not in item:  # expunged since it was listed
                log.warning("IMAP %s uid %s vanished before it could be fetched", folder, uid)
                continue
            rows.append((uidvalidity, uid, _received(item, folder, uid), _body(item, folder, uid)))
        return rows

    def _unreadable(
        self, client: IMAPClient, folder: str, uidvalidity: int, uid: int, err: Exception
    ) -> tuple[int, int, datetime, bytes]:
        """A message the server will not hand out: an empty body (reviewers see it as unreadable)."""
        log.error("IMAP %s uid %s: the server refused to send it (%s)", folder, uid, _short(err))
        try:
            item = client.fetch([uid], [b"INTERNALDATE"]).get(uid, {})
        except IMAPClientAbortError:
            raise
        except IMAPClientError:
            item = {}
        return (uidvalidity, uid, _received(item, folder, uid), b"")

    # ---- opt-in post-processing ----

    def after_commit(self, ref: MessageRef) -> None:
        """Add the configured keyword or move the message; nothing at all unless post_action is set."""
        if self._post is None:
            return
        self._retry(f"{self._post.kind} {ref.key}", lambda c: self._apply_post(c, ref))

    def _apply_post(self, client: IMAPClient, ref: MessageRef) -> None:
        assert self._post is not None
        if self._examine(client, ref.folder, readonly=False) != ref.uidvalidity:
            log.warning("post_action skipped for %s: UIDVALIDITY changed", ref.key)
            return
        if self._post.kind == "keyword":
            client.add_flags([ref.uid], [self._post.target.encode("ascii")], silent=True)
        elif client.has_capability("MOVE"):
            client.move([ref.uid], self._post.target)
        else:
            client.copy([ref.uid], self._post.target)
            client.add_flags([ref.uid], [b"\\Deleted"], silent=True)
            # Only UID EXPUNGE: a plain EXPUNGE would also remove mail staff marked deleted in webmail.
            if client.has_capability("UIDPLUS"):
                client.uid_expunge([ref.uid])

    # ---- drafts: the one write, only when notices are asked for (intake.notify) ----

    def drafts_folder(self, configured: str | None = None) -> str:
        """The folder notices are drafted into: `configured` when it exists, else the one flagged
        SPECIAL-USE \\Drafts, else the usual names (163: 草稿箱).  Never created here."""

        def op(client: IMAPClient) -> str:
            existing, by_flag = _listing(client)
            if configured:
                if configured not in existing:
                    raise MailboxError(f"drafts folder {configured!r} does not exist on {self._host}")
                return configured
            found = _special("\\Drafts", by_flag, existing)
            if found is None:
                raise MailboxError(
                    f"no drafts folder on {self._host} (none flagged \\Drafts, no 草稿箱/Drafts): "
                    "set notify.drafts_folder"
                )
            return found

        return self._retry("LIST drafts", op)

    def find_draft(self, folder: str, message_id: str) -> int | None:
        """The UID of a message in `folder` whose Message-ID is `message_id` (a notice drafted before a
        crash), None when there is none."""
        if not message_id.isascii():
            raise ValueError("notice Message-IDs are ASCII")

        def op(client: IMAPClient) -> int | None:
            self._examine(client, folder)
            try:
                found = client.search(["HEADER", "Message-ID", message_id])
            except IMAPClientAbortError:
                raise
            except IMAPClientError:  # a server without SEARCH HEADER: read the drafts' Message-IDs
                found = _with_message_id(client, message_id)
            return max(found) if found else None

        return self._retry(f"SEARCH {folder}", op)

    def append_draft(self, folder: str, data: bytes, when: datetime) -> int | None:
        """APPEND one notice with \\Draft (and \\Seen: a draft is not unread mail).  Returns the UID the
        server gave (UIDPLUS APPENDUID), None when it gives none.  Never retried here: after a dropped
        connection the server may have stored it, so the caller looks it up (find_draft) before trying
        again.  A refusal raises DraftRefused; a drop raises MailboxUnavailable."""
        try:
            client = self._connection()
        except _TRANSIENT as err:
            self._drop()
            raise MailboxUnavailable(f"IMAP {self._host}: connect failed: {_short(err)}") from err
        try:
            reply = client.append(folder, data, flags=(b"\\Draft", b"\\Seen"), msg_time=when)
        except _TRANSIENT as err:
            self._drop()
            raise MailboxUnavailable(f"IMAP {self._host}: APPEND to {folder!r}: {_short(err)}") from err
        except IMAPClientError as err:
            raise DraftRefused(f"IMAP {self._host} refused the draft: {_short(err)}") from err
        found = _APPENDUID.search(reply if isinstance(reply, bytes) else str(reply).encode())
        return int(found.group(2)) if found else None


def _with_message_id(client: IMAPClient, message_id: str) -> list[int]:
    wanted = message_id.encode("ascii").lower()
    uids = client.search(["ALL"])
    rows = client.fetch(uids, [b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]) if uids else {}
    return [
        uid
        for uid, item in rows.items()
        if any(wanted in bytes(v).lower() for k, v in item.items() if k.startswith(b"BODY[HEADER"))
    ]


class DraftRefused(MailboxError):
    """The server answered NO/BAD to an APPEND (over quota, bad folder): this notice only."""


_APPENDUID = re.compile(rb"APPENDUID (\d+) (\d+)", re.IGNORECASE)


class _UidValidityChanged(MailboxUnavailable):
    """The folder was recreated between listing and fetching: stop; the next run re-lists it."""


def _listing(client: IMAPClient) -> tuple[set[str], dict[str, str]]:
    """Every folder name, and the first folder carrying each (lower-case) flag (SPECIAL-USE, XLIST)."""
    listing = client.list_folders()
    by_flag: dict[str, str] = {}
    for flags, _sep, name in listing:
        for flag in flags:
            by_flag.setdefault(flag.decode("ascii", "replace").lower(), name)
    return {name for _flags, _sep, name in listing}, by_flag


def _special(flag: str, by_flag: dict[str, str], existing: set[str]) -> str | None:
    """A SPECIAL-USE folder by its flag, else by the usual names (servers without SPECIAL-USE/XLIST)."""
    if flag.lower() in by_flag:
        return by_flag[flag.lower()]
    return next((n for n in _SPECIAL_NAMES.get(flag.lower(), ()) if n in existing), None)


def _criteria(after_uid: int, since: date | None, before: date | None) -> list[Any]:
    """Search terms, ASCII only. Dates go a day wider: SEARCH ignores time and uses the server's zone."""
    terms: list[Any] = ["UID", f"{after_uid + 1}:*"] if after_uid > 0 else ["ALL"]
    if since is not None:
        terms += ["SINCE", since - timedelta(days=1)]
    if before is not None:
        terms += ["BEFORE", before + timedelta(days=1)]
    # imaplib would crash on non-ASCII, and 163's support for CHARSET UTF-8 search is unknown.
    assert all(str(t).isascii() for t in terms), terms
    return terms


def _id_text(reply: Any) -> str:
    """The server's ID reply as `name version` text (ASCII-safe, for display)."""
    if not reply:
        return ""
    items = dict(reply) if isinstance(reply, (list, tuple)) else dict(reply or {})
    parts = [items.get(k) for k in (b"name", b"version")]
    return " ".join(p.decode("ascii", "replace") for p in parts if isinstance(p, bytes))


def _short(err: BaseException) -> str:
    return _short_text(str(err) or type(err).__name__)


def _short_text(text: str) -> str:
    return text if len(text) <= 200 else text[:200] + "…"


def _speaks_tls(host: str, port: int, timeout: float) -> bool:
    """Does host:port answer a TLS handshake?  (Certificate not checked: this only tells a port that
    expects TLS from one that expects plain IMAP, to name the setting; no credentials are sent.)"""
    probe = ssl.create_default_context()
    probe.check_hostname = False
    probe.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=min(timeout, 10.0)) as raw,
            probe.wrap_socket(raw, server_hostname=host),
        ):
            return True
    except (OSError, ValueError):
        return False


def _quiet_trace(client: IMAPClient) -> None:
    """imapclient sets imaplib's debug level to 5, so imaplib formats the repr() of every literal (each
    300 KB message, twice) for a log record that is then dropped: most of the client's CPU time.
    The trace (mail bodies included) is kept only when the "imapclient.imaplib" logger itself is set to
    DEBUG, not merely by `--verbose` on the root logger: it would fill the log with every message."""
    if logging.getLogger("imapclient.imaplib").level != logging.DEBUG:
        client._imap.debug = 0


def _shutdown(client: IMAPClient) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):  # already closed
        client.shutdown()

"""A real Dovecot for IMAP tests: its own config in a temp dir, 127.0.0.1, free ports, passwd-file users.

Every test module can use the session fixture `dovecot` (tests/conftest.py imports it), then
`user = dovecot.new_user()` for a fresh, empty mailbox per test. Plain IMAP (with STARTTLS) and IMAPS
listen on loopback; the certificate is self-signed for 127.0.0.1/localhost and made at start-up, so
verification fails by default and succeeds with `dovecot.ca_file`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
OPENSSL = shutil.which("openssl")

CONF = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = intake-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {root}/dovecot.log
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = 0
{rootless}mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
    ssl = yes
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox 垃圾邮件 {{
    special_use = \\Junk
  }}
  mailbox 草稿箱 {{
    special_use = \\Drafts
  }}
}}
"""


USERS = 300


def _user(n: int) -> tuple[str, str]:
    return f"user{n}", f"pw-{n}-{_SALT}"


_SALT = os.urandom(4).hex()


# As root, Dovecot's own users run the services and mail belongs to nobody; as anyone else Dovecot runs
# "rootless": every service as the current user, no chroot.
ROOT_USER = os.geteuid() == 0
MAIL_UID, MAIL_GID = (65534, 65534) if ROOT_USER else (os.getuid(), os.getgid())


def _identity() -> dict[str, str]:
    if ROOT_USER:
        return {"internal_user": "dovecot", "login_user": "dovenull", "rootless": ""}
    import grp
    import pwd

    me = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    rootless = (
        f"default_internal_group = {group}\n"
        "service anvil {\n  chroot =\n}\nservice imap-login {\n  chroot =\n}\n"
    )
    return {"internal_user": me, "login_user": me, "rootless": rootless}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class ImapUser:
    name: str
    password: str
    password_env: str  # environment variable holding the password (as the config expects)


class DovecotServer:
    host = "127.0.0.1"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.ssl_port = free_port()
        self.ca_file = root / "cert.pem"
        self._proc: subprocess.Popen[bytes] | None = None
        self._ids = itertools.count(1)

    # ---- lifecycle ----

    def start(self) -> None:
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root / "mail", 0o777)  # mail processes run as the passwd-file uid (nobody)
        (self.root / "passwd").write_text(
            "".join(
                f"{name}:{{PLAIN}}{pw}:{MAIL_UID}:{MAIL_GID}::{self.root}/mail/{name}\n"
                for name, pw in map(_user, range(1, USERS + 1))
            )
        )
        _make_cert(self.root)
        conf = self.root / "dovecot.conf"
        conf.write_text(CONF.format(root=self.root, port=self.port, ssl_port=self.ssl_port, **_identity()))
        self._proc = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode() if self._proc.stderr else ""
                raise RuntimeError(f"dovecot exited: {err}\n{self.log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start in {timeout} s\n{self.log()}")

    def stop(self) -> None:
        if self._proc is None:
            return
        self._proc.send_signal(signal.SIGTERM)
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc = None

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # ---- users and mail ----

    def new_user(self) -> ImapUser:
        """A fresh, empty mailbox. Users are written to the passwd-file before start-up, because Dovecot
        does not reliably notice a passwd-file that changes within the same second."""
        n = next(self._ids)
        if n > USERS:
            raise RuntimeError(f"more than {USERS} test users; raise tests.dovecot.USERS")
        name, password = _user(n)
        env = f"INTAKE_TEST_IMAP_PW_{self.port}_{n}"
        os.environ[env] = password
        return ImapUser(name=name, password=password, password_env=env)

    def client(self, user: ImapUser) -> Any:
        from imapclient import IMAPClient

        c = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        c.login(user.name, user.password)
        return c

    def create_folder(self, user: ImapUser, folder: str) -> None:
        c = self.client(user)
        try:
            if not c.folder_exists(folder):
                c.create_folder(folder)
        finally:
            c.logout()

    def append(
        self, user: ImapUser, folder: str, message: bytes, when: datetime, flags: Sequence[bytes] = ()
    ) -> int:
        """APPEND with the INTERNALDATE `when` (aware); returns the new UID."""
        assert when.tzinfo is not None, "give an aware INTERNALDATE"
        c = self.client(user)
        try:
            if folder.upper() != "INBOX" and not c.folder_exists(folder):
                c.create_folder(folder)
            c.append(folder, message, flags=tuple(flags), msg_time=when)
            c.select_folder(folder, readonly=True)
            return int(max(c.search(["ALL"])))
        finally:
            c.logout()

    def append_many(self, user: ImapUser, folder: str, items: Sequence[tuple[bytes, datetime]]) -> None:
        c = self.client(user)
        try:
            if folder.upper() != "INBOX" and not c.folder_exists(folder):
                c.create_folder(folder)
            for message, when in items:
                c.append(folder, message, msg_time=when)
        finally:
            c.logout()

    def messages(self, user: ImapUser, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        """UID → flags, read-only (for asserting that nothing changed)."""
        c = self.client(user)
        try:
            c.select_folder(folder, readonly=True)
            uids = c.search(["ALL"])
            rows = c.fetch(uids, [b"FLAGS"]) if uids else {}
            # \\Recent depends on the session, not on what a client did: leave it out
            return {u: tuple(sorted(f for f in v[b"FLAGS"] if f != b"\\Recent")) for u, v in rows.items()}
        finally:
            c.logout()

    def uidvalidity(self, user: ImapUser, folder: str = "INBOX") -> int:
        c = self.client(user)
        try:
            return int(c.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])
        finally:
            c.logout()

    def recreate_folder(self, user: ImapUser, folder: str) -> list[tuple[bytes, datetime]]:
        """Delete and recreate `folder` with the same messages and INTERNALDATEs: a UIDVALIDITY reset.
        INBOX cannot be deleted, so its messages are expunged and the UIDVALIDITY is bumped via doveadm."""
        c = self.client(user)
        try:
            c.normalise_times = False
            c.select_folder(folder)
            uids = c.search(["ALL"])
            data = c.fetch(uids, [b"BODY.PEEK[]", b"INTERNALDATE"]) if uids else {}
            kept = [(bytes(data[u][b"BODY[]"]), data[u][b"INTERNALDATE"]) for u in sorted(data)]
            old = int(c.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])
            c.close_folder()
            if folder.upper() == "INBOX":
                raise ValueError("use another folder: INBOX cannot be recreated")
            c.delete_folder(folder)
            while True:  # Dovecot derives UIDVALIDITY from the clock: make sure it changes
                c.create_folder(folder)
                if int(c.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]) != old:
                    break
                c.delete_folder(folder)
                time.sleep(0.2)
            for message, when in kept:
                c.append(folder, message, msg_time=when)
            return kept
        finally:
            c.logout()

    def mailbox_config(self, user: ImapUser, **overrides: Any) -> Any:
        """A MailboxConfig for `user` (intake.config's when it exists, else a namespace)."""
        values: dict[str, Any] = {
            "kind": "imap",
            "host": self.host,
            "port": self.port,
            "security": "plain",
            "username": user.name,
            "password_env": user.password_env,
            "folder": "INBOX",
            "folders": ("INBOX",),
            "ca_file": None,
            "verify_tls": True,
            "connect_timeout": 5.0,
            "read_timeout": 10.0,
            "batch_size": 20,
            "post_action": None,
        }
        values.update(overrides)
        if "security" in overrides and "port" not in overrides and overrides["security"] == "ssl":
            values["port"] = self.ssl_port
        return _build_config(values)


def _build_config(values: dict[str, Any]) -> Any:
    try:
        from intake.config import MailboxConfig  # type: ignore[attr-defined]
    except ImportError:
        return SimpleNamespace(**values)
    if not dataclasses.is_dataclass(MailboxConfig):
        return SimpleNamespace(**values)
    names = {f.name for f in dataclasses.fields(MailboxConfig)}
    try:
        return MailboxConfig(**{k: v for k, v in values.items() if k in names})
    except (TypeError, ValueError):
        return SimpleNamespace(**values)


def _make_cert(root: Path) -> None:
    subprocess.run(
        [
            str(OPENSSL),
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-keyout",
            str(root / "key.pem"),
            "-out",
            str(root / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (Debian package dovecot-imapd)")
    if OPENSSL is None:
        pytest.skip("openssl is not installed (needed for the test certificate)")
    root = Path(tempfile.mkdtemp(prefix="intake-dovecot-"))
    os.chmod(root, 0o755)
    server = DovecotServer(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------- a fault-injecting TCP proxy


class ImapProxy:
    """A TCP proxy on 127.0.0.1 in front of the test Dovecot, for faults real servers produce.

    - `unsafe_login=True`: answer SELECT/EXAMINE with `NO SELECT Unsafe Login...` until the client has
      sent ID on that connection (as 163.com does); `"always"`: even after ID (163's risk control);
    - `cut_fetch_after`: on the connections numbered in `cut_connections` (1-based), close both sides
      once that many bytes of the server's reply to a FETCH have gone through (a drop mid-FETCH);
    - `stall`: at the cut point go silent instead of closing (the client's read timeout must fire);
    - `refuse_body_of`: UID FETCH of a body that includes one of these UIDs is answered `NO` (a message
      the server cannot serve);
    - `stay_down`: after the first cut, every new connection is closed at once (a server that stays away);
    - `fetch_delay_s`: sleep before passing on each chunk of a FETCH reply (a slow link, for runs that must
      still be going when the test kills or overlaps them);
    - `commands`: per connection, the command names the client sent (to check ID on every reconnect).
    """

    def __init__(
        self,
        target_port: int,
        *,
        unsafe_login: bool | str = False,
        cut_fetch_after: int | None = None,
        cut_connections: Sequence[int] = (1,),
        fetch_delay_s: float = 0.0,
        stay_down: bool = False,
        stall: bool = False,
        refuse_body_of: Sequence[int] = (),
    ) -> None:
        import threading

        self.target_port = target_port
        self.unsafe_login = unsafe_login
        self.cut_fetch_after = cut_fetch_after
        self.cut_connections = set(cut_connections)
        self.fetch_delay_s = fetch_delay_s  # pause per chunk of FETCH replies: a slow link
        self.stay_down = stay_down  # after the first cut, close every new connection at once
        self.stall = stall  # at the cut point stop forwarding instead of closing (a read timeout)
        self.refuse_body_of = set(refuse_body_of)  # UIDs whose body FETCH gets `NO` (a poison message)
        self.commands: list[list[str]] = []
        self.refused_selects = 0
        self.cuts = 0
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = int(self._listener.getsockname()[1])
        self._closed = False
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> ImapProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        _close(self._listener)
        for s in list(self._sockets):
            _close(s)

    def _accept(self) -> None:
        import threading

        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.stay_down and self.cuts:
                _close(client)
                continue
            server = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self.commands.append([])
                number = len(self.commands)
            self._sockets += [client, server]
            state = {"id": False, "fetching": False, "sent": 0, "cut": number in self.cut_connections}
            write_lock = threading.Lock()
            args = (client, server, number, state, write_lock)
            threading.Thread(target=self._upstream, args=args, daemon=True).start()
            threading.Thread(target=self._downstream, args=args, daemon=True).start()

    def _upstream(self, client: socket.socket, server: socket.socket, n: int, state: dict, wl: Any) -> None:
        buf = b""
        try:
            while True:
                chunk = client.recv(65536)
                if not chunk:
                    break
                buf += chunk
                while b"\r\n" in buf:
                    line, buf = buf.split(b"\r\n", 1)
                    self._client_line(line + b"\r\n", client, server, n, state, wl)
        except OSError:
            pass
        finally:
            state["closed"] = True
            _close(client)
            _close(server)

    def _client_line(
        self, line: bytes, client: socket.socket, server: socket.socket, n: int, state: dict, wl: Any
    ) -> None:
        parts = line.split(b" ", 2)
        command = parts[1].decode("ascii", "replace").upper() if len(parts) > 1 else ""
        if command == "UID" and len(parts) > 2:
            command = "UID " + parts[2].split(b" ", 1)[0].decode("ascii", "replace").upper()
        self.commands[n - 1].append(command)
        if command == "ID":
            state["id"] = True
        if (
            self.unsafe_login
            and command in ("SELECT", "EXAMINE")
            and (not state["id"] or self.unsafe_login == "always")
        ):
            self.refused_selects += 1
            with wl:
                client.sendall(
                    parts[0] + b" NO SELECT Unsafe Login. Please contact kefu@188.com for help\r\n"
                )
            return
        if (
            command == "UID FETCH"
            and self.refuse_body_of
            and b"BODY" in line.upper()
            and _uid_set(line.split(b" ")[3]) & self.refuse_body_of
        ):
            with wl:
                client.sendall(parts[0] + b" NO [SERVERBUG] Internal error occurred.\r\n")
            return
        if command in ("FETCH", "UID FETCH"):
            state["fetching"] = True
        server.sendall(line)

    def _downstream(self, client: socket.socket, server: socket.socket, n: int, state: dict, wl: Any) -> None:
        try:
            while True:
                chunk = server.recv(65536)
                if not chunk:
                    break
                if state["fetching"] and self.fetch_delay_s:
                    time.sleep(self.fetch_delay_s)
                if state["fetching"] and state["cut"] and self.cut_fetch_after is not None:
                    state["sent"] += len(chunk)
                    if state["sent"] >= self.cut_fetch_after:
                        with wl:
                            client.sendall(
                                chunk[: max(0, len(chunk) - (state["sent"] - self.cut_fetch_after))]
                            )
                        self.cuts += 1
                        while self.stall and not state.get("closed") and not self._closed:
                            time.sleep(0.05)  # silence until the client gives up
                        break
                with wl:
                    client.sendall(chunk)
        except OSError:
            pass
        finally:
            _close(client)
            _close(server)


def _uid_set(text: bytes) -> set[int]:
    """`1,3:5` → {1, 3, 4, 5} (no `*`: intake fetches explicit UIDs)."""
    uids: set[int] = set()
    for part in text.decode("ascii").split(","):
        lo, _, hi = part.partition(":")
        uids.update(range(int(lo), int(hi or lo) + 1))
    return uids


def _close(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        s.close()

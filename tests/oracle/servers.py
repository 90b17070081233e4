"""Start and stop real PostgreSQL servers shaped like Aurora, and run rolled-back cases on them.

The real system is the oracle: the conformance tests compare the emulator's answers with what a
real server says. This module gives them those servers:

* PostgreSQL 15 from Debian's ``postgresql-15`` (``/usr/lib/postgresql/15/bin``);
* PostgreSQL 16.2 from the PyPI wheel ``pgserver`` (its ``pgserver/pginstall`` tree; built
  without SSL, which the role tests do not need).

Each server gets its own temporary folder (data directory, Unix socket, log), its own
``initdb --no-sync -A trust -U rdsadmin`` cluster (so the bootstrap superuser is ``rdsadmin``,
as on Aurora) and a free port on 127.0.0.1. PostgreSQL refuses to run as root, so when this
process is root, ``initdb``/``pg_ctl`` run as the ``postgres`` OS user through
``runuser -u postgres --`` (the user is created with ``useradd`` if missing). After the start the
Aurora role shape is created (``AURORA_BOOTSTRAP``). ``stop()`` is idempotent and is also
registered with ``atexit``; servers left by a killed test run are stopped by
``reap_stale_servers()`` the next time a server starts.

``run_case`` runs one case in a transaction that is always rolled back (role DDL is
transactional), so cases never see each other's roles.

Passwords: nothing here prints or logs one. ``PgServer`` stores none; statements quoted in
errors go through ``redact``; the server log is written with ``log_min_error_statement=panic``
so failed statements (which may hold a PASSWORD literal) never reach it.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pglast
import psycopg
from pglast.parser import ParseError
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.errors import Diagnostic
from psycopg.rows import TupleRow

SUPERUSER = "rdsadmin"
"""The bootstrap superuser (``initdb -U rdsadmin``), as on Aurora."""

MASTER_USER = "postgres"
"""Aurora's master user: CREATEROLE, CREATEDB, a member of rds_superuser, not a superuser."""

OS_USER = "postgres"
"""The OS user that runs the servers when this process is root."""

HOST = "127.0.0.1"
PG15_BINDIR = Path("/usr/lib/postgresql/15/bin")
PG16_DISTRIBUTION = "pgserver"
"""The PyPI package whose wheel carries PostgreSQL 16.2 (``pgserver==0.1.4``)."""

WORKDIR_PREFIX = "aurora-sec-oracle-"
_OWNER_FILE = "owner.json"
_START_ATTEMPTS = 3
_PG_CTL_TIMEOUT_S = 60

AURORA_BOOTSTRAP: tuple[str, ...] = (
    "CREATE ROLE rds_superuser NOLOGIN",
    "CREATE ROLE rds_password NOLOGIN",
    "CREATE ROLE rds_replication NOLOGIN",
    "CREATE ROLE rds_iam NOLOGIN",
    "CREATE ROLE rds_ad NOLOGIN",
    "GRANT pg_monitor, pg_signal_backend TO rds_superuser",
    "GRANT rds_replication, rds_password TO rds_superuser WITH ADMIN OPTION",
    f"CREATE ROLE {MASTER_USER} WITH LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE"
    " NOREPLICATION VALID UNTIL 'infinity'",
    # The same shape as the emulator's bootstrap (aurora_sec/engine/bootstrap.py): AWS documents
    # that the master user may grant rds_superuser, and rds_superuser rds_password and
    # rds_replication; on stock PostgreSQL 16+ that needs ADMIN OPTION, so the grants carry it
    # (UNCONFIRMED how Aurora implements it; docs/fidelity.md). Grantor: rdsadmin.
    f"GRANT rds_superuser TO {MASTER_USER} WITH ADMIN OPTION",
)
"""Run as rdsadmin right after the server starts: the roles an Aurora cluster comes with."""

_SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "32MB",
    "max_connections": "50",
    "lc_messages": "'C'",
    "logging_collector": "off",
    "log_destination": "'stderr'",
    "log_line_prefix": "'%m [%p] '",
    "log_min_messages": "warning",
    # Failed statements can hold a PASSWORD literal: never copy them into the log.
    "log_min_error_statement": "panic",
}


class OracleError(RuntimeError):
    """The harness could not do what was asked (not a statement's own error)."""


class ServerStartError(OracleError):
    """A server did not start; the message ends with the tail of its log."""


class CaseSetupError(OracleError):
    """A setup statement (or the switch to the case's role) failed."""


_PASSWORD_LITERAL = re.compile(
    r"""(PASSWORD\s+)(?:[EeUu]&?)?'(?:[^']|'')*'""",
    re.IGNORECASE,
)


def redact(statement: str) -> str:
    """The statement with every ``PASSWORD '...'`` literal replaced by ``PASSWORD '***'``."""
    return _PASSWORD_LITERAL.sub(r"\1'***'", statement)


# --------------------------------------------------------------------------------------------
# Binaries and the OS user


def pg15_bindir() -> Path:
    """Debian's PostgreSQL 15 binaries (package ``postgresql-15``; .ci/run installs it)."""
    return PG15_BINDIR


def pg16_bindir() -> Path:
    """The PostgreSQL 16 binaries inside the installed ``pgserver`` wheel (``pginstall/bin``).

    The package is located, not imported: importing it has side effects we do not need.
    """
    spec = importlib.util.find_spec(PG16_DISTRIBUTION)
    if spec is None or not spec.submodule_search_locations:
        raise ServerStartError(
            f"the Python package {PG16_DISTRIBUTION!r} (PostgreSQL 16 binaries) is not installed;"
            " run: python -m pip install -e '.[test]'"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def bindir_for(major: int) -> Path:
    """Where the binaries of this major come from."""
    if major == 15:
        return pg15_bindir()
    if major == 16:
        return pg16_bindir()
    raise ValueError(f"no oracle server for PostgreSQL {major}; known: 15, 16")


def _is_root() -> bool:
    return os.geteuid() == 0


def ensure_os_user() -> pwd.struct_passwd | None:
    """The OS user that runs the servers: ``postgres`` when we are root (created if missing),
    None when we are not root (then the servers run as ourselves)."""
    if not _is_root():
        return None
    try:
        return pwd.getpwnam(OS_USER)
    except KeyError:
        pass
    subprocess.run(
        [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/var/lib/postgresql",
            "--shell",
            "/usr/sbin/nologin",
            OS_USER,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return pwd.getpwnam(OS_USER)


def _clean_env() -> dict[str, str]:
    """This process's environment without PG* variables (they would steer libpq/pg_ctl)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    return env


def _as_server_user(argv: Sequence[str]) -> list[str]:
    if _is_root():
        return [shutil.which("runuser") or "/usr/sbin/runuser", "-u", OS_USER, "--", *argv]
    return list(argv)


def _run(
    argv: Sequence[str], *, cwd: Path, timeout: float, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program as the server's OS user, in a directory it can enter."""
    result = subprocess.run(
        _as_server_user(argv),
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise OracleError(
            f"{Path(argv[0]).name} exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _postmaster_pid(datadir: Path) -> int | None:
    try:
        first = (datadir / "postmaster.pid").read_text().splitlines()[0]
        return int(first)
    except (OSError, ValueError, IndexError):
        return None


def _kill_postmaster(datadir: Path) -> None:
    """Last resort when ``pg_ctl stop`` failed: SIGQUIT (immediate shutdown) to the postmaster
    named in ``postmaster.pid``, only if that process really is a server for this data dir."""
    pid = _postmaster_pid(datadir)
    if pid is None or not _pid_alive(pid):
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return
    if str(datadir) not in cmdline:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGQUIT)
    deadline = time.monotonic() + 10
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _pid_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _stop_datadir(bindir: Path, datadir: Path, cwd: Path, mode: str = "fast") -> None:
    if _postmaster_pid(datadir) is None:
        return
    with contextlib.suppress(OracleError, subprocess.TimeoutExpired, OSError):
        _run(
            [str(bindir / "pg_ctl"), "stop", "-D", str(datadir), "-m", mode, "-w", "-t", "30"],
            cwd=cwd,
            timeout=45,
        )
    _kill_postmaster(datadir)


def reap_stale_servers(tmpdir: Path | None = None) -> list[Path]:
    """Stop and remove the servers of earlier test runs whose Python process is gone.

    Only folders this module made (``aurora-sec-oracle-*`` with an ``owner.json``) are looked
    at; a folder whose owner process is still alive (another test run) is left alone.
    Returns the folders removed.
    """
    root = tmpdir or Path(tempfile.gettempdir())
    removed: list[Path] = []
    for workdir in sorted(root.glob(f"{WORKDIR_PREFIX}*")):
        try:
            owner = json.loads((workdir / _OWNER_FILE).read_text())
            pid = int(owner["pid"])
            bindir = Path(owner["bindir"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if pid == os.getpid() or _pid_alive(pid):
            continue
        _stop_datadir(bindir, workdir / "data", workdir, mode="immediate")
        shutil.rmtree(workdir, ignore_errors=True)
        removed.append(workdir)
    return removed


# --------------------------------------------------------------------------------------------
# The server


@dataclass(eq=False)
class PgServer:
    """One real PostgreSQL server on 127.0.0.1, in its own temporary folder.

    ``bindir`` is where ``initdb``, ``pg_ctl`` and ``postgres`` come from. When the server's
    OS user cannot reach it (the wheel lives under ``/root``), ``start()`` copies the install
    tree (bin, lib, share) into the server's folder and ``bindir`` then points at the copy.
    """

    major: int
    bindir: Path
    host: str = HOST
    port: int = 0
    version: str = ""
    """``server_version`` once started (``postgres --version`` before that)."""
    version_num: int = 0
    """``server_version_num`` once started."""
    workdir: Path | None = field(default=None, repr=False)
    _installed_bindir: Path | None = field(default=None, init=False, repr=False)
    """The original ``bindir`` while ``bindir`` points at a copy inside ``workdir``."""

    @property
    def running(self) -> bool:
        return self.workdir is not None and _postmaster_pid(self.datadir) is not None

    @property
    def datadir(self) -> Path:
        return self._work() / "data"

    @property
    def socket_dir(self) -> Path:
        return self._work() / "sock"

    @property
    def logfile(self) -> Path:
        return self._work() / "server.log"

    def _work(self) -> Path:
        if self.workdir is None:
            raise OracleError(f"PostgreSQL {self.major} server is not started")
        return self.workdir

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """initdb, start, bootstrap the Aurora roles. Raises ServerStartError (with the log
        tail) on any failure, after cleaning up whatever was started."""
        if self.workdir is not None:
            return
        reap_stale_servers()
        try:
            self._start()
        except BaseException as exc:
            tail = self._log_tail_or_empty()
            self.stop()
            if isinstance(exc, Exception):
                raise ServerStartError(
                    f"PostgreSQL {self.major} oracle server (binaries {self.bindir}) did not"
                    f" start: {exc}\n--- server log tail ---\n{tail}"
                ) from exc
            raise

    def _start(self) -> None:
        os_user = ensure_os_user()
        postgres = self.bindir / "postgres"
        if not postgres.exists():
            raise OracleError(f"{postgres} does not exist (is PostgreSQL {self.major} installed?)")
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}pg{self.major}-"))
        atexit.register(self.stop)
        self._write_owner()
        self.socket_dir.mkdir()
        if os_user is not None:
            for path in (self.workdir, self.socket_dir):
                os.chown(path, os_user.pw_uid, os_user.pw_gid)
            if not self._reachable(postgres):
                self._installed_bindir = self.bindir
                self.bindir = self._copy_install(self.bindir)
                self._write_owner()
        self._check_major()
        _run(
            [
                str(self.bindir / "initdb"),
                "--no-sync",
                "-A",
                "trust",
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--locale=C",
                "-D",
                str(self.datadir),
            ],
            cwd=self.workdir,
            timeout=120,
        )
        settings = dict(_SERVER_SETTINGS)
        settings["unix_socket_directories"] = f"'{self.socket_dir}'"
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.write("\n# aurora-sec oracle harness\n")
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        self._pg_ctl_start()
        self._bootstrap()

    def _write_owner(self) -> None:
        owner = {"pid": os.getpid(), "bindir": str(self.bindir), "major": self.major}
        (self._work() / _OWNER_FILE).write_text(json.dumps(owner))

    def _reachable(self, program: Path) -> bool:
        """Can the server's OS user execute this program (every parent folder searchable)?"""
        probe = _run(["test", "-x", str(program)], cwd=self._work(), timeout=30, check=False)
        return probe.returncode == 0

    def _copy_install(self, bindir: Path) -> Path:
        """Copy a wheel's install tree where the server's OS user can read it.

        The wheel layout is ``<site>/<pkg>/pginstall/{bin,lib,share}`` plus auditwheel's
        ``<site>/<pkg>.libs`` (the binaries find libpq there through an ``$ORIGIN`` rpath), so
        the copy keeps that layout: ``<workdir>/dist/<pkg>/pginstall`` and
        ``<workdir>/dist/<pkg>.libs``.
        """
        install = bindir.parent
        package = install.parent
        dist = self._work() / "dist"
        target = dist / package.name / install.name
        (target / "bin").mkdir(parents=True)
        for program in ("initdb", "pg_ctl", "postgres"):
            shutil.copy2(bindir / program, target / "bin" / program)
        for sub in ("lib", "share"):
            if (install / sub).is_dir():
                shutil.copytree(install / sub, target / sub, symlinks=True)
        libs = package.parent / f"{package.name}.libs"
        if libs.is_dir():
            shutil.copytree(libs, dist / libs.name, symlinks=True)
        for folder in (dist, dist / package.name, target):
            folder.chmod(0o755)
        return target / "bin"

    def _check_major(self) -> None:
        out = _run([str(self.bindir / "postgres"), "--version"], cwd=self._work(), timeout=30)
        match = re.search(r"\(PostgreSQL\)\s+(\d+)(\.\d+)?", out.stdout)
        if match is None or int(match.group(1)) != self.major:
            raise OracleError(
                f"{self.bindir / 'postgres'} is {out.stdout.strip()!r}, not PostgreSQL {self.major}"
            )
        self.version = match.group(1) + (match.group(2) or "")

    def _pg_ctl_start(self) -> None:
        last = ""
        for _ in range(_START_ATTEMPTS):
            self.port = _free_port()
            result = _run(
                [
                    str(self.bindir / "pg_ctl"),
                    "start",
                    "-D",
                    str(self.datadir),
                    "-l",
                    str(self.logfile),
                    "-w",
                    "-t",
                    str(_PG_CTL_TIMEOUT_S),
                    "-o",
                    f"-p {self.port}",
                ],
                cwd=self._work(),
                timeout=_PG_CTL_TIMEOUT_S + 30,
                check=False,
            )
            if result.returncode == 0:
                return
            last = result.stdout + result.stderr
            # Someone took the port between our probe and the server's bind: try another one.
            if "could not bind" in self._log_tail_or_empty() and not self.running:
                continue
            break
        raise OracleError(f"pg_ctl start failed:\n{last}")

    def _bootstrap(self) -> None:
        with self.connect(SUPERUSER) as conn:
            for statement in AURORA_BOOTSTRAP:
                conn.execute(statement)
            conn.commit()
            row = conn.execute(
                "SELECT current_setting('server_version'),"
                " current_setting('server_version_num')::int"
            ).fetchone()
        assert row is not None
        self.version, self.version_num = str(row[0]), int(row[1])

    def stop(self) -> None:
        """Stop the server (``pg_ctl stop -m fast``) and remove its folder. Idempotent."""
        workdir = self.workdir
        if workdir is None:
            return
        try:
            _stop_datadir(self.bindir, workdir / "data", workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            self.workdir = None
            self.port = 0
            if self._installed_bindir is not None:
                self.bindir, self._installed_bindir = self._installed_bindir, None
            atexit.unregister(self.stop)

    def __enter__(self) -> PgServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- use ----------------------------------------------------------------------------------

    def connect(
        self,
        user: str,
        password: str | None = None,
        dbname: str = "postgres",
        **params: str | int | None,
    ) -> psycopg.Connection[TupleRow]:
        """A psycopg connection over TCP to 127.0.0.1 (autocommit off, sslmode=disable).

        The cluster uses ``trust`` authentication, so the password is only passed through.
        Extra libpq ``params`` (``sslmode=...``, ``options=...``) override the defaults.
        """
        if not self.running:
            raise OracleError(f"PostgreSQL {self.major} server is not running")
        conninfo: dict[str, str | int | None] = {
            "host": self.host,
            "port": self.port,
            "user": user,
            "dbname": dbname,
            "connect_timeout": 10,
            "sslmode": "disable",
        }
        if password is not None:
            conninfo["password"] = password
        conninfo.update(params)
        return psycopg.connect(make_conninfo("", **conninfo), autocommit=False)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server log."""
        try:
            text = self.logfile.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _log_tail_or_empty(self) -> str:
        if self.workdir is None:
            return ""
        return self.log_tail()


def make_server(major: int) -> PgServer:
    """A not-yet-started server for this major (15: Debian; 16: the pgserver wheel)."""
    return PgServer(major=major, bindir=bindir_for(major))


def start_server(major: int) -> PgServer:
    """Make and start a server; raises ServerStartError (with the log tail) if it cannot."""
    server = make_server(major)
    server.start()
    return server


# --------------------------------------------------------------------------------------------
# Running a case


@dataclass(frozen=True, slots=True)
class Notice:
    """A NOTICE/WARNING/INFO... message the server sent while a statement ran."""

    severity: str
    message: str
    sqlstate: str | None = None
    detail: str | None = None
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the server answered to one statement."""

    ok: bool
    command_tag: str | None
    """psycopg's ``cursor.statusmessage``, e.g. ``CREATE ROLE``; None on error."""
    sqlstate: str | None = None
    severity: str | None = None
    """``ERROR`` (non-localized) on error."""
    message_primary: str | None = None
    detail: str | None = None
    hint: str | None = None
    position: int | None = None
    """1-based character position in the statement (syntax errors and the like)."""
    notices: tuple[Notice, ...] = ()
    rows: tuple[tuple[Any, ...], ...] | None = None
    """The rows of a statement that returns rows (SELECT, SHOW, ...), else None."""


def _notice(diag: Diagnostic) -> Notice:
    return Notice(
        severity=diag.severity_nonlocalized or diag.severity or "",
        message=diag.message_primary or "",
        sqlstate=diag.sqlstate,
        detail=diag.message_detail,
        hint=diag.message_hint,
    )


def _error_outcome(exc: psycopg.Error, notices: list[Notice]) -> Outcome:
    diag = exc.diag
    position = diag.statement_position
    return Outcome(
        ok=False,
        command_tag=None,
        sqlstate=diag.sqlstate or exc.sqlstate,
        severity=diag.severity_nonlocalized or diag.severity,
        message_primary=diag.message_primary or str(exc),
        detail=diag.message_detail,
        hint=diag.message_hint,
        position=int(position) if position else None,
        notices=tuple(notices),
    )


_TRANSACTION_KEYWORDS = re.compile(
    r"^\s*(BEGIN|START|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION)\b",
    re.IGNORECASE,
)


def check_statement(statement: str, *, setup: bool = False) -> None:
    """Refuse statements the harness cannot answer truthfully (ValueError).

    * Transaction control (BEGIN, COMMIT, SAVEPOINT, ...) would break the rolled-back
      transaction that isolates the case (refused in ``setup`` too).
    * SET/RESET SESSION AUTHORIZATION would be checked against the harness's login (the
      superuser rdsadmin), not the case's role, so it would wrongly succeed (allowed in
      ``setup``, which runs as rdsadmin anyway).
    """
    try:
        parsed = pglast.parse_sql(statement)
    except ParseError:
        parsed = ()
        if _TRANSACTION_KEYWORDS.match(statement):
            raise ValueError(
                f"transaction control cannot run in a case: {redact(statement)!r}"
            ) from None
    for raw in parsed:
        node = raw.stmt
        kind = type(node).__name__
        if kind == "TransactionStmt":
            raise ValueError(f"transaction control cannot run in a case: {redact(statement)!r}")
        if (
            not setup
            and kind == "VariableSetStmt"
            and getattr(node, "name", None) == "session_authorization"
        ):
            raise ValueError(
                "SET/RESET SESSION AUTHORIZATION cannot be checked by the harness (it logs in as"
                f" the superuser): {redact(statement)!r}"
            )


def _rows(cursor: psycopg.Cursor[TupleRow]) -> tuple[tuple[Any, ...], ...] | None:
    if cursor.description is None:
        return None
    return tuple(tuple(row) for row in cursor.fetchall())


def run_case(
    server: PgServer,
    setup: Sequence[str],
    as_role: str,
    statements: Sequence[str],
    *,
    dbname: str = "postgres",
) -> list[Outcome]:
    """Run one case on a real server and roll all of it back.

    On a new superuser (rdsadmin) connection, in one transaction:

    1. ``setup`` runs as rdsadmin; a failing setup statement raises CaseSetupError.
    2. ``SET SESSION AUTHORIZATION <as_role>``. SESSION AUTHORIZATION, not SET ROLE: it makes
       both ``session_user`` and ``current_user`` the role, as when the role logs in itself,
       so checks such as "session user cannot be dropped/renamed" and ``SET ROLE`` membership
       are decided for that role. (The role's LOGIN attribute and pg_hba are not checked.)
       Session settings made in ``setup`` (``SET password_encryption = 'md5'``) stay in force.
    3. Each statement runs inside ``SAVEPOINT``/``RELEASE`` (``ROLLBACK TO`` on error), so an
       error does not abort the statements after it; each gives one Outcome, with the
       notices it raised.
    4. ROLLBACK, and the connection is closed: no role, grant or setting survives the case.

    One statement per entry is expected (a multi-statement string gives one Outcome, with the
    last command's tag). Statements that PostgreSQL refuses inside a transaction block
    (CREATE DATABASE, ALTER SYSTEM, VACUUM, ...) raise OracleError rather than record an
    answer a real autocommit session would not get.
    """
    for statement in setup:
        check_statement(statement, setup=True)
    for statement in statements:
        check_statement(statement)
    with server.connect(SUPERUSER, dbname=dbname) as conn:
        notices: list[Notice] = []
        conn.add_notice_handler(lambda diag: notices.append(_notice(diag)))
        try:
            with conn.cursor() as cur:
                for statement in setup:
                    try:
                        cur.execute(statement)
                    except psycopg.Error as exc:
                        raise CaseSetupError(
                            f"setup statement failed: {redact(statement)!r}:"
                            f" {exc.diag.sqlstate} {exc.diag.message_primary}"
                        ) from None
                try:
                    cur.execute(
                        sql.SQL("SET SESSION AUTHORIZATION {}").format(sql.Identifier(as_role))
                    )
                except psycopg.Error as exc:
                    raise CaseSetupError(
                        f"cannot run as role {as_role!r}: {exc.diag.message_primary}"
                    ) from None
                return [_run_statement(cur, statement, notices) for statement in statements]
        finally:
            if not conn.closed:
                conn.rollback()


def _run_statement(cur: psycopg.Cursor[TupleRow], statement: str, notices: list[Notice]) -> Outcome:
    cur.execute("SAVEPOINT oracle_statement")
    notices.clear()
    try:
        cur.execute(statement)
        tag = cur.statusmessage
        rows = _rows(cur)
        while cur.nextset():
            tag = cur.statusmessage
            rows = _rows(cur)
    except psycopg.Error as exc:
        if cur.connection.broken:
            raise OracleError(f"connection lost running {redact(statement)!r}: {exc}") from exc
        outcome = _error_outcome(exc, notices)
        notices.clear()
        cur.execute("ROLLBACK TO SAVEPOINT oracle_statement")
        if outcome.sqlstate == "25001":
            raise OracleError(
                f"{redact(statement)!r} cannot run inside a transaction block, so the harness"
                " cannot check it"
            ) from exc
        return outcome
    outcome = Outcome(ok=True, command_tag=tag, notices=tuple(notices), rows=rows)
    notices.clear()
    cur.execute("RELEASE SAVEPOINT oracle_statement")
    return outcome

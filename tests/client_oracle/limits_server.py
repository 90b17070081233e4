"""A real PostgreSQL server with small connection limits, for the connection-slot oracle tests.

:class:`LimitsPgServer` is a :class:`tests.oracle.servers.PgServer` started with
``max_connections``, ``superuser_reserved_connections`` (and on 16 ``reserved_connections``)
set small, so filling every slot costs a handful of connections, and with a pg_hba.conf like
Aurora's for TCP (``md5``: SCRAM for SCRAM verifiers) plus ``trust`` on the Unix socket and
for rdsadmin, which the harness uses to set up roles.

The server log records each FATAL's SQLSTATE (``log_line_prefix`` ``%e``): libpq does not
hand a startup error's SQLSTATE to the application, the log has it.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field

import psycopg
from psycopg.rows import TupleRow

from tests.oracle.servers import (
    AURORA_BOOTSTRAP,
    SUPERUSER,
    OracleError,
    PgServer,
    _postmaster_pid,
    bindir_for,
    ensure_os_user,
)

__all__ = ["LimitsPgServer", "start_limits_server"]

_HBA = (
    f"local all all trust\nhost all {SUPERUSER} 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 md5\n"
)


@dataclass(eq=False)
class LimitsPgServer(PgServer):
    """A :class:`PgServer` with these connection limits (static: set before the start)."""

    limits: dict[str, str] = field(default_factory=dict)

    def _pg_ctl_start(self) -> None:
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in self.limits.items())
            # each FATAL's SQLSTATE, for fatal_sqlstates()
            conf.write("log_line_prefix = 'SQLSTATE=%e '\nlog_min_messages = fatal\n")
        hba = self.datadir / "pg_hba.conf"
        hba.write_text(_HBA)
        os_user = ensure_os_user()
        if os_user is not None:
            os.chown(hba, os_user.pw_uid, os_user.pw_gid)
        super()._pg_ctl_start()

    def _bootstrap(self) -> None:
        with self.local_connect() as conn:
            conn.autocommit = False
            for statement in AURORA_BOOTSTRAP:
                conn.execute(statement)
            conn.commit()
            row = conn.execute(
                "SELECT current_setting('server_version'),"
                " current_setting('server_version_num')::int"
            ).fetchone()
        assert row is not None
        self.version, self.version_num = str(row[0]), int(row[1])

    def local_connect(self) -> psycopg.Connection[TupleRow]:
        """rdsadmin through the Unix socket (trust), autocommit. It takes a slot while open."""
        if self.workdir is None:
            raise OracleError("PostgreSQL server is not started")
        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user=SUPERUSER,
            dbname="postgres",
            sslmode="disable",
            autocommit=True,
            connect_timeout=10,
        )

    def fatal_sqlstates(self) -> list[tuple[str, str]]:
        """(SQLSTATE, message) of every FATAL in the server log so far, in order."""
        found = []
        for line in self.logfile.read_text(errors="replace").splitlines():
            match = re.match(r"SQLSTATE=(\w{5}) FATAL:  (.*)$", line)
            if match is not None:
                found.append((match.group(1), match.group(2)))
        return found

    def client_backends(self) -> int:
        """How many backend processes serve clients now, TCP or Unix socket (from /proc)."""
        postmaster = _postmaster_pid(self.datadir)
        if postmaster is None:
            raise OracleError("the server is not running")
        count = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
                if parent != postmaster:
                    continue
                with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                    title = cmdline.read()
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
            if b"127.0.0.1(" in title or b"[local]" in title:
                count += 1
        return count

    def wait_for_backends(self, count: int, timeout: float = 10.0) -> None:
        """Wait until exactly ``count`` client backends remain: a backend that sent a FATAL, or
        whose client closed, gives its slot back when its process exits, a moment later."""
        deadline = time.monotonic() + timeout
        seen = self.client_backends()
        while seen != count and time.monotonic() < deadline:
            time.sleep(0.002)
            seen = self.client_backends()
        if seen != count:
            raise OracleError(f"{seen} client backends remain, not {count}")


def start_limits_server(major: int, limits: dict[str, str]) -> LimitsPgServer:
    server = LimitsPgServer(major=major, bindir=bindir_for(major), limits=dict(limits))
    server.start()
    return server

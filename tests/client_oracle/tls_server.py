"""A real PostgreSQL 15 whose TLS and pg_hba.conf can be switched while it runs.

Built on :class:`tests.oracle.servers.PgServer` (Debian's ``postgresql-15``, a temporary folder,
a free port on 127.0.0.1, run as the ``postgres`` OS user, always stopped). After the ordinary
start (trust authentication, the Aurora roles), :meth:`TlsPgServer.configure` writes

* the server certificate chain and private key (``server.crt``/``server.key`` in the data
  directory, owned by the server's OS user, the key ``chmod 600``),
* ``pg_hba.conf`` (the lines given, after a ``local all all trust`` line for the harness),
* ``aurora_sec_tls.conf`` (included from ``postgresql.conf``): ``ssl``, ``ssl_cert_file``,
  ``ssl_key_file`` and a generation counter,

and reloads the server (``pg_ctl reload``; ``ssl`` and ``pg_hba.conf`` are both SIGHUP
settings, so no restart is needed). A reload is asynchronous: ``configure`` returns once a new
backend sees the new generation, and since the postmaster reloads pg_hba.conf in the same
SIGHUP as postgresql.conf, by then new connections are checked against the new lines.

The harness itself connects through the Unix socket as ``rdsadmin`` (``local all all trust``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from tests.oracle.servers import (
    SUPERUSER,
    OracleError,
    PgServer,
    _run,
    ensure_os_user,
    pg15_bindir,
)

__all__ = ["TlsPgServer", "start_tls_server"]

_INCLUDE = "aurora_sec_tls.conf"
_RELOAD_TIMEOUT_S = 10.0


@dataclass(eq=False)
class TlsPgServer(PgServer):
    """A :class:`PgServer` whose ssl setting, certificate and pg_hba.conf can be replaced."""

    generation: int = field(default=0, init=False)

    def start(self) -> None:
        super().start()
        try:
            with (self.datadir / "postgresql.conf").open("a") as conf:
                conf.write(f"include_if_exists = '{_INCLUDE}'\n")
        except BaseException:
            self.stop()
            raise

    def local_connect(self, user: str = SUPERUSER) -> psycopg.Connection[TupleRow]:
        """A connection through the Unix socket (``local all all trust``), autocommit."""
        if not self.running:
            raise OracleError("PostgreSQL server is not running")
        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user=user,
            dbname="postgres",
            sslmode="disable",
            autocommit=True,
            connect_timeout=10,
        )

    def _write_private(self, name: str, data: bytes, mode: int) -> str:
        path = self.datadir / name
        path.write_bytes(data)
        path.chmod(mode)
        os_user = ensure_os_user()
        if os_user is not None:
            os.chown(path, os_user.pw_uid, os_user.pw_gid)
        return str(path)

    def configure(
        self, *, ssl: bool, chain_pem: bytes, key_pem: bytes, hba_lines: Sequence[str]
    ) -> None:
        """Install this certificate, ``ssl`` and pg_hba.conf, reload, wait until in force."""
        self.generation += 1
        cert = self._write_private("server.crt", chain_pem, 0o644)
        key = self._write_private("server.key", key_pem, 0o600)
        hba = "\n".join(["local all all trust", *hba_lines]) + "\n"
        self._write_private("pg_hba.conf", hba.encode(), 0o600)
        settings = (
            f"ssl = {'on' if ssl else 'off'}\n"
            f"ssl_cert_file = '{cert}'\n"
            f"ssl_key_file = '{key}'\n"
            f"aurora_sec.generation = {self.generation}\n"
        )
        self._write_private(_INCLUDE, settings.encode(), 0o644)
        _run(
            [str(self.bindir / "pg_ctl"), "reload", "-D", str(self.datadir)],
            cwd=self._work(),
            timeout=30,
        )
        self._wait_for_generation(ssl)

    def _wait_for_generation(self, ssl: bool) -> None:
        deadline = time.monotonic() + _RELOAD_TIMEOUT_S
        want = (str(self.generation), "on" if ssl else "off")
        seen: tuple[str, str] | None = None
        while time.monotonic() < deadline:
            with self.local_connect() as conn:
                row = conn.execute(
                    "SELECT current_setting('aurora_sec.generation', true), current_setting('ssl')"
                ).fetchone()
            seen = (str(row[0]), str(row[1])) if row is not None else None
            if seen == want:
                return
            time.sleep(0.02)
        raise OracleError(
            f"the reload did not take effect (wanted generation/ssl {want}, saw {seen});"
            f" server log:\n{self.log_tail()}"
        )

    def set_password(self, role: str, password: str, encryption: str) -> None:
        """``ALTER ROLE ... PASSWORD`` stored with ``password_encryption = encryption``."""
        with self.local_connect() as conn:
            conn.execute(sql.SQL("SET password_encryption = {}").format(sql.Literal(encryption)))
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(password)
                )
            )


def start_tls_server() -> TlsPgServer:
    """A started PostgreSQL 15 (Debian) ready for :meth:`TlsPgServer.configure`."""
    server = TlsPgServer(major=15, bindir=pg15_bindir())
    server.start()
    return server

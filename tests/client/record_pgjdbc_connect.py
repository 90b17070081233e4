"""Record real pgjdbc connecting to fake servers, for tests/client/test_pgjdbc_oracle.py to replay.

Run by hand on a machine with a JDK and a pgjdbc jar (not part of the test run)::

    python -m tests.client.record_pgjdbc_connect /path/to/postgresql-42.7.13.jar

Fake servers (tests/client/fake_server.py) present chains the emulator issued and answer like
``hostssl`` / ``hostnossl`` / ``host`` pg_hba lines (or always reject the password); a Java
probe calls ``DriverManager.getConnection`` for every case of :func:`cases` and reports
success or the ``SQLException``'s SQLSTATE and message. The JVM runs with
``-Duser.home=/nonexistent-home`` so default file names are the same on every machine; paths
and ports in messages are stored as ``{ROOTS}`` and ``{PORT}``. The output,
``tests/client/data/pgjdbc_connect.json``, lists per case the URL template, the server, the
outcome, and which attempts the server saw (plaintext / SSL).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import pathlib
import subprocess
import sys
import tempfile
from typing import Any

from tests.client.fake_server import FakeServer, running
from tests.client.pgjdbc_world import SERVER_KINDS, build_world, case_list, server_decide

DATA = pathlib.Path(__file__).with_name("data") / "pgjdbc_connect.json"

PROBE = r"""
import java.io.*;
import java.sql.*;
import java.util.*;

public class ConnectProbe {
  static String esc(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '\\') b.append("\\\\");
      else if (c == '\n') b.append("\\n");
      else if (c == '\t') b.append("\\t");
      else b.append(c);
    }
    return b.toString();
  }
  public static void main(String[] a) throws Exception {
    BufferedReader r = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    String url;
    while ((url = r.readLine()) != null) {
      Properties props = new Properties();
      props.setProperty("user", "u");
      props.setProperty("password", "secret");
      props.setProperty("connectTimeout", "5");
      props.setProperty("sslResponseTimeout", "5000");
      try (Connection c = DriverManager.getConnection(url, props)) {
        out.println("OK");
      } catch (SQLException e) {
        out.println("ERR\t" + e.getSQLState() + "\t" + esc(String.valueOf(e.getMessage())));
      }
    }
  }
}
"""


def main() -> None:
    jar = sys.argv[1]
    version = pathlib.Path(jar).stem.rsplit("-", 1)[-1]
    now = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        roots_dir = pathlib.Path(tmp) / "roots"
        roots_dir.mkdir()
        world = build_world(now, str(roots_dir))
        for path, data in world.files.items():
            pathlib.Path(path).write_bytes(data)
        servers: dict[str, tuple[int, FakeServer]] = {}
        for name in SERVER_KINDS:
            identity, ssl_on, kind, tls_min, tls_max = world.server_config(name)
            server = FakeServer(identity if ssl_on else None, server_decide(kind), tls_min, tls_max)
            port = stack.enter_context(running(server))
            servers[name] = (port, server)
        src = pathlib.Path(tmp) / "ConnectProbe.java"
        src.write_text(PROBE)
        subprocess.run(["javac", "-cp", jar, "-d", tmp, str(src)], check=True)
        proc = subprocess.Popen(
            [
                "java",
                "-Duser.home=/nonexistent-home",
                "-Djava.util.logging.config.file=/dev/null",
                "-cp",
                f"{jar}:{tmp}",
                "ConnectProbe",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdin is not None and proc.stdout is not None
        records: list[dict[str, Any]] = []
        for server_name, template in case_list():
            port, server = servers[server_name]
            before = len(server.attempts)
            url = template.format(PORT=port, ROOTS=str(roots_dir))
            proc.stdin.write(url + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline().rstrip("\n")
            rec: dict[str, Any] = {"server": server_name, "url": template}
            if line == "OK":
                rec["ok"] = True
            else:
                _, state, message = line.split("\t", 2)
                message = message.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")
                rec["ok"] = False
                rec["sqlstate"] = state
                rec["message"] = message.replace(str(roots_dir), "{ROOTS}").replace(
                    str(port), "{PORT}"
                )
            rec["attempts"] = server.attempts[before:]
            records.append(rec)
        proc.stdin.close()
        proc.wait(30)
    DATA.write_text(json.dumps({"pgjdbc": version, "cases": records}, indent=1) + "\n")
    print(f"wrote {len(records)} cases to {DATA}")


if __name__ == "__main__":
    main()

"""Record what real pgjdbc does with JDBC URLs, for tests/client/test_jdbc_url.py to replay.

Run by hand on a machine with a JDK and a pgjdbc jar (not part of the test run)::

    python -m tests.client.record_pgjdbc /path/to/postgresql-42.7.13.jar

It compiles a small probe against the jar, feeds it :data:`CASES` (a URL and the
``Properties`` given to ``getConnection``; ``user=ec2-user`` is always given, standing for the
JVM's ``user.name``), and writes ``tests/client/data/pgjdbc_urls.json``: for each case the
properties ``Driver.parseURL`` returns, or the exception ``Driver.connect`` throws for an
unparsable URL, and ``SslMode.of``'s mode or error. Nothing in the probe opens a socket.
"""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
import tempfile

DATA = pathlib.Path(__file__).with_name("data") / "pgjdbc_urls.json"

CASES: list[tuple[str, dict[str, str]]] = [
    ("jdbc:postgresql://h1:5433,[::1]:1,h3/my%20db?ssl=true&user=bob", {}),
    ("jdbc:postgresql://db.example.com/postgres", {}),
    ("jdbc:postgresql://db.example.com:5432/postgres?sslmode=verify-full&sslrootcert=/r.pem", {}),
    ("jdbc:postgresql://h/a/b", {}),
    ("jdbc:postgresql://h", {}),
    ("jdbc:postgresql://h:0/db", {}),
    ("jdbc:postgresql://h:65536/db", {}),
    ("jdbc:postgresql://h:x/db", {}),
    ("jdbc:postgresql://h:/db", {}),
    ("jdbc:postgresql://:5433/db", {}),
    ("jdbc:postgresql:/x", {}),
    ("jdbc:postgresql:mydb?ssl", {}),
    ("jdbc:postgresql:mydb", {}),
    ("jdbc:postgresql://", {}),
    ("jdbc:postgresql:///", {}),
    ("jdbc:postgresql:///db", {}),
    ("jdbc:postgresql://h/", {}),
    ("jdbc:postgresql://h/db?a=%zz", {}),
    ("jdbc:postgresql://h/db?a=%", {}),
    ("jdbc:postgresql://h/db?a=%4", {}),
    ("jdbc:postgresql://h/db?a=%-1", {}),
    ("jdbc:postgresql://h/db?a=%+1", {}),
    ("jdbc:postgresql://h/db?application_name=a+b%2Bc%C3%A9", {}),
    ("jdbc:postgresql://h/db?application_name=%ff", {}),
    ("jdbc:postgresql://h/d%zz", {}),
    ("jdbc:postgresql://h/db?sslmode=VERIFY-CA", {}),
    ("jdbc:postgresql://h/db?sslmode=bogus", {}),
    ("jdbc:postgresql://h/db?sslmode=disable&ssl=true", {}),
    ("jdbc:postgresql://h/db?ssl=false", {}),
    ("jdbc:postgresql://h/db?ssl=TRUE", {}),
    ("jdbc:postgresql://h/db?ssl=yes", {}),
    ("jdbc:postgresql://h/db", {"ssl": "true"}),
    ("jdbc:postgresql://h/db", {"sslmode": "require"}),
    ("jdbc:postgresql://h/db?sslmode=allow", {"sslmode": "require"}),
    ("jdbc:postgresql://h/db?host=other&port=1&dbname=x", {}),
    ("jdbc:postgresql://h/db?PGHOST=other", {}),
    ("jdbc:postgresql://h/db?user=u&password=p&&x", {}),
    ("jdbc:postgresql://h/db?user=", {}),
    ("jdbc:postgresql://a,b:1,c/db", {}),
    ("jdbc:postgresql://a,b/db", {"PGPORT": "1,2"}),
    ("jdbc:postgresql:db", {"PGHOST": "a,b", "PGPORT": "1"}),
    ("jdbc:postgresql://a,/db", {}),
    ("jdbc:postgresql://[::1]/db", {}),
    ("jdbc:postgresql://[::1]:5433/db", {}),
    ("jdbc:mysql://h/db", {}),
    ("jdbc:postgresql://h/db?sslNegotiation=direct&sslmode=require", {}),
]

PROBE = r"""
import java.io.*;
import java.util.*;
import org.postgresql.Driver;
import org.postgresql.jdbc.SslMode;

public class Probe {
  static String esc(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '\\') b.append("\\\\");
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.toString();
  }
  public static void main(String[] a) throws Exception {
    BufferedReader r = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    String line;
    while ((line = r.readLine()) != null) {
      String[] parts = line.split("\t", -1);
      String url = parts[0];
      Properties info = new Properties();
      info.setProperty("user", "ec2-user");
      for (int i = 1; i < parts.length; i++) {
        int eq = parts[i].indexOf('=');
        info.setProperty(parts[i].substring(0, eq), parts[i].substring(eq + 1));
      }
      StringBuilder b = new StringBuilder();
      Properties p = Driver.parseURL(url, info);
      if (p == null) {
        try {
          new Driver().connect(url, info);
          b.append("CONNECT\tnull");
        } catch (java.sql.SQLException e) {
          b.append("CONNECT\t" + e.getSQLState() + "\t" + e.getMessage());
        }
        if (!url.startsWith("jdbc:postgresql:")) {
          try {
            java.sql.DriverManager.getConnection(url, info);
          } catch (java.sql.SQLException e) {
            b.setLength(0);
            b.append("CONNECT\t" + e.getSQLState() + "\t" + e.getMessage());
          }
        }
      } else {
        for (String n : new TreeSet<>(p.stringPropertyNames())) {
          b.append("PROP\t" + esc(n) + "\t" + esc(p.getProperty(n)) + "\n");
        }
        try {
          b.append("SSLMODE\t" + SslMode.of(p).value);
        } catch (java.sql.SQLException e) {
          b.append("SSLERROR\t" + e.getSQLState() + "\t" + e.getMessage());
        }
      }
      out.println(b.toString().replace("\n", "\u0001"));
    }
  }
}
"""


def _unescape(text: str) -> str:
    return re.sub(
        r"\\(\\|u[0-9a-f]{4})",
        lambda m: "\\" if m[1] == "\\" else chr(int(m[1][1:], 16)),
        text,
    )


def record(jar: str) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp) / "Probe.java"
        src.write_text(PROBE)
        subprocess.run(["javac", "-cp", jar, "-d", tmp, str(src)], check=True)
        lines = "\n".join(
            "\t".join([url, *(f"{k}={v}" for k, v in info.items())]) for url, info in CASES
        )
        done = subprocess.run(
            ["java", "-Djava.util.logging.config.file=/dev/null", "-cp", f"{jar}:{tmp}", "Probe"],
            input=lines + "\n",
            capture_output=True,
            text=True,
            check=True,
        )
    records: list[dict[str, object]] = []
    for (url, info), line in zip(CASES, done.stdout.splitlines(), strict=True):
        rec: dict[str, object] = {"url": url, "info": info}
        props: dict[str, str] = {}
        for item in line.split("\u0001"):
            kind, _, rest = item.partition("\t")
            if kind == "PROP":
                name, _, value = rest.partition("\t")
                props[_unescape(name)] = _unescape(value)
            elif kind == "SSLMODE":
                rec["props"] = props
                rec["sslmode"] = rest
            elif kind == "SSLERROR":
                state, _, message = rest.partition("\t")
                rec["props"] = props
                rec["sslmode_error"] = [state, message]
            elif kind == "CONNECT":
                state, _, message = rest.partition("\t")
                rec["props"] = None
                rec["connect_error"] = [state, message]
        records.append(rec)
    return records


def main() -> None:
    jar = sys.argv[1]
    version = pathlib.Path(jar).stem.rsplit("-", 1)[-1]
    payload = {"pgjdbc": version, "cases": record(jar)}
    DATA.parent.mkdir(exist_ok=True)
    DATA.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(CASES)} cases to {DATA}")


if __name__ == "__main__":
    main()

"""Record what real PostgreSQL 15 and 16 answer to the conformance corpus.

Starts the oracle servers (tests/oracle/servers.py), runs every case of
tests/conformance/corpus.py on each, and writes tests/conformance/expected/pg<major>.json.
Run it again whenever the corpus changes::

    python tools/record_conformance.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conformance.corpus import CASES  # noqa: E402
from tests.conformance.outcomes import outcome_record  # noqa: E402
from tests.oracle.servers import run_case, start_server  # noqa: E402


def record(major: int) -> dict[str, Any]:
    server = start_server(major)
    try:
        results: dict[str, Any] = {"server_version": server.version, "cases": {}}
        for case in CASES:
            outcomes = run_case(server, case["setup"], case["role"], case["statements"])
            results["cases"][case["id"]] = [outcome_record(o) for o in outcomes]
        return results
    finally:
        server.stop()


def main() -> int:
    out_dir = ROOT / "tests" / "conformance" / "expected"
    out_dir.mkdir(parents=True, exist_ok=True)
    for major in (15, 16):
        data = record(major)
        path = out_dir / f"pg{major}.json"
        path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        count = sum(len(v) for v in data["cases"].values())
        print(
            f"pg{major} ({data['server_version']}): {len(data['cases'])} cases, {count} statements -> {path}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A fixed workload for counting instructions: N first-sight GRANTs on a catalog of R roles.

Wall-clock figures on this shared machine move by several per cent from run to run; the
instructions a workload executes do not (with the hash seed fixed). Run it under callgrind with
N = 300 and N = 600 on R = 700 roles and divide the difference by 300::

    PY=$(python -c 'import sys; print(sys.executable)')
    for n in 300 600; do
        PYTHONHASHSEED=0 PYTHONPATH=$PWD valgrind --tool=callgrind \\
            --callgrind-out-file=/dev/null "$PY" benchmarks/grant_first_sight.py $n 700 2>&1 |
            grep Collected
    done

Each GRANT is classified afresh (the classification cache is emptied first), as
``bench_sql.py``'s first-sight column does. The first emptying also frees what the setup's
CREATE ROLEs left in the cache, once; both runs pay it, so the difference leaves it out. (Counted
as N = 0 against N = 300, it was charged to the GRANTs: a change to CREATE ROLE's classification
alone moved that count by 2,300 instructions a GRANT.)
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aurora_sec.sql import cache_clear
from tests.conformance.emulated import new_session


def main(argv: list[str]) -> int:
    grants, roles = int(argv[0]), int(argv[1])
    session = new_session(15, "rdsadmin")
    names = [f"g{i}" for i in range(roles)]
    for name in names:
        session.execute(f"CREATE ROLE {name} LOGIN")
    texts = [f"GRANT rds_password TO {name}" for name in names[:grants]]
    gc.disable()
    for text in texts:
        cache_clear()
        session.execute(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

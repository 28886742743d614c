"""A second platform process for the KEK roll-out test (tests/integration/test_hsm_rotation.py).

Started with the test's MARAC_* environment (same database, same token), it keeps its
heartbeat on the KEK roster as the server and worker do, and answers one JSON line per command
read on stdin: `refer AREA AGENCY`, `read CASE`, `current`.
"""

from __future__ import annotations

import json
import sys
import threading
from uuid import UUID

import structlog

from api.background import keep_kek_roster
from api.bootstrap import build_platform
from api.settings import Settings
from tests.factories import referral


def main() -> int:
    # Log lines (a failed heartbeat, say) go to stderr: stdout carries the answers.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    platform = build_platform(Settings())
    stop = threading.Event()
    threading.Thread(target=keep_kek_roster, args=(platform, stop), daemon=True).start()
    answer({"process_id": platform.kek_roster.process_id})
    try:
        for line in sys.stdin:
            command, *args = line.split()
            try:
                if command == "refer":
                    case_id = platform.marac.refer(referral(UUID(args[0]), UUID(args[1])))
                    answer({"case_id": str(case_id)})
                elif command == "read":
                    answer({"surname": platform.marac.get_case(UUID(args[0])).victim.surname})
                elif command == "current":
                    answer({"current_kek": platform.kek_roster.current_kek_id()})
                else:
                    answer({"error": "unknown command"})
            except Exception as exc:  # told to the test, which fails on it
                answer({"error": type(exc).__name__})
    finally:
        stop.set()
        platform.close()
    return 0


def answer(doc: dict[str, str]) -> None:
    print(json.dumps(doc), flush=True)


if __name__ == "__main__":
    sys.exit(main())

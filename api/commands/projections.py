"""`marac projections`: catch the read models up, or rebuild them from zero."""

from __future__ import annotations

import argparse
import json

from api.bootstrap import Platform, build_platform
from api.commands.common import settings_from
from api.progress import Progress


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("projections", help="read-model maintenance")
    ps = p.add_subparsers(dest="projections_command", required=True)
    ps.add_parser("catch-up", help="project every event not yet projected")
    ps.add_parser("rebuild", help="drop the read models and project the whole log again")
    ps.add_parser("reindex", help="re-record every case's blind index entries from the case, "
                                  "under this release's keys (after an upgrade that adds "
                                  "kinds of key, such as the possible repeats' match keys)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    platform = build_platform(settings_from(args))
    if args.projections_command == "reindex":
        try:
            print(json.dumps(reindex(platform)))
        finally:
            platform.close()
        return 0
    try:
        # The case views and the reporting facts; the feed outbox is never rebuilt, because
        # its cursors are what subscribers have already been sent.
        result = {}
        for runner in (platform.runner, platform.report_runner):
            if args.projections_command == "rebuild":
                progress = Progress(f"projections rebuild ({runner.projector.name})", "events")
                count = runner.rebuild(progress)
                progress.finish()
            else:
                count = runner.catch_up()
            result[runner.projector.name] = {"projected": count, "position": runner.position()}
        print(json.dumps(result))
    finally:
        platform.close()
    return 0


def reindex(platform: Platform) -> dict[str, int]:
    """Every case with an index entry, re-recorded from the case itself: the keys are HMACs
    under the platform's key, so no migration (run without the key) can add them."""
    cases = platform.blind_index.indexed_cases()
    progress = Progress("blind index reindex", "cases")
    done = 0
    for n, case_id in enumerate(cases, start=1):
        done += platform.marac.reindex_identifiers(case_id)
        progress(n, len(cases))
    progress.finish()
    return {"cases": len(cases), "reindexed": done}

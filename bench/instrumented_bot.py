"""Run a bot with the benchmark's counters installed, its own code unchanged.

    python -m bench.instrumented_bot run      # giftbot: the same as `giftbot run`
    python -m bench.instrumented_bot floor    # bench/floor_bot.py

Both get the same instrumentation (bench/counters.py), so its small cost is on both sides
of the giftbot/floor ratio. With BENCH_PROFILE=FILE set, the bot runs under cProfile and
writes its statistics there when it stops (for finding where the time goes; the
profiler's own cost makes such a run's CPU figures meaningless).
"""

from __future__ import annotations

import os
import sys

from bench import counters


def main(argv: list[str]) -> int:
    counters.install()
    if argv[:1] == ["floor"]:
        from bench import floor_bot

        return floor_bot.main()
    from app.cli import main as giftbot_main

    profile_to = os.environ.get("BENCH_PROFILE")
    if not profile_to:
        return giftbot_main(argv)
    import cProfile

    profiler = cProfile.Profile()
    try:
        return profiler.runcall(giftbot_main, argv)
    finally:
        profiler.dump_stats(profile_to)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Run a bot with the benchmark's counters installed, its own code unchanged.

    python -m bench.instrumented_bot run      # giftbot: the same as `giftbot run`
    python -m bench.instrumented_bot floor    # bench/floor_bot.py

Both get the same instrumentation (bench/counters.py), so its small cost is on both sides
of the giftbot/floor ratio.
"""

from __future__ import annotations

import sys

from bench import counters


def main(argv: list[str]) -> int:
    counters.install()
    if argv[:1] == ["floor"]:
        from bench import floor_bot

        return floor_bot.main()
    from bot.cli import main as giftbot_main

    return giftbot_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

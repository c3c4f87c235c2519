"""The two sandboxes giftbot ships for offline work: a Telegram Bot API stand-in with a
web chat (`telegram`) and a supplier API (`supplier`). Only the demo, the sandbox
commands, tests and benchmarks import them; production loads them lazily, if at all."""

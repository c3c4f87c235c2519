"""The wiring: settings, the composition root, the command line and its commands."""

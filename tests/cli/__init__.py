"""Tests of the ``aurora-sec`` subcommands (lint, connect, policy simulate)."""

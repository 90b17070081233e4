"""Testing helpers for code that runs against Aurora PostgreSQL.

* :mod:`aurora_sec.testing.pytest_plugin`: pytest fixtures (``aurora_account``,
  ``aurora_cluster``, ``aurora_client``, ``rds_ca_bundle``), registered through the ``pytest11``
  entry point and cheap to load: nothing heavy is imported until a fixture is used.
* :mod:`aurora_sec.testing.strategies`: hypothesis strategies, one per domain concept (role
  names, role statements, engine versions, parameter settings, connection strings, IAM
  policies).
* :mod:`aurora_sec.testing.state_machine`: :class:`AuroraStateMachine`, a hypothesis
  ``RuleBasedStateMachine`` whose invariants are Aurora's security guarantees.

This package imports nothing itself: import the submodule you need (hypothesis is only needed
by the last two).
"""

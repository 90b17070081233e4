"""The project runs its own state machine: Aurora's security guarantees under random steps."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis.stateful import rule, run_state_machine_as_test

from aurora_sec.testing.state_machine import MASTER, AuroraStateMachine

AuroraStateMachine.TestCase.settings = settings(
    max_examples=15, stateful_step_count=20, deadline=None
)
TestAuroraStateMachine = AuroraStateMachine.TestCase


class On15(AuroraStateMachine):
    engine_version = "15.4"


TestAuroraStateMachineOn15 = On15.TestCase
TestAuroraStateMachineOn15.settings = settings(
    max_examples=5, stateful_step_count=20, deadline=None
)


class _Broken(AuroraStateMachine):
    """A model that forgets reboots apply the static parameter: the invariant must notice."""

    @rule()
    def reboot(self) -> None:
        self.account.client("rds").reboot_db_instance(DBInstanceIdentifier=self.instance)


def test_the_invariants_catch_a_wrong_model() -> None:
    with pytest.raises(AssertionError):
        run_state_machine_as_test(  # type: ignore[no-untyped-call,unused-ignore]
            _Broken,
            settings=settings(
                max_examples=100,
                stateful_step_count=20,
                deadline=None,
                database=None,
                derandomize=True,
            ),
        )


def test_a_password_change_by_a_non_member_is_refused_under_restriction() -> None:
    machine = On15()  # on 15, CREATEROLE may alter any role that is not a superuser
    machine.boot()
    machine.create_role("manager", login=True, createrole=True, password="pw1234")
    machine.create_role("app", login=True, createrole=False, password="app1234")
    machine.set_restrict_password_commands(True)
    machine.reboot()
    machine.running_configuration()
    machine.alter_password("manager", "app", "newpass")  # refused: asserts it failed
    assert machine.plaintext["app"] == "app1234"
    machine.grant("rds_password", "manager")
    machine.alter_password("manager", "app", "newpass")
    assert machine.plaintext["app"] == "newpass"
    machine.passwords_only_change_as_the_model_says()
    machine.rdsadmin_unchanged()


def test_a_reboot_the_model_misses_breaks_the_configuration_invariant() -> None:
    machine = AuroraStateMachine()
    machine.boot()
    machine.set_restrict_password_commands(True)
    machine.running_configuration()  # static: nothing changes before the reboot
    machine.account.client("rds").reboot_db_instance(DBInstanceIdentifier=machine.instance)
    with pytest.raises(AssertionError):
        machine.running_configuration()


def test_force_ssl_refuses_plain_connections_in_the_machine() -> None:
    machine = AuroraStateMachine()
    machine.boot()
    machine.set_force_ssl(True)
    machine.running_configuration()
    before = machine.connections
    for sslmode in ("disable", "allow", "prefer", "require", "verify-full"):
        machine.connect_as(MASTER, sslmode)
    # disable is refused; allow retries with TLS; the others use TLS
    assert machine.connections == before + 4

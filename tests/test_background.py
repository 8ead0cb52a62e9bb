"""The helper process (derive.background): the same answer as in-process, always."""
import os
import subprocess
import sys
import time

import pytest

from derive import background

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="this system cannot fork")


@pytest.fixture
def forking(monkeypatch):
    monkeypatch.setattr(background, "ENABLED", True)
    yield
    background.stop()


def test_the_helper_answers_what_this_process_would(forking):
    background.start(preload=("json",))
    helper = background._helper["pid"]
    pid, echoed = background.call("helpers", "pid_and", [1, 2.5, "x"])
    assert pid == helper != os.getpid() and echoed == [1, 2.5, "x"]
    assert background._helper is None  # it serves one call, and is reaped
    with pytest.raises(ChildProcessError):
        os.waitpid(helper, os.WNOHANG)
    pid, _ = background.call("helpers", "pid_and", None)  # a second call runs here
    assert pid == os.getpid()


def test_without_forking_the_work_runs_here():
    background.start(preload=("json",))
    assert background._helper is None
    assert background.call("helpers", "pid_and", "x") == [os.getpid(), "x"]


def test_a_helper_that_dies_is_replaced_by_this_process(forking):
    background.start()
    assert background.call("helpers", "die_unless_in", os.getpid()) == "answered here"


def test_an_error_in_the_work_is_this_processs_error(forking):
    background.start()
    with pytest.raises(ZeroDivisionError):
        background.call("helpers", "one_over", 0)


def test_a_helper_never_asked_is_stopped_without_waiting(forking):
    background.start(preload=("json",))
    pid = background._helper["pid"]
    start = time.monotonic()
    background.stop()
    assert time.monotonic() - start < 10
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped
    background.stop()  # twice is harmless


def test_a_stuck_helper_does_not_outlast_the_time_budget(forking):
    """When the answer is waited for and the budget runs out, the helper is killed, not waited for."""
    from derive.budget import time_budget
    from derive.errors import BudgetError

    background.start()
    pid = background._helper["pid"]
    start = time.monotonic()
    with pytest.raises(BudgetError):
        with time_budget(1, "waiting for the helper"):
            background.call("helpers", "sleep", 60)
    assert time.monotonic() - start < 10 and background._helper is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


@pytest.mark.parametrize("command", [["linear-regression", "--dataset", "salary"],
                                     ["fit", "--model", "s*age + b", "--params", "s,b", "--dataset", "baby", "--y", "height"],
                                     ["normal-equation", "--dataset", "baby"]])
def test_the_numpy_check_is_the_same_in_the_helper(forking, monkeypatch, command):
    """The float cross-check of each command that has one, in the helper or not: the very same text."""
    from derive.cli import build_derivation

    import derive.lstsq_check as lstsq_check

    background.start(preload=("numpy",))
    helper = background._helper["pid"]

    def not_here(_):
        raise AssertionError("the check ran in this process, not in the helper")

    # NOTE: replaced here after the fork: the helper keeps the real function, so only its answer can come back
    monkeypatch.setattr(lstsq_check, "check", not_here)
    forked = build_derivation(command).checks
    with pytest.raises(ChildProcessError):  # asked, answered and reaped
        os.waitpid(helper, os.WNOHANG)
    monkeypatch.undo()
    monkeypatch.setattr(background, "ENABLED", False)
    here = build_derivation(command).checks
    assert forked == here and any(c.name == "numpy.linalg.lstsq" and c.passed for c in here)


def test_the_cross_check_needs_no_sympy():
    """The helper is forked before sympy is imported, and the check must not import it there."""
    code = "import sys, derive.lstsq_check, numpy; sys.exit('sympy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_large_data_is_checked_here_not_sent_to_the_helper(forking, monkeypatch):
    """Beyond HELPER_ROWS rows, writing the columns out for the helper costs more than importing numpy
    here: the check runs in this process, with the same text, and the helper is never asked."""
    import derive.problems.regression_numbers as numbers
    from derive.cli import build_derivation

    command = ["linear-regression", "--dataset", "salary"]
    background.start(preload=("json",))
    monkeypatch.setattr(numbers, "HELPER_ROWS", 5)  # salary has 10 rows
    here = build_derivation(command).checks
    assert background.running()  # still waiting: nothing was sent
    background.stop()
    monkeypatch.setattr(background, "ENABLED", False)
    assert here == build_derivation(command).checks

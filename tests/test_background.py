"""Work started early in a forked child (derive.background): the same answer as in-process, always."""
import os
import time

import pytest

from derive import background

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="this system cannot fork")


@pytest.fixture
def forking(monkeypatch):
    monkeypatch.setattr(background, "ENABLED", True)


def test_the_child_answers_what_the_parent_would(forking):
    parent = os.getpid()
    job = background.Job(lambda receive: {"pid_differs": os.getpid() != parent, "twice": [2 * v for v in receive()]})
    assert job.pid is not None
    assert job.finish([1, 2.5, -3]) == {"pid_differs": True, "twice": [2, 5.0, -6]}
    assert job.pid is None  # reaped


def test_without_forking_the_work_runs_here():
    parent = os.getpid()
    job = background.Job(lambda receive: [os.getpid() == parent, receive()])
    assert job.pid is None and job.finish("x") == [True, "x"]


def test_a_child_that_dies_is_replaced_by_the_parent(forking):
    parent = os.getpid()

    def work(receive):
        if os.getpid() != parent:
            os._exit(3)  # the child dies without answering
        return receive() + 1

    job = background.Job(work)
    assert job.finish(41) == 42


def test_an_error_in_the_work_is_the_parents_error(forking):
    job = background.Job(lambda receive: 1 / receive())
    with pytest.raises(ZeroDivisionError):
        job.finish(0)


def test_closing_a_job_never_asked_stops_its_child(forking):
    job = background.Job(lambda receive: time.sleep(60))
    pid = job.pid
    start = time.monotonic()
    job.close()
    assert time.monotonic() - start < 10
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped
    job.close()  # twice is harmless


def test_a_second_job_does_not_hold_the_first_ones_pipe(forking):
    """The first child stops at the end of its input; a second child must not keep that input open."""
    first = background.Job(lambda receive: receive())
    second = background.Job(lambda receive: receive())
    assert first.finish("a") == "a" and second.finish("b") == "b"


def test_the_numpy_check_is_the_same_in_a_child(forking, monkeypatch):
    """linear regression's float cross-check, forked or not, gives the very same text."""
    from derive.data import load_dataset
    from derive.problems.regression import linear_regression

    forked = linear_regression(load_dataset("salary")).checks
    monkeypatch.setattr(background, "ENABLED", False)
    here = linear_regression(load_dataset("salary")).checks
    assert forked == here and any(c.name == "numpy.linalg.lstsq" and c.passed for c in here)


def test_a_stuck_child_does_not_outlast_the_time_budget(forking):
    """When the answer is waited for and the budget runs out, the child is killed, not waited for."""
    from derive.budget import time_budget
    from derive.errors import BudgetError

    job = background.Job(lambda receive: time.sleep(receive()))
    start = time.monotonic()
    with pytest.raises(BudgetError):
        with time_budget(1, "waiting for a child"):
            job.finish(60)
    assert time.monotonic() - start < 10 and job.pid is None

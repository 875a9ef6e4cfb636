"""A pool of warm, trusted worker processes in which a dying worker costs one job only.

``concurrent.futures.ProcessPoolExecutor`` breaks as a whole when one worker is killed (the
kernel's OOM killer, a memory limit): every pending future fails. Here each worker runs one
job at a time over its own pipe, so the pool always knows which job a dead worker was
running. That job is run again once in a fresh worker; if it kills that one too, it comes back
as :class:`WorkerDied` with the reason, and every other job is unaffected.

Every wait has a deadline: a job that does not come back within ``job_seconds(job)`` is
treated like a dead worker (the worker is killed). Each worker runs under an address-space
limit of its own (``memory_mb``), so a runaway on the trusted side fails with MemoryError in
that worker instead of taking the machine.
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import time
from collections import deque
from multiprocessing.connection import wait
from typing import Callable, Iterable, Iterator


class WorkerDied(RuntimeError):
    """The job's worker died (twice) or ran past the job's deadline."""


def _worker_main(conn, initializer, task, memory_mb: int | None, parent: int) -> None:
    from autograder.lifetime import die_with_parent

    die_with_parent(signal.SIGTERM, parent)
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if initializer is not None:
        initializer()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result = task(job)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, worker goes on
            result = exc if isinstance(exc, Exception) else RuntimeError(repr(exc))
        try:
            conn.send(result)
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
            conn.send(RuntimeError(f"the result could not be sent back: {exc}"))


class _Worker:
    def __init__(self, ctx, initializer, task, memory_mb):
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, name="nnbio-grader-worker",
                                   args=(child, initializer, task, memory_mb, os.getpid()))
        self.process.start()
        child.close()
        self.job = None
        self.deadline = 0.0

    def stop(self, kill: bool = False) -> None:
        try:
            self.conn.close()
        except OSError:
            pass
        if kill:
            self.process.kill()
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


def run(jobs: Iterable, task: Callable, workers: int, job_seconds: Callable[[object], float],
        initializer: Callable | None = None, memory_mb: int | None = None,
        retries: int = 1) -> Iterator[tuple[object, object]]:
    """Yield ``(job, result)`` for every job, in completion order; ``result`` is what
    ``task(job)`` returned, the exception it raised, or a :class:`WorkerDied`."""
    ctx = multiprocessing.get_context("spawn")
    pending = deque(jobs)
    attempts: dict[int, int] = {}
    pool: list[_Worker] = []
    try:
        while pending or any(w.job is not None for w in pool):
            while len(pool) < min(workers, len(pending) + sum(w.job is not None for w in pool)):
                pool.append(_Worker(ctx, initializer, task, memory_mb))
            for w in pool:
                if w.job is None and pending:
                    w.job = pending.popleft()
                    w.deadline = time.monotonic() + job_seconds(w.job)
                    w.conn.send(w.job)
            busy = [w for w in pool if w.job is not None]
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout)
            for w in busy:
                result, died = None, ""
                if w.conn in ready:
                    try:
                        result = w.conn.recv()
                    except (EOFError, OSError):
                        died = _exit_reason(w)
                elif w.process.sentinel in ready:
                    died = _exit_reason(w)
                elif time.monotonic() >= w.deadline:
                    died = f"did not finish within {job_seconds(w.job):.0f} s"
                else:
                    continue
                job, w.job = w.job, None
                if not died:
                    yield job, result
                    continue
                w.stop(kill=True)
                pool.remove(w)
                n = attempts[id(job)] = attempts.get(id(job), 0) + 1
                if n <= retries:
                    pending.appendleft(job)
                else:
                    yield job, WorkerDied(f"the grader's worker process {died} while grading "
                                          f"this submission ({n} attempts)")
    finally:
        for w in pool:
            w.stop(kill=w.job is not None)


def _exit_reason(w: _Worker) -> str:
    w.process.join(2)
    code = w.process.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed ({name}; out of memory?)"
    return f"exited (status {code})"

"""A pool of warm, trusted worker processes in which a dying worker costs one job only.

``concurrent.futures.ProcessPoolExecutor`` breaks as a whole when one worker is killed (the
kernel's OOM killer, a memory limit): every pending future fails. :class:`GraderPool` is an
executor too, but each worker runs one job at a time over its own pipe, so the pool always
knows which job a dead worker was running. That job is run again once in a fresh worker; if
it kills that one too, it comes back as :class:`WorkerDied` with the reason, and every other
job is unaffected.

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
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, InvalidStateError, as_completed
from dataclasses import dataclass
from multiprocessing.connection import wait


class WorkerDied(RuntimeError):
    """The job's worker died (twice) or ran past the job's deadline."""


def _worker_main(conn, initializer, memory_mb: int | None, parent: int) -> None:
    from autograder.engine.lifetime import die_with_parent

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
            fn, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = (True, fn(*args, **kwargs))
        except BaseException as exc:  # reported to the parent, worker goes on
            reply = (False, exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
        try:
            conn.send(reply)
        except Exception as exc:  # e.g. an unpicklable result
            conn.send((False, RuntimeError(f"the result could not be sent back: {exc}")))


@dataclass(eq=False)
class _Task:
    future: Future
    fn: Callable
    args: tuple
    kwargs: dict
    attempts: int = 0


class _Worker:
    def __init__(self, ctx, initializer, memory_mb):
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, name="nnbio-grader-worker",
                                   args=(child, initializer, memory_mb, os.getpid()))
        self.process.start()
        child.close()
        self.task: _Task | None = None
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


class GraderPool(Executor):
    """A ``concurrent.futures.Executor`` of warm worker processes (spawned, so the trusted
    side starts clean), in which a dying worker costs one task only.

    ``seconds(fn, args)`` is a task's deadline: a task that does not come back in time is
    treated like a dead worker (the worker is killed). A task whose worker died is run again
    ``retries`` times in a fresh worker; then its future fails with :class:`WorkerDied`.
    Exceptions the task raises fail its future as they would in any executor. One thread
    dispatches the tasks; every wait in it has a deadline or a wake-up."""

    def __init__(self, workers: int, seconds: Callable[[Callable, tuple], float] | None = None,
                 initializer: Callable | None = None, memory_mb: int | None = None,
                 retries: int = 1):
        self._workers = max(1, workers)
        self._seconds = seconds or (lambda fn, args: 3600.0)
        self._initializer, self._memory_mb, self._retries = initializer, memory_mb, retries
        self._ctx = multiprocessing.get_context("spawn")
        self._pending: deque[_Task] = deque()
        self._open: set[_Task] = set()  # every task whose future is not done
        self._lock = threading.Lock()
        self._wake_read, self._wake_write = self._ctx.Pipe(duplex=False)
        self._closing = False
        self._kill_running = False
        self._thread = threading.Thread(target=self._dispatch, name="nnbio-grader-pool",
                                        daemon=True)
        self._thread.start()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        with self._lock:
            if self._closing:
                raise RuntimeError("cannot submit to a pool that is shut down")
            task = _Task(future, fn, args, kwargs)
            self._pending.append(task)
            self._open.add(task)
        future.add_done_callback(lambda _: self._open.discard(task))
        self._wake()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closing = True
            if cancel_futures:
                for task in self._pending:
                    task.future.cancel()
                self._pending.clear()
        self._wake()
        if wait:
            self._thread.join()

    def terminate(self) -> None:
        """Cancel what has not started and kill the workers of what has."""
        self._kill_running = True
        self.shutdown(wait=True, cancel_futures=True)

    def _wake(self) -> None:
        try:
            self._wake_write.send(None)
        except OSError:
            pass

    def _next(self) -> _Task | None:
        with self._lock:
            while self._pending:
                task = self._pending.popleft()
                if task.attempts or task.future.set_running_or_notify_cancel():
                    return task  # (a task run again is running already)
        return None

    def _dispatch(self) -> None:
        pool: list[_Worker] = []
        try:
            while True:
                with self._lock:
                    waiting, closing = len(self._pending), self._closing
                busy = [w for w in pool if w.task is not None]
                if self._kill_running or (closing and not waiting and not busy):
                    return
                while len(pool) < min(self._workers, waiting + len(busy)):
                    pool.append(_Worker(self._ctx, self._initializer, self._memory_mb))
                for w in list(pool):
                    if w.task is None:
                        task = self._next()
                        if task is None:
                            break
                        w.task = task
                        w.deadline = time.monotonic() + self._seconds(task.fn, task.args)
                        try:
                            w.conn.send((task.fn, task.args, task.kwargs))
                        except (OSError, ValueError):  # an idle worker that died: start anew
                            w.task = None
                            with self._lock:
                                self._pending.appendleft(task)
                            w.stop(kill=True)
                            pool.remove(w)
                busy = [w for w in pool if w.task is not None]
                timeout = (max(0.0, min(w.deadline for w in busy) - time.monotonic())
                           if busy else None)
                ready = wait([self._wake_read] + [w.conn for w in busy]
                             + [w.process.sentinel for w in busy], timeout)
                if self._wake_read in ready:
                    while self._wake_read.poll():
                        self._wake_read.recv()
                for w in busy:
                    self._collect(w, ready, pool)
        except BaseException as exc:  # never leave a future waiting
            with self._lock:
                self._pending.clear()
                self._closing = True
                stranded = list(self._open)
            for task in stranded:
                try:
                    task.future.set_exception(WorkerDied(f"the grading pool failed: {exc!r}"))
                except InvalidStateError:
                    pass
        finally:
            for w in pool:
                if w.task is not None and not w.task.future.done():
                    w.task.future.cancel()
                w.stop(kill=w.task is not None)

    def _collect(self, w: _Worker, ready: list, pool: list[_Worker]) -> None:
        """What the busy worker ``w`` has to say: a reply, its death, or its deadline."""
        task = w.task
        assert task is not None, "only busy workers are collected"
        reply, died = (False, None), ""
        if w.conn in ready:
            try:
                reply = w.conn.recv()
            except (EOFError, OSError):
                died = _exit_reason(w)
        elif w.process.sentinel in ready:
            died = _exit_reason(w)
        elif time.monotonic() >= w.deadline:
            died = f"did not finish within {self._seconds(task.fn, task.args):.0f} s"
        else:
            return
        w.task = None
        if not died:
            ok, value = reply
            (task.future.set_result if ok else task.future.set_exception)(value)
            return
        w.stop(kill=True)
        pool.remove(w)
        task.attempts += 1
        if task.attempts <= self._retries:
            with self._lock:
                self._pending.appendleft(task)
        else:
            task.future.set_exception(WorkerDied(
                f"the grader's worker process {died} while grading this submission "
                f"({task.attempts} attempts)"))


def run(jobs: Iterable, task: Callable, workers: int, job_seconds: Callable[[object], float],
        initializer: Callable | None = None, memory_mb: int | None = None,
        retries: int = 1) -> Iterator[tuple[object, object]]:
    """Yield ``(job, result)`` for every job, in completion order; ``result`` is what
    ``task(job)`` returned, the exception it raised, or a :class:`WorkerDied`."""
    executor = GraderPool(workers, lambda fn, args: job_seconds(args[0]), initializer,
                          memory_mb, retries)
    try:
        futures = {executor.submit(task, job): job for job in jobs}
        for future in as_completed(futures):
            error = future.exception()
            yield futures[future], error if error is not None else future.result()
    finally:
        executor.terminate()


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

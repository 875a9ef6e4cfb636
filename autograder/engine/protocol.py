"""The conversation between the grader (trusted side, :mod:`autograder.engine.remote`) and a
student's sandboxed process (untrusted side, :mod:`autograder.engine.sandbox`), every message
kind named once.

Each message is a small frozen dataclass; ``to_wire()`` gives the dict that
:mod:`autograder.engine.wire` encodes as JSON, and ``from_wire()`` reads such a dict back,
checking the type of every field it reads: anything else raises :class:`ProtocolError`. The
grader never trusts what the sandbox sends (it is decoded as data only, never unpickled), so
the ``*_from_sandbox`` readers accept only the kinds that may come at that point.

The conversation, in order::

    sandbox -> grader   Isolated(reached)            the isolation it reached, or
                        IsolationFailed(message)     it could not isolate itself
    grader -> sandbox   RunCells(cells)              run the notebook's code cells
    sandbox -> grader     CellStart(index)           for each cell, in the order sent...
                          CellDone(index, error, outputs, execution_count)
                        Ready(defined)               ...then the names the notebook defined
    grader -> sandbox   Call(target, method, args, kwargs, provide)
                        GetAttr(target, name)        read an attribute of a student object
                        Make(source)                 build an object from trusted source
                        Parameters(target)           a torch module's parameters (arrays)
                        NTrainable(target)           how many trainable values it has
                        SetParameters(target, arrays)
    sandbox -> grader     Callback(name, args, kwargs)   during a Call: the student's code
                                                         called a graded function the
                                                         grader provides (``provide``)
    grader -> sandbox     CallbackResult(value, args, kwargs) | CallbackFallback()
    sandbox -> grader   Reply(value, ...)            the request's result, or
                        ErrorReply(type, message, where)   what the student's code raised

A *target* names what a request acts on: ``{"global": name}`` (a name in the notebook) or
``{"handle": id}`` (an object that stays in the sandbox, see :class:`wire.Handle`).

Only the standard library is imported here: the sandbox imports this module before it
chroots (the forkserver preloads :mod:`autograder.engine.sandbox`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


class ProtocolError(ValueError):
    """A message that is not one of the conversation's, or has a field of the wrong type."""


def _get(msg: dict, name: str, types: tuple[type, ...], default: Any = ...) -> Any:
    """``msg[name]`` when its type is one of ``types`` (``bool`` is not an ``int`` here);
    ``default`` when the field is absent and a default is given; else ProtocolError."""
    if name not in msg:
        if default is ...:
            raise ProtocolError(f"a {msg.get('op') or msg.get('event') or 'message'} without "
                                f"{name!r}")
        return default
    value = msg[name]
    if isinstance(value, bool) and bool not in types:
        raise ProtocolError(f"{name!r} has the wrong type (bool)")
    if not isinstance(value, types):
        raise ProtocolError(f"{name!r} has the wrong type ({type(value).__name__})")
    return value


def _strings(values: Any, what: str) -> tuple[str, ...]:
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise ProtocolError(f"{what!r} must be a list of strings")
    return tuple(values)


def check_target(target: Any) -> dict:
    """A request's target: exactly ``{"global": str}`` or ``{"handle": int}``."""
    if isinstance(target, dict) and len(target) == 1:
        if isinstance(target.get("global"), str):
            return {"global": target["global"]}
        handle = target.get("handle")
        if isinstance(handle, int) and not isinstance(handle, bool):
            return {"handle": handle}
    raise ProtocolError("a target must be {'global': name} or {'handle': id}")


def global_target(name: str) -> dict:
    return {"global": name}


def handle_target(handle_id: int) -> dict:
    return {"handle": handle_id}


# ------------------------------------------------------------------ the sandbox's first word

@dataclass(frozen=True)
class Isolated:
    """The sandbox isolated itself; ``reached``: isolation property -> reached."""

    KIND: ClassVar[str] = "isolated"
    reached: dict[str, bool]

    def to_wire(self) -> dict:
        return {"event": self.KIND, "reached": dict(self.reached)}

    @classmethod
    def from_wire(cls, msg: dict) -> Isolated:
        reached = _get(msg, "reached", (dict,))
        return cls({str(k): bool(v) for k, v in reached.items()})


@dataclass(frozen=True)
class IsolationFailed:
    """The sandbox could not isolate itself (or start serving): the grader's fault, not the
    student's."""

    KIND: ClassVar[str] = "isolation_failed"
    message: str

    def to_wire(self) -> dict:
        return {"event": self.KIND, "message": self.message}

    @classmethod
    def from_wire(cls, msg: dict) -> IsolationFailed:
        return cls(str(msg.get("message", ""))[:2000])


# ------------------------------------------------------------------ running the notebook

@dataclass(frozen=True)
class RunCells:
    """Run these code cells in order: ``(index, source)``; ``(index, None, name)`` marks
    where the hidden tests of ``name`` sit (the tests see the version defined there)."""

    KIND: ClassVar[str] = "run_cells"
    cells: tuple[tuple, ...]

    def to_wire(self) -> dict:
        return {"op": self.KIND, "cells": [tuple(c) for c in self.cells]}

    @classmethod
    def from_wire(cls, msg: dict) -> RunCells:
        cells = _get(msg, "cells", (list, tuple))
        for cell in cells:
            if not isinstance(cell, (list, tuple)) or len(cell) not in (2, 3) \
                    or not isinstance(cell[0], int) or not isinstance(cell[1], (str, type(None))) \
                    or (len(cell) == 3 and not isinstance(cell[2], str)):
                raise ProtocolError("a cell must be (index, source) or (index, None, name)")
        return cls(tuple(tuple(c) for c in cells))


@dataclass(frozen=True)
class CellStart:
    KIND: ClassVar[str] = "cell_start"
    index: int

    def to_wire(self) -> dict:
        return {"event": self.KIND, "index": self.index}

    @classmethod
    def from_wire(cls, msg: dict) -> CellStart:
        return cls(_get(msg, "index", (int,)))


@dataclass(frozen=True)
class CellDone:
    """A cell finished: what it raised (type, message, where) and what it showed (outputs
    as a kernel sends them, reduced to safe ones by the grader later)."""

    KIND: ClassVar[str] = "cell_done"
    index: int
    error: dict | None = None
    outputs: list = field(default_factory=list)
    execution_count: int | None = None

    def to_wire(self) -> dict:
        return {"event": self.KIND, "index": self.index, "error": self.error,
                "outputs": self.outputs, "execution_count": self.execution_count}

    @classmethod
    def from_wire(cls, msg: dict) -> CellDone:
        error = _get(msg, "error", (dict, type(None)), None)
        return cls(_get(msg, "index", (int,)),
                   ErrorReply.from_wire({"error": error}).info() if error else None,
                   _get(msg, "outputs", (list,), []),
                   _get(msg, "execution_count", (int, type(None)), None))


@dataclass(frozen=True)
class Ready:
    """The notebook ran; ``defined``: the callable names it defined."""

    KIND: ClassVar[str] = "ready"
    defined: tuple[str, ...] = ()

    def to_wire(self) -> dict:
        return {"event": self.KIND, "defined": list(self.defined)}

    @classmethod
    def from_wire(cls, msg: dict) -> Ready:
        return cls(_strings(_get(msg, "defined", (list,), []), "defined"))


# ------------------------------------------------------------------ requests

@dataclass(frozen=True)
class Call:
    """Call the target (or its ``method``); ``provide`` names the graded functions it calls
    that the grader answers with its correct versions (:class:`Callback`)."""

    KIND: ClassVar[str] = "call"
    target: dict
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)
    method: str | None = None
    provide: tuple[str, ...] = ()

    def to_wire(self) -> dict:
        return {"op": self.KIND, "target": self.target, "method": self.method,
                "args": list(self.args), "kwargs": dict(self.kwargs),
                "provide": sorted(self.provide)}

    @classmethod
    def from_wire(cls, msg: dict) -> Call:
        kwargs = _get(msg, "kwargs", (dict,), {})
        if not all(isinstance(k, str) for k in kwargs):
            raise ProtocolError("keyword arguments must have string names")
        return cls(check_target(msg.get("target")), list(_get(msg, "args", (list, tuple), [])),
                   kwargs, _get(msg, "method", (str, type(None)), None),
                   _strings(_get(msg, "provide", (list, tuple), []), "provide"))


@dataclass(frozen=True)
class GetAttr:
    KIND: ClassVar[str] = "getattr"
    target: dict
    name: str

    def to_wire(self) -> dict:
        return {"op": self.KIND, "target": self.target, "name": self.name}

    @classmethod
    def from_wire(cls, msg: dict) -> GetAttr:
        return cls(check_target(msg.get("target")), _get(msg, "name", (str,)))


@dataclass(frozen=True)
class Make:
    """Build an object in the sandbox from trusted source (an expression, or statements
    that assign ``result``)."""

    KIND: ClassVar[str] = "make"
    source: str

    def to_wire(self) -> dict:
        return {"op": self.KIND, "source": self.source}

    @classmethod
    def from_wire(cls, msg: dict) -> Make:
        return cls(_get(msg, "source", (str,)))


@dataclass(frozen=True)
class Parameters:
    KIND: ClassVar[str] = "parameters"
    target: dict

    def to_wire(self) -> dict:
        return {"op": self.KIND, "target": self.target}

    @classmethod
    def from_wire(cls, msg: dict) -> Parameters:
        return cls(check_target(msg.get("target")))


@dataclass(frozen=True)
class NTrainable:
    KIND: ClassVar[str] = "n_trainable"
    target: dict

    def to_wire(self) -> dict:
        return {"op": self.KIND, "target": self.target}

    @classmethod
    def from_wire(cls, msg: dict) -> NTrainable:
        return cls(check_target(msg.get("target")))


@dataclass(frozen=True)
class SetParameters:
    KIND: ClassVar[str] = "set_parameters"
    target: dict
    arrays: list

    def to_wire(self) -> dict:
        return {"op": self.KIND, "target": self.target, "arrays": list(self.arrays)}

    @classmethod
    def from_wire(cls, msg: dict) -> SetParameters:
        return cls(check_target(msg.get("target")), list(_get(msg, "arrays", (list, tuple))))


# ------------------------------------------------------------------ callbacks during a call

@dataclass(frozen=True)
class Callback:
    """The student's code called ``name``, a graded function the grader provides."""

    KIND: ClassVar[str] = "callback"
    name: str
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)

    def to_wire(self) -> dict:
        return {"event": self.KIND, "name": self.name, "args": list(self.args),
                "kwargs": dict(self.kwargs)}

    @classmethod
    def from_wire(cls, msg: dict) -> Callback:
        kwargs = _get(msg, "kwargs", (dict,))
        if not all(isinstance(k, str) for k in kwargs):
            raise ProtocolError("keyword arguments must have string names")
        return cls(_get(msg, "name", (str,)), _get(msg, "args", (list,)), kwargs)


@dataclass(frozen=True)
class CallbackResult:
    """The grader's correct version's result, and the arguments as it left them."""

    KIND: ClassVar[str] = "callback_ok"
    value: Any
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)

    def to_wire(self) -> dict:
        return {self.KIND: self.value, "args": list(self.args), "kwargs": dict(self.kwargs)}

    @classmethod
    def from_wire(cls, msg: dict) -> CallbackResult:
        return cls(msg[cls.KIND], _get(msg, "args", (list,), []), _get(msg, "kwargs", (dict,), {}))


@dataclass(frozen=True)
class CallbackFallback:
    """The grader cannot stand in (unknown name, an error, a result that is not data):
    the student's own version runs."""

    KIND: ClassVar[str] = "callback_fallback"

    def to_wire(self) -> dict:
        return {self.KIND: True}

    @classmethod
    def from_wire(cls, msg: dict) -> CallbackFallback:
        return cls()


# ------------------------------------------------------------------ replies

@dataclass(frozen=True)
class Reply:
    """A request's result. For a call: the arguments as the call left them (data only, so
    the grader mirrors in-place changes), the numpy warnings it raised and the provided
    callees whose student's version had to run; for getattr: whether it is a method."""

    KIND: ClassVar[str] = "ok"
    value: Any = None
    args: list | None = None
    kwargs: dict | None = None
    warnings: tuple[str, ...] = ()
    own: tuple[str, ...] = ()
    is_callable: bool = False

    def to_wire(self) -> dict:
        msg: dict = {self.KIND: self.value}
        if self.args is not None:
            msg["args"] = list(self.args)
        if self.kwargs is not None:
            msg["kwargs"] = dict(self.kwargs)
        if self.warnings:
            msg["warnings"] = list(self.warnings)
        if self.own:
            msg["own"] = list(self.own)
        if self.is_callable:
            msg["callable"] = True
        return msg

    @classmethod
    def from_wire(cls, msg: dict) -> Reply:
        return cls(msg[cls.KIND], _get(msg, "args", (list, type(None)), None),
                   _get(msg, "kwargs", (dict, type(None)), None),
                   tuple(s[:200] for s in _strings(_get(msg, "warnings", (list,), []),
                                                   "warnings"))[:20],
                   _strings(_get(msg, "own", (list,), []), "own"),
                   _get(msg, "callable", (bool,), False))


@dataclass(frozen=True)
class ErrorReply:
    """What the student's code raised: its type, message and innermost line of its own."""

    KIND: ClassVar[str] = "error"
    type: str = "an error"
    message: str = ""
    where: str = ""

    def info(self) -> dict:
        return {"type": self.type, "message": self.message, "where": self.where}

    def to_wire(self) -> dict:
        return {self.KIND: self.info()}

    @classmethod
    def from_wire(cls, msg: dict) -> ErrorReply:
        err = _get(msg, cls.KIND, (dict,))
        return cls(str(_get(err, "type", (str,), "an error"))[:100],
                   str(_get(err, "message", (str,), ""))[:1000],
                   str(_get(err, "where", (str,), ""))[:300])


# ------------------------------------------------------------------ reading a message

EVENTS: dict[str, type] = {c.KIND: c for c in (Isolated, IsolationFailed, CellStart, CellDone,
                                                Ready, Callback)}
REQUESTS: dict[str, type] = {c.KIND: c for c in (RunCells, Call, GetAttr, Make, Parameters,
                                                  NTrainable, SetParameters)}


def _kind(msg: Any) -> Any:
    """The message class of a decoded dict, from its distinguishing key."""
    if not isinstance(msg, dict):
        raise ProtocolError(f"a message must be a dict, not {type(msg).__name__}")
    if "event" in msg:
        return _named(EVENTS, msg["event"], "event")
    if "op" in msg:
        return _named(REQUESTS, msg["op"], "request")
    for cls in (ErrorReply, Reply, CallbackResult, CallbackFallback):
        if cls.KIND in msg:
            return cls
    raise ProtocolError("a message of no known kind")


def _named(table: dict[str, type], name: Any, what: str) -> type:
    if not isinstance(name, str) or name not in table:
        raise ProtocolError(f"unknown {what} {str(name)[:50]!r}")
    return table[name]


def read(msg: Any, *allowed: type) -> Any:
    """The message ``msg`` (a decoded dict) as one of the ``allowed`` kinds, its fields
    checked; ProtocolError for any other kind or a malformed field."""
    cls = _kind(msg)
    if cls not in allowed:
        raise ProtocolError(f"a {cls.__name__} message is not expected here")
    return cls.from_wire(msg)


def is_callback(msg: Any) -> bool:
    """Whether a decoded message is a :class:`Callback` (read it again, tensors as tensors)."""
    return isinstance(msg, dict) and msg.get("event") == Callback.KIND

"""The protocol between the grader and the sandbox (autograder/engine/protocol.py): every
message kind round-trips through the wire format, anything malformed is refused, and the
trusted side's parts (running the notebook, one request) refuse what breaks the protocol.
Fast: no sandbox is started here (a fake channel plays the sandbox's part)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from autograder.engine import protocol, wire
from autograder.engine.protocol import ProtocolError
from autograder.engine.remote import (
    CallbackAnswers,
    Limits,
    NotebookRun,
    StudentCrashed,
    StudentError,
    exchange,
)

SAMPLES = [
    protocol.Isolated({"filesystem": True, "network": True, "uid": False}),
    protocol.IsolationFailed("unshare: Operation not permitted"),
    protocol.RunCells(((0, "x = 1"), (1, None, "softmax"), (2, "print(x)"))),
    protocol.CellStart(3),
    protocol.CellDone(3, {"type": "ZeroDivisionError", "message": "division by zero",
                          "where": "line 1: 1/0"},
                      [{"output_type": "stream", "name": "stdout", "text": "hi\n"}], 4),
    protocol.CellDone(4),
    protocol.Ready(("softmax", "relu")),
    protocol.Call({"global": "softmax"}, [1.5, [2, 3]], {"axis": -1}, None, ("step",)),
    protocol.Call({"handle": 7}, [], {}, "forward"),
    protocol.GetAttr({"handle": 7}, "weights"),
    protocol.Make("torch.nn.Linear(2, 3)"),
    protocol.Parameters({"handle": 7}),
    protocol.NTrainable({"handle": 7}),
    protocol.SetParameters({"handle": 7}, [[1.0, 2.0]]),
    protocol.Callback("step", [0.5], {"threshold": 0.0}),
    protocol.CallbackResult(1.0, [0.5], {"threshold": 0.0}),
    protocol.CallbackFallback(),
    protocol.Reply(3.5, [1.0], {"k": 2}, ("overflow encountered in exp",), ("step",)),
    protocol.Reply(None, is_callable=True),
    protocol.ErrorReply("ValueError", "bad shape", "line 3: return x @ w"),
]
KINDS = {protocol.Reply, protocol.ErrorReply, protocol.CallbackResult,
         protocol.CallbackFallback, *protocol.EVENTS.values(), *protocol.REQUESTS.values()}


def _across(message) -> object:
    """``message`` as the other side reads it: encoded, decoded as data, read back."""
    return protocol.read(wire.decode(wire.encode(message.to_wire())), type(message))


def test_every_message_kind_has_a_sample():
    assert {type(m) for m in SAMPLES} == KINDS


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: type(m).__name__)
def test_every_message_kind_round_trips(message):
    assert _across(message) == message


def test_arrays_cross_inside_messages():
    back = _across(protocol.Reply(np.arange(6.0).reshape(2, 3), [np.ones(2)]))
    assert isinstance(back, protocol.Reply) and back.value.shape == (2, 3)
    assert np.array_equal(back.args[0], np.ones(2))


@pytest.mark.parametrize("msg", [
    None, 3, "call", [], {}, {"nothing": 1},                       # not a message at all
    {"event": "teleport"}, {"event": 3}, {"op": "exec", "source": "x"},  # unknown kinds
])
def test_what_is_not_a_message_is_refused(msg):
    with pytest.raises(ProtocolError):
        protocol.read(msg, *KINDS)


@pytest.mark.parametrize("msg", [
    {"event": "cell_start"},                                          # missing fields
    {"event": "cell_done"},
    {"op": "call", "args": []},
    {"op": "make"},
    {"op": "getattr", "target": {"handle": 1}},
    {"event": "callback", "args": [], "kwargs": {}},
    {"event": "isolated"},
    {"error": "boom"},                                                # mistyped fields
    {"event": "cell_start", "index": "3"},
    {"event": "cell_start", "index": True},
    {"event": "cell_start", "index": 1.0},
    {"event": "cell_done", "index": 1, "outputs": "text"},
    {"event": "cell_done", "index": 1, "error": "boom"},
    {"event": "cell_done", "index": 1, "error": {"type": 3}},
    {"event": "cell_done", "index": 1, "execution_count": "2"},
    {"event": "ready", "defined": "softmax"},
    {"event": "ready", "defined": ["softmax", 3]},
    {"event": "isolated", "reached": ["filesystem"]},
    {"event": "callback", "name": 3, "args": [], "kwargs": {}},
    {"event": "callback", "name": "step", "args": {}, "kwargs": {}},
    {"op": "call", "target": {"global": 3}},
    {"op": "call", "target": {"handle": "1"}},
    {"op": "call", "target": {"handle": True}},
    {"op": "call", "target": {"global": "f", "handle": 1}},
    {"op": "call", "target": {"global": "f"}, "kwargs": {1: 2}},
    {"op": "call", "target": {"global": "f"}, "provide": [1]},
    {"op": "call", "target": {"global": "f"}, "method": 3},
    {"op": "run_cells", "cells": [(0,)]},
    {"op": "run_cells", "cells": [("0", "x = 1")]},
    {"op": "run_cells", "cells": [(0, 1)]},
    {"op": "set_parameters", "target": {"handle": 1}, "arrays": 3},
    {"ok": 1, "warnings": "overflow"},
    {"ok": 1, "warnings": [3]},
    {"ok": 1, "own": [None]},
    {"ok": 1, "args": "x"},
    {"ok": 1, "callable": "yes"},
])
def test_malformed_messages_are_refused(msg):
    with pytest.raises(ProtocolError):
        protocol.read(msg, *KINDS)


def test_a_kind_is_refused_where_it_is_not_expected():
    with pytest.raises(ProtocolError, match="not expected"):
        protocol.read(protocol.Callback("f").to_wire(), protocol.Reply, protocol.ErrorReply)
    with pytest.raises(ProtocolError, match="not expected"):  # a sandbox may not send requests
        protocol.read(protocol.Make("1").to_wire(), protocol.CellStart, protocol.Ready)


def test_messages_are_immutable_and_error_texts_bounded():
    with pytest.raises(dataclasses.FrozenInstanceError):
        protocol.CellStart(1).index = 2  # type: ignore[misc]
    err = protocol.read({"error": {"type": "E" * 500, "message": "m" * 5000}}, protocol.ErrorReply)
    assert len(err.type) == 100 and len(err.message) == 1000 and err.where == ""


# ------------------------------------------------------------ the trusted side's parts

class FakeChannel:
    """Plays the sandbox: hands out ``messages`` (dicts, as wire.decode gives them)."""

    def __init__(self, messages):
        self.messages, self.sent = list(messages), []

    def send(self, message):
        self.sent.append(message)

    def receive(self, timeout):
        msg = self.messages.pop(0)
        return msg, wire.encode(msg)


def _run(messages, cells=((0, "a = 1"), (1, "b = 2"))):
    run = NotebookRun(list(cells), Limits())
    run.run(FakeChannel(messages), 60.0)
    return run


def test_a_notebook_run_records_each_cell_and_what_was_defined():
    run = _run([{"event": "cell_start", "index": 0},
                {"event": "cell_done", "index": 0, "error": None, "outputs": [],
                 "execution_count": 1},
                {"event": "cell_start", "index": 1},
                {"event": "cell_done", "index": 1,
                 "error": {"type": "NameError", "message": "x", "where": ""},
                 "outputs": [{"output_type": "stream"}], "execution_count": 2},
                {"event": "ready", "defined": ["f"]}])
    assert run.defined == {"f"} and run.cell_outputs[1] == ([{"output_type": "stream"}], 2)
    assert run.cell_errors == {1: {"type": "NameError", "message": "x", "where": ""}}


@pytest.mark.parametrize("messages,blamed", [
    ([{"event": "cell_start", "index": 1}], None),                       # skipped cell 0
    ([{"event": "cell_start", "index": 0}, {"event": "cell_done", "index": 1}], 0),
    ([{"event": "cell_start", "index": 0}, {"event": "cell_start", "index": 0}], None),
    ([{"event": "cell_start", "index": 0}, {"event": "cell_done", "index": "0"}], 0),
    ([{"event": "cell_start", "index": 0}, {"ok": 1}], 0),               # not an event
    ([{"event": "cell_start", "index": 0}, {"event": "ready", "defined": 5}], 0),
    ([{"op": "make", "source": "1"}], None),                             # a request, reversed
])
def test_a_notebook_run_refuses_what_breaks_the_protocol(messages, blamed):
    with pytest.raises(StudentCrashed) as caught:
        _run(messages)
    assert caught.value.cell == blamed


def test_an_event_that_could_not_be_encoded_is_passed_over_as_before():
    run = _run([{"event": "cell_start", "index": 0},
                {"error": {"type": "WireError", "message": "too large"}},
                {"event": "cell_start", "index": 1},
                {"event": "ready", "defined": []}])
    assert run.defined == set()


def test_one_request_answers_callbacks_then_returns_the_reply():
    channel = FakeChannel([{"event": "callback", "name": "double", "args": [2], "kwargs": {}},
                           {"event": "callback", "name": "unknown", "args": [], "kwargs": {}},
                           {"ok": 4.0, "own": ["unknown"]}])
    reply = exchange(channel, protocol.Make("1"), float("inf"),
                     CallbackAnswers({"double": lambda x: 2 * x}))
    assert reply.value == 4.0 and reply.own == ("unknown",)
    assert channel.sent == [protocol.Make("1"), protocol.CallbackResult(4, [2], {}),
                            protocol.CallbackFallback()]


@pytest.mark.parametrize("msg,feedback", [
    ({"error": {"type": "ValueError", "message": "no", "where": "line 2: f()"}},
     "raised ValueError: no (line 2: f())"),
    ({"ok": 1, "warnings": 7}, "unexpected reply"),
    ({"event": "cell_start", "index": 0}, "unexpected reply"),
    ({"event": "callback", "name": "f", "args": [], "kwargs": {}}, "unexpected reply"),
    ([1, 2], "unexpected reply"),
])
def test_one_request_refuses_anything_but_a_reply(msg, feedback):
    with pytest.raises(StudentError, match=feedback.replace("(", r"\(").replace(")", r"\)")):
        exchange(FakeChannel([msg]), protocol.Make("1"), float("inf"), CallbackAnswers(None))


def test_a_callback_the_grader_cannot_answer_falls_back():
    def boom(x):
        raise ValueError(x)

    answers = CallbackAnswers({"boom": boom, "lam": lambda: (lambda: 1)})
    for msg in ({"event": "callback", "name": "boom", "args": [1], "kwargs": {}},
                {"event": "callback", "name": "lam", "args": [], "kwargs": {}},  # not data
                {"event": "callback", "name": "boom", "args": "x", "kwargs": {}}):
        assert answers.answer(wire.encode(msg)) == protocol.CallbackFallback()

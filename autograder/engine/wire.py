"""The data-only wire format between the trusted grader and a student's sandboxed process.

Both directions use JSON. What the student process sends is *only ever decoded as data*: no
pickle, no eval, no import. Allowed values:

    None, bool, int, float (incl. nan/inf), str
    list, tuple, dict with str keys               (nested at most MAX_DEPTH deep)
    numpy arrays of bool/int/uint/float dtype     {"__array__": {dtype, shape, b64}}
    handles to objects living in the student process  {"__handle__": id, "type": name}
    callables named by a whitelisted library path      {"__callable__": "numpy.tanh"}
    callables given as source, evaluated *in the sandbox*  {"__source__": "lambda x: ..."}

Anything else is rejected with :class:`WireError`. Sizes are bounded (MAX_BYTES per message).
The messages made of these values (requests, events, replies) are named in
:mod:`autograder.engine.protocol`.
"""
from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np

MAX_DEPTH = 32
MAX_BYTES = 512 * 1024 * 1024       # largest message decoded
MAX_SEND_BYTES = MAX_BYTES          # largest message encoded (the sandbox lowers it to what
                                    # the grader accepts, so a huge value fails early)
MAX_ITEMS = 1_000_000
ALLOWED_KINDS = {"b", "i", "u", "f"}
CALLABLE_MODULES = ("numpy", "math", "scipy.special", "torch", "torch.nn.functional")


class WireError(ValueError):
    """A value that cannot cross the boundary (or a malformed message)."""


class Handle:
    """Reference to an object that stays in the student process."""

    def __init__(self, id_: int, type_name: str, is_callable: bool = False):
        self.id, self.type_name, self.is_callable = int(id_), str(type_name)[:100], bool(is_callable)

    def __repr__(self):
        return f"<{self.type_name} object in the student's process>"


class Source:
    """A callable given as Python source, evaluated where the student's code runs."""

    def __init__(self, source: str):
        self.source = source
        self._fn = None

    def __call__(self, *args, **kwargs):  # in-process use (plain nbgrader grading)
        if self._fn is None:
            self._fn = evaluate_source(self.source)
        return self._fn(*args, **kwargs)

    def __repr__(self):
        return self.source


# ------------------------------------------------------------------------ encoding

def encode(value: Any, *, objects: Callable[[Any], Handle] | None = None) -> bytes:
    """Serialise ``value``; ``objects`` turns any other object into a Handle (student side),
    otherwise such objects raise WireError (trusted side)."""
    data = json.dumps(_enc(value, objects, 0), allow_nan=False, separators=(",", ":")).encode()
    if len(data) > MAX_SEND_BYTES:
        raise WireError(f"value too large to send back ({len(data) / 1e6:.0f} MB; at most "
                        f"{MAX_SEND_BYTES / 1e6:.0f} MB may cross the sandbox boundary)")
    return data


def _enc(v, objects, depth):
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if v is None or isinstance(v, (bool, str)) or type(v) is int:
        return v
    if type(v) is float:
        return v if math.isfinite(v) else {"__float__": repr(v)}
    if isinstance(v, Handle) or isinstance(getattr(v, "_handle", None), Handle):
        v = v if isinstance(v, Handle) else v._handle  # a proxy of a student-side object
        return {"__handle__": v.id, "type": v.type_name, "callable": v.is_callable}
    if isinstance(v, Source):
        return {"__source__": v.source}
    if isinstance(v, (np.ndarray, np.generic)) or _is_tensor(v):
        return _enc_array(v)
    if type(v) is list:
        return [_enc(x, objects, depth + 1) for x in v]
    if type(v) is tuple:
        return {"__tuple__": [_enc(x, objects, depth + 1) for x in v]}
    if type(v) is dict:
        if not all(type(k) is str for k in v):
            raise WireError("dict keys must be strings")
        return {"__dict__": [[k, _enc(x, objects, depth + 1)] for k, x in v.items()]}
    name = _callable_path(v)
    if name:
        return {"__callable__": name}
    if isinstance(v, (int, float)):  # subclasses (e.g. IntEnum, rigged floats): plain value
        return _enc(int(v) if isinstance(v, int) else float(v), objects, depth)
    if objects is not None:
        return _enc(objects(v), None, depth)
    raise WireError(f"cannot send a {type(v).__name__} across the sandbox boundary")


def _is_tensor(v) -> bool:
    return type(v).__module__.startswith("torch") and hasattr(v, "detach") and hasattr(v, "numpy")


def _enc_array(v):
    torch_flag = _is_tensor(v)
    arr = v.detach().cpu().numpy() if torch_flag else np.asarray(v)
    arr = np.asarray(arr, order="C").view(np.ndarray) if arr.dtype.kind in ALLOWED_KINDS else arr
    if arr.dtype.kind not in ALLOWED_KINDS:
        raise WireError(f"arrays of dtype {arr.dtype} cannot be sent (numbers only)")
    if arr.nbytes * 4 // 3 > MAX_SEND_BYTES:  # checked before the copy that encoding makes
        raise WireError(f"an array of {arr.nbytes / 1e6:.0f} MB is too large to send back "
                        f"(at most {MAX_SEND_BYTES / 1e6:.0f} MB may cross the sandbox boundary)")
    dt = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
    arr = arr.astype(dt, copy=False)
    return {"__array__": {"dtype": dt.str, "shape": list(arr.shape),
                          "b64": base64.b64encode(arr.tobytes()).decode("ascii"),
                          "torch": torch_flag, "scalar": isinstance(v, np.generic)}}


def _callable_path(v) -> str | None:
    if not callable(v):
        return None
    module = getattr(v, "__module__", None) or ("numpy" if isinstance(v, np.ufunc) else None)
    name = getattr(v, "__name__", None)
    if isinstance(v, np.ufunc):
        module = "numpy"
    if module and name and (module in CALLABLE_MODULES or module.startswith("torch")):
        path = f"{module}.{name}"
        if _resolve_callable(path, strict=False) is v:
            return path
    return None


# ------------------------------------------------------------------------ decoding

def decode(data: bytes, *, handles: Callable[[int], Any] | None = None,
           tensors: bool = False) -> Any:
    """Parse a message as data only. ``handles`` maps handle ids to objects (student side) or
    is None to keep :class:`Handle` placeholders (trusted side). With ``tensors`` (student side)
    arrays sent as torch tensors come back as tensors."""
    if len(data) > MAX_BYTES:
        raise WireError("message too large")
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WireError(f"malformed message: {exc}") from None
    budget = [MAX_ITEMS]
    return _dec(raw, handles, tensors, 0, budget)


def _dec(v, handles, tensors, depth, budget):
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise WireError("message too large or nested too deeply")
    if v is None or isinstance(v, (bool, str)) or type(v) in (int, float):
        return v
    if type(v) is list:
        return [_dec(x, handles, tensors, depth + 1, budget) for x in v]
    if type(v) is not dict or len(v) == 0:
        raise WireError("malformed value")
    if "__float__" in v:
        text = v["__float__"]
        if text not in ("nan", "inf", "-inf"):
            raise WireError("malformed float")
        return float(text)
    if "__tuple__" in v:
        return tuple(_dec(x, handles, tensors, depth + 1, budget) for x in _list(v["__tuple__"]))
    if "__dict__" in v:
        out = {}
        for pair in _list(v["__dict__"]):
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                raise WireError("malformed dict")
            out[pair[0]] = _dec(pair[1], handles, tensors, depth + 1, budget)
        return out
    if "__array__" in v:
        return _dec_array(v["__array__"], tensors)
    if "__handle__" in v:
        if type(v["__handle__"]) is not int:
            raise WireError("malformed handle")
        if handles is None:
            return Handle(v["__handle__"], str(v.get("type", "object")), bool(v.get("callable")))
        return handles(v["__handle__"])
    if "__callable__" in v:
        if handles is None:
            raise WireError("the student process may not send callables")
        return _resolve_callable(str(v["__callable__"]))
    if "__source__" in v:
        if handles is None:
            raise WireError("the student process may not send code")
        return _eval_source(str(v["__source__"]))
    raise WireError("malformed value")


def _list(v):
    if type(v) is not list:
        raise WireError("malformed value")
    return v


def _dec_array(spec, tensors):
    if type(spec) is not dict:
        raise WireError("malformed array")
    try:
        dt = np.dtype(str(spec["dtype"]))
        shape = tuple(int(s) for s in spec["shape"])
        raw = base64.b64decode(spec["b64"], validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise WireError(f"malformed array ({exc})") from None
    if dt.kind not in ALLOWED_KINDS or dt.hasobject or any(s < 0 for s in shape):
        raise WireError(f"arrays of dtype {dt} are not accepted")
    if math.prod(shape) * dt.itemsize != len(raw):
        raise WireError("array data does not match its shape")
    arr = np.frombuffer(raw, dtype=dt).reshape(shape).copy()
    if spec.get("scalar") and arr.ndim == 0:
        arr = arr[()]
    if tensors and spec.get("torch"):
        import torch

        return torch.from_numpy(np.array(arr))
    return arr


def _resolve_callable(path: str, strict: bool = True):
    module_name, _, attr = path.rpartition(".")
    if module_name not in CALLABLE_MODULES and not module_name.startswith("torch"):
        if strict:
            raise WireError(f"callable {path!r} is not allowed")
        return None
    import importlib

    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError):
        if strict:
            raise WireError(f"unknown callable {path!r}") from None
        return None


def evaluate_source(source: str):
    """Evaluate trusted test source: an expression, or statements that assign ``result``."""
    import torch

    names = {"np": np, "torch": torch, "math": math}
    try:
        return eval(source, names)  # trusted test source, run where the student code runs
    except SyntaxError:
        exec(source, names)
        return names["result"]


_eval_source = evaluate_source


# ------------------------------------------------------------------------ in-place changes

def write_back(original, returned) -> None:
    """Mirror in-place changes that a call on the other side of the boundary made to array
    arguments: the student's function called by a test (so tests that check "does not modify
    its input" see them), or the grader's correct callee called by the student's code (an
    in-place ``sgd_step``), as they would in one process."""
    if _is_tensor(returned):
        returned = returned.detach().cpu().numpy()
    if type(original).__module__.startswith("torch") and isinstance(returned, np.ndarray):
        if tuple(original.shape) == returned.shape:  # a torch tensor argument
            import torch

            with torch.no_grad():
                original.copy_(torch.as_tensor(returned, dtype=original.dtype))
        return
    if isinstance(original, np.ndarray) and isinstance(returned, np.ndarray):
        if original.shape == returned.shape:
            try:
                np.copyto(original, returned, casting="unsafe")
            except (TypeError, ValueError):
                pass
        return
    if isinstance(original, list) and isinstance(returned, list) and len(original) == len(returned):
        for o, r in zip(original, returned):
            if isinstance(o, (np.ndarray, list, dict)) or type(o).__module__.startswith("torch"):
                write_back(o, r)
        return
    if isinstance(original, dict) and isinstance(returned, dict):
        for key in list(original):
            if key not in returned:
                del original[key]
        for key, r in returned.items():
            o = original.get(key)
            if isinstance(o, np.ndarray) and isinstance(r, np.ndarray) and o.shape == r.shape:
                write_back(o, r)
            elif isinstance(o, (list, dict)):
                write_back(o, r)
            elif key not in original or not (o is r or _same(o, r)):
                original[key] = r


def _same(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False

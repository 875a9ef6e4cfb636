"""Hidden tests for chapter 06-rnn.

Each test gets (student, ref, rng): the student's function, the reference module and a seeded
generator. Every test checks returned values against the reference (itself checked against
torch in tests/06-rnn/test_reference.py); inputs are passed as copies, and the "does not modify"
tests check the values as well as the inputs.

Points: rnn_step 4, rnn_forward 4, rnn_backward 7, lstm_step 5, gru_step 5, one_hot_dna 5,
train_motif_classifier 8, choose_context_length 6 (44 graded automatically), and the written
answer written_context_choice 2, graded by hand against the rubric in the solution notebook
(46 in all).

``train_motif_classifier`` is trained once per student function on sequences simulated here
with the chapter's generative model (i.i.d. AT-rich background, one instance of a 15-bp
GRE-like PWM planted at a random position in half of the sequences), with a seed the student
never sees, and graded on held-out sequences and its wall time. Reproducibility is checked by
training twice on a small part of the data with the same ``seed`` after setting the global
random states (torch, numpy, random) where the student's code runs to different values.

The decision of section 8 (choose_context_length) is graded on held-out score curves drawn
here, with r runs per context length, built so that the right length is known with margins (no
mean within 0.2 x tolerance of the bar best - tolerance, nor of the bar a plausible wrong rule
would use instead), and on the held-out accuracies of the chapter's motif CNN at nine filter
widths, five seeds each, trained on this file's hidden sequences (see _MOTIF_ACCURACY).
"""
import time

import numpy as np

from autograder.engine.testing import (Failure, Suite, describe, expect, expect_close, expect_shape,
                                expect_unchanged, make, once_per_student, same_as_reference,
                                to_array, to_float, type_name)

SUITE = Suite("06-rnn")


def _rnn_inputs(rng, T=5, N=3, D=4, H=6, scale=0.5):
    """Random RNN data with D != H (catches transposed weights) and a non-zero h0."""
    return dict(x=rng.normal(0, 1, size=(T, N, D)), h0=rng.normal(0, 0.5, size=(N, H)),
                W_xh=rng.normal(0, scale, size=(D, H)), W_hh=rng.normal(0, scale, size=(H, H)),
                b_h=rng.normal(0, 0.3, size=H))


def _gated_inputs(rng, gates, N=3, D=5, H=4, scale=0.6):
    return dict(x_t=rng.normal(0, 1, size=(N, D)), h_prev=rng.normal(0, 0.7, size=(N, H)),
                W_ih=rng.normal(0, scale, size=(gates * H, D)),
                W_hh=rng.normal(0, scale, size=(gates * H, H)),
                b_ih=rng.normal(0, 0.5, size=gates * H), b_hh=rng.normal(0, 0.5, size=gates * H))


def _given(args, names):
    return ", ".join(f"{k} {describe(args[k])}" for k in names)


def _copies(args, names):
    return [args[k].copy() for k in names]


def _args(args, names):
    """The arguments in the order of the reference's signature (``names``)."""
    return tuple(args[k] for k in names)


# ------------------------------------------------------------------ rnn_step
STEP = ("x_t", "h_prev", "W_xh", "W_hh", "b_h")


def _step_args(rng, **kw):
    a = _rnn_inputs(rng, T=1, **kw)
    return dict(x_t=a["x"][0], h_prev=a["h0"], W_xh=a["W_xh"], W_hh=a["W_hh"], b_h=a["b_h"])


@SUITE.test("rnn_step", points=1,
            hint="h_t = tanh(x_t @ W_xh + h_prev @ W_hh + b_h): both products, the bias, then tanh")
def values_on_random_inputs(student, ref, rng):
    a = _step_args(rng)
    same_as_reference(student, ref.rnn_step, _args(a, STEP), what="rnn_step")


@SUITE.test("rnn_step", points=1,
            hint="x_t is (N, D) and W_xh is (D, H), so x_t @ W_xh is (N, H); W_hh is (H, H) and "
                 "h_prev @ W_hh keeps h_prev on the left (no transpose)")
def shapes_with_other_sizes(student, ref, rng):
    for N, D, H in ((1, 7, 2), (5, 1, 3), (2, 3, 9)):
        a = _step_args(rng, N=N, D=D, H=H)
        same_as_reference(student, ref.rnn_step, _args(a, STEP), what="rnn_step")


@SUITE.test("rnn_step", points=1,
            hint="the activation is tanh: outputs lie in (-1, 1) and large inputs saturate "
                 "at +-1 without warnings")
def saturates_for_large_inputs(student, ref, rng):
    a = _step_args(rng, scale=30.0)
    out = same_as_reference(student, ref.rnn_step, _args(a, STEP), what="rnn_step")
    expect(np.all(np.abs(out) <= 1.0), "rnn_step", "values outside [-1, 1]", _given(a, STEP))


@SUITE.test("rnn_step", points=1, hint="compute a new array; do not add into x_t or h_prev")
def does_not_modify_its_inputs(student, ref, rng):
    a = _step_args(rng)  # the call is checked for in-place changes of every input
    same_as_reference(student, ref.rnn_step, _args(a, STEP), what="rnn_step")


# ------------------------------------------------------------------ rnn_forward
FWD = ("x", "h0", "W_xh", "W_hh", "b_h")


@SUITE.test("rnn_forward", points=1,
            hint="loop t = 0..T-1: h = rnn_step(x[t], h, ...) starting from h = h0, and store "
                 "every h in an array of shape (T, N, H)")
def values_on_random_inputs(student, ref, rng):
    a = _rnn_inputs(rng, T=6)
    same_as_reference(student, ref.rnn_forward, _args(a, FWD), what="rnn_forward")


@SUITE.test("rnn_forward", points=1,
            hint="the output has one state per input step, (T, N, H): h0 is not part of it")
def shape_is_T_N_H(student, ref, rng):
    for T, N, D, H in ((1, 2, 3, 4), (9, 1, 2, 5), (4, 5, 6, 1)):
        a = _rnn_inputs(rng, T=T, N=N, D=D, H=H)
        out = expect_shape(student(*_copies(a, FWD)), (T, N, H), "rnn_forward", _given(a, FWD))
        expect_close(out, ref.rnn_forward(**a), "rnn_forward", _given(a, FWD))


@SUITE.test("rnn_forward", points=1,
            hint="start from the given h0 (not zeros) and feed each new state into the next step")
def uses_h0_and_the_previous_state(student, ref, rng):
    a = _rnn_inputs(rng, T=8, scale=0.9)
    a["h0"] = rng.uniform(-0.95, 0.95, size=a["h0"].shape)
    a["x"][1:] = 0.0  # after the first step only the recurrence moves the state
    same_as_reference(student, ref.rnn_forward, _args(a, FWD), what="rnn_forward",
                      given=_given(a, FWD) + " (x is zero after the first step)")


@SUITE.test("rnn_forward", points=1, hint="build a new (T, N, H) array; leave x and h0 untouched")
def does_not_modify_its_inputs(student, ref, rng):
    a = _rnn_inputs(rng, T=4)  # the call is checked for in-place changes of every input
    same_as_reference(student, ref.rnn_forward, _args(a, FWD), what="rnn_forward")


# ------------------------------------------------------------------ rnn_backward
BWD = ("dhs", "x", "hs", "h0", "W_xh", "W_hh")
BWD_OUT = ("dx", "dh0", "dW_xh", "dW_hh", "db_h")


def _bwd_args(ref, rng, T=5, N=3, D=4, H=6, last_only=False):
    a = _rnn_inputs(rng, T=T, N=N, D=D, H=H, scale=0.6)
    hs = ref.rnn_forward(**a)
    dhs = rng.normal(0, 1, size=hs.shape)
    if last_only:
        dhs[:-1] = 0.0
    return dict(dhs=dhs, x=a["x"], hs=hs, h0=a["h0"], W_xh=a["W_xh"], W_hh=a["W_hh"])


def _bwd_result(student, a, given):
    out = student(*_copies(a, BWD))
    if not isinstance(out, (tuple, list)) or len(out) != 5:
        raise Failure(f"rnn_backward with {given}: expected a tuple (dx, dh0, dW_xh, dW_hh, db_h)"
                      f", got {type(out).__name__}"
                      + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
    return out


def _check_grad(student, ref, a, name, given):
    k = BWD_OUT.index(name)
    out = _bwd_result(student, a, given)
    expect_close(out[k], ref.rnn_backward(**a)[k], f"rnn_backward: {name}", given)


def _grad_test(name, hint):
    @SUITE.test("rnn_backward", points=1, hint=hint)
    def run(student, ref, rng):
        for shape in (dict(T=5, N=3, D=4, H=6), dict(T=7, N=2, D=6, H=3)):
            a = _bwd_args(ref, rng, **shape)
            _check_grad(student, ref, a, name, _given(a, BWD))
    SUITE.tests[-1].name = f"{name} matches torch autograd on random inputs"
    return run


_grad_test("dx", "dx[t] = da_t @ W_xh.T with da_t = (dhs[t] + gradient from step t+1) * "
                 "(1 - hs[t]**2)")
_grad_test("dh0", "dh0 is what flows out of the first step: da_0 @ W_hh.T (not zeros, not dhs[0])")
_grad_test("dW_xh", "dW_xh sums x[t].T @ da_t over every time step (the weights are shared)")
_grad_test("dW_hh", "dW_hh sums h_{t-1}.T @ da_t, where h_{t-1} is hs[t-1] and h0 for t = 0 "
                    "(the state *before* the step)")
_grad_test("db_h", "db_h sums da_t over time steps and over the batch: shape (H,)")


@SUITE.test("rnn_backward", points=1,
            hint="walk t from T-1 down to 0 and carry the gradient into the previous state: "
                 "a loss on the last state still reaches every earlier step")
def loss_on_the_last_state_only(student, ref, rng):
    a = _bwd_args(ref, rng, T=6, last_only=True)
    given = _given(a, BWD) + " (dhs is zero except at the last step)"
    out = _bwd_result(student, a, given)
    exp = ref.rnn_backward(**a)
    for k, name in enumerate(BWD_OUT):
        expect_close(out[k], exp[k], f"rnn_backward: {name}", given)
    a1 = _bwd_args(ref, rng, T=1, N=4, D=2, H=3)
    given = _given(a1, BWD) + " (a single time step)"
    out = _bwd_result(student, a1, given)
    exp = ref.rnn_backward(**a1)
    for k, name in enumerate(BWD_OUT):
        expect_close(out[k], exp[k], f"rnn_backward: {name}", given)


@SUITE.test("rnn_backward", points=1,
            hint="accumulate into new arrays (np.zeros_like); `dhs[t] += ...` writes into the "
                 "caller's array")
def does_not_modify_its_inputs(student, ref, rng):
    a = _bwd_args(ref, rng, T=5)
    before = {k: v.copy() for k, v in a.items()}
    out = student(*[a[k] for k in BWD])
    for k in BWD:
        expect_unchanged(before[k], a[k], "rnn_backward", k)
    if not isinstance(out, (tuple, list)) or len(out) != 5:
        raise Failure("rnn_backward: expected a tuple (dx, dh0, dW_xh, dW_hh, db_h)")
    exp = ref.rnn_backward(**before)
    for k, name in enumerate(BWD_OUT):
        expect_close(out[k], exp[k], f"rnn_backward: {name}", _given(before, BWD))


# ------------------------------------------------------------------ lstm_step
LSTM = ("x_t", "h_prev", "c_prev", "W_ih", "W_hh", "b_ih", "b_hh")


def _lstm_args(rng, **kw):
    a = _gated_inputs(rng, 4, **kw)
    a["c_prev"] = rng.normal(0, 1.0, size=a["h_prev"].shape)
    return a


def _lstm_result(student, a, given):
    out = student(*_copies(a, LSTM))
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Failure(f"lstm_step with {given}: expected a tuple (h, c), got "
                      f"{type(out).__name__}")
    return out


@SUITE.test("lstm_step", points=1,
            hint="c = f * c_prev + i * g: gates from a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + "
                 "b_hh split into four blocks in the order i, f, g, o (torch's order)")
def cell_state_matches_LSTMCell(student, ref, rng):
    a = _lstm_args(rng)
    out = _lstm_result(student, a, _given(a, LSTM))
    expect_close(out[1], ref.lstm_step(**a)[1], "lstm_step: c", _given(a, LSTM))


@SUITE.test("lstm_step", points=1,
            hint="h = o * tanh(c) with the new c; i, f, o use the sigmoid and g uses tanh")
def hidden_state_matches_LSTMCell(student, ref, rng):
    a = _lstm_args(rng)
    out = _lstm_result(student, a, _given(a, LSTM))
    expect_close(out[0], ref.lstm_step(**a)[0], "lstm_step: h", _given(a, LSTM))


@SUITE.test("lstm_step", points=1,
            hint="torch stores W_ih as (4H, D): use x_t @ W_ih.T; the block k of rows "
                 "k*H:(k+1)*H belongs to gate k of (i, f, g, o)")
def other_sizes_and_a_single_sequence(student, ref, rng):
    for N, D, H in ((1, 3, 2), (4, 1, 5), (2, 6, 1)):
        a = _lstm_args(rng, N=N, D=D, H=H)
        out = _lstm_result(student, a, _given(a, LSTM))
        exp = ref.lstm_step(**a)
        expect_close(out[0], exp[0], "lstm_step: h", _given(a, LSTM))
        expect_close(out[1], exp[1], "lstm_step: c", _given(a, LSTM))


@SUITE.test("lstm_step", points=1,
            hint="both biases are added (b_ih and b_hh); the sigmoid must not overflow for "
                 "large pre-activations")
def large_weights_stay_finite(student, ref, rng):
    a = _lstm_args(rng, scale=40.0)
    out = _lstm_result(student, a, _given(a, LSTM))
    exp = ref.lstm_step(**a)
    expect_close(out[0], exp[0], "lstm_step: h", _given(a, LSTM))
    expect_close(out[1], exp[1], "lstm_step: c", _given(a, LSTM))


@SUITE.test("lstm_step", points=1, hint="compute new arrays; leave h_prev and c_prev untouched")
def does_not_modify_its_inputs(student, ref, rng):
    a = _lstm_args(rng)
    before = {k: v.copy() for k, v in a.items()}
    out = student(*[a[k] for k in LSTM])
    for k in LSTM:
        expect_unchanged(before[k], a[k], "lstm_step", k)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Failure("lstm_step: expected a tuple (h, c)")
    exp = ref.lstm_step(**before)
    expect_close(out[0], exp[0], "lstm_step: h", _given(before, LSTM))
    expect_close(out[1], exp[1], "lstm_step: c", _given(before, LSTM))


# ------------------------------------------------------------------ gru_step
GRU = ("x_t", "h_prev", "W_ih", "W_hh", "b_ih", "b_hh")


@SUITE.test("gru_step", points=1,
            hint="r, z, n are the three H-row blocks of W_ih and W_hh (in that order); "
                 "h = (1 - z) * n + z * h_prev")
def values_match_GRUCell(student, ref, rng):
    a = _gated_inputs(rng, 3)
    same_as_reference(student, ref.gru_step, _args(a, GRU), what="gru_step")


@SUITE.test("gru_step", points=1,
            hint="the reset gate multiplies the whole recurrent term of n, bias included: "
                 "n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))")
def reset_gate_includes_the_recurrent_bias(student, ref, rng):
    a = _gated_inputs(rng, 3)
    H = a["h_prev"].shape[1]
    a["b_hh"][2 * H:] += rng.choice([-2.0, 2.0], size=H)  # a large b_hn makes the difference
    same_as_reference(student, ref.gru_step, _args(a, GRU), what="gru_step",
                      given=_given(a, GRU) + " (large b_hn)")


@SUITE.test("gru_step", points=1,
            hint="torch stores W_ih as (3H, D): use x_t @ W_ih.T; check D != H and N = 1")
def other_sizes_and_a_single_sequence(student, ref, rng):
    for N, D, H in ((1, 3, 2), (4, 1, 5), (2, 6, 1)):
        a = _gated_inputs(rng, 3, N=N, D=D, H=H)
        same_as_reference(student, ref.gru_step, _args(a, GRU), what="gru_step")


@SUITE.test("gru_step", points=1,
            hint="when z is close to 1 the new state copies h_prev: the update gate weighs "
                 "h_prev, (1 - z) weighs the candidate n")
def update_gate_copies_the_previous_state(student, ref, rng):
    a = _gated_inputs(rng, 3)
    H = a["h_prev"].shape[1]
    a["b_ih"][H:2 * H] = 8.0  # z close to 1: h_t is almost h_prev
    out = same_as_reference(student, ref.gru_step, _args(a, GRU), what="gru_step",
                      given=_given(a, GRU) + " (update gate z close to 1)")
    expect(np.allclose(out, a["h_prev"], atol=0.05), "gru_step",
           "with z close to 1 the output should stay close to h_prev", _given(a, GRU))


@SUITE.test("gru_step", points=1, hint="compute new arrays; leave h_prev untouched")
def does_not_modify_its_inputs(student, ref, rng):
    a = _gated_inputs(rng, 3)  # the call is checked for in-place changes of every input
    same_as_reference(student, ref.gru_step, _args(a, GRU), what="gru_step")


# ------------------------------------------------------------------ one_hot_dna
def _random_dna(rng, n, letters="ACGT"):
    return "".join(rng.choice(list(letters), size=n))


def _check_dna(student, ref, seq, what):
    given = f"seq = {seq!r}" if len(seq) <= 40 else f"a {what} string of length {len(seq)}"
    expect_close(student(seq), ref.one_hot_dna(seq), "one_hot_dna", given, rtol=0, atol=0)


@SUITE.test("one_hot_dna", points=1,
            hint="row i has a single 1 in column 'ACGT'.index(seq[i]): A, C, G, T in that order")
def uppercase_sequences(student, ref, rng):
    _check_dna(student, ref, "ACGT", "short")
    _check_dna(student, ref, "TTGCA", "short")
    _check_dna(student, ref, _random_dna(rng, 120), "random uppercase")


@SUITE.test("one_hot_dna", points=1,
            hint="convert to upper case first (seq.upper()): 'a' and 'A' are the same base")
def lower_and_mixed_case(student, ref, rng):
    _check_dna(student, ref, "acgt", "short")
    _check_dna(student, ref, _random_dna(rng, 90, "ACGTacgt"), "random mixed-case")


@SUITE.test("one_hot_dna", points=1,
            hint="N and any other character (gaps, IUPAC codes like R or Y, U) give a row of "
                 "zeros, not 0.25s and not an error; the length stays len(seq)")
def N_and_other_letters_give_zero_rows(student, ref, rng):
    _check_dna(student, ref, "ANNcGt-RY", "short")
    _check_dna(student, ref, "nnnn", "short")
    _check_dna(student, ref, _random_dna(rng, 80, "ACGTacgtNnRYU-."), "random noisy")


@SUITE.test("one_hot_dna", points=1,
            hint="an empty sequence gives an array of shape (0, 4); np.zeros((len(seq), 4)) "
                 "handles it without a special case")
def empty_string(student, ref, rng):
    expect_shape(student(""), (0, 4), "one_hot_dna", "seq = ''")


@SUITE.test("one_hot_dna", points=1,
            hint="create the array with dtype=np.float32 (what torch layers expect)")
def returns_float32(student, ref, rng):
    seq = _random_dna(rng, 30, "ACGTN")
    out = student(seq)
    dtype = getattr(out, "dtype", None)
    expect(str(dtype) in ("float32", "torch.float32"), "one_hot_dna",
           f"expected dtype float32, got {dtype if dtype is not None else type(out).__name__}",
           f"a random string of length {len(seq)}")
    expect_close(out, ref.one_hot_dna(seq), "one_hot_dna", f"a random string of length {len(seq)}",
                 rtol=0, atol=0)


# ------------------------------------------------------------------ train_motif_classifier
TIME_LIMIT = 60.0  # seconds for training on the grader's data
_LENGTH, _N_TRAIN, _N_TEST = 80, 2000, 1000
_SITE = "AGAACANNNTGTTCT"  # a GRE-like palindrome, two half-sites 3 bp apart
_STRENGTH = 0.95
_BACKGROUND = np.array([0.3, 0.2, 0.2, 0.3])  # A, C, G, T
_DATA = {}


def _grader_sequences(n, seed):
    """n sequences (half with one planted site) from the chapter's generative model."""
    draw = np.random.default_rng(seed)
    abc = np.array(list("ACGT"))
    pwm = np.array([[0.25] * 4 if ch == "N" else
                     [_STRENGTH if b == ch else (1 - _STRENGTH) / 3 for b in "ACGT"]
                     for ch in _SITE])
    labels = draw.permutation(np.arange(n) % 2)
    seqs = []
    for lab in labels:
        bases = draw.choice(4, size=_LENGTH, p=_BACKGROUND)
        if lab:
            pos = draw.integers(0, _LENGTH - len(_SITE) + 1)
            site = [draw.choice(4, p=col) for col in pwm]
            bases[pos:pos + len(_SITE)] = site
        seqs.append("".join(abc[bases]))
    return seqs, labels.astype(np.int64)


def _motif_data():
    if not _DATA:
        _DATA["train"] = _grader_sequences(_N_TRAIN, seed=61)
        _DATA["test"] = _grader_sequences(_N_TEST, seed=62)
    return _DATA["train"], _DATA["test"]


@once_per_student
def _trained(student):
    """(model, seconds, exception) of student(train sequences, labels): computed once per
    student function and shared by the tests."""
    (seqs, labels), _ = _motif_data()
    t_start = time.perf_counter()
    try:
        result = (student(list(seqs), labels.copy()), time.perf_counter() - t_start, None)
    except Exception as exc:  # noqa: BLE001 - re-raised by each test that needs it
        result = (None, time.perf_counter() - t_start, exc)
    return result


GIVEN = (f"{_N_TRAIN} simulated sequences of length {_LENGTH} (half with a planted 15-bp site), "
         f"held-out {_N_TEST}")


def _model(student):
    model, seconds, exc = _trained(student)
    if exc is not None:
        raise exc
    predict = getattr(model, "predict", None)
    if not callable(predict):
        raise Failure(f"train_motif_classifier with {GIVEN}: the returned "
                      f"{type(model).__name__} has no .predict(sequences) method")
    return predict, seconds


def _predictions(predict, seqs, what):
    pred = to_array(predict(list(seqs)), "train_motif_classifier: .predict").reshape(-1)
    if pred.size != len(seqs):
        raise Failure(f"{what}: .predict returned {pred.size} labels for {len(seqs)} sequences")
    return pred


def _accuracy(student):
    predict, seconds = _model(student)
    _, (seqs, labels) = _motif_data()
    pred = _predictions(predict, seqs, "train_motif_classifier")
    expect(seconds <= TIME_LIMIT, "train_motif_classifier",
           f"training took {seconds:.0f} s, more than the {TIME_LIMIT:.0f} s allowed", GIVEN)
    return float(np.mean(pred == labels))


@SUITE.test("train_motif_classifier", points=1,
            hint="predict(list_of_strings) should return a numpy array of 0/1 integers, one per "
                 "sequence (threshold the probability at 0.5, or the logit at 0)")
def predict_returns_one_label_per_sequence(student, ref, rng):
    predict, _ = _model(student)
    _, (seqs, _labels) = _motif_data()
    pred = _predictions(predict, seqs[:7], "train_motif_classifier")
    odd = pred[(pred != 0) & (pred != 1)]
    if odd.size:
        raise Failure(f"train_motif_classifier with 7 held-out sequences: predict returned "
                      f"values other than 0 and 1 (e.g. {odd[0]:.3g})")


@SUITE.test("train_motif_classifier", points=2,
            hint="if the accuracy is near 0.5 the model ignores the sequence: check the one-hot "
                 "encoding, the labels and that the training loss falls; a convolution (or "
                 "LSTM) followed by a max over positions finds a motif wherever it sits")
def held_out_accuracy_at_least_75_percent(student, ref, rng):
    acc = _accuracy(student)
    expect(acc >= 0.75, "train_motif_classifier",
           f"held-out accuracy {acc:.3f}, expected at least 0.75", GIVEN)


@SUITE.test("train_motif_classifier", points=2,
            hint="a Conv1d with ~8 filters about as wide as a binding site, ReLU, max over "
                 "positions and one linear output, trained with Adam for a few epochs, "
                 "reaches about 0.98")
def held_out_accuracy_at_least_90_percent(student, ref, rng):
    acc = _accuracy(student)
    expect(acc >= 0.90, "train_motif_classifier",
           f"held-out accuracy {acc:.3f}, expected at least 0.90", GIVEN)


@SUITE.test("train_motif_classifier", points=1,
            hint="call model.eval() (no dropout) and torch.no_grad() in predict, and encode "
                 "lower-case bases like upper-case ones (use your one_hot_dna)")
def predictions_are_reproducible_and_case_insensitive(student, ref, rng):
    predict, _ = _model(student)
    _, (seqs, labels) = _motif_data()
    part = list(seqs[:300])
    first = _predictions(predict, part, "train_motif_classifier")
    again = _predictions(predict, part, "train_motif_classifier")
    expect(np.array_equal(first, again), "train_motif_classifier",
           f"two calls of predict on the same sequences disagree on "
           f"{int(np.sum(first != again))} of {len(part)}", "300 held-out sequences")
    lower = _predictions(predict, [s.lower() for s in part], "train_motif_classifier")
    expect(np.mean(lower == first) >= 0.99, "train_motif_classifier",
           f"predictions on the lower-case copies differ on {int(np.sum(lower != first))} of "
           f"{len(part)} sequences", "300 held-out sequences and their lower-case copies")
    expect(np.mean(first == labels[:300]) >= 0.75, "train_motif_classifier",
           "the predictions are reproducible but mostly wrong", "300 held-out sequences")


_GLOBAL_SEEDS = ("import random\nrandom.seed({0})\nnp.random.seed({0})\n"
                 "torch.manual_seed({0})\nresult = 0")
_N_SMALL = 300  # training sequences of the reproducibility test


@SUITE.test("train_motif_classifier", points=1,
            hint="seed every source of randomness from `seed`: torch.manual_seed(seed) before "
                 "creating the network (initial weights, dropout) and a generator seeded with "
                 "`seed` for the shuffling, so that the same data and seed give the same model "
                 "whatever the global random state")
def same_seed_gives_the_same_model(student, ref, rng):
    (seqs, labels), (test_seqs, _) = _motif_data()
    given = (f"{_N_SMALL} training sequences, seed=7 twice (the global random state set "
             f"differently before each call), predictions on {len(test_seqs)} held-out sequences")
    runs = []
    for global_seed in (1234, 98765):
        make(student, _GLOBAL_SEEDS.format(global_seed))
        model = student(list(seqs[:_N_SMALL]), labels[:_N_SMALL].copy(), seed=7)
        predict = getattr(model, "predict", None)
        if not callable(predict):
            raise Failure(f"train_motif_classifier with {given}: the returned "
                          f"{type(model).__name__} has no .predict(sequences) method")
        runs.append(_predictions(predict, test_seqs, "train_motif_classifier"))
    differ = int(np.sum(runs[0] != runs[1]))
    expect(differ == 0, "train_motif_classifier",
           f"two models trained with the same seed disagree on {differ} of {len(test_seqs)} "
           "held-out sequences", given)


def _with_unknown_bases(rng, seqs, rate=0.03):
    out = []
    for s in seqs:
        chars = np.array(list(s))
        hit = rng.random(len(chars)) < rate
        chars[hit] = rng.choice(["N", "n"], size=int(hit.sum()))
        out.append("".join(chars))
    return out


@SUITE.test("train_motif_classifier", points=1,
            hint="sequencing reads contain N (an unknown base): predict must accept any letter "
                 "and encode it as one_hot_dna does (a row of zeros), not fail on it")
def predicts_sequences_with_unknown_bases(student, ref, rng):
    predict, _ = _model(student)
    _, (seqs, labels) = _motif_data()
    noisy = _with_unknown_bases(rng, seqs[:400])
    given = "400 held-out sequences in which about 3% of the bases were replaced by N or n"
    pred = _predictions(predict, noisy, "train_motif_classifier")
    odd = pred[(pred != 0) & (pred != 1)]
    expect(odd.size == 0, "train_motif_classifier",
           "predict returned values other than 0 and 1", given)
    clean = float(np.mean(_predictions(predict, seqs[:400], "train_motif_classifier")
                          == labels[:400]))
    acc = float(np.mean(pred == labels[:400]))
    wanted = max(0.6, min(0.75, clean - 0.1))  # a few Ns may cost a little, not everything
    expect(acc >= wanted, "train_motif_classifier",
           f"held-out accuracy {acc:.3f} on these sequences ({clean:.3f} on the same sequences "
           f"without N), expected at least {wanted:.2f}", given)


# ------------------------------------------------------------------ choose_context_length
# Evidence: held-out scores (higher is better) of r runs at each of k context lengths, drawn so
# that the right length is known: every mean lies at least 0.2 x tolerance away from the bar
# best - tolerance, and from the bar of the plausible wrong rule a test is about.
DECIDE = "choose_context_length"
SUITE.written("written_context_choice", 2)
TOL = 0.01  # the default tolerance: one percentage point of accuracy


def _runs(rng, means, r=3, spread=0.3 * TOL):
    """(k, r) scores whose row means are exactly ``means`` (centred noise of sd ``spread``)."""
    noise = rng.normal(0.0, spread, size=(len(means), r))
    noise -= noise.mean(axis=1, keepdims=True)
    return np.asarray(means, dtype=float)[:, None] + noise


def _curve_given(scores, what):
    shape = np.shape(scores)
    runs = "one run" if len(shape) == 1 else f"{shape[1]} runs"
    return f"{shape[0]} context lengths, {runs} each, {what}"


def _decide(student, ref, lengths, scores, given, **kw):
    """Call the student's function on copies and compare its choice with the reference's."""
    out = student(lengths.copy(), scores.copy(), **kw)
    got = to_float(out, DECIDE)
    want = ref.choose_context_length(lengths, scores, **kw)
    expect(got == want, DECIDE, f"chose a context of {got:g}, expected {want}", given)
    return out


@SUITE.test(DECIDE, points=1,
            hint="take the best mean score over all lengths, then return the shortest length "
                 "whose mean is at least best - tolerance: not the best-scoring length itself, "
                 "and the length, not its position in the list")
def shortest_context_within_tolerance_of_the_best(student, ref, rng):
    lengths = np.array([5, 10, 20, 40, 80, 160])
    for answer in (1, 2, 3):
        top = rng.uniform(0.85, 0.93)
        means = np.empty(lengths.size)
        means[answer] = top - TOL * rng.uniform(0.3, 0.8)
        means[:answer] = means[answer] - TOL * np.cumsum(rng.uniform(1.5, 4.0, size=answer))[::-1]
        means[answer + 1:] = top - TOL * rng.uniform(0.1, 0.8, size=lengths.size - answer - 1)
        means[rng.integers(answer + 1, lengths.size)] = top
        scores = _runs(rng, means)
        _decide(student, ref, lengths, scores, _curve_given(scores, "the score levelling off"))


@SUITE.test(DECIDE, points=1,
            hint="compare the lengths by the mean of their runs (np.mean over axis 1): the best "
                 "single run of a length is one lucky seed, not evidence that the length is "
                 "good enough")
def averages_the_runs_before_comparing(student, ref, rng):
    lengths = np.array([10, 20, 40, 80, 160])
    r = 5
    top = rng.uniform(0.85, 0.92)
    means = top - TOL * np.array([rng.uniform(6, 10), rng.uniform(2, 3), rng.uniform(0.2, 0.7),
                                  0.0, rng.uniform(0.1, 0.8)])
    noise = rng.uniform(-0.2 * TOL, 0.2 * TOL, size=(lengths.size, r))
    scores = means[:, None] + noise - noise.mean(axis=1, keepdims=True)  # within 0.4 TOL
    lucky = top + TOL * rng.uniform(0.5, 1.0)  # one seed at 20 beats every run of the others
    others = rng.normal(0.0, 0.5 * TOL, size=r - 1)
    rest = (r * means[1] - lucky) / (r - 1) + others - others.mean()
    scores[1] = np.insert(rest, rng.integers(r), lucky)
    _decide(student, ref, lengths, scores,
            _curve_given(scores, "one run of a short context far better than its other runs"))


@SUITE.test(DECIDE, points=1,
            hint="the bar is the best mean over every length tried: a score that hardly changes "
                 "between the shortest contexts can still rise later, when the context reaches a "
                 "more distant part of the signal, so do not stop at the first small gain")
def a_plateau_at_short_contexts_is_not_the_answer(student, ref, rng):
    lengths = np.array([4, 8, 16, 32, 64, 128])
    for flat in (2, 3):  # the number of lengths on the plateau
        means = np.empty(lengths.size)
        means[0] = rng.uniform(0.55, 0.65)
        for i in range(1, flat):
            means[i] = means[i - 1] + TOL * rng.uniform(0.1, 0.6)
        means[flat] = means[flat - 1] + TOL * rng.uniform(5, 10)
        for i in range(flat + 1, lengths.size):
            means[i] = means[i - 1] + TOL * rng.uniform(2, 4)
        top = int(rng.integers(flat + 1, lengths.size))
        means[top + 1:] = means[top] - TOL * rng.uniform(0.2, 0.6, size=lengths.size - top - 1)
        scores = _runs(rng, means)
        _decide(student, ref, lengths, scores,
                _curve_given(scores, "the score flat over the shortest contexts, then rising"))


@SUITE.test(DECIDE, points=1,
            hint="compare with the best mean, wherever it is: the longest context can score "
                 "lower than a middle one (more parameters, overfitting), and its score is not "
                 "the bar")
def a_longer_context_that_overfits_does_not_lower_the_bar(student, ref, rng):
    lengths = np.array([5, 10, 15, 20, 30, 50])
    top = rng.uniform(0.85, 0.92)
    means = top - TOL * np.array([rng.uniform(8, 12), rng.uniform(1.8, 2.2), rng.uniform(0.2, 0.7),
                                  0.0, rng.uniform(1.5, 2.0), rng.uniform(3.0, 4.0)])
    scores = _runs(rng, means)
    _decide(student, ref, lengths, scores,
            _curve_given(scores, "the score falling again at the longest contexts"))


@SUITE.test(DECIDE, points=1,
            hint="pair each length with its row and compare lengths, not positions (they may "
                 "come in any order); a 1-D scores array is one run per length; use the "
                 "tolerance you are given, in the units of the score (best - tolerance, not a "
                 "fraction of the best)")
def lengths_in_any_order_one_run_each_and_the_tolerance_curve_given(student, ref, rng):
    lengths = np.array([8, 16, 24, 32, 48, 64])
    top = rng.uniform(0.85, 0.92)
    means = top - TOL * np.array([rng.uniform(4, 6), rng.uniform(1.5, 2.5), rng.uniform(0.3, 0.7),
                                  0.0, rng.uniform(0.2, 0.8), rng.uniform(1.3, 1.8)])
    scores = _runs(rng, means)
    order = np.array([3, 5, 0, 2, 4, 1])  # the best first, the answer after a longer one
    _decide(student, ref, lengths[order], scores[order],
            _curve_given(scores, "lengths not sorted"))
    order = np.array([4, 2, 5, 1, 3, 0])
    _decide(student, ref, lengths[order], means[order],
            _curve_given(means, "lengths not sorted"))
    _decide(student, ref, lengths, scores, _curve_given(scores, "tolerance=0.0"), tolerance=0.0)
    top = rng.uniform(0.75, 0.82)  # 0.05 below the best qualifies; 5 % of the best does not
    band = 0.05 * (1 - top)
    means = top - np.array([0.05 + rng.uniform(0.02, 0.04), 0.05 - rng.uniform(0.25, 0.75) * band,
                            rng.uniform(0.01, 0.03), 0.0, rng.uniform(0.002, 0.02)])
    scores = _runs(rng, means, 4)
    _decide(student, ref, np.array([10, 20, 30, 40, 60]), scores,
            _curve_given(scores, "tolerance=0.05"), tolerance=0.05)


# Held-out accuracy of the chapter's motif CNN (the reference's architecture: Conv1d(4 -> 16,
# width w), ReLU, max over positions, Linear(16 -> 1); Adam lr 0.01, batches of 64, 8 epochs)
# with filter width w, trained on _motif_data()'s 2,000 training sequences with seeds 0..4
# (torch.random.manual_seed and the shuffling generator) and scored on its 1,000 held-out ones.
# Mean accuracy per width: 0.839 0.884 0.947 0.950 0.967 0.975 0.965 0.959 0.931; with the
# default tolerance the bar is 0.9648 and the answer is 12 (0.0018 above the bar, 10 lies 0.014
# below it).
_MOTIF_WIDTHS = np.array([4, 6, 8, 10, 12, 14, 16, 20, 30])
_MOTIF_ACCURACY = np.array([
    [0.864, 0.827, 0.846, 0.843, 0.814],
    [0.889, 0.793, 0.918, 0.904, 0.916],
    [0.959, 0.935, 0.948, 0.951, 0.943],
    [0.956, 0.961, 0.948, 0.949, 0.938],
    [0.970, 0.958, 0.970, 0.965, 0.970],
    [0.980, 0.979, 0.977, 0.981, 0.957],
    [0.956, 0.961, 0.964, 0.970, 0.972],
    [0.966, 0.960, 0.959, 0.954, 0.956],
    [0.957, 0.878, 0.945, 0.927, 0.949]])
MOTIF_GIVEN = ("the held-out accuracy of the chapter's motif CNN at 9 filter widths, 5 seeds "
               "each (2000 training and 1000 held-out sequences from the chapter's model)")


@SUITE.test(DECIDE, points=1,
            hint="the whole rule on real evidence: the mean over the seeds, the best mean over "
                 "all widths, then the narrowest width within the tolerance of it, returned as "
                 "one plain number (an int), not a list, an array or its position")
def the_chapter_motif_task_filter_widths(student, ref, rng):
    out = _decide(student, ref, _MOTIF_WIDTHS, _MOTIF_ACCURACY, MOTIF_GIVEN)
    expect(np.ndim(out) == 0 and not isinstance(out, (bool, np.bool_)), DECIDE,
           f"returned a {type_name(out)}; return a plain number (int)", MOTIF_GIVEN)

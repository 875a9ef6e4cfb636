"""Plausible bugs (mutants) and different correct implementations (alternatives) of 06-rnn.

Every mutant must lose points and every alternative must keep full marks
(tests/test_grading_contract.py).
"""
import numpy as np
import torch
from torch import nn

from autograder.engine.bank import Bank

BANK = Bank("06-rnn")


def _sig(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


# ------------------------------------------------------------------ rnn_step
@BANK.mutant("rnn_step", "forgets the bias b_h",
             diagnosis="you leave out the bias b_h inside the tanh, so with zero "
                       "input and zero state the new state is 0 instead of tanh(b_h)",
             section="The recurrent neuron")
def rnn_step_no_bias(x_t, h_prev, W_xh, W_hh, b_h):
    return np.tanh(x_t @ W_xh + h_prev @ W_hh)


@BANK.mutant("rnn_step", "transposed recurrent weights: h_prev @ W_hh.T",
             diagnosis="you multiply the previous state by the transpose of W_hh; "
                       "as it is square the shape fits, but in the row-vector form "
                       "the state multiplies W_hh as it is",
             section="The recurrent neuron")
def rnn_step_transposed(x_t, h_prev, W_xh, W_hh, b_h):
    return np.tanh(x_t @ W_xh + h_prev @ W_hh.T + b_h)


@BANK.mutant("rnn_step", "sigmoid instead of tanh",
             diagnosis="you squash with a sigmoid instead of tanh, so the hidden "
                       "state lies between 0 and 1 instead of between -1 and 1",
             section="The recurrent neuron")
def rnn_step_sigmoid(x_t, h_prev, W_xh, W_hh, b_h):
    return _sig(x_t @ W_xh + h_prev @ W_hh + b_h)


@BANK.mutant("rnn_step", "in place: h_prev += ...",
             diagnosis="you add into the caller's previous-state array in place, so "
                       "h_prev has changed after the call; a step must return a new "
                       "array and leave its inputs unchanged",
             section="Exercise")
def rnn_step_inplace(x_t, h_prev, W_xh, W_hh, b_h):
    h_prev += x_t @ W_xh + b_h + (h_prev @ W_hh - h_prev)
    return np.tanh(h_prev)


@BANK.alternative("rnn_step", "torch in float32")
def rnn_step_torch32(x_t, h_prev, W_xh, W_hh, b_h):
    t = [torch.as_tensor(np.asarray(a, dtype=np.float32)) for a in (x_t, h_prev, W_xh, W_hh, b_h)]
    return torch.tanh(t[0] @ t[2] + t[1] @ t[3] + t[4]).numpy()


@BANK.alternative("rnn_step", "one matrix product on the stacked input [x_t, h_prev]")
def rnn_step_stacked(x_t, h_prev, W_xh, W_hh, b_h):
    return np.tanh(np.concatenate([x_t, h_prev], axis=1) @ np.vstack([W_xh, W_hh]) + b_h)


# ------------------------------------------------------------------ rnn_forward
def _step(x_t, h, W_xh, W_hh, b_h):
    return np.tanh(x_t @ W_xh + h @ W_hh + b_h)


@BANK.mutant("rnn_forward", "includes h0 as the first state: (T + 1, N, H)",
             diagnosis="you include the initial state h0 as the first entry, so you return T + "
                       "1 states; the output holds only the T states computed after each input",
             section="Unrolling in time")
def rnn_forward_with_h0(x, h0, W_xh, W_hh, b_h):
    hs, h = [h0], h0
    for x_t in x:
        h = _step(x_t, h, W_xh, W_hh, b_h)
        hs.append(h)
    return np.stack(hs)


@BANK.mutant("rnn_forward", "ignores h0 and starts from zeros",
             diagnosis="you start from a state of zeros and ignore the initial state "
                       "h0 you were given, although every later state depends on it",
             section="Unrolling in time")
def rnn_forward_zero_start(x, h0, W_xh, W_hh, b_h):
    h, hs = np.zeros_like(h0), []
    for x_t in x:
        h = _step(x_t, h, W_xh, W_hh, b_h)
        hs.append(h)
    return np.stack(hs)


@BANK.mutant("rnn_forward", "does not carry the state: every step uses h0",
             diagnosis="you compute every step from the initial state h0 instead of from the "
                       "previous step's state, so the network has no memory of earlier inputs",
             section="Unrolling in time")
def rnn_forward_no_recurrence(x, h0, W_xh, W_hh, b_h):
    return np.stack([_step(x_t, h0, W_xh, W_hh, b_h) for x_t in x])


@BANK.mutant("rnn_forward", "off by one: the state stored at t is the one before step t",
             diagnosis="you store each state before the step that updates it, so "
                       "position t holds the state before reading x[t]: h0 comes "
                       "first and the last state is missing",
             section="Unrolling in time")
def rnn_forward_off_by_one(x, h0, W_xh, W_hh, b_h):
    h, hs = h0, []
    for x_t in x:
        hs.append(h)
        h = _step(x_t, h, W_xh, W_hh, b_h)
    return np.stack(hs)


@BANK.alternative("rnn_forward", "torch.nn.RNN with copied weights (float64)")
def rnn_forward_torch(x, h0, W_xh, W_hh, b_h):
    D, H = W_xh.shape
    rnn = nn.RNN(D, H, nonlinearity="tanh").double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.as_tensor(W_xh.T))
        rnn.weight_hh_l0.copy_(torch.as_tensor(W_hh.T))
        rnn.bias_ih_l0.copy_(torch.as_tensor(b_h))
        rnn.bias_hh_l0.zero_()
        out, _ = rnn(torch.as_tensor(x), torch.as_tensor(h0)[None])
    return out.numpy()


@BANK.alternative("rnn_forward", "input projections for all steps at once, float32")
def rnn_forward_precomputed(x, h0, W_xh, W_hh, b_h):
    xw = (np.asarray(x, np.float32) @ W_xh.astype(np.float32)) + b_h.astype(np.float32)
    out = np.zeros(xw.shape[:2] + (W_hh.shape[0],), np.float32)
    h = h0.astype(np.float32)
    for t in range(len(xw)):
        h = np.tanh(xw[t] + h @ W_hh.astype(np.float32))
        out[t] = h
    return out


# ------------------------------------------------------------------ rnn_backward
def _bptt(dhs, x, hs, h0, W_xh, W_hh, *, carry_on=True, deriv=lambda h: 1 - h ** 2,
          prev_is_current=False, bias_axis=0, dh0_zero=False, inplace=False):
    T = len(x)
    dx, dWx, dWh = np.zeros_like(x), np.zeros_like(W_xh), np.zeros_like(W_hh)
    db = np.zeros(W_hh.shape[0])
    carry = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        if inplace:
            dhs[t] += carry
            g = dhs[t]
        else:
            g = dhs[t] + (carry if carry_on else 0.0)
        da = g * deriv(hs[t])
        prev = hs[t] if prev_is_current else (hs[t - 1] if t else h0)
        dx[t] = da @ W_xh.T
        dWx += x[t].T @ da
        dWh += prev.T @ da
        db += da.sum(axis=bias_axis) if bias_axis == 0 else da.sum(axis=1).mean()
        carry = da @ W_hh.T
    return dx, (np.zeros_like(h0) if dh0_zero else carry), dWx, dWh, db


@BANK.mutant("rnn_backward", "truncated: forgets the gradient flowing back from step t+1",
             diagnosis="you use only the direct gradient at each step and drop the "
                       "part flowing back from step t + 1 through W_hh, so later "
                       "losses never reach earlier steps",
             section="Backpropagation through time")
def rnn_backward_truncated(dhs, x, hs, h0, W_xh, W_hh):
    return _bptt(dhs, x, hs, h0, W_xh, W_hh, carry_on=False)


@BANK.mutant("rnn_backward", "tanh derivative written as 1 - h instead of 1 - h^2",
             diagnosis="you take the derivative of tanh as 1 - h, but written with "
                       "its output h the slope of tanh is 1 - h²",
             section="Backpropagation through time")
def rnn_backward_wrong_derivative(dhs, x, hs, h0, W_xh, W_hh):
    return _bptt(dhs, x, hs, h0, W_xh, W_hh, deriv=lambda h: 1 - h)


@BANK.mutant("rnn_backward", "dW_hh uses h_t instead of h_{t-1}",
             diagnosis="you pair each step's gradient with the new state h_t in the "
                       "W_hh gradient, but W_hh multiplied the state before the "
                       "step, h_{t-1} (h0 at the first step)",
             section="Backpropagation through time")
def rnn_backward_current_state(dhs, x, hs, h0, W_xh, W_hh):
    return _bptt(dhs, x, hs, h0, W_xh, W_hh, prev_is_current=True)


@BANK.mutant("rnn_backward", "returns zeros for dh0",
             diagnosis="you return zeros for the gradient on h0, but the gradient leaving "
                       "the first step flows on into the initial state through W_hh",
             section="Backpropagation through time")
def rnn_backward_no_dh0(dhs, x, hs, h0, W_xh, W_hh):
    return _bptt(dhs, x, hs, h0, W_xh, W_hh, dh0_zero=True)


@BANK.mutant("rnn_backward", "in place: dhs[t] += carry modifies the caller's dhs",
             diagnosis="you add the carried gradient into the caller's dhs array in place, so the "
                       "gradients they passed in are changed; keep it in a variable of its own",
             section="Exercise")
def rnn_backward_inplace(dhs, x, hs, h0, W_xh, W_hh):
    return _bptt(dhs, x, hs, h0, W_xh, W_hh, inplace=True)


@BANK.mutant("rnn_backward", "bias gradient averaged instead of summed",
             diagnosis="you average the bias gradient over steps and sequences, but a "
                       "shared bias collects one contribution from every step and "
                       "every sequence, and they add up",
             section="Backpropagation through time")
def rnn_backward_bias_mean(dhs, x, hs, h0, W_xh, W_hh):
    dx, dh0, dWx, dWh, db = _bptt(dhs, x, hs, h0, W_xh, W_hh)
    return dx, dh0, dWx, dWh, db / (x.shape[0] * x.shape[1])


@BANK.mutant("rnn_backward", "recurrent gradient multiplied by W_hh instead of W_hh.T",
             diagnosis="you mix up the transposes of the recurrent weights going "
                       "backwards: the gradient for the previous state needs W_hh "
                       "transposed, and your W_hh gradient comes out transposed",
             section="Backpropagation through time")
def rnn_backward_untransposed(dhs, x, hs, h0, W_xh, W_hh):
    out = _bptt(dhs, x, hs, h0, W_xh, W_hh.T)
    return out[0], out[1], out[2], out[3].T, out[4]


@BANK.alternative("rnn_backward", "torch autograd through a recomputed forward pass")
def rnn_backward_autograd(dhs, x, hs, h0, W_xh, W_hh):
    x_t = torch.tensor(x, requires_grad=True)
    h0_t = torch.tensor(h0, requires_grad=True)
    Wx = torch.tensor(W_xh, requires_grad=True)
    Wh = torch.tensor(W_hh, requires_grad=True)
    # recover the bias from the first step: atanh(h_1) = x_1 W_xh + h0 W_hh + b
    b_val = (np.arctanh(np.clip(hs[0], -1 + 1e-15, 1 - 1e-15)) - x[0] @ W_xh - h0 @ W_hh)[0]
    b = torch.tensor(b_val, requires_grad=True)
    h, outs = h0_t, []
    for t in range(len(x)):
        h = torch.tanh(x_t[t] @ Wx + h @ Wh + b)
        outs.append(h)
    torch.autograd.backward(torch.stack(outs), torch.as_tensor(dhs))
    return x_t.grad.numpy(), h0_t.grad.numpy(), Wx.grad.numpy(), Wh.grad.numpy(), b.grad.numpy()


@BANK.alternative("rnn_backward", "float32 with lists and a final stack")
def rnn_backward_float32(dhs, x, hs, h0, W_xh, W_hh):
    f = np.float32
    dhs, x, hs, h0, W_xh, W_hh = (np.asarray(a, f) for a in (dhs, x, hs, h0, W_xh, W_hh))
    prevs = np.concatenate([h0[None], hs[:-1]])
    das, carry = [], np.zeros_like(h0)
    for t in reversed(range(len(x))):
        da = (dhs[t] + carry) * (1 - hs[t] * hs[t])
        das.append(da)
        carry = da @ W_hh.T
    das = np.stack(das[::-1])
    return (das @ W_xh.T, carry, np.einsum("tnd,tnh->dh", x, das),
            np.einsum("tni,tnh->ih", prevs, das), das.sum(axis=(0, 1)))


# ------------------------------------------------------------------ lstm_step
def _lstm(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh, order="ifgo", use_hh_bias=True,
          h_from_c=np.tanh):
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + (b_hh if use_hh_bias else 0.0)
    blocks = dict(zip(order, np.split(a, 4, axis=1)))
    i, f, o = _sig(blocks["i"]), _sig(blocks["f"]), _sig(blocks["o"])
    g = np.tanh(blocks["g"])
    c = f * c_prev + i * g
    return o * h_from_c(c), c


@BANK.mutant("lstm_step", "gate order i, f, o, g (as in some course notes) instead of torch's",
             diagnosis="you read the four gate blocks in the order i, f, o, g, but PyTorch stacks "
                       "them as i, f, g, o, so the candidate and the output gate are swapped",
             section="LSTM: a memory cell with gates")
def lstm_step_ifog(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    return _lstm(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh, order="ifog")


@BANK.mutant("lstm_step", "forgets b_hh (only one bias)",
             diagnosis="you add only the input bias and forget the recurrent bias "
                       "b_hh; PyTorch keeps two biases and adds both to every gate",
             section="LSTM: a memory cell with gates")
def lstm_step_one_bias(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    return _lstm(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh, use_hh_bias=False)


@BANK.mutant("lstm_step", "h = o * c (no tanh on the cell state)",
             diagnosis="you multiply the output gate by the cell state itself, but the new "
                       "cell state is squashed through tanh before the output gate scales it",
             section="LSTM: a memory cell with gates")
def lstm_step_no_tanh(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    return _lstm(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh, h_from_c=lambda c: c)


@BANK.mutant("lstm_step", "returns (c, h) instead of (h, c)",
             diagnosis="you return the cell state and the hidden state the wrong way round; like "
                       "nn.LSTMCell, the step returns the hidden state first, then the cell state",
             section="Exercise")
def lstm_step_swapped(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    h, c = _lstm(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh)
    return c, h


@BANK.mutant("lstm_step", "in place: c_prev *= f",
             diagnosis="you update the caller's cell-state array in place, so c_prev has "
                       "changed after the call; the new cell state must be a new array",
             section="Exercise")
def lstm_step_inplace(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    H = h_prev.shape[1]
    c_prev *= _sig(a[:, H:2 * H])
    c_prev += _sig(a[:, :H]) * np.tanh(a[:, 2 * H:3 * H])
    return _sig(a[:, 3 * H:]) * np.tanh(c_prev), c_prev.copy()


@BANK.alternative("lstm_step", "torch.nn.LSTMCell with copied weights, float32")
def lstm_step_torch(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    cell = nn.LSTMCell(W_ih.shape[1], h_prev.shape[1])
    with torch.no_grad():
        for p, v in zip(cell.parameters(), (W_ih, W_hh, b_ih, b_hh)):
            p.copy_(torch.as_tensor(np.asarray(v, np.float32)))
        h, c = cell(torch.as_tensor(np.asarray(x_t, np.float32)),
                    (torch.as_tensor(np.asarray(h_prev, np.float32)),
                     torch.as_tensor(np.asarray(c_prev, np.float32))))
    return h.numpy(), c.numpy()


@BANK.alternative("lstm_step", "gate by gate with index slices and scipy-free sigmoid")
def lstm_step_slices(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    gate = [x_t @ W_ih[k * H:(k + 1) * H].T + h_prev @ W_hh[k * H:(k + 1) * H].T
            + b_ih[k * H:(k + 1) * H] + b_hh[k * H:(k + 1) * H] for k in range(4)]
    i, f, o = (1 / (1 + np.exp(-np.clip(gate[k], -500, 500))) for k in (0, 1, 3))
    c = f * c_prev + i * np.tanh(gate[2])
    return o * np.tanh(c), c


# ------------------------------------------------------------------ gru_step
def _gru(x_t, h_prev, W_ih, W_hh, b_ih, b_hh, order="rzn", bias_outside=False,
         reset_before=False, swap_z=False):
    H = h_prev.shape[1]
    gi = dict(zip(order, np.split(x_t @ W_ih.T + b_ih, 3, axis=1)))
    Wh = dict(zip(order, np.split(W_hh, 3, axis=0)))
    bh = dict(zip(order, np.split(b_hh, 3)))
    r = _sig(gi["r"] + h_prev @ Wh["r"].T + bh["r"])
    z = _sig(gi["z"] + h_prev @ Wh["z"].T + bh["z"])
    if reset_before:
        n = np.tanh(gi["n"] + (r * h_prev) @ Wh["n"].T + bh["n"])
    elif bias_outside:
        n = np.tanh(gi["n"] + r * (h_prev @ Wh["n"].T) + bh["n"])
    else:
        n = np.tanh(gi["n"] + r * (h_prev @ Wh["n"].T + bh["n"]))
    del H
    return z * n + (1 - z) * h_prev if swap_z else (1 - z) * n + z * h_prev


@BANK.mutant("gru_step", "b_hn added outside the reset gate",
             diagnosis="you add the candidate's recurrent bias after the reset gate "
                       "has scaled the recurrent part, but in PyTorch the reset "
                       "gate multiplies that part with its bias included",
             section="GRU: two gates, one state")
def gru_step_bias_outside(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return _gru(x_t, h_prev, W_ih, W_hh, b_ih, b_hh, bias_outside=True)


@BANK.mutant("gru_step", "reset applied before the matrix product (Cho et al.'s variant)",
             diagnosis="you apply the reset gate to the previous state before the "
                       "matrix product, as in Cho et al.'s paper; PyTorch applies "
                       "it after the product, bias included",
             section="GRU: two gates, one state")
def gru_step_reset_before(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return _gru(x_t, h_prev, W_ih, W_hh, b_ih, b_hh, reset_before=True)


@BANK.mutant("gru_step", "h = z * n + (1 - z) * h_prev (the other convention)",
             diagnosis="you let z weigh the candidate and 1 - z the old state, but in PyTorch's "
                       "GRU the update gate z is the share of the old state that is kept",
             section="GRU: two gates, one state")
def gru_step_swapped_update(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return _gru(x_t, h_prev, W_ih, W_hh, b_ih, b_hh, swap_z=True)


@BANK.mutant("gru_step", "gate order z, r, n",
             diagnosis="you read the three blocks in the order z, r, n, but PyTorch stacks "
                       "them as r, z, n, so the reset and the update gate are swapped",
             section="GRU: two gates, one state")
def gru_step_zrn(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return _gru(x_t, h_prev, W_ih, W_hh, b_ih, b_hh, order="zrn")


@BANK.alternative("gru_step", "torch.nn.GRUCell with copied weights, float64")
def gru_step_torch(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    cell = nn.GRUCell(W_ih.shape[1], h_prev.shape[1]).double()
    with torch.no_grad():
        for p, v in zip(cell.parameters(), (W_ih, W_hh, b_ih, b_hh)):
            p.copy_(torch.as_tensor(v))
        return cell(torch.as_tensor(x_t), torch.as_tensor(h_prev)).numpy()


@BANK.alternative("gru_step", "h_prev + (1 - z) (n - h_prev), float32")
def gru_step_interpolate32(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    f = np.float32
    x_t, h_prev, W_ih, W_hh, b_ih, b_hh = (np.asarray(a, f) for a in
                                           (x_t, h_prev, W_ih, W_hh, b_ih, b_hh))
    H = h_prev.shape[1]
    gi, gh = x_t @ W_ih.T + b_ih, h_prev @ W_hh.T + b_hh
    r = _sig(gi[:, :H] + gh[:, :H]).astype(f)
    z = _sig(gi[:, H:2 * H] + gh[:, H:2 * H]).astype(f)
    n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    return h_prev + (1 - z) * (n - h_prev)


# ------------------------------------------------------------------ one_hot_dna
def _one_hot(seq, order="ACGT", upper=True, other=0.0, dtype=np.float32, transpose=False):
    s = seq.upper() if upper else seq
    out = np.full((len(s), 4), other, dtype=dtype)
    for i, ch in enumerate(s):
        if ch in order:
            out[i] = 0
            out[i, order.index(ch)] = 1
    return out.T if transpose else out


@BANK.mutant("one_hot_dna", "alphabetical-looking order A, C, T, G",
             diagnosis="you order the columns A, C, T, G, but the convention is "
                       "alphabetical, A, C, G, T, so G and T end up in each other's columns",
             section="Finding a binding site in DNA")
def one_hot_dna_actg(seq):
    return _one_hot(seq, order="ACTG")


@BANK.mutant("one_hot_dna", "case-sensitive: lower-case bases become zero rows",
             diagnosis="you recognise only upper-case letters, so lower-case bases "
                       "(soft-masked repeats) become rows of zeros; a and A are the same base",
             section="Exercise")
def one_hot_dna_case_sensitive(seq):
    return _one_hot(seq, upper=False)


@BANK.mutant("one_hot_dna", "N (and other letters) as 0.25 in every column",
             diagnosis="you encode N and other unknown letters as 0.25 in every column, but "
                       "here any character that is not A, C, G or T gives a row of zeros",
             section="Exercise")
def one_hot_dna_quarter(seq):
    return _one_hot(seq, other=0.25)


@BANK.mutant("one_hot_dna", "float64 (numpy's default dtype)",
             diagnosis="you return float64, numpy's default, but the encoding must "
                       "be float32, the type PyTorch layers expect",
             section="Exercise")
def one_hot_dna_float64(seq):
    return _one_hot(seq, dtype=np.float64)


@BANK.mutant("one_hot_dna", "channels first: (4, L)",
             diagnosis="you return the matrix with the four bases as rows, (4, L); the encoding "
                       "has one row per position of the sequence and one column per base, (L, 4)",
             section="Finding a binding site in DNA")
def one_hot_dna_transposed(seq):
    return _one_hot(seq, transpose=True)


@BANK.mutant("one_hot_dna", "drops unknown letters instead of keeping a zero row",
             diagnosis="you drop unknown letters such as N, so the encoding is "
                       "shorter than the sequence and later bases move; every "
                       "character keeps its row, zeros if unknown",
             section="Exercise")
def one_hot_dna_drops(seq):
    kept = "".join(ch for ch in seq.upper() if ch in "ACGT")
    return _one_hot(kept)


@BANK.alternative("one_hot_dna", "np.eye lookup with a dictionary")
def one_hot_dna_eye(seq):
    table = {b: k for k, b in enumerate("ACGT")}
    eye = np.vstack([np.eye(4, dtype=np.float32), np.zeros((1, 4), np.float32)])
    return eye[[table.get(ch, 4) for ch in seq.upper()]].reshape(len(seq), 4)


@BANK.alternative("one_hot_dna", "vectorised comparison of a character array, as a torch tensor")
def one_hot_dna_compare(seq):
    chars = np.array(list(seq.upper()), dtype="<U1").reshape(-1, 1)
    return torch.from_numpy((chars == np.array(list("ACGT"))).astype(np.float32))


# ------------------------------------------------------------------ train_motif_classifier
def _encode(seqs):
    return np.stack([_one_hot(s) for s in seqs])


class _Model:
    def __init__(self, predict):
        self.predict = predict


@BANK.mutant("train_motif_classifier", "base composition only (logistic regression on counts)",
             diagnosis="you classify by base composition alone, ignoring the order "
                       "of the bases, but a binding site is a particular "
                       "arrangement of bases that composition cannot reveal",
             section="Finding a binding site in DNA")
def train_composition(sequences, labels, seed=0):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression().fit(_encode(sequences).sum(axis=1), labels)
    return _Model(lambda seqs: clf.predict(_encode(seqs).sum(axis=1)))


@BANK.mutant("train_motif_classifier", "predict returns probabilities, not 0/1 labels",
             diagnosis="your predict returns probabilities between 0 and 1, but it "
                       "must return 0/1 labels, one per sequence",
             section="Exercise")
def train_probabilities(sequences, labels, seed=0):
    model = _cnn(sequences, labels, seed)
    return _Model(lambda seqs: 1 / (1 + np.exp(-model(seqs))))


@BANK.mutant("train_motif_classifier", "dropout left in training mode at prediction time",
             diagnosis="you leave the network in training mode when you predict, so "
                       "dropout still switches units off at random and the same "
                       "sequence can get different labels",
             section="Finding a binding site in DNA")
def train_dropout_no_eval(sequences, labels, seed=0):
    model = _cnn(sequences, labels, seed, dropout=0.5, eval_mode=False)
    return _Model(lambda seqs: (model(seqs) > 0).astype(int))


@BANK.mutant("train_motif_classifier", "labels the wrong way round (1 - prediction)",
             diagnosis="you turn the scores into labels the wrong way round: a positive logit "
                       "means the motif is more likely present than not, which is label 1",
             section="Finding a binding site in DNA")
def train_flipped(sequences, labels, seed=0):
    model = _cnn(sequences, labels, seed)
    return _Model(lambda seqs: (model(seqs) <= 0).astype(int))


@BANK.mutant("train_motif_classifier", "case-sensitive encoding at prediction time",
             diagnosis="your encoding recognises only upper-case bases, so a "
                       "lower-case sequence becomes all zeros and gets a "
                       "meaningless prediction; a and A are the same base",
             section="Exercise")
def train_case_sensitive(sequences, labels, seed=0):
    model = _cnn(sequences, labels, seed, upper=False)
    return _Model(lambda seqs: (model(seqs) > 0).astype(int))


def _strict_one_hot(seq):
    """A dictionary lookup that only knows A, C, G and T (KeyError on N)."""
    index = {"A": 0, "C": 1, "G": 2, "T": 3}
    out = np.zeros((len(seq), 4), dtype=np.float32)
    out[np.arange(len(seq)), [index[ch] for ch in seq.upper()]] = 1.0
    return out


def _cnn(sequences, labels, seed, dropout=0.0, eval_mode=True, upper=True, filters=12,
         epochs=6, dtype=torch.float32, seeded=True, strict=False):
    if seeded:
        torch.manual_seed(seed)

    def enc(seqs):
        rows = [_strict_one_hot(s) if strict else _one_hot(s, upper=upper) for s in seqs]
        return torch.as_tensor(np.stack(rows), dtype=dtype).transpose(1, 2)

    net = nn.Sequential(nn.Conv1d(4, filters, 12), nn.ReLU(), nn.AdaptiveMaxPool1d(1),
                        nn.Flatten(), nn.Dropout(dropout), nn.Linear(filters, 1)).to(dtype)
    X, y = enc(sequences), torch.as_tensor(np.asarray(labels), dtype=dtype)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    for _ in range(epochs):
        perm = torch.randperm(len(y))
        for k in range(0, len(y), 50):
            b = perm[k:k + 50]
            loss = nn.functional.binary_cross_entropy_with_logits(net(X[b])[:, 0], y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    torch.set_num_threads(threads)
    if eval_mode:
        net.eval()

    def score(seqs):
        with torch.no_grad():
            return net(enc(seqs))[:, 0].double().numpy()
    return score


@BANK.mutant("train_motif_classifier", "never seeds torch: the same seed gives another model",
             diagnosis="you never seed torch with the seed you are given, so training starts from "
                       "other random weights each time and the same seed gives another model",
             section="Exercise")
def train_unseeded(sequences, labels, seed=0):
    model = _cnn(sequences, labels, seed, seeded=False)
    return _Model(lambda seqs: (model(seqs) > 0).astype(int))


@BANK.mutant("train_motif_classifier", "encodes with a dictionary of A, C, G, T: fails on N",
             diagnosis="your encoder knows only A, C, G and T, so a sequence containing N or any "
                       "other letter makes it fail instead of giving that position a row of zeros",
             section="Exercise")
def train_strict_alphabet(sequences, labels, seed=0):
    model = _cnn(sequences, labels, seed, strict=True)
    return _Model(lambda seqs: (model(seqs) > 0).astype(int))


@BANK.alternative("train_motif_classifier", "a CNN in float64 with other widths, list output")
def train_cnn64(sequences, labels, seed=0):
    model = _cnn(sequences, labels, seed, filters=12, epochs=6, dtype=torch.float64)
    return _Model(lambda seqs: [int(v > 0) for v in model(seqs)])


@BANK.alternative("train_motif_classifier", "an LSTM (torch) with max-pooling over time")
def train_lstm(sequences, labels, seed=0):
    torch.manual_seed(seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(4, 24, batch_first=True)
            self.out = nn.Linear(24, 1)

        def forward(self, x):
            return self.out(self.lstm(x)[0].amax(dim=1))[:, 0]

    net = Net()
    X = torch.as_tensor(_encode(sequences))
    y = torch.as_tensor(np.asarray(labels), dtype=torch.float32)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    for _ in range(10):
        perm = torch.randperm(len(y))
        for k in range(0, len(y), 64):
            b = perm[k:k + 64]
            loss = nn.functional.binary_cross_entropy_with_logits(net(X[b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    torch.set_num_threads(threads)
    net.eval()

    def predict(seqs):
        with torch.no_grad():
            return (net(torch.as_tensor(_encode(seqs))) > 0).numpy().astype(np.int64)
    return _Model(predict)


# ------------------------------------------------------------------ choose_context_length
def _mean_runs(lengths, scores):
    L = np.asarray(lengths).reshape(-1)
    return L, np.asarray(scores, dtype=float).reshape(L.size, -1).mean(axis=1)


@BANK.mutant("choose_context_length", "takes the length with the best mean score (no tolerance)",
             diagnosis="you take the context with the best score, but the rule asks for the "
                       "shortest one within the tolerance of it: a longer context that is not "
                       "clearly better only adds parameters and cost",
             section="Finding a binding site in DNA")
def context_best_mean(lengths, scores, tolerance=0.01):
    L, mean = _mean_runs(lengths, scores)
    return int(L[np.argmax(mean)])


@BANK.mutant("choose_context_length", "compares the best run of each length (max over seeds)",
             diagnosis="you judge each context by its best run, but one lucky seed is not "
                       "evidence: compare the mean over the runs",
             section="Finding a binding site in DNA")
def context_best_run(lengths, scores, tolerance=0.01):
    L = np.asarray(lengths).reshape(-1)
    best_run = np.asarray(scores, dtype=float).reshape(L.size, -1).max(axis=1)
    return int(L[best_run >= best_run.max() - tolerance].min())


@BANK.mutant("choose_context_length", "greedy elbow: stops at the first length whose next "
                                      "length gains less than the tolerance",
             diagnosis="you stop at the first length after which the score gains less than the "
                       "tolerance, but a score can stay flat and then rise once the context "
                       "reaches a more distant part of the signal",
             section="Finding a binding site in DNA")
def context_first_small_gain(lengths, scores, tolerance=0.01):
    L, mean = _mean_runs(lengths, scores)
    order = np.argsort(L)
    L, mean = L[order], mean[order]
    for i in range(L.size - 1):
        if mean[i + 1] - mean[i] < tolerance:
            return int(L[i])
    return int(L[-1])


@BANK.mutant("choose_context_length", "within tolerance of the longest context's score",
             diagnosis="you compare with the score of the longest context, but a long context "
                       "can overfit and score lower: the bar is the best mean over all the "
                       "lengths tried",
             section="Finding a binding site in DNA")
def context_vs_longest(lengths, scores, tolerance=0.01):
    L, mean = _mean_runs(lengths, scores)
    bar = mean[np.argmax(L)] - tolerance
    return int(L[mean >= bar].min())


@BANK.mutant("choose_context_length", "relative tolerance: mean >= (1 - tolerance) * best",
             diagnosis="you read the tolerance as a fraction of the best score, but it is in the "
                       "units of the score: within 0.01 means at most one percentage point of "
                       "accuracy below the best",
             section="Exercise")
def context_relative(lengths, scores, tolerance=0.01):
    L, mean = _mean_runs(lengths, scores)
    return int(L[mean >= (1 - tolerance) * mean.max()].min())


@BANK.mutant("choose_context_length", "first qualifying length in the order given (assumes "
                                      "the lengths sorted)",
             diagnosis="you take the first length that qualifies in the order you were given, "
                       "but the lengths may come in any order: the rule asks for the shortest",
             section="Exercise")
def context_first_in_order(lengths, scores, tolerance=0.01):
    L, mean = _mean_runs(lengths, scores)
    return int(L[np.flatnonzero(mean >= mean.max() - tolerance)[0]])


@BANK.mutant("choose_context_length", "returns the position of the chosen length",
             diagnosis="you return the position of the chosen context in the list instead of "
                       "the context length itself",
             section="Exercise")
def context_index(lengths, scores, tolerance=0.01):
    L, mean = _mean_runs(lengths, scores)
    good = np.flatnonzero(mean >= mean.max() - tolerance)
    return int(good[np.argmin(L[good])])


@BANK.mutant("choose_context_length", "hard-coded tolerance 0.01",
             diagnosis="you always use a tolerance of 0.01 and ignore the tolerance you were given",
             section="Exercise")
def context_fixed_tolerance(lengths, scores, tolerance=0.01):
    L, mean = _mean_runs(lengths, scores)
    return int(L[mean >= mean.max() - 0.01].min())


@BANK.mutant("choose_context_length", "assumes 2-D scores: mean over axis 1 fails on one run "
                                      "per length",
             diagnosis="your function fails when each length has a single run, given as a 1-D "
                       "array of scores: treat it as one column of runs",
             section="Exercise")
def context_needs_2d(lengths, scores, tolerance=0.01):
    L = np.asarray(lengths)
    mean = np.asarray(scores, dtype=float).mean(axis=1)
    return int(L[mean >= mean.max() - tolerance].min())


@BANK.mutant("choose_context_length", "in place: sorts the caller's lengths (and reorders a "
                                      "copy of the scores)",
             diagnosis="you sort the caller's array of lengths in place, so it has changed after "
                       "the call; a decision must leave its evidence as it was",
             section="Exercise")
def context_sorts_in_place(lengths, scores, tolerance=0.01):
    order = np.argsort(lengths)
    lengths.sort()
    mean = np.asarray(scores, dtype=float).reshape(len(lengths), -1)[order].mean(axis=1)
    return int(lengths[np.flatnonzero(mean >= mean.max() - tolerance)[0]])


@BANK.alternative("choose_context_length", "pandas: long table, groupby length, first of the "
                                           "sorted index within tolerance")
def context_pandas(lengths, scores, tolerance=0.01):
    import pandas as pd

    runs = np.asarray(scores, dtype=float).reshape(len(lengths), -1)
    table = pd.DataFrame({"length": np.repeat(np.asarray(lengths), runs.shape[1]),
                          "score": runs.ravel()})
    mean = table.groupby("length")["score"].mean().sort_index()
    return int(mean.index[(mean.max() - mean <= tolerance).to_numpy()][0])


@BANK.alternative("choose_context_length", "plain Python loops over float32 scores, a list "
                                           "result turned into an int")
def context_loops32(lengths, scores, tolerance=0.01):
    rows = np.asarray(scores, dtype=np.float32).reshape(len(lengths), -1).tolist()
    means = [sum(row) / len(row) for row in rows]
    bar = max(means) - tolerance
    return min(int(n) for n, m in zip(lengths, means) if m >= bar)

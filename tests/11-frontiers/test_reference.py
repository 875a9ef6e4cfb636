"""The reference implementation of 11-frontiers checked against independent oracles.

Oracles (float64, 1e-6): torch.nn.functional.scaled_dot_product_attention (boolean attn_mask,
True = attend) for the output and torch.softmax of the masked scores for the weights;
torch.nn.MultiheadAttention's averaged attention weights; torch.nn.functional.
binary_cross_entropy_with_logits for the GAN losses; scipy.spatial.distance.pdist(metric=
"correlation") and np.corrcoef for the RDM; scipy.stats.spearmanr for the RDM comparison.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.spatial.distance
import scipy.stats
import torch
import torch.nn.functional as F

from autograder.engine import registry

ref = registry.reference("11-frontiers")
TOL = dict(rtol=1e-6, atol=1e-6)


def _t(x):
    return torch.as_tensor(np.asarray(x), dtype=torch.float64)


def _torch_attention(Q, K, V, mask=None):
    q, k, v = _t(Q), _t(K), _t(V)
    m = None if mask is None else torch.as_tensor(mask)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m)
    s = q @ k.transpose(-1, -2) / np.sqrt(Q.shape[-1])
    if m is not None:
        s = s.masked_fill(~m, float("-inf"))
    w = torch.softmax(s, dim=-1).nan_to_num(0.0)
    return out.numpy(), w.numpy()


@pytest.mark.parametrize("batch,lq,lk,d,dv", [((), 5, 5, 4, 3), ((3,), 4, 7, 8, 2),
                                              ((2, 3), 6, 5, 16, 5), ((1,), 1, 9, 3, 1)])
@pytest.mark.parametrize("masked", [False, True])
def test_attention_matches_torch(batch, lq, lk, d, dv, masked):
    rng = np.random.default_rng(lq * 100 + lk)
    Q = rng.normal(size=batch + (lq, d))
    K = rng.normal(size=batch + (lk, d))
    V = rng.normal(size=batch + (lk, dv))
    mask = None
    if masked:
        mask = rng.random(batch + (lq, lk)) < 0.6
        mask[..., 0] = True
    out, w = ref.scaled_dot_product_attention(Q, K, V, mask)
    t_out, t_w = _torch_attention(Q, K, V, mask)
    assert out.shape == batch + (lq, dv) and w.shape == batch + (lq, lk)
    np.testing.assert_allclose(out, t_out, **TOL)
    np.testing.assert_allclose(w, t_w, **TOL)
    np.testing.assert_allclose(w.sum(-1), 1.0, **TOL)


def test_attention_broadcast_causal_and_fully_masked_rows_match_torch():
    rng = np.random.default_rng(1)
    Q, K, V = rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 3))
    causal = np.tril(np.ones((5, 5), dtype=bool))
    for mask in (causal, np.zeros((5, 5), bool), np.r_[causal[:3], np.zeros((2, 5), bool)]):
        out, w = ref.scaled_dot_product_attention(Q, K, V, mask)
        t_out, t_w = _torch_attention(Q, K, V, mask)
        np.testing.assert_allclose(out, t_out, **TOL)  # torch gives 0 for a fully masked query
        np.testing.assert_allclose(w, t_w, **TOL)


def test_attention_weights_match_multihead_attention():
    """One head of nn.MultiheadAttention is softmax(Q K^T / sqrt(d)) V after the projections."""
    torch.manual_seed(0)
    mha = torch.nn.MultiheadAttention(8, num_heads=1, batch_first=True, dtype=torch.float64)
    x = torch.randn(2, 6, 8, dtype=torch.float64)
    block = torch.triu(torch.ones(6, 6, dtype=torch.bool), 1)  # MHA: True = NOT allowed
    with torch.no_grad():
        t_out, t_w = mha(x, x, x, attn_mask=block)
        Wq, Wk, Wv = mha.in_proj_weight.chunk(3)
        bq, bk, bv = mha.in_proj_bias.chunk(3)
        q, k, v = x @ Wq.T + bq, x @ Wk.T + bk, x @ Wv.T + bv
    out, w = ref.scaled_dot_product_attention(q.numpy(), k.numpy(), v.numpy(), ~block.numpy())
    np.testing.assert_allclose(w, t_w.numpy(), **TOL)
    with torch.no_grad():
        projected = mha.out_proj(torch.as_tensor(out)).numpy()
    np.testing.assert_allclose(projected, t_out.numpy(), **TOL)


def test_attention_is_stable_and_leaves_inputs_alone():
    rng = np.random.default_rng(2)
    Q, K, V = 300 * rng.normal(size=(4, 6)), 300 * rng.normal(size=(5, 6)), rng.normal(size=(5, 2))
    mask = rng.random((4, 5)) < 0.7
    mask[:, 1] = True
    copies = [x.copy() for x in (Q, K, V, mask)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, w = ref.scaled_dot_product_attention(Q, K, V, mask)
    t_out, t_w = _torch_attention(Q, K, V, mask)
    np.testing.assert_allclose(out, t_out, **TOL)
    np.testing.assert_allclose(w, t_w, **TOL)
    for c, x in zip(copies, (Q, K, V, mask)):
        assert np.array_equal(c, x)


def _bce(logits, target):
    x = _t(logits)
    return F.binary_cross_entropy_with_logits(x, torch.full_like(x, float(target))).item()


@pytest.mark.parametrize("scale", [1.0, 5.0, 1e3])
def test_gan_losses_match_torch(scale):
    rng = np.random.default_rng(int(scale))
    real = rng.uniform(-scale, scale, size=37)
    fake = rng.uniform(-scale, scale, size=(21, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = ref.gan_discriminator_loss(real, fake)
        g = ref.gan_generator_loss(fake)
    assert isinstance(d, float) and isinstance(g, float)
    assert d == pytest.approx(_bce(real, 1) + _bce(fake, 0), rel=1e-9, abs=1e-9)
    assert g == pytest.approx(_bce(fake, 1), rel=1e-9, abs=1e-9)


def test_gan_losses_hand_values():
    assert ref.gan_discriminator_loss(np.zeros(3), np.zeros(5)) == pytest.approx(2 * np.log(2))
    assert ref.gan_generator_loss(np.zeros(4)) == pytest.approx(np.log(2))
    assert ref.gan_generator_loss(np.array([-1000.0])) == pytest.approx(1000.0)
    assert ref.gan_discriminator_loss(np.array([1000.0]), np.array([-1000.0])) == pytest.approx(0.0)


@pytest.mark.parametrize("n,p", [(5, 3), (10, 40), (30, 8)])
def test_correlation_rdm_matches_scipy_and_corrcoef(n, p):
    acts = np.random.default_rng(n + p).normal(size=(n, p))
    before = acts.copy()
    rdm = ref.correlation_rdm(acts)
    oracle = scipy.spatial.distance.squareform(scipy.spatial.distance.pdist(acts, "correlation"))
    np.testing.assert_allclose(rdm, oracle, **TOL)
    np.testing.assert_allclose(rdm, 1 - np.corrcoef(acts), **TOL)
    assert np.array_equal(rdm, rdm.T) and np.all(np.diag(rdm) == 0)
    assert np.array_equal(acts, before)


@pytest.mark.parametrize("rounding", [None, 1, 0])
def test_compare_rdms_matches_spearmanr_incl_ties(rounding):
    rng = np.random.default_rng(3)
    a = ref.correlation_rdm(rng.normal(size=(15, 10)))
    b = ref.correlation_rdm(rng.normal(size=(15, 10)) + np.arange(10))
    if rounding is not None:
        a, b = np.round(a * 3, rounding), np.round(b * 3, rounding)
    iu = np.triu_indices(15, 1)
    oracle = scipy.stats.spearmanr(a[iu], b[iu]).statistic
    value = ref.compare_rdms(a, b)
    assert isinstance(value, float)
    assert value == pytest.approx(oracle, abs=1e-9)
    assert ref.compare_rdms(a, a) == pytest.approx(1.0)


# ------------------------------------------------------------------ behaviours the hidden tests added
def test_losses_and_rdm_comparison_return_python_floats():
    rng = np.random.default_rng(20)
    a = ref.correlation_rdm(rng.normal(size=(6, 10)))
    b = ref.correlation_rdm(rng.normal(size=(6, 10)))
    for value in (ref.gan_discriminator_loss(rng.normal(size=5), rng.normal(size=(3, 1))),
                  ref.gan_generator_loss(rng.normal(size=(4, 1))), ref.compare_rdms(a, b)):
        assert type(value) is float


def test_correlation_rdm_of_integer_spike_counts_matches_pdist():
    rng = np.random.default_rng(21)
    counts = rng.poisson(3.0, size=(7, 20))
    counts[:, 5] = 0  # a silent unit
    oracle = scipy.spatial.distance.squareform(
        scipy.spatial.distance.pdist(counts.astype(float), "correlation"))
    np.testing.assert_allclose(ref.correlation_rdm(counts), oracle, **TOL)


# ------------------------------------------------------------------ most_consistent_layer (apply and decide)
def _rdm_from_upper(upper, n):
    m = np.zeros((n, n))
    m[np.triu_indices(n, 1)] = upper
    return m + m.T


def test_most_consistent_layer_every_pair_counts_by_hand():
    n = 12
    x = np.random.default_rng(30).uniform(0.2, 1.8, size=n * (n - 1) // 2)
    same, flipped = _rdm_from_upper(x, n), _rdm_from_upper(2 - x, n)  # rho(same, flipped) = -1
    rdms = {
        # {0, 1, 2} agree, {3, 4} have the reversed order: 3 + 1 pairs at +1, 6 pairs at -1,
        # c = -0.2 (the pairs with network 0 alone: 0; neighbouring networks: 0.5)
        "two groups": [same, same, same, flipped, flipped],
        # network 0 is the odd one out: 6 pairs at +1, 4 pairs at -1, c = 0.2 (the pairs with
        # network 0 alone: -1; neighbouring networks: 0.5)
        "outlier": [flipped, same, same, same, same],
    }
    assert ref.most_consistent_layer(rdms) == "outlier"
    # the same order of dissimilarities on other scales: rho = 1 for every pair, c = 1
    rescaled = [_rdm_from_upper(x ** p, n) for p in (0.5, 1, 2, 3, 4)]
    assert ref.most_consistent_layer({**rdms, "rescaled": rescaled}) == "rescaled"
    assert ref.most_consistent_layer({"rescaled": rescaled, **rdms}) == "rescaled"


def test_most_consistent_layer_ties_go_to_the_first_layer_and_nothing_is_modified():
    rng = np.random.default_rng(31)
    mats = [ref.correlation_rdm(rng.normal(size=(8, 5))) for _ in range(3)]
    twin = [m.copy() for m in mats]  # the same RDMs: exactly the same consistency
    before = [m.copy() for m in mats]
    assert ref.most_consistent_layer({"early": mats, "late": twin}) == "early"
    assert ref.most_consistent_layer({"late": twin, "early": mats}) == "late"
    # k = 2: a single pair; the layer's name is returned as it is, even when it is not a str
    iu = np.triu_indices(8, 1)
    close, unrelated = [mats[0], mats[0] + 0.1 * mats[1]], [mats[0], mats[2]]
    rho_close = scipy.stats.spearmanr(close[0][iu], close[1][iu]).statistic
    rho_unrelated = scipy.stats.spearmanr(unrelated[0][iu], unrelated[1][iu]).statistic
    assert rho_close > rho_unrelated + 0.1
    assert ref.most_consistent_layer({7: unrelated, 3: close}) == 3
    for m, b in zip(mats, before):
        np.testing.assert_array_equal(m, b)


@pytest.mark.parametrize("seed", range(4))
def test_most_consistent_layer_matches_spearmanr_over_all_pairs(seed):
    rng = np.random.default_rng(700 + seed)
    n, k = int(rng.integers(6, 20)), int(rng.integers(2, 7))
    stimuli = rng.normal(size=(n, 10))
    rdms = {}
    for layer in range(int(rng.integers(2, 6))):
        noise = rng.uniform(0.1, 3.0)
        rdms[f"layer {layer}"] = [ref.correlation_rdm(stimuli @ rng.normal(size=(10, 15))
                                                      + noise * rng.normal(size=(n, 15)))
                                  for _ in range(k)]
    iu = np.triu_indices(n, 1)
    consistency = {name: np.mean([scipy.stats.spearmanr(mats[i][iu], mats[j][iu]).statistic
                                  for i in range(k) for j in range(k) if i < j])
                   for name, mats in rdms.items()}
    ranked = sorted(consistency.values())
    assert ranked[-1] - ranked[-2] > 1e-9  # a clear winner, so rounding cannot decide
    assert ref.most_consistent_layer(rdms) == max(consistency, key=consistency.get)

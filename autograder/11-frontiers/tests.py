"""Hidden tests for chapter 11-frontiers.

Each test gets (student, ref, rng): the student's function, the reference module and a seeded
generator, and checks returned values against the reference (itself checked against torch and
scipy in tests/11-frontiers/test_reference.py). Inputs are passed as copies, except in the
dedicated "does not modify its inputs" tests.

Points: scaled_dot_product_attention 7, gan_discriminator_loss 6, gan_generator_loss 5,
correlation_rdm 6, compare_rdms 6 (30 in all).
"""
import numpy as np

from autograder.engine.testing import (Failure, Suite, call_without_warnings, describe, expect,
                                expect_close, expect_shape, expect_unchanged, to_array, to_float)

SUITE = Suite("11-frontiers")
ATT = "scaled_dot_product_attention"


def _is_number(value):
    """A plain real number (Python or numpy scalar); a torch tensor (in one process), or the
    array it becomes across the sandbox boundary, is not one."""
    return isinstance(value, (int, float, np.integer, np.floating)) and \
        not isinstance(value, (bool, np.bool_))


def _expect_plain_number(value, name, given):
    shape = getattr(value, "shape", None)
    expect(_is_number(value), name,
           f"returned a {type(value).__name__}" + (f" of shape {tuple(shape)}" if shape is not None
                                                  else "") + "; expected a Python float", given)


# ------------------------------------------------------------------ attention helpers
def _qkv(rng, batch, lq, lk, d, dv, scale=1.0):
    Q = rng.normal(0, scale, size=batch + (lq, d))
    K = rng.normal(0, scale, size=batch + (lk, d))
    V = rng.normal(0, 1, size=batch + (lk, dv))
    return Q, K, V


def _random_mask(rng, shape, p=0.6):
    """A boolean mask (True = attend) with at least one True in every row."""
    mask = rng.random(shape) < p
    rows = mask.reshape(-1, shape[-1])
    empty = ~rows.any(axis=1)
    rows[empty, rng.integers(0, shape[-1], size=int(empty.sum()))] = True
    return rows.reshape(shape)


def _given(Q, K, V, mask=None):
    text = f"Q {describe(Q)}, K {describe(K)}, V {describe(V)}"
    if mask is not None:
        mask = np.asarray(mask)
        text += f", mask with shape {mask.shape} ({int(mask.sum())} of {mask.size} True)"
    return text


def _pair(result, what):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Failure(f"{what} should return a tuple (out, weights); got "
                      f"{type(result).__name__}" + (f" of length {len(result)}"
                                                    if isinstance(result, (tuple, list)) else ""))
    return result


def _check_attention(student, ref, Q, K, V, mask=None, rtol=1e-4, atol=1e-6, warn_free=False,
                     note=""):
    given = _given(Q, K, V, mask) + note
    args = (Q.copy(), K.copy(), V.copy())
    kwargs = {} if mask is None else {"mask": np.array(mask, copy=True)}
    if warn_free:
        result = call_without_warnings(student, *args, what=ATT, given=given, **kwargs)
    else:
        result = student(*args, **kwargs)
    out, weights = _pair(result, ATT)
    exp_out, exp_w = ref.scaled_dot_product_attention(Q, K, V, mask)
    expect_close(weights, exp_w, f"{ATT} (weights)", given, rtol=rtol, atol=atol)
    expect_close(out, exp_out, f"{ATT} (out)", given, rtol=rtol, atol=atol)
    return to_array(out, ATT), to_array(weights, ATT)


# ------------------------------------------------------------------ scaled_dot_product_attention
@SUITE.test(ATT, points=1,
            hint="scores = Q @ K.T / sqrt(d) with d = Q.shape[-1]; softmax over each row "
                 "(over the keys, the last axis); out = weights @ V")
def values_on_a_single_sequence(student, ref, rng):
    Q, K, V = _qkv(rng, (), 5, 5, 4, 3)
    _check_attention(student, ref, Q, K, V)
    Q, K, V = _qkv(rng, (), 3, 6, 8, 2)  # fewer queries than keys, dv != d
    _check_attention(student, ref, Q, K, V)


@SUITE.test(ATT, points=1,
            hint="with batch axes use np.swapaxes(K, -1, -2) (not K.T, which reverses every "
                 "axis) and reduce over axis=-1 with keepdims=True")
def batch_axes(student, ref, rng):
    for batch in ((2,), (2, 3)):
        Q, K, V = _qkv(rng, batch, 4, 6, 5, 3)
        _check_attention(student, ref, Q, K, V)


@SUITE.test(ATT, points=1,
            hint="True in the mask means 'may attend': set the scores where mask is False to "
                 "-inf (np.where(mask, scores, -np.inf)) BEFORE the softmax")
def boolean_mask(student, ref, rng):
    Q, K, V = _qkv(rng, (), 5, 7, 4, 3)
    mask = _random_mask(rng, (5, 7))
    _, w = _check_attention(student, ref, Q, K, V, mask)
    expect(np.all(np.abs(w[~mask]) <= 1e-12), ATT, "weights are not 0 where the mask is False",
           _given(Q, K, V, mask))
    Q, K, V = _qkv(rng, (2, 3), 4, 5, 6, 2)
    _check_attention(student, ref, Q, K, V, _random_mask(rng, (2, 3, 4, 5)))


@SUITE.test(ATT, points=1,
            hint="a (Lq, Lk) mask must broadcast over the batch axes; a causal mask is "
                 "np.tril(np.ones((L, L), dtype=bool)): query i sees keys 0..i")
def mask_broadcasts_and_causal_mask(student, ref, rng):
    Q, K, V = _qkv(rng, (3,), 6, 6, 4, 2)
    causal = np.tril(np.ones((6, 6), dtype=bool))
    out, w = _check_attention(student, ref, Q, K, V, causal, note=" (causal mask)")
    expect(np.allclose(w[:, 0, 0], 1.0), ATT, "with a causal mask the first query can only "
           "attend to the first key, so its weight there must be 1", _given(Q, K, V, causal))
    Q, K, V = _qkv(rng, (2, 2), 3, 5, 4, 3)
    _check_attention(student, ref, Q, K, V, _random_mask(rng, (3, 5)))


@SUITE.test(ATT, points=1,
            hint="subtract each row's maximum score before np.exp: softmax is unchanged and "
                 "no exponent is positive, so nothing overflows")
def stable_for_large_scores(student, ref, rng):
    # integer Q and K with d = 4 make the scores exact halves up to ~1e3 even in float32
    Q = rng.integers(-40, 41, size=(2, 5, 4)).astype(float)
    K = rng.integers(-40, 41, size=(2, 6, 4)).astype(float)
    Q[:, 0], K[:, 2] = 40.0, 40.0  # one score of 3200 per batch item: exp(3200) overflows
    V = rng.normal(size=(2, 6, 3))
    out, w = _check_attention(student, ref, Q, K, V, warn_free=True, rtol=1e-4, atol=1e-5,
                              note=" (scores up to 3200)")
    expect(np.allclose(w.sum(-1), 1.0) and np.all(w >= 0), ATT,
           "the weights of each query should be >= 0 and sum to 1", _given(Q, K, V))
    mask = _random_mask(rng, (2, 5, 6))
    _check_attention(student, ref, Q, K, V, mask, warn_free=True, rtol=1e-4, atol=1e-5,
                     note=" (scores up to 3200)")


@SUITE.test(ATT, points=1,
            hint="a query whose mask row is all False attends to nothing: return weights 0 and "
                 "output 0 for it (as torch does), not NaN; guard the 0 / 0")
def fully_masked_query_gives_zeros(student, ref, rng):
    Q, K, V = _qkv(rng, (2,), 4, 5, 3, 2)
    mask = _random_mask(rng, (2, 4, 5))
    mask[0, 1] = False
    mask[1, 3] = False
    _check_attention(student, ref, Q, K, V, mask, note=" (two queries with no allowed key)")


@SUITE.test(ATT, points=1, hint="build new arrays; do not scale Q or fill the mask in place")
def does_not_modify_its_inputs(student, ref, rng):
    Q, K, V = _qkv(rng, (2,), 3, 4, 4, 2)
    mask = _random_mask(rng, (3, 4))
    before = [x.copy() for x in (Q, K, V, mask)]
    result = student(Q, K, V, mask=mask)
    for name, b, x in zip(("Q", "K", "V", "mask"), before, (Q, K, V, mask)):
        expect_unchanged(b, x, ATT, name)
    out, w = _pair(result, ATT)
    exp_out, exp_w = ref.scaled_dot_product_attention(*before)
    expect_close(out, exp_out, f"{ATT} (out)", _given(*before))
    expect_close(w, exp_w, f"{ATT} (weights)", _given(*before))


# ------------------------------------------------------------------ GAN losses
def _extreme_logits(rng, n):
    return np.concatenate([rng.uniform(-1e3, 1e3, size=n), [-1e3, -750.0, -40.0, 0.0, 40.0,
                                                            750.0, 1e3]])


def _check_loss(student, expected, name, args, given, warn_free=False):
    if warn_free:
        value = call_without_warnings(student, *[a.copy() for a in args], what=name, given=given)
    else:
        value = student(*[a.copy() for a in args])
    actual = to_float(value, name)
    expect(np.isfinite(actual), name, f"returned {actual}, expected {expected:.6g}", given)
    expect_close(actual, expected, name, given)


DLOSS = "gan_discriminator_loss"
GLOSS = "gan_generator_loss"


@SUITE.test(DLOSS, points=1,
            hint="real samples have label 1: -log sigma(real); fake samples label 0: "
                 "-log(1 - sigma(fake)); average each over its own array")
def values_on_random_logits(student, ref, rng):
    real, fake = rng.normal(0, 2, size=32), rng.normal(0, 2, size=20)
    _check_loss(student, ref.gan_discriminator_loss(real, fake), DLOSS, (real, fake),
                f"real_logits {describe(real)}, fake_logits {describe(fake)}")


@SUITE.test(DLOSS, points=1,
            hint="the convention is the SUM of the two means: BCE(real, 1) + BCE(fake, 0); with all "
                 "logits 0 the loss is 2 log 2 = 1.386, even when the arrays differ in length")
def sum_of_the_two_means(student, ref, rng):
    real, fake = np.zeros(10), np.zeros(4)
    _check_loss(student, 2 * np.log(2), DLOSS, (real, fake),
                "real_logits = 10 zeros, fake_logits = 4 zeros")
    real, fake = rng.normal(1, 1, size=50), rng.normal(-1, 1, size=5)
    _check_loss(student, ref.gan_discriminator_loss(real, fake), DLOSS, (real, fake),
                f"real_logits {describe(real)}, fake_logits {describe(fake)} (different lengths)")


@SUITE.test(DLOSS, points=1,
            hint="log(1 + exp(x)) overflows for x ~ 1e3 and log(sigmoid(x)) gives log(0); use "
                 "softplus(x) = max(x, 0) + log1p(exp(-|x|)) (or np.logaddexp(0, x))")
def stable_for_extreme_logits(student, ref, rng):
    real, fake = _extreme_logits(rng, 20), _extreme_logits(rng, 15)
    _check_loss(student, ref.gan_discriminator_loss(real, fake), DLOSS, (real, fake),
                f"real_logits {describe(real)}, fake_logits {describe(fake)}", warn_free=True)


@SUITE.test(DLOSS, points=1,
            hint="logits may come as a column (n, 1) straight from a network: average over all "
                 "entries and return one float")
def column_inputs_give_one_number(student, ref, rng):
    real, fake = rng.normal(0, 3, size=(16, 1)), rng.normal(0, 3, size=(16, 1))
    _check_loss(student, ref.gan_discriminator_loss(real, fake), DLOSS, (real, fake),
                f"real_logits {describe(real)}, fake_logits {describe(fake)}")


@SUITE.test(DLOSS, points=1, hint="build new arrays; do not negate or clip the logits in place")
def does_not_modify_its_inputs(student, ref, rng):
    real, fake = rng.normal(0, 2, size=8), rng.normal(0, 2, size=8)
    rb, fb = real.copy(), fake.copy()
    value = student(real, fake)
    expect_unchanged(rb, real, DLOSS, "real_logits")
    expect_unchanged(fb, fake, DLOSS, "fake_logits")
    expect_close(to_float(value, DLOSS), ref.gan_discriminator_loss(rb, fb), DLOSS,
                 f"real_logits {describe(rb)}, fake_logits {describe(fb)}")


@SUITE.test(DLOSS, points=1,
            hint="return a plain Python float (float(...), or .item() on a torch result), not a "
                 "0-d tensor or a one-element array")
def returns_a_python_float(student, ref, rng):
    real, fake = rng.normal(0, 2, size=12), rng.normal(0, 2, size=(6, 1))
    given = f"real_logits {describe(real)}, fake_logits {describe(fake)}"
    value = student(real.copy(), fake.copy())
    expect_close(to_float(value, DLOSS), ref.gan_discriminator_loss(real, fake), DLOSS, given)
    _expect_plain_number(value, DLOSS, given)


@SUITE.test(GLOSS, points=1,
            hint="non-saturating loss: the generator wants its fakes called real, so it is "
                 "BCE(fake, 1) = mean(-log sigma(fake)); with logits 0 it is log 2 = 0.693")
def values_on_random_logits(student, ref, rng):
    _check_loss(student, np.log(2), GLOSS, (np.zeros(6),), "fake_logits = 6 zeros")
    fake = rng.normal(0, 2, size=25)
    _check_loss(student, ref.gan_generator_loss(fake), GLOSS, (fake,), f"fake_logits {describe(fake)}")


@SUITE.test(GLOSS, points=1,
            hint="not log(1 - D(G(z))) (the saturating minimax form): -log sigma(x) = softplus(-x) "
                 "grows like -x when the discriminator confidently rejects the fakes (x << 0)")
def large_when_fakes_are_rejected(student, ref, rng):
    fake = rng.uniform(-12, -6, size=10)
    _check_loss(student, ref.gan_generator_loss(fake), GLOSS, (fake,),
                f"fake_logits {describe(fake)} (the discriminator rejects every fake)")


@SUITE.test(GLOSS, points=1,
            hint="use a stable softplus, max(x, 0) + log1p(exp(-|x|)); never exponentiate a "
                 "large positive number or take log(0)")
def stable_for_extreme_logits(student, ref, rng):
    fake = _extreme_logits(rng, 25)
    _check_loss(student, ref.gan_generator_loss(fake), GLOSS, (fake,),
                f"fake_logits {describe(fake)}", warn_free=True)
    col = rng.normal(0, 3, size=(12, 1))
    _check_loss(student, ref.gan_generator_loss(col), GLOSS, (col,), f"fake_logits {describe(col)}")


@SUITE.test(GLOSS, points=1, hint="build a new array; do not negate the logits in place")
def does_not_modify_its_input(student, ref, rng):
    fake = rng.normal(0, 2, size=9)
    before = fake.copy()
    value = student(fake)
    expect_unchanged(before, fake, GLOSS, "fake_logits")
    expect_close(to_float(value, GLOSS), ref.gan_generator_loss(before), GLOSS,
                 f"fake_logits {describe(before)}")


@SUITE.test(GLOSS, points=1,
            hint="return a plain Python float (float(...), or .item() on a torch result), not a "
                 "0-d tensor or a one-element array")
def returns_a_python_float(student, ref, rng):
    fake = rng.normal(0, 2, size=(10, 1))
    given = f"fake_logits {describe(fake)}"
    value = student(fake.copy())
    expect_close(to_float(value, GLOSS), ref.gan_generator_loss(fake), GLOSS, given)
    _expect_plain_number(value, GLOSS, given)


# ------------------------------------------------------------------ correlation_rdm
RDM = "correlation_rdm"


def _acts(rng, n, p):
    """Activation-like patterns: shared structure plus noise, ReLU-shaped, no constant row."""
    base = rng.normal(size=(3, p))
    acts = rng.normal(size=(n, 3)) @ base + 0.5 * rng.normal(size=(n, p))
    return np.maximum(acts, 0) + 0.01 * rng.random((n, p))


@SUITE.test(RDM, points=1,
            hint="RDM[i, j] = 1 - Pearson correlation of ROWS i and j (np.corrcoef(acts) "
                 "correlates rows); centre each row before correlating")
def values_on_random_patterns(student, ref, rng):
    acts = _acts(rng, 8, 20)
    expect_close(student(acts.copy()), ref.correlation_rdm(acts), RDM, f"acts {describe(acts)}")


@SUITE.test(RDM, points=1,
            hint="one row per stimulus: the result is (n, n) for n rows, whatever the number of "
                 "units p (correlating columns would give (p, p))")
def one_row_per_stimulus(student, ref, rng):
    for n, p in ((12, 5), (4, 30)):
        acts = _acts(rng, n, p)
        expect_close(student(acts.copy()), ref.correlation_rdm(acts), RDM, f"acts {describe(acts)}")


@SUITE.test(RDM, points=1,
            hint="an RDM is symmetric with 0 on the diagonal (each pattern is identical to "
                 "itself) and values between 0 and 2")
def symmetric_with_zero_diagonal(student, ref, rng):
    acts = _acts(rng, 10, 15)
    given = f"acts {describe(acts)}"
    rdm = expect_shape(student(acts.copy()), (10, 10), RDM, given)
    expect(np.allclose(rdm, rdm.T, atol=1e-6), RDM, "the result is not symmetric", given)
    expect(np.allclose(np.diag(rdm), 0.0, atol=1e-6), RDM,
           f"the diagonal should be 0, got values up to {np.abs(np.diag(rdm)).max():.3g}", given)
    expect(rdm.min() >= -1e-5 and rdm.max() <= 2 + 1e-5, RDM, "values outside [0, 2]", given)


@SUITE.test(RDM, points=1,
            hint="Pearson r ignores each row's offset and scale: centre (subtract the row mean) "
                 "and normalise consistently (covariance and standard deviations with the same ddof)")
def ignores_offset_and_scale_of_each_row(student, ref, rng):
    acts = _acts(rng, 7, 12)
    scaled = acts * rng.uniform(0.5, 20, size=(7, 1)) + rng.uniform(-50, 50, size=(7, 1))
    given = f"acts {describe(scaled)} (rows with different offsets and scales)"
    expect_close(student(scaled.copy()), ref.correlation_rdm(acts), RDM, given)


@SUITE.test(RDM, points=1, hint="build new arrays; do not centre acts in place")
def does_not_modify_its_input(student, ref, rng):
    acts = _acts(rng, 6, 9)
    before = acts.copy()
    out = student(acts)
    expect_unchanged(before, acts, RDM, "acts")
    expect_close(out, ref.correlation_rdm(before), RDM, f"acts {describe(before)}")


@SUITE.test(RDM, points=1,
            hint="activations may be integer spike counts: convert to float (np.asarray(acts, "
                 "dtype=float)) before centring; a copy of an integer array cannot hold the "
                 "centred values")
def integer_spike_counts(student, ref, rng):
    rates = np.exp(rng.normal(size=(9, 1)) + rng.normal(size=(1, 25)))
    counts = rng.poisson(3 * rates).astype(np.int64)
    counts[:, [4, 11]] = 0  # silent units
    counts[np.arange(9), rng.integers(0, 25, size=9)] += 1 + np.arange(9)  # no constant row
    given = f"acts {describe(counts)} (integer spike counts, two silent units)"
    expect_close(student(counts.copy()), ref.correlation_rdm(counts), RDM, given)


# ------------------------------------------------------------------ compare_rdms
CMP = "compare_rdms"


def _rdm_pair(rng, n, noise=0.3):
    """Two related symmetric dissimilarity matrices with a zero diagonal."""
    x = rng.normal(size=(n, 4))
    d = np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1))
    e = rng.normal(0, noise, size=(n, n))
    a = d + 0.1 * (e + e.T)
    f = rng.normal(0, noise, size=(n, n))
    b = np.exp(0.5 * d) + (f + f.T)
    for m in (a, b):
        np.fill_diagonal(m, 0.0)
    return a, b


def _check_compare(student, ref, a, b, note=""):
    given = f"a {describe(a)}, b {describe(b)}{note}"
    value = to_float(student(a.copy(), b.copy()), CMP)
    expect_close(value, ref.compare_rdms(a, b), CMP, given)


@SUITE.test(CMP, points=1,
            hint="take the strict upper triangle of each matrix (np.triu_indices(n, k=1)), rank "
                 "the values, and correlate the ranks")
def values_on_random_rdms(student, ref, rng):
    a, b = _rdm_pair(rng, 9)
    _check_compare(student, ref, a, b)


@SUITE.test(CMP, points=1,
            hint="use only the strict upper triangle: k=1 in np.triu_indices, so the zero "
                 "diagonal and the (mirrored or different) lower triangle are left out")
def only_the_strict_upper_triangle(student, ref, rng):
    a, b = _rdm_pair(rng, 8)
    _check_compare(student, ref, a, b, " (symmetric, zero diagonal)")
    a2, b2 = a.copy(), b.copy()
    a2[np.tril_indices(8, -1)] = rng.normal(size=28)
    b2[np.diag_indices(8)] = rng.uniform(0, 5, size=8)
    _check_compare(student, ref, a2, b2, " (a's lower triangle and b's diagonal are noise)")


@SUITE.test(CMP, points=1,
            hint="Spearman is the correlation of RANKS, not of values: a monotone change of b "
                 "(e.g. exp) must not change rho")
def rank_based_not_pearson(student, ref, rng):
    a, _ = _rdm_pair(rng, 10)
    b = np.exp(3 * a)
    given = f"a {describe(a)}, b = exp(3 a)"
    value = to_float(student(a.copy(), b.copy()), CMP)
    expect_close(value, 1.0, CMP, given + " (same order, so rho = 1)")
    a, b = _rdm_pair(rng, 10, noise=1.0)
    _check_compare(student, ref, a, b)


@SUITE.test(CMP, points=1,
            hint="tied values share the average of their ranks (scipy.stats.rankdata does this; "
                 "np.argsort(np.argsort(x)) gives tied values different ranks)")
def ties_get_average_ranks(student, ref, rng):
    a, b = _rdm_pair(rng, 12)
    a, b = np.round(a, 0), np.round(b / b.max() * 4, 0)  # few distinct values, many ties
    _check_compare(student, ref, a, b, " (rounded, many ties)")


@SUITE.test(CMP, points=1, hint="build new arrays; do not sort or fill the matrices in place")
def does_not_modify_its_inputs(student, ref, rng):
    a, b = _rdm_pair(rng, 7)
    ab, bb = a.copy(), b.copy()
    value = student(a, b)
    expect_unchanged(ab, a, CMP, "a")
    expect_unchanged(bb, b, CMP, "b")
    expect_close(to_float(value, CMP), ref.compare_rdms(ab, bb), CMP,
                 f"a {describe(ab)}, b {describe(bb)}")


@SUITE.test(CMP, points=1,
            hint="return a plain Python float (float(...), or .item() on a torch result), not a "
                 "0-d tensor or a (1, 1) slice of a correlation matrix")
def returns_a_python_float(student, ref, rng):
    a, b = _rdm_pair(rng, 8)
    given = f"a {describe(a)}, b {describe(b)}"
    value = student(a.copy(), b.copy())
    expect_close(to_float(value, CMP), ref.compare_rdms(a, b), CMP, given)
    _expect_plain_number(value, CMP, given)

"""Hidden tests for chapter 11-frontiers.

Each test gets (student, ref, rng): the student's function, the reference module and a seeded
generator, and checks returned values against the reference (itself checked against torch and
scipy in tests/11-frontiers/test_reference.py). Inputs are passed as copies, except in the
dedicated "does not modify its inputs" tests.

Points: scaled_dot_product_attention 7, gan_discriminator_loss 6, gan_generator_loss 5,
correlation_rdm 6, compare_rdms 6, most_consistent_layer 6 (36 in all), and the written answer
written_consistent_layer, 2 points graded by hand against the rubric in the solution notebook.
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


# ------------------------------------------------------------------ most_consistent_layer
# The decision of the "apply and decide" part: given the RDMs of k networks that differ only in
# their seed at each layer, name the layer whose networks agree most (mean Spearman rho over
# all pairs of networks). The student's function may call their compare_rdms: while it is
# graded, the grader's correct compare_rdms stands in for it (one bug, one penalty).
LAYER = "most_consistent_layer"
# and the written answer that follows it, graded by hand (rubric in the solution notebook)
SUITE.written("written_consistent_layer", 2)


def _geometry(rng, n, dim=4):
    """Distances between n stimuli placed at random in `dim` dimensions: a 'true' geometry."""
    x = rng.normal(size=(n, dim))
    return np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1))


def _network_rdm(rng, base, noise):
    """One network's RDM: the shared geometry plus symmetric noise of its own (``noise`` in
    units of the spread of the geometry's dissimilarities), zero diagonal. Two networks with
    noise s and t agree with a correlation of about 1 / sqrt((1 + s^2) (1 + t^2))."""
    spread = base[np.triu_indices(len(base), 1)].std()
    e = rng.normal(0, noise * spread, size=base.shape)
    rdm = np.abs(base + (e + e.T) / np.sqrt(2))
    np.fill_diagonal(rdm, 0.0)
    return rdm


def _noisy_layers(rng, names, noises, k, n=30):
    """One layer per name, each with k networks around one geometry, with its own noise."""
    base = _geometry(rng, n)
    return {name: [_network_rdm(rng, base, s) for _ in range(k)] for name, s in zip(names, noises)}


def _copy_rdms(rdms):
    return {name: [np.array(m, copy=True) for m in mats] for name, mats in rdms.items()}


def _consistency(ref, rdms):
    """Mean Spearman rho over the pairs of networks, per layer (for messages)."""
    out = {}
    for name, mats in rdms.items():
        k = len(mats)
        out[name] = float(np.mean([ref.compare_rdms(mats[i], mats[j])
                                   for i in range(k) for j in range(i + 1, k)]))
    return out


def _given_rdms(rdms, note=""):
    mats = next(iter(rdms.values()))
    n = np.shape(mats[0])[0]
    return (f"rdms with {len(rdms)} layers ({', '.join(map(repr, rdms))}) of {len(mats)} "
            f"networks each, RDMs {n} x {n}{note}")


def _index_like(value):
    """An integer (Python, numpy or a 0-d integer array/tensor as it crosses the sandbox)."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if getattr(value, "shape", None) == () and getattr(getattr(value, "dtype", None), "kind",
                                                       "") in "iu":
        return int(np.asarray(value))
    return None


def _layer_of(value, rdms, given):
    """The layer a student's answer names: a key of rdms, or (charged only in the test
    'returns the layer name') the position of one."""
    names = list(rdms)
    if isinstance(value, str):
        if value in names:
            return str(value)
        raise Failure(f"{LAYER} with {given}: returned {_text_of(value)}, which is not one of "
                      f"the layers")
    index = _index_like(value)
    if index is not None and 0 <= index < len(names):
        return names[index]
    raise Failure(f"{LAYER} with {given}: returned {_text_of(value)}; expected the name of one of "
                  f"the layers (a key of rdms)")


def _text_of(value):
    if isinstance(value, str):
        return repr(value[:40])
    shape = getattr(value, "shape", None)
    return f"a {type(value).__name__}" + (f" of shape {tuple(shape)}" if shape else "")


def _decision_failure(student, ref, rdms, note=""):
    """Call the student's function on (a copy of) rdms: None when it names the right layer,
    else the failure message (expected and chosen layers with their mean rho)."""
    given = _given_rdms(rdms, note)
    chosen = _layer_of(student(_copy_rdms(rdms)), rdms, given)
    expected = ref.most_consistent_layer(rdms)
    if chosen == expected:
        return None
    c = _consistency(ref, rdms)
    return (f"{LAYER} with {given}: returned {chosen!r} (mean rho between networks "
            f"{c[chosen]:.3f}), but the networks agree most at {expected!r} ({c[expected]:.3f})")


def _check_cases(student, ref, cases):
    """Every case is run (so that what the function did on each is known), then the first
    wrong decision fails the test."""
    problems = [_decision_failure(student, ref, rdms, note) for rdms, note in cases]
    problems = [p for p in problems if p]
    if problems:
        raise Failure(problems[0] + (f" (and {len(problems) - 1} more wrong case(s))"
                                     if len(problems) > 1 else ""))


@SUITE.test(LAYER, points=1,
            hint="for each layer average compare_rdms over the pairs of networks and return the "
                 "layer with the LARGEST mean: rho is a similarity, not a dissimilarity")
def picks_the_layer_whose_networks_agree_most(student, ref, rng):
    names = ["hidden 1", "hidden 2", "hidden 3", "hidden 4", "logits"]
    cases = [(_noisy_layers(rng, names, rng.permutation([0.3, 0.7, 1.1, 1.5, 1.9]), 5), ""),
             (_noisy_layers(rng, ["conv1", "conv2", "fc"], rng.permutation([0.3, 0.9, 1.5]), 2),
              " (two networks: one pair)"),
             (_noisy_layers(rng, ["V1", "V2", "V4", "IT", "readout", "logits"],
                            [1.8, 1.5, 1.2, 0.9, 0.6, 0.3], 3, n=30), "")]
    _check_cases(student, ref, cases)


def _outlier_first(rng, n=30):
    """Layer 'hidden 1': networks 1..4 nearly identical, network 0 far off (rho about 0.99
    and 0.37); 'hidden 2': five networks equally noisy (about 0.55). All pairs: hidden 1 (about
    0.74); pairs with network 0 only, or the weakest pair: hidden 2."""
    base = _geometry(rng, n)
    return {"hidden 1": [_network_rdm(rng, base, 2.5)] + [_network_rdm(rng, base, 0.1)
                                                        for _ in range(4)],
            "hidden 2": [_network_rdm(rng, base, 0.9) for _ in range(5)]}


def _mixed(rng, first, share, n):
    """A geometry whose dissimilarities correlate exactly ``share`` with those of ``first``:
    ``first``'s standardised upper triangle mixed with an independent geometry's made
    orthogonal to it."""
    iu = np.triu_indices(n, 1)
    a = first[iu] - first[iu].mean()
    b = _geometry(rng, n)[iu]
    b = b - b.mean()
    b = b - (a @ b) / (a @ a) * a
    mixed = share * a / np.linalg.norm(a) + np.sqrt(1 - share ** 2) * b / np.linalg.norm(b)
    out = np.zeros((n, n))
    out[iu] = mixed - mixed.min() + 0.1 * mixed.std()
    return out + out.T


def _two_groups(rng, n=40):
    """Layer 'hidden 1': networks 0, 2, 4 share one geometry and 1, 3 a partly different one
    (two solutions; rho about 0.98 within a group, 0.3 across); 'hidden 2': one geometry, more
    noise (about 0.43). All pairs: hidden 1 (about 0.57); neighbouring networks only (0-1,
    1-2, ...), or the weakest pair: hidden 2."""
    first = _geometry(rng, n)
    second = _mixed(rng, first, 0.3, n)
    return {"hidden 1": [_network_rdm(rng, first if k % 2 == 0 else second, 0.15)
                         for k in range(5)],
            "hidden 2": [_network_rdm(rng, first, 1.15) for _ in range(5)]}


def _one_twin_pair(rng, n=30):
    """Layer 'hidden 1': networks 3 and 4 identical, the others very noisy; 'hidden 2': five
    networks with little noise. All pairs: hidden 2; the single best pair: hidden 1."""
    base = _geometry(rng, n)
    twin = _network_rdm(rng, base, 0.6)
    return {"hidden 1": [_network_rdm(rng, base, 2.0) for _ in range(3)] + [twin, twin.copy()],
            "hidden 2": [_network_rdm(rng, base, 0.5) for _ in range(5)]}


@SUITE.test(LAYER, points=1,
            hint="average over EVERY pair of different networks i < j (k(k-1)/2 pairs), not only "
                 "the pairs with network 0, neighbouring networks, or the best or worst pair")
def averages_over_every_pair_of_networks(student, ref, rng):
    _check_cases(student, ref, [(_outlier_first(rng), " (network 0 is an outlier in one layer)"),
                                (_two_groups(rng), " (the networks form two groups in one layer)"),
                                (_one_twin_pair(rng), " (one pair of identical networks)")])


@SUITE.test(LAYER, points=1,
            hint="compare two networks' RDMs with Spearman's rank correlation (your compare_rdms): "
                 "two networks whose dissimilarities differ by a monotone rescaling agree fully")
def agreement_is_rank_based(student, ref, rng):
    n = 30
    base = _geometry(rng, n)
    # layer 'hidden 2': each network sees the same order of dissimilarities on its own scale
    rescaled = [base ** p for p in rng.permutation([0.25, 0.5, 1.0, 2.0, 4.0])]
    rdms = {"hidden 1": [_network_rdm(rng, base, 0.2) for _ in range(5)],
            "hidden 2": [_network_rdm(rng, m, 0.01) for m in rescaled]}
    _check_cases(student, ref, [(rdms, " (in one layer the networks differ by monotone "
                                       "rescalings)")])


_DIGIT_CASES: dict = {}


def _digit_cases():
    """The chapter's case, on other evidence than the notebook's: RDMs of 80 held-out digits
    (8 per class) in MLPs that differ only in their seed, (a) trained with scikit-learn (four
    hidden layers of 32, 40 iterations, seeds 20-23) and (b) untrained (He-initialised random
    ReLU layers, seeds 0-3). Built once per process."""
    if not _DIGIT_CASES:
        import warnings

        from sklearn.datasets import load_digits
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.model_selection import train_test_split
        from sklearn.neural_network import MLPClassifier

        digits = load_digits()
        X_tr, X_te, y_tr, y_te = train_test_split(digits.data / 16, digits.target, test_size=450,
                                                  stratify=digits.target, random_state=0)
        stim = X_te[np.concatenate([np.flatnonzero(y_te == c)[10:18] for c in range(10)])]
        names = ["hidden 1", "hidden 2", "hidden 3", "hidden 4", "logits"]
        trained = {name: [] for name in names}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for seed in range(20, 24):
                mlp = MLPClassifier((32, 32, 32, 32), max_iter=40, random_state=seed)
                mlp.fit(X_tr, y_tr)
                h = stim
                for i, (W, b) in enumerate(zip(mlp.coefs_, mlp.intercepts_)):
                    h = h @ W + b
                    h = np.maximum(h, 0) if i < len(mlp.coefs_) - 1 else h
                    trained[names[i]].append(_rdm_of(h))
        untrained = {name: [] for name in names}
        sizes = (64, 32, 32, 32, 32, 10)
        for seed in range(4):
            weights = np.random.default_rng(seed)
            h = stim
            for i, name in enumerate(names):
                h = h @ weights.normal(0, np.sqrt(2 / sizes[i]), size=(sizes[i], sizes[i + 1]))
                h = np.maximum(h, 0) if i < len(names) - 1 else h
                untrained[name].append(_rdm_of(h))
        _DIGIT_CASES["trained"], _DIGIT_CASES["untrained"] = trained, untrained
    return _DIGIT_CASES["trained"], _DIGIT_CASES["untrained"]


def _rdm_of(acts):
    """1 - Pearson r between rows (the trusted twin of correlation_rdm)."""
    z = acts - acts.mean(axis=1, keepdims=True)
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    rdm = 1.0 - np.clip(z @ z.T, -1.0, 1.0)
    rdm = (rdm + rdm.T) / 2.0
    np.fill_diagonal(rdm, 0.0)
    return rdm


@SUITE.test(LAYER, points=1,
            hint="the same rule on real networks: every layer's k RDMs, every pair of networks, "
                 "the mean Spearman rho; return the layer's name")
def networks_trained_on_the_digits(student, ref, rng):
    trained, untrained = _digit_cases()
    _check_cases(student, ref, [
        (trained, " (80 held-out digits, 4 MLPs trained from different seeds)"),
        (untrained, " (the same digits, 4 untrained networks)")])


@SUITE.test(LAYER, points=1,
            hint="return the layer's name, a key of rdms such as 'hidden 2' (e.g. max over the "
                 "keys with key=...), not its position in the dict nor its mean rho")
def returns_the_layer_name(student, ref, rng):
    rdms = _noisy_layers(rng, ["layer A", "layer B", "layer C", "layer D"],
                         rng.permutation([0.3, 0.8, 1.3, 1.8]), 4)
    given = _given_rdms(rdms)
    value = student(_copy_rdms(rdms))
    if isinstance(value, str) and value in rdms:
        return
    index = _index_like(value)
    if index is not None and 0 <= index < len(rdms):
        raise Failure(f"{LAYER} with {given}: returned the position {index} of a layer; return "
                      f"its name (the key of rdms), e.g. {list(rdms)[index]!r}")
    raise Failure(f"{LAYER} with {given}: returned {_text_of(value)}; expected one of the layer "
                  "names (the keys of rdms), as a str")


@SUITE.test(LAYER, points=1, hint="read the RDMs, do not rescale, sort or fill them in place")
def does_not_modify_its_inputs(student, ref, rng):
    rdms = _noisy_layers(rng, ["hidden 1", "hidden 2", "hidden 3"],
                         rng.permutation([0.3, 0.9, 1.5]), 4)
    before = _copy_rdms(rdms)
    value = student(rdms)
    for name in before:
        for k, (b, m) in enumerate(zip(before[name], rdms[name])):
            expect_unchanged(b, m, LAYER, f"rdms[{name!r}][{k}]")
    given = _given_rdms(before)
    chosen = _layer_of(value, before, given)
    expected = ref.most_consistent_layer(before)
    expect(chosen == expected, LAYER, f"returned {chosen!r}, expected {expected!r}", given)

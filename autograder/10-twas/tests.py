"""Hidden tests for chapter 10-twas.

Each test gets (student, ref, rng). Returned values are always compared as plain arrays (or,
for twas, as the columns of the returned DataFrame read with ``to_dict``); inputs are passed as
copies. The training-like functions (fit_expression_model, twas) are graded on data simulated
here with numpy and seeds the student never sees:

* genotypes: for each region, two haplotypes per person from a latent Gaussian AR(1) process
  along the SNPs (correlation ``rho`` between neighbours, so LD decays with distance),
  thresholded at each SNP's allele frequency; dosage = sum of the two haplotypes;
* expression: 1-2 cis-eQTLs per gene with N(0, 1) effects on standardised genotypes, scaled
  to a cis-heritability h2 in [0.15, 0.5], plus Gaussian noise and a baseline mean;
* trait (twas): three causal genes each explaining 5 % of the trait variance through their
  genetically regulated expression, all other genes null; regions are independent, so
  null genes' p-values should be uniform;
* the elastic-net mixing itself: blocks of SNPs in perfect LD (identical dosages) among
  independent SNPs without effect, where a lasso keeps one SNP per block, the elastic net
  spreads the weight evenly and ridge regression zeroes nothing;
* edge cases: SNPs monomorphic in the reference panel, integer dosages, a gene whose cis SNPs
  are all constant in the panel (its model keeps no SNP, so it cannot be tested).

The decision of section 7 (choose_window_and_hits) is graded on evidence drawn here: per-gene
cross-validated R^2 and TWAS p-values at several cis windows, built so that the right window
and the genes passing Bonferroni are known with margins (no score within 1 % of keep x best,
no p-value within 4 % of a threshold a plausible wrong rule would use), and on the reference
TWAS of the simulation above at four windows (genes renamed, so their alphabetical order is
not the table's).

Points: cis_window_mask 6, fit_expression_model 11, impute_expression 4, association_test 6,
twas 12, spredixcan_z 6, choose_window_and_hits 6 (51 graded automatically), and the written
answer written_window_choice 2, graded by hand against the rubric in the solution notebook
(53 in all).
"""
import hashlib
import time

import numpy as np
from scipy import stats

from autograder.engine.testing import (Failure, Suite, describe, expect, expect_close, expect_equal,
                                expect_unchanged, make, once_per_student, to_array, to_float,
                                type_name)

SUITE = Suite("10-twas")


def _tuple(out, n, what):
    if isinstance(out, np.ndarray) and out.shape == (n,):
        out = list(out)
    if not isinstance(out, (tuple, list)) or len(out) != n:
        kind = type(out).__name__
        raise Failure(f"{what} should return a tuple of {n} values, got {kind}"
                      + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
    return out


def _is_number(value):
    """A plain real number (Python or numpy scalar); a torch tensor (in one process), or the
    array it becomes across the sandbox boundary, is not one."""
    return isinstance(value, (int, float, np.integer, np.floating)) and \
        not isinstance(value, (bool, np.bool_))


def _is_boolean(value):
    """A boolean array (or list of bools), wherever the student's code ran."""
    if type(value).__module__.startswith("torch"):
        return str(getattr(value, "dtype", "")) == "torch.bool"
    if isinstance(value, (list, tuple)):
        return all(isinstance(v, (bool, np.bool_)) for v in value)
    return isinstance(value, np.ndarray) and value.dtype == np.bool_


# ------------------------------------------------------------------ simulation helpers
def _dosages(draw, n, m, rho=0.8, freq=None):
    """(n, m) dosages with LD: two haplotypes from a latent AR(1) Gaussian, thresholded."""
    if freq is None:
        freq = draw.uniform(0.1, 0.5, size=m)
    cut = stats.norm.ppf(freq)
    haps = []
    for _ in range(2):
        latent = np.empty((n, m))
        latent[:, 0] = draw.normal(size=n)
        for j in range(1, m):
            latent[:, j] = rho * latent[:, j - 1] + np.sqrt(1 - rho ** 2) * draw.normal(size=n)
        haps.append((latent < cut).astype(np.float64))
    return haps[0] + haps[1], freq


def _gene_expression(draw, G, eqtls, h2, baseline=5.0):
    """Expression with cis-heritability h2 from the given eQTL columns of G."""
    Z = (G - G.mean(0)) / np.where(G.std(0) > 0, G.std(0), 1.0)
    signal = Z[:, eqtls] @ draw.normal(size=len(eqtls))
    signal = signal * np.sqrt(h2) / signal.std()
    return baseline + signal + draw.normal(0, np.sqrt(1 - h2), size=G.shape[0]), signal


def _expression_problem(seed, n_train=300, n_test=2000, m=150, h2=0.3, n_eqtl=2,
                        baseline=6.0):
    """A gene: train and held-out genotypes/expression (same population, same eQTLs)."""
    draw = np.random.default_rng(seed)
    G, _ = _dosages(draw, n_train + n_test, m)
    eqtls = draw.choice(m, size=n_eqtl, replace=False) if n_eqtl else []
    if n_eqtl:
        e, _ = _gene_expression(draw, G, eqtls, h2, baseline)
    else:
        e = baseline + draw.normal(size=G.shape[0])
    return G[:n_train], e[:n_train], G[n_train:], e[n_train:]


def _r2(pred, obs):
    return 1.0 - np.mean((obs - pred) ** 2) / np.var(obs)


# ------------------------------------------------------------------ cis_window_mask
def _mask_values(student, ref, pos, start, end, **kw):
    given = (f"snp_positions {describe(pos)}, gene_start={start}, gene_end={end}"
             + "".join(f", {k}={v}" for k, v in kw.items()))
    out = student(pos.copy(), start, end, **kw)
    expect_equal(out, ref.cis_window_mask(pos, start, end, **kw), "cis_window_mask", given)


@SUITE.test("cis_window_mask", points=1,
            hint="a SNP is cis when gene_start - window <= position <= gene_end + window")
def values_on_random_positions(student, ref, rng):
    pos = np.sort(rng.uniform(0, 5e6, size=300)).round()
    _mask_values(student, ref, pos, 2_100_000, 2_180_000)


@SUITE.test("cis_window_mask", points=1,
            hint="both bounds are inclusive: use >= and <=, and measure the window from the "
                 "start on the left and from the end on the right")
def snps_exactly_at_the_window_edges_are_included(student, ref, rng):
    start, end, window = 3_000_000, 3_050_000, 1_000_000
    pos = np.array([start - window - 1, start - window, start - window + 1, start, end,
                    end + window - 1, end + window, end + window + 1], dtype=np.float64)
    _mask_values(student, ref, pos, start, end)
    _mask_values(student, ref, pos.astype(np.int64), start, end)


@SUITE.test("cis_window_mask", points=1,
            hint="use the `window` argument instead of a hard-coded 1_000_000; with window=0 "
                 "only SNPs inside the gene body remain")
def window_keyword(student, ref, rng):
    pos = np.sort(rng.integers(0, 2_000_000, size=200)).astype(np.float64)
    start, end = 900_000, 960_000
    for window in (0, 50_000, 250_000):
        extra = np.array([start - window, end + window, start - window - 1.0, end + window + 1.0])
        _mask_values(student, ref, np.concatenate([pos, extra]), start, end, window=window)


@SUITE.test("cis_window_mask", points=1,
            hint="the window extends on both sides of the whole gene body, not only around "
                 "the start (transcription start site)")
def long_genes_use_both_ends(student, ref, rng):
    start, end = 1_000_000, 1_900_000  # a 900-kb gene: TSS-only windows miss its far side
    pos = np.array([50_000, 500_000, 1_200_000, 2_100_000, 2_850_000, 2_900_000, 2_950_000.0])
    _mask_values(student, ref, pos, start, end)
    _mask_values(student, ref, pos[::-1].copy(), start, end)  # unsorted positions


@SUITE.test("cis_window_mask", points=1, hint="compare positions, do not sort or edit them")
def shapes_and_input_unchanged(student, ref, rng):
    pos = rng.uniform(0, 4e6, size=(40,))
    before = pos.copy()
    out = student(pos, 1_500_000, 1_600_000)
    expect_unchanged(before, pos, "cis_window_mask", "snp_positions")
    expect_equal(out, ref.cis_window_mask(before, 1_500_000, 1_600_000), "cis_window_mask",
                 f"snp_positions {describe(before)}")
    empty = np.zeros(0)
    expect_equal(student(empty, 0, 10), np.zeros(0), "cis_window_mask", "no SNPs at all")


@SUITE.test("cis_window_mask", points=1,
            hint="return the comparisons' boolean array itself (dtype bool), not 0/1 integers: "
                 "G[:, mask] with an integer array picks columns 0 and 1 again and again")
def returns_a_boolean_mask(student, ref, rng):
    pos = np.sort(rng.integers(0, 3_000_000, size=50))
    given = f"snp_positions {describe(pos)}, gene_start=1_200_000, gene_end=1_260_000"
    out = student(pos.copy(), 1_200_000, 1_260_000)
    expect_equal(out, ref.cis_window_mask(pos, 1_200_000, 1_260_000), "cis_window_mask", given)
    kind = getattr(out, "dtype", type(out).__name__)
    expect(_is_boolean(out), "cis_window_mask",
           f"returned values of type {kind}; expected a boolean mask (dtype bool)", given)


# ------------------------------------------------------------------ fit_expression_model
FIT_TIME_LIMIT = 30.0


def _fit(student, G, e, **kw):
    given = f"G {describe(G)}, expression {describe(e)}"
    out = _tuple(student(G.copy(), e.copy(), **kw), 2, "fit_expression_model")
    w = to_array(out[0], "fit_expression_model: weights").reshape(-1)
    b = to_float(out[1], "fit_expression_model: intercept")
    expect(w.size == G.shape[1], "fit_expression_model",
           f"weights should have one entry per SNP ({G.shape[1]}), got {w.size}", given)
    expect(np.all(np.isfinite(w)) and np.isfinite(b), "fit_expression_model",
           "returned inf or NaN", given)
    return w, b, given


_REF_FITS = {}


def _ref_fit(ref, G, e, seed=0):
    """The reference's (weights, intercept), computed once per data set (the data are seeded,
    so every student is compared with the same fit)."""
    data = np.ascontiguousarray(G, dtype=np.float64).tobytes() + \
        np.ascontiguousarray(e, dtype=np.float64).tobytes()
    key = (ref.__name__, hashlib.sha1(data).hexdigest(), int(seed))
    if key not in _REF_FITS:
        _REF_FITS[key] = ref.fit_expression_model(np.array(G, dtype=np.float64), e.copy(),
                                                  seed=seed)
    return _REF_FITS[key]


def _held_out_r2(student, ref, seed, **problem):
    G, e, G_test, e_test = _expression_problem(seed, **problem)
    w, b, given = _fit(student, G, e)
    rw, rb = _ref_fit(ref, G, e)
    return _r2(G_test @ w + b, e_test), _r2(G_test @ rw + rb, e_test), given


@SUITE.test("fit_expression_model", points=1,
            hint="return (weights, intercept): weights has one entry per column of G (SNP) and "
                 "G @ weights + intercept predicts expression")
def returns_weights_and_intercept(student, ref, rng):
    G, e, G_test, _ = _expression_problem(101, m=60, h2=0.4)
    w, b, given = _fit(student, G, e)
    pred = G_test @ w + b
    expect(abs(pred.mean() - e.mean()) < 0.5, "fit_expression_model",
           f"predictions average {pred.mean():.3g} but the expression averages {e.mean():.3g}: "
           "is the intercept on the dosage scale?", given)


@SUITE.test("fit_expression_model", points=2,
            hint="ElasticNetCV(l1_ratio=0.5, cv=5) picks the penalty by cross-validation; "
                 "ordinary least squares overfits hundreds of SNPs, a fixed large penalty "
                 "keeps no SNP")
def held_out_prediction_of_a_sparse_eqtl_gene(student, ref, rng):
    for seed, m, h2 in ((102, 150, 0.3), (103, 250, 0.2)):
        got, want, given = _held_out_r2(student, ref, seed, m=m, h2=h2)
        expect(got >= want - 0.05, "fit_expression_model",
               f"held-out R^2 {got:.3f}, the reference reaches {want:.3f} "
               "(fresh individuals from the same population)", given)


@SUITE.test("fit_expression_model", points=1,
            hint="the intercept must map standardised-scale predictions back to dosages: "
                 "intercept = a - sum_j w_j mean_j if you standardised the SNPs")
def intercept_on_the_dosage_scale(student, ref, rng):
    got, want, given = _held_out_r2(student, ref, 104, m=80, h2=0.5, baseline=40.0)
    expect(got >= want - 0.05, "fit_expression_model",
           f"with a large mean expression (40) the held-out R^2 is {got:.3f}, the reference "
           f"reaches {want:.3f}", given)


@SUITE.test("fit_expression_model", points=1,
            hint="when no SNP affects expression, cross-validation should choose a penalty "
                 "that keeps (almost) no SNP, so predictions do not chase noise")
def does_not_overfit_a_gene_without_eqtls(student, ref, rng):
    got, want, given = _held_out_r2(student, ref, 105, m=200, n_eqtl=0)
    expect(got >= min(want, 0.0) - 0.03, "fit_expression_model",
           f"for a gene with no eQTL, held-out R^2 {got:.3f} (the reference: {want:.3f}); "
           "the model fits noise", given)


@SUITE.test("fit_expression_model", points=1,
            hint="fit on the arrays you are given without changing them; fix the CV folds "
                 "with the seed (e.g. KFold(5, shuffle=True, random_state=seed)) and keep the "
                 "fit fast (well under 30 s for 300 people x 200 SNPs)")
def deterministic_fast_and_inputs_unchanged(student, ref, rng):
    G, e, G_test, e_test = _expression_problem(106, m=200, h2=0.3)
    keep_G, keep_e = G.copy(), e.copy()
    t0 = time.perf_counter()
    out = _tuple(student(G, e, seed=3), 2, "fit_expression_model")
    seconds = time.perf_counter() - t0
    given = f"G {describe(keep_G)}, expression {describe(keep_e)}, seed=3"
    expect_unchanged(keep_G, G, "fit_expression_model", "G")
    expect_unchanged(keep_e, e, "fit_expression_model", "expression")
    expect(seconds <= FIT_TIME_LIMIT, "fit_expression_model",
           f"took {seconds:.1f} s, more than the {FIT_TIME_LIMIT:.0f} s allowed", given)
    again = _tuple(student(G.copy(), e.copy(), seed=3), 2, "fit_expression_model")
    expect_close(again[0], to_array(out[0], "fit_expression_model: weights"),
                 "fit_expression_model: weights of a second call with the same seed", given)
    w = to_array(out[0], "fit_expression_model: weights").reshape(-1)
    rw, rb = _ref_fit(ref, keep_G, keep_e, seed=3)
    got = _r2(G_test @ w + to_float(out[1], "fit_expression_model: intercept"), e_test)
    expect(got >= _r2(G_test @ rw + rb, e_test) - 0.05, "fit_expression_model",
           f"held-out R^2 {got:.3f} is too low", given)


def _ld_problem(seed, n=300, n_blocks=3, size=4, n_null=36, h2=0.5):
    """Three causal LD blocks of `size` identical SNPs (perfect LD) among independent null SNPs,
    the columns shuffled. Returns G, expression, the blocks' columns and the null columns."""
    draw = np.random.default_rng(seed)
    null, _ = _dosages(draw, n, n_null, rho=0.3)
    latent = np.stack([(draw.random((2, n)) < draw.uniform(0.25, 0.5)).sum(0)
                       for _ in range(n_blocks)], axis=1).astype(np.float64)
    G = np.concatenate([np.repeat(latent, size, axis=1), null], axis=1)
    order = draw.permutation(G.shape[1])
    where = np.argsort(order)  # where each original column went
    signal = latent @ np.array([1.0, -1.0, 0.8])[:n_blocks]
    signal = (signal - signal.mean()) / signal.std() * np.sqrt(h2)
    e = 6.0 + signal + draw.normal(0, np.sqrt(1 - h2), size=n)
    blocks = [where[b * size:(b + 1) * size] for b in range(n_blocks)]
    return G[:, order], e, blocks, where[n_blocks * size:]




@once_per_student
def _ld_run(student):
    """(weights, blocks, null columns, exception) of the student's fit on the LD problem."""
    G, e, blocks, null = _ld_problem(108)
    try:
        return (_fit(student, G, e)[0], blocks, null, None)
    except Exception as exc:  # noqa: BLE001 - re-raised by each test that needs it
        return (None, blocks, null, exc)


def _ld_fit(student):
    """(weights, blocks, null columns, given) of the student's fit on the LD problem, once."""
    w, blocks, null, exc = _ld_run(student)
    if exc is not None:
        raise exc
    return w, blocks, null, ("G of shape (300, 48): 3 causal LD blocks of 4 SNPs in perfect LD "
                             "(identical dosages) among 36 independent SNPs without effect")


@SUITE.test("fit_expression_model", points=1,
            hint="the l2 part of the elastic net (l1_ratio=0.5) shares weight among SNPs in LD: "
                 "SNPs with identical dosages get equal weights; a lasso (l1_ratio=1, LassoCV) "
                 "picks one SNP per block")
def shares_weight_among_snps_in_perfect_ld(student, ref, rng):
    w, blocks, _, given = _ld_fit(student)
    shares = []
    for cols in blocks:
        total = np.abs(w[cols]).sum()
        shares.append(np.abs(w[cols]).max() / total if total > 0 else 1.0)
    worst = int(np.argmax(shares))
    expect(np.mean(shares) <= 0.5, "fit_expression_model",
           f"within a causal block the largest weight carries {shares[worst]:.0%} of the block's "
           f"total |weight| (on average {np.mean(shares):.0%}); the elastic net spreads it "
           "evenly over SNPs in perfect LD (25 % each here)", given)


@SUITE.test("fit_expression_model", points=1,
            hint="the l1 part of the elastic net sets the weights of most SNPs without effect to "
                 "exactly 0; ridge regression (no l1 part) keeps every SNP")
def sets_most_null_snp_weights_to_zero(student, ref, rng):
    w, _, null, given = _ld_fit(student)
    scale = np.abs(w).max()
    zero = np.abs(w[null]) <= 1e-8 * scale if scale > 0 else np.ones(null.size, bool)
    expect(zero.mean() >= 1 / 3, "fit_expression_model",
           f"only {int(zero.sum())} of the {null.size} SNPs without effect have weight 0; the "
           "elastic net's l1 penalty should zero most of them", given)


@SUITE.test("fit_expression_model", points=1,
            hint="shuffle the CV folds with the seed you are given, KFold(5, shuffle=True, "
                 "random_state=seed): without random_state the folds, and so the chosen penalty, "
                 "change with numpy's global random state")
def same_seed_same_model_whatever_the_global_random_state(student, ref, rng):
    G, e, _, _ = _expression_problem(107, n_train=200, n_test=10, m=60, h2=0.15)
    given = f"G {describe(G)}, expression {describe(e)}, seed=5, called twice"
    make(student, "np.random.seed(1)\nresult = 0")
    w1, b1, _ = _fit(student, G, e, seed=5)
    make(student, "np.random.seed(2)\nresult = 0")
    w2, b2, _ = _fit(student, G, e, seed=5)
    expect_close(w2, w1, "fit_expression_model: weights of the second call", given)
    expect_close(b2, b1, "fit_expression_model: intercept of the second call", given)


@SUITE.test("fit_expression_model", points=1,
            hint="a SNP that does not vary in the reference panel (sd 0) must not give a division "
                 "by zero when you standardise: use sd 1 for it (its weight is then 0)")
def snps_monomorphic_in_the_reference_panel(student, ref, rng):
    G, e, G_test, e_test = _expression_problem(109, n_train=200, n_test=1000, m=40, h2=0.4)
    constant = np.array([3, 17, 18, 33])
    G[:, constant] = np.array([0.0, 2.0, 0.0, 1.0])  # monomorphic here, polymorphic later
    w, b, given = _fit(student, G, e)
    given += " (4 SNPs constant in the reference panel)"
    rw, rb = _ref_fit(ref, G, e)
    scale = max(np.abs(w).max(), 1e-12)
    expect(np.all(np.abs(w[constant]) <= 1e-6 * scale), "fit_expression_model",
           "SNPs that do not vary in the reference panel should get weight 0", given)
    got, want = _r2(G_test @ w + b, e_test), _r2(G_test @ rw + rb, e_test)
    expect(got >= want - 0.05, "fit_expression_model",
           f"held-out R^2 {got:.3f}, the reference reaches {want:.3f}", given)


@SUITE.test("fit_expression_model", points=1,
            hint="dosages may come as integers (int8, as genotype files store them): convert to "
                 "float (np.asarray(G, dtype=float)) before centring or scaling")
def integer_dosages(student, ref, rng):
    G, e, G_test, e_test = _expression_problem(110, n_train=200, n_test=1000, m=40, h2=0.4)
    G8 = G.astype(np.int8)
    w, b, given = _fit(student, G8, e)
    rw, rb = _ref_fit(ref, G, e)
    got, want = _r2(G_test @ w + b, e_test), _r2(G_test @ rw + rb, e_test)
    expect(got >= want - 0.05, "fit_expression_model",
           f"held-out R^2 {got:.3f}, the reference reaches {want:.3f}", given)


# ------------------------------------------------------------------ impute_expression
def _impute(student, ref, G, w, b):
    given = f"G {describe(G)}, weights {describe(w)}, intercept={b:.3g}"
    expect_close(student(G.copy(), w.copy(), b), ref.impute_expression(G, w, b),
                 "impute_expression", given)


@SUITE.test("impute_expression", points=1, hint="GReX = G @ weights + intercept")
def values_on_random_inputs(student, ref, rng):
    G = rng.integers(0, 3, size=(50, 12)).astype(np.float64)
    _impute(student, ref, G, rng.normal(0, 0.3, size=12), float(rng.normal(5, 1)))


@SUITE.test("impute_expression", points=1,
            hint="do not centre or standardise G: the weights are already on the dosage scale "
                 "and the intercept absorbs the means")
def raw_dosages_and_intercept(student, ref, rng):
    G = rng.integers(0, 3, size=(7, 30)).astype(np.float64)
    w = np.zeros(30)
    w[[2, 17]] = [0.8, -0.5]
    _impute(student, ref, G, w, 3.25)
    _impute(student, ref, G[:1].copy(), w, -1.0)  # a single individual as a (1, m) array


@SUITE.test("impute_expression", points=1,
            hint="G @ weights also works for one individual given as a 1-d array (m,)")
def one_individual_and_integer_dosages(student, ref, rng):
    w = rng.normal(size=9)
    g = rng.integers(0, 3, size=9)
    expect_close(student(g.copy(), w.copy(), 0.5), ref.impute_expression(g, w, 0.5),
                 "impute_expression", f"G {describe(g)} (one individual), weights {describe(w)}")
    G = rng.integers(0, 3, size=(20, 9)).astype(np.int8)
    expect_close(student(G.copy(), w.copy(), 2.0), ref.impute_expression(G, w, 2.0),
                 "impute_expression", f"G {describe(G)}, weights {describe(w)}")


@SUITE.test("impute_expression", points=1, hint="build a new array instead of writing into G")
def does_not_modify_its_inputs(student, ref, rng):
    G = rng.integers(0, 3, size=(15, 6)).astype(np.float64)
    w = rng.normal(size=6)
    keep_G, keep_w = G.copy(), w.copy()
    out = student(G, w, 1.5)
    expect_unchanged(keep_G, G, "impute_expression", "G")
    expect_unchanged(keep_w, w, "impute_expression", "weights")
    expect_close(out, ref.impute_expression(keep_G, keep_w, 1.5), "impute_expression",
                 f"G {describe(keep_G)}")


# ------------------------------------------------------------------ association_test
def _assoc(student, ref, x, y, rtol=1e-4, names=("beta", "se", "t", "p")):
    given = f"x {describe(x)}, y {describe(y)}"
    out = _tuple(student(x.copy(), y.copy()), 4, "association_test")
    want = ref.association_test(x, y)
    for name, got, exp in zip(("beta", "se", "t", "p"), out, want):
        if name in names:
            expect_close(to_float(got, f"association_test: {name}"), exp,
                         f"association_test: {name}", given, rtol=rtol, atol=1e-9)
    return out


@SUITE.test("association_test", points=1,
            hint="beta = sum((x - xbar)(y - ybar)) / sum((x - xbar)^2): the slope of y ~ 1 + x")
def slope_on_random_data(student, ref, rng):
    x = rng.normal(3, 2, size=80)
    y = 10 + 0.7 * x + rng.normal(0, 2, size=80)
    _assoc(student, ref, x, y, names=("beta",))


@SUITE.test("association_test", points=2,
            hint="se = sqrt(RSS / (n - 2) / sum((x - xbar)^2)), t = beta / se and "
                 "p = 2 * scipy.stats.t.sf(|t|, n - 2): the intercept costs a degree of freedom")
def matches_linregress_on_small_samples(student, ref, rng):
    for n in (5, 12, 40):
        x = rng.normal(size=n)
        y = 2.0 - 0.4 * x + rng.normal(size=n)
        _assoc(student, ref, x, y)


@SUITE.test("association_test", points=1,
            hint="the p-value is two-sided: large |t| in either direction is evidence")
def negative_effects_and_two_sided_p(student, ref, rng):
    x = rng.normal(size=60)
    _assoc(student, ref, x, -0.3 * x + rng.normal(size=60))
    _assoc(student, ref, x, 0.05 * x + rng.normal(size=60))


@SUITE.test("association_test", points=1,
            hint="compute p with the survival function, 2 * t.sf(|t|, df); 2 * (1 - t.cdf(|t|)) "
                 "rounds tiny p-values to exactly 0")
def tiny_p_values_stay_positive(student, ref, rng):
    x = rng.normal(size=2000)
    y = 0.4 * x + rng.normal(size=2000)
    given = f"x {describe(x)}, y {describe(y)} (a very strong association)"
    out = _tuple(student(x.copy(), y.copy()), 4, "association_test")
    p = to_float(out[3], "association_test: p")
    want = ref.association_test(x, y)[3]
    expect(p > 0, "association_test: p", f"expected {want:.3g}, got {p:.3g}", given)
    expect_close(np.log10(p), np.log10(want), "association_test: log10(p)", given, rtol=1e-3)


@SUITE.test("association_test", points=1,
            hint="work on float copies: x = np.asarray(x, dtype=float) then x - x.mean()")
def integer_genotypes_and_inputs_unchanged(student, ref, rng):
    x = rng.integers(0, 3, size=100)  # dosages as integers
    y = rng.normal(size=100) + 0.3 * x
    keep_x, keep_y = x.copy(), y.copy()
    out = _tuple(student(x, y), 4, "association_test")
    expect_unchanged(keep_x, x, "association_test", "x")
    expect_unchanged(keep_y, y, "association_test", "y")
    for name, got, exp in zip(("beta", "se", "t", "p"), out, ref.association_test(keep_x, keep_y)):
        expect_close(to_float(got, f"association_test: {name}"), exp, f"association_test: {name}",
                     f"x {describe(keep_x)}, y {describe(keep_y)}", atol=1e-9)


# ------------------------------------------------------------------ twas
TWAS_TIME_LIMIT = 90.0
_N_GENES, _CAUSAL, _SNPS_PER_REGION, _SPACING = 20, (2, 9, 15), 30, 4_000_000
_TWAS = {}


def _twas_data():
    """Independent regions, one gene each (plus one gene with no SNP nearby)."""
    if _TWAS:
        return _TWAS
    draw = np.random.default_rng(1010)
    n_ref, n_gwas = 200, 1000
    blocks, positions, starts, ends, grex = [], [], [], [], []
    E_ref = np.zeros((n_ref, _N_GENES + 1))
    for k in range(_N_GENES):
        start = 2_000_000 + k * _SPACING + int(draw.integers(0, 100_000))
        end = start + int(draw.integers(10_000, 60_000))
        G, _ = _dosages(draw, n_ref + n_gwas, _SNPS_PER_REGION, rho=0.7)
        pos = np.sort(draw.uniform(start - 1_600_000, end + 1_600_000, size=_SNPS_PER_REGION))
        near = np.flatnonzero(np.abs(pos - start) < 300_000)
        near = near if near.size else np.array([int(np.argmin(np.abs(pos - start)))])
        eqtls = draw.choice(near, size=min(2, near.size), replace=False)
        e, signal = _gene_expression(draw, G, eqtls, draw.uniform(0.15, 0.5),
                                     baseline=draw.uniform(2, 8))
        E_ref[:, k] = e[:n_ref]
        grex.append(signal[n_ref:] / signal[n_ref:].std())
        blocks.append(G)
        positions.append(pos.round())
        starts.append(start)
        ends.append(end)
    # a last gene far from every SNP (not testable), with some expression anyway
    starts.append(2_000_000 + _N_GENES * _SPACING + 1_500_000)
    ends.append(starts[-1] + 20_000)
    E_ref[:, -1] = draw.normal(5, 1, size=n_ref)
    G_all = np.concatenate(blocks, axis=1)
    signs = np.array([1.0, -1.0, 1.0])
    y = np.stack(grex, axis=1)[:, list(_CAUSAL)] @ (signs * np.sqrt(0.05))
    y = y + draw.normal(0, np.sqrt(1 - 3 * 0.05), size=n_gwas)
    names = [f"ENSG{k:04d}" for k in range(_N_GENES + 1)]
    _TWAS.update(G_ref=G_all[:n_ref], E_ref=E_ref, G_gwas=G_all[n_ref:], y=y,
                 positions=np.concatenate(positions), names=names,
                 starts=[int(s) for s in starts], ends=[int(s) for s in ends], signs=signs)
    return _TWAS


def _genes_source(d, rows=None):
    rows = range(len(d["names"])) if rows is None else rows
    cols = {"gene": [d["names"][i] for i in rows], "start": [d["starts"][i] for i in rows],
            "end": [d["ends"][i] for i in rows]}
    return f"import pandas as pd\nresult = pd.DataFrame({cols!r})"


def _genes_frame(source):
    import pandas as pd  # noqa: F401 - used by the source

    names = {}
    exec(source, names)  # trusted: built by this module
    return names["result"]


GIVEN = ("a reference panel of 200 people (600 SNPs, 21 genes), a GWAS cohort of 1000 people "
         "and a trait caused by 3 genes")


def _table(out, n_rows, what="twas", given=None):
    """The columns of the student's DataFrame as a dict of lists."""
    given = GIVEN if given is None else given
    kind = type_name(out)
    if kind != "DataFrame":
        raise Failure(f"{what} returned a {kind}; expected a pandas DataFrame "
                      "(e.g. pd.DataFrame(rows) from a list of dicts)")
    cols = out.to_dict(orient="list")
    if not isinstance(cols, dict):
        raise Failure(f"{what}: could not read the returned DataFrame")
    missing = [c for c in ("gene", "n_snps", "cv_r2", "z", "p") if c not in cols]
    if missing:
        raise Failure(f"{what} with {given}: the DataFrame lacks the column(s) {missing}; it has "
                      f"{list(cols)[:8]}")
    for c in ("gene", "n_snps", "cv_r2", "z", "p"):
        if len(cols[c]) != n_rows:
            raise Failure(f"{what} with {given}: expected {n_rows} rows (one per gene), got "
                          f"{len(cols[c])}")
    table = {"gene": [str(g) for g in cols["gene"]]}
    for c in ("n_snps", "cv_r2", "z", "p"):
        table[c] = to_array(cols[c], f"{what}: column {c}").reshape(-1)
    return table


def _run(student, ref=None):
    """(table or exception, seconds, inputs unchanged) of the student's twas, computed once."""
    return _twas_run(student)


@once_per_student
def _twas_run(student):
    d = _twas_data()
    args = [d["G_ref"].copy(), d["E_ref"].copy(), d["G_gwas"].copy(), d["y"].copy()]
    pos = d["positions"].copy()
    genes = make(student, _genes_source(d))
    t0 = time.perf_counter()
    try:
        out = student(*args, genes, pos)
        result = [out, time.perf_counter() - t0, None]
    except Exception as exc:  # noqa: BLE001 - re-raised by each test that needs it
        result = [None, time.perf_counter() - t0, exc]
    unchanged = all(np.array_equal(a, b) for a, b in
                    zip(args + [pos], [d["G_ref"], d["E_ref"], d["G_gwas"], d["y"],
                                       d["positions"]]))
    result.append(unchanged)
    return result


def _student_table(student):
    out, seconds, exc, unchanged = _run(student)
    if exc is not None:
        raise exc
    return _table(out, _N_GENES + 1), seconds, unchanged


def _reference_table(ref):
    if "ref_table" not in _TWAS:
        d = _twas_data()
        frame = ref.twas(d["G_ref"], d["E_ref"], d["G_gwas"], d["y"],
                         _genes_frame(_genes_source(d)), d["positions"])
        _TWAS["ref_table"] = {c: (list(frame[c]) if c == "gene" else frame[c].to_numpy(float))
                              for c in frame.columns}
    return _TWAS["ref_table"]


def _tested(table):
    return np.isfinite(table["p"]) & np.isfinite(table["z"])


@SUITE.test("twas", points=1,
            hint="return pd.DataFrame with columns gene, n_snps, cv_r2, z, p and one row per "
                 "gene, in the order of the rows of `genes`")
def one_row_per_gene_in_order(student, ref, rng):
    table, _, _ = _student_table(student)
    names = _twas_data()["names"]
    if table["gene"] != names:
        first = next(i for i, (a, b) in enumerate(zip(table["gene"], names)) if a != b)
        raise Failure(f"twas with {GIVEN}: row {first} is gene {table['gene'][first]!r}, "
                      f"expected {names[first]!r} (keep the order of `genes`; do not sort)")


@SUITE.test("twas", points=1,
            hint="n_snps is the number of SNPs in the gene's cis window (cis_window_mask with "
                 "the `window` argument)")
def counts_cis_snps_and_uses_the_window(student, ref, rng):
    table, _, _ = _student_table(student)
    want = _reference_table(ref)
    expect_equal(table["n_snps"], want["n_snps"], "twas: column n_snps", GIVEN)
    d = _twas_data()  # a smaller call with another window: three genes
    rows = [0, 1, _N_GENES]
    cols = np.concatenate([np.arange(k * _SNPS_PER_REGION, (k + 1) * _SNPS_PER_REGION)
                           for k in rows[:2]])
    genes = make(student, _genes_source(d, rows))
    args = (d["G_ref"][:, cols], d["E_ref"][:, rows], d["G_gwas"][:, cols], d["y"])
    out = student(*[a.copy() for a in args], genes, d["positions"][cols].copy(), window=400_000)
    small = _table(out, 3)
    frame = ref.twas(*args, _genes_frame(_genes_source(d, rows)), d["positions"][cols],
                     window=400_000)
    expect_equal(small["n_snps"], frame["n_snps"].to_numpy(float), "twas: column n_snps",
                 "three genes and window=400_000")


@SUITE.test("twas", points=2,
            hint="for each gene: cis SNPs -> expression model on the reference panel -> GReX "
                 "in the GWAS cohort -> association_test(GReX, y); use the column of E_ref "
                 "that belongs to the gene")
def causal_genes_pass_bonferroni(student, ref, rng):
    table, _, _ = _student_table(student)
    tested = _tested(table)
    threshold = 0.05 / max(int(tested.sum()), 1)
    for k in _CAUSAL:
        p = table["p"][k]
        expect(np.isfinite(p) and 0 <= p < threshold, "twas",
               f"causal gene {_twas_data()['names'][k]} has p = {p:.3g}, expected below the "
               f"Bonferroni threshold {threshold:.3g} (the reference finds it)", GIVEN)


@SUITE.test("twas", points=2,
            hint="under the null the p-values of the null genes should look uniform on [0, 1]: "
                 "two-sided p from the t statistic of y ~ 1 + GReX, not one-sided or -log10")
def null_genes_are_calibrated(student, ref, rng):
    table, _, _ = _student_table(student)
    null = np.array([k for k in range(_N_GENES) if k not in _CAUSAL])
    p = table["p"][null]
    expect(np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1)), "twas: column p",
           "null genes (with cis SNPs and heritable expression) should all be tested and have "
           "p-values in [0, 1]", GIVEN)
    tested = _tested(table)
    false_pos = int(np.sum(p < 0.05 / max(int(tested.sum()), 1)))
    expect(false_pos <= 1, "twas", f"{false_pos} of {null.size} null genes pass Bonferroni",
           GIVEN)
    ks = stats.kstest(p, "uniform").pvalue
    expect(ks > 0.01, "twas", f"the {null.size} null genes' p-values are far from uniform "
           f"(Kolmogorov-Smirnov p = {ks:.2g}); median p {np.median(p):.2f}", GIVEN)


@SUITE.test("twas", points=1,
            hint="z is the t statistic of the trait on imputed expression (its sign is the "
                 "direction of the effect) and p its two-sided p-value")
def z_and_p_agree_with_the_reference(student, ref, rng):
    table, _, _ = _student_table(student)
    want = _reference_table(ref)
    both = _tested(table) & np.isfinite(want["z"])
    expect(both.sum() >= _N_GENES - 2, "twas", f"only {int(both.sum())} genes have finite z and p",
           GIVEN)
    z, p = table["z"][both], table["p"][both]
    r = np.corrcoef(z, want["z"][both])[0, 1]
    expect(r > 0.9, "twas: column z", f"correlation with the reference z-scores is {r:.2f}",
           GIVEN)
    d = _twas_data()
    for k, sign in zip(_CAUSAL, d["signs"]):
        expect(np.sign(table["z"][k]) == sign, "twas: column z",
               f"gene {d['names'][k]} should have z of sign {sign:+.0f}", GIVEN)
    p_t, p_norm = 2 * stats.t.sf(np.abs(z), 998), 2 * stats.norm.sf(np.abs(z))
    lo = np.minimum(p_t, p_norm) * (1 - 1e-3) - 1e-12
    hi = np.maximum(p_t, p_norm) * (1 + 1e-3) + 1e-12
    bad = ~((p >= lo) & (p <= hi))
    expect(not bad.any(), "twas: column p", "p should be the two-sided p-value of z "
           f"(2 P(T > |z|)); {int(bad.sum())} rows disagree", GIVEN)


@SUITE.test("twas", points=1,
            hint="cv_r2 is the cross-validated R^2 of the gene's expression model, e.g. "
                 "1 - min(mean CV MSE) / var(expression) from ElasticNetCV's mse_path_")
def cv_r2_is_a_held_out_estimate(student, ref, rng):
    table, _, _ = _student_table(student)
    want = _reference_table(ref)["cv_r2"][:_N_GENES]
    got = table["cv_r2"][:_N_GENES]
    expect(np.all(np.isfinite(got)), "twas: column cv_r2", "NaN for genes that have cis SNPs",
           GIVEN)
    worst = int(np.argmax(np.abs(got - want)))
    expect(np.all(np.abs(got - want) <= 0.15) and np.all(got <= 1.0), "twas: column cv_r2",
           f"gene {_twas_data()['names'][worst]}: cv_r2 {got[worst]:.3f}, the reference's "
           f"cross-validated R^2 is {want[worst]:.3f}", GIVEN)


@SUITE.test("twas", points=1,
            hint="a gene with no SNP in its window cannot be tested: report n_snps = 0 and "
                 "z = p = NaN instead of raising an error")
def gene_without_cis_snps_is_not_tested(student, ref, rng):
    table, _, _ = _student_table(student)
    k = _N_GENES
    expect(table["n_snps"][k] == 0, "twas", f"the last gene has no SNP within 1 Mb but n_snps "
           f"= {table['n_snps'][k]:g}", GIVEN)
    untested = (np.isnan(table["z"][k]) and np.isnan(table["p"][k])) or \
        (table["z"][k] == 0 and table["p"][k] == 1)
    expect(untested, "twas", f"the gene without cis SNPs got z = {table['z'][k]:.3g}, p = "
           f"{table['p'][k]:.3g}; expected NaN (not tested)", GIVEN)


@SUITE.test("twas", points=1,
            hint="leave the input arrays unchanged and keep the run fast (one elastic net per "
                 "gene; cv=5)")
def inputs_unchanged_and_fast(student, ref, rng):
    table, seconds, unchanged = _student_table(student)
    expect(unchanged, "twas", "modified one of its input arrays in place; work on copies",
           GIVEN)
    expect(seconds <= TWAS_TIME_LIMIT, "twas",
           f"took {seconds:.0f} s, more than the {TWAS_TIME_LIMIT:.0f} s allowed", GIVEN)
    expect(np.sum(_tested(table)) >= _N_GENES - 2, "twas", "most genes should be tested", GIVEN)


@SUITE.test("twas", points=1,
            hint="cv_r2 must be measured on people left out of the fit (cross-validation, e.g. "
                 "from ElasticNetCV's mse_path_); the R^2 of the final model on the reference "
                 "panel it was fitted on is optimistic")
def cv_r2_is_not_an_in_sample_r2(student, ref, rng):
    table, _, _ = _student_table(student)
    want = _reference_table(ref)["cv_r2"][:_N_GENES]
    got = table["cv_r2"][:_N_GENES]
    both = np.isfinite(got) & np.isfinite(want)
    expect(both.sum() >= _N_GENES - 2, "twas: column cv_r2", "NaN for genes that have cis SNPs",
           GIVEN)
    bias = float(np.mean(got[both] - want[both]))
    expect(bias <= 0.03, "twas: column cv_r2",
           f"on average {bias:.3f} above the reference's cross-validated R^2 over the "
           f"{int(both.sum())} genes: it looks like an in-sample R^2", GIVEN)


_UNTESTABLE = {}
UNTESTABLE_GIVEN = ("two genes, the second with 12 cis SNPs that are all monomorphic in the "
                    "reference panel of 150 people (but vary in the GWAS cohort of 400)")


def _untestable_data():
    """Gene 0: an ordinary heritable gene; gene 1: every cis SNP constant in the reference panel,
    so no expression model can keep a SNP and the gene cannot be tested."""
    if not _UNTESTABLE:
        draw = np.random.default_rng(1011)
        n_ref, n_gwas, m = 150, 400, 12
        G0, _ = _dosages(draw, n_ref + n_gwas, m, rho=0.6)
        e0, grex = _gene_expression(draw, G0, [3, 8], 0.4)
        G1, _ = _dosages(draw, n_ref + n_gwas, m, rho=0.6)
        G1[:n_ref] = np.round(G1[:n_ref].mean(axis=0))  # monomorphic in the reference panel
        E = np.column_stack([e0[:n_ref], draw.normal(5, 1, size=n_ref)])
        y = 0.3 * grex[n_ref:] / grex[n_ref:].std() + draw.normal(size=n_gwas)
        pos = np.concatenate([np.sort(draw.uniform(1.5e6, 2.5e6, m)),
                              np.sort(draw.uniform(9.5e6, 10.5e6, m))]).round()
        _UNTESTABLE.update(G_ref=np.concatenate([G0[:n_ref], G1[:n_ref]], axis=1), E_ref=E,
                           G_gwas=np.concatenate([G0[n_ref:], G1[n_ref:]], axis=1), y=y,
                           positions=pos, names=["ENSG_A", "ENSG_B"],
                           starts=[2_000_000, 10_000_000], ends=[2_030_000, 10_030_000])
    return _UNTESTABLE


@SUITE.test("twas", points=1,
            hint="a gene whose expression model keeps no SNP (all weights 0, e.g. when its cis "
                 "SNPs do not vary in the reference panel) has a constant GReX and cannot be "
                 "tested: report z = p = NaN instead of raising an error (check np.any(w != 0) "
                 "before the association test)")
def gene_whose_model_keeps_no_snp_is_not_tested(student, ref, rng):
    d = _untestable_data()
    genes = make(student, _genes_source(d))
    out = student(d["G_ref"].copy(), d["E_ref"].copy(), d["G_gwas"].copy(), d["y"].copy(), genes,
                  d["positions"].copy())
    table = _table(out, 2, given=UNTESTABLE_GIVEN)
    expect_equal(table["n_snps"], [12, 12], "twas: column n_snps", UNTESTABLE_GIVEN)
    expect(np.isfinite(table["p"][0]), "twas", "the ordinary gene should be tested (finite p)",
           UNTESTABLE_GIVEN)
    z, p = table["z"][1], table["p"][1]
    untested = (np.isnan(z) and np.isnan(p)) or (z == 0 and p == 1)
    expect(untested, "twas", f"the gene whose SNPs are all constant in the reference panel got "
           f"z = {z:.3g}, p = {p:.3g}; expected NaN (not tested)", UNTESTABLE_GIVEN)


# ------------------------------------------------------------------ spredixcan_z
def _pd_cov(rng, m):
    A = rng.normal(size=(m, m + 3))
    scales = rng.uniform(0.3, 1.2, size=m)
    cov = A @ A.T / (m + 3)
    return cov * np.outer(scales, scales)


def _spx(student, ref, w, z, cov, extra=""):
    given = f"weights {describe(w)}, snp_z {describe(z)}, snp_cov {describe(cov)}{extra}"
    got = to_float(student(w.copy(), z.copy(), cov.copy()), "spredixcan_z")
    expect_close(got, ref.spredixcan_z(w, z, cov), "spredixcan_z", given)
    return got


@SUITE.test("spredixcan_z", points=1,
            hint="z_g = sum_l w_l (sd_l / sd_g) z_l with sd_l = sqrt(Gamma_ll) and "
                 "sd_g = sqrt(w' Gamma w)")
def values_on_random_covariances(student, ref, rng):
    for m in (1, 4, 12):
        _spx(student, ref, rng.normal(size=m), rng.normal(0, 2, size=m), _pd_cov(rng, m))


@SUITE.test("spredixcan_z", points=1,
            hint="sd_g^2 = w' Gamma w uses the whole covariance matrix (LD between SNPs), not "
                 "only its diagonal")
def uses_ld_between_snps(student, ref, rng):
    m = 6
    base = 0.8 ** np.abs(np.subtract.outer(np.arange(m), np.arange(m)))  # strong LD
    sd = rng.uniform(0.4, 0.7, size=m)
    _spx(student, ref, np.abs(rng.normal(size=m)), rng.normal(1, 1, size=m),
         base * np.outer(sd, sd), " (SNPs in strong LD)")


@SUITE.test("spredixcan_z", points=1,
            hint="the result is a z-score: rescaling the covariance (e.g. dosages vs allele "
                 "counts / 2) or the weights must not change it")
def scale_invariant_and_zero_weights(student, ref, rng):
    m = 8
    w, z, cov = rng.normal(size=m), rng.normal(size=m), _pd_cov(rng, m)
    w[[1, 5]] = 0.0  # SNPs not in the model contribute nothing
    first = _spx(student, ref, w, z, cov)
    second = to_float(student(3.0 * w, z.copy(), 4.0 * cov), "spredixcan_z")
    expect_close(second, first, "spredixcan_z", "weights x 3 and snp_cov x 4 (same z-score)")


@SUITE.test("spredixcan_z", points=1,
            hint="with GWAS z-scores and LD computed in the same people, S-PrediXcan should "
                 "reproduce the individual-level z of y ~ 1 + GReX")
def agrees_with_the_individual_level_test(student, ref, rng):
    n, m = 1500, 15
    G, _ = _dosages(rng, n, m, rho=0.6)
    w = np.zeros(m)
    w[[2, 6, 7, 11]] = rng.normal(0, 0.5, size=4)
    y = 0.08 * (G @ w) / np.std(G @ w) + rng.normal(size=n)
    snp_z = np.array([ref.association_test(G[:, j], y)[2] for j in range(m)])
    individual = ref.association_test(G @ w, y)[2]
    got = to_float(student(w.copy(), snp_z.copy(), np.cov(G, rowvar=False)), "spredixcan_z")
    expect(abs(got - individual) < 0.05 + 0.02 * abs(individual), "spredixcan_z",
           f"gave {got:.3f} but the individual-level z is {individual:.3f}",
           f"{n} simulated people, {m} SNPs in LD")


@SUITE.test("spredixcan_z", points=1, hint="read the inputs without writing into them")
def returns_a_number_and_inputs_unchanged(student, ref, rng):
    m = 5
    w, z, cov = rng.normal(size=m), rng.normal(size=m), _pd_cov(rng, m)
    keep = (w.copy(), z.copy(), cov.copy())
    got = to_float(student(w, z, cov), "spredixcan_z")
    for name, before, after in zip(("weights", "snp_z", "snp_cov"), keep, (w, z, cov)):
        expect_unchanged(before, after, "spredixcan_z", name)
    expect_close(got, ref.spredixcan_z(*keep), "spredixcan_z", f"snp_cov {describe(keep[2])}")


@SUITE.test("spredixcan_z", points=1,
            hint="return a plain float (float(...)): not a (1, 1) array from column vectors, a "
                 "one-element array or a torch tensor")
def returns_a_plain_float(student, ref, rng):
    m = 6
    w, z, cov = rng.normal(size=m), rng.normal(size=m), _pd_cov(rng, m)
    given = f"weights {describe(w)}, snp_z {describe(z)}, snp_cov {describe(cov)}"
    got = student(w.copy(), z.copy(), cov.copy())
    expect_close(to_float(got, "spredixcan_z"), ref.spredixcan_z(w, z, cov), "spredixcan_z", given)
    shape = getattr(got, "shape", None)
    expect(_is_number(got), "spredixcan_z",
           f"returned a {type(got).__name__}" + (f" of shape {tuple(shape)}" if shape is not None
                                                 else "") + "; expected a float", given)


# ------------------------------------------------------------------ choose_window_and_hits
# Evidence: the CV R^2 and TWAS p-values of n genes at k cis windows, drawn here so that the
# right decision is known, with margins: no window's score lies within 1 % of keep * best, no
# p-value within 4 % of a threshold that a plausible wrong rule would use instead.
DECIDE = "choose_window_and_hits"
SUITE.written("written_window_choice", 2)


def _gene_names(rng, n):
    """n distinct Ensembl-like names, in an order that is not alphabetical."""
    names = [f"ENSG00000{int(v):06d}" for v in rng.choice(10 ** 6, size=n, replace=False)]
    while names == sorted(names):
        rng.shuffle(names)
    return names


def _cv_rows(rng, scores, n, n_missing=None):
    """(k, n) CV R^2 whose row means, a missing model (NaN) counting as 0, equal `scores`."""
    n_missing = [0] * len(scores) if n_missing is None else n_missing
    rows = np.empty((len(scores), n))
    for i, (score, missing) in enumerate(zip(scores, n_missing)):
        r2 = rng.uniform(0.05, 0.6, size=n)
        r2[rng.choice(n, size=missing, replace=False)] = np.nan
        finite = np.isfinite(r2)
        r2[finite] *= score * n / r2[finite].sum()
        rows[i] = r2
    return rows


def _null_p(rng, size):
    """p-values of genes without effect, clear of every threshold in these tests."""
    return rng.uniform(0.06, 1.0, size=size)


def _strong_p(rng, size):
    return 10.0 ** -rng.uniform(6, 12, size=size)


def _decision(out, given):
    """(window, gene names) from what the student's function returned; fails on the form."""
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        size = f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""
        raise Failure(f"{DECIDE} with {given}: should return a pair (window, genes), got "
                      f"{type_name(out)}{size}")
    window = to_float(out[0], f"{DECIDE}: window")
    hits = out[1]
    if not isinstance(hits, (list, tuple)) or not all(isinstance(g, str) for g in hits):
        raise Failure(f"{DECIDE} with {given}: the genes should be a list of gene names (str), "
                      f"got {type_name(hits)}")
    return window, [str(g) for g in hits]


def _pass(count):
    return f"{count} gene passes" if count == 1 else f"{count} genes pass"


def _decide(student, ref, windows, cv_r2, p, genes, given, **kw):
    """Call the student's function on copies; compare the window exactly, the genes as a set."""
    out = student(windows.copy(), cv_r2.copy(), p.copy(), list(genes), **kw)
    window, hits = _decision(out, given)
    want_window, want_hits = ref.choose_window_and_hits(windows, cv_r2, p, genes, **kw)
    expect(window == want_window, DECIDE,
           f"chose the {window:,.0f} bp window, expected {want_window:,} bp", given)
    extra, missing = set(hits) - set(want_hits), set(want_hits) - set(hits)
    expect(not extra and not missing, DECIDE,
           f"at the {want_window:,} bp window {_pass(len(hits))}, expected {len(want_hits)} "
           f"({len(extra)} too many, {len(missing)} missing)", given)
    return hits, want_hits


def _evidence_given(windows, n, what):
    kb = sorted(int(w) // 1000 for w in windows)
    return f"{n} genes at {len(kb)} windows ({', '.join(f'{w} kb' for w in kb)}), {what}"


@SUITE.test(DECIDE, points=1,
            hint="score each window by the mean CV R^2 of its genes; choose the smallest window "
                 "whose score is at least keep (95 %) of the best score, not the best window "
                 "itself")
def smallest_window_keeping_95_percent_of_the_best(student, ref, rng):
    windows = np.array([100_000, 250_000, 500_000, 1_000_000, 2_000_000])
    n = 18
    for answer in (0, 1, 2):
        top = rng.uniform(0.15, 0.35)
        best = int(rng.integers(answer + 1, windows.size))
        scores = np.empty(windows.size)
        scores[:answer] = top * rng.uniform(0.6, 0.92, size=answer)
        scores[answer] = top * rng.uniform(0.96, 0.99)
        scores[answer + 1:] = top * rng.uniform(0.96, 0.995, size=windows.size - answer - 1)
        scores[best] = top
        cv = _cv_rows(rng, scores, n)
        causal = rng.choice(n, size=2, replace=False)
        p = _null_p(rng, (windows.size, n))
        p[:, causal] = _strong_p(rng, (windows.size, 2))
        _decide(student, ref, windows, cv, p, _gene_names(rng, n),
                _evidence_given(windows, n, "the mean CV R^2 levelling off"))


@SUITE.test(DECIDE, points=1,
            hint="the window is chosen from the expression models (CV R^2) alone: how many genes "
                 "pass at a window, or a gene's smallest p over the windows, must not enter the "
                 "choice, else the trait is tested several times and Bonferroni no longer holds")
def window_chosen_from_expression_prediction_not_from_the_trait(student, ref, rng):
    windows = np.array([100_000, 250_000, 500_000, 1_000_000])
    n = 20
    top = rng.uniform(0.2, 0.3)
    cv = _cv_rows(rng, top * np.array([0.75, rng.uniform(0.96, 0.98), 1.0,
                                       rng.uniform(0.97, 0.99)]), n)
    genes = rng.permutation(n)
    p = _null_p(rng, (windows.size, n))
    p[:, genes[:2]] = _strong_p(rng, (windows.size, 2))    # found at every window
    p[2, genes[2]] = _strong_p(rng, 1)[0]                  # one more at 500 kb,
    p[3, genes[2:5]] = _strong_p(rng, 3)                   # three more at 1 Mb,
    p[0, genes[5:8]] = _strong_p(rng, 3)                   # three more at 100 kb only
    _decide(student, ref, windows, cv, p, _gene_names(rng, n),
            _evidence_given(windows, n, "wider windows giving more genes below the threshold"))


@SUITE.test(DECIDE, points=1,
            hint="a gene without a model at a window (cv_r2 NaN: no SNP in the window) predicts "
                 "nothing there: count it as R^2 = 0 in the mean over all genes, do not leave "
                 "it out (np.nanmean)")
def gene_without_a_model_counts_as_r2_zero(student, ref, rng):
    windows = np.array([100_000, 250_000, 500_000, 1_000_000])
    n = 20
    # (share of the best score, genes without a model) per window: at 100 kb 8 genes have no
    # cis SNP, and the mean over the other 12 alone would make it the best window
    for shares, missing in (([0.65, 1.0, 0.98, 0.97], [8, 1, 1, 1]),
                            ([0.65, 0.85, 1.0, 0.97], [8, 2, 1, 1])):
        cv = _cv_rows(rng, rng.uniform(0.2, 0.3) * np.array(shares), n, missing)
        p = np.where(np.isnan(cv), np.nan, _null_p(rng, cv.shape))
        causal = np.flatnonzero(np.all(np.isfinite(cv), axis=0))[:2]
        p[:, causal] = _strong_p(rng, (windows.size, 2))
        _decide(student, ref, windows, cv, p, _gene_names(rng, n),
                _evidence_given(windows, n, "8 genes without a model at the smallest window"))


@SUITE.test(DECIDE, points=1,
            hint="Bonferroni: a gene passes when p < alpha / m, with m the number of genes "
                 "tested (finite p) at the chosen window: not all the genes listed, not genes "
                 "times windows, not alpha itself, not a false-discovery-rate cut")
def bonferroni_over_the_genes_tested_at_the_chosen_window(student, ref, rng):
    windows = np.array([250_000, 500_000, 1_000_000])
    n, n_untested = 20, 4
    top = rng.uniform(0.2, 0.3)
    cv = _cv_rows(rng, top * np.array([0.8, 1.0, 0.9]), n, [3, 2, 2])
    p = np.where(np.isnan(cv), np.nan, _null_p(rng, cv.shape))
    order = rng.permutation(np.flatnonzero(np.isfinite(cv[1])))
    p[1, order[:2]] = np.nan  # their models kept no SNP: not tested either
    m = n - n_untested
    strong, moderate, edge, near = order[2:6]
    p[:, strong] = np.where(np.isnan(cv[:, strong]), np.nan, _strong_p(rng, windows.size))
    p[1, moderate] = rng.uniform(0.05 / (3 * m) * 1.05, 0.05 / n * 0.96)
    p[1, edge] = rng.uniform(0.05 / n * 1.04, 0.05 / m * 0.96)  # passes at m, not at n
    p[1, near] = rng.uniform(0.05 / m * 1.3, 0.05 / m * 2.5)    # just misses
    p[1, order[6]] = rng.uniform(0.01, 0.02)
    _decide(student, ref, windows, cv, p, _gene_names(rng, n),
            _evidence_given(windows, n, f"{n_untested} genes not tested at the chosen window"))


@SUITE.test(DECIDE, points=1,
            hint="use the alpha and keep you are given, and compare window widths, not their "
                 "positions in the input: the windows may come in any order (cv_r2 and p rows "
                 "follow them)")
def keywords_and_windows_in_any_order(student, ref, rng):
    sorted_windows = np.array([100_000, 250_000, 500_000, 1_000_000])
    n = 20
    top = rng.uniform(0.2, 0.3)
    cv = _cv_rows(rng, top * np.array([0.84, 0.92, 0.97, 1.0]), n)
    p = _null_p(rng, (4, n))
    genes = rng.permutation(n)
    p[:, genes[:2]] = _strong_p(rng, (4, 2))
    p[:, genes[2]] = rng.uniform(0.01 / n * 1.2, 0.05 / n * 0.96, size=4)  # passes at 0.05 only
    order = np.array([3, 0, 2, 1])  # 1 Mb first: not sorted by width
    windows, cv, p = sorted_windows[order], cv[order], p[order]
    names = _gene_names(rng, n)
    given = _evidence_given(windows, n, "windows not sorted by width")
    _decide(student, ref, windows, cv, p, names, given)
    _decide(student, ref, windows, cv, p, names, given + ", keep=0.9, alpha=0.01",
            keep=0.9, alpha=0.01)


_DECIDE_REAL = {}
DECIDE_WINDOWS = (100_000, 250_000, 500_000, 1_000_000)
DECIDE_GIVEN = ("the TWAS of a simulated trait (21 genes, reference panel of 200, cohort of "
                "1000) at windows of 100 kb, 250 kb, 500 kb and 1 Mb")


def _real_evidence(ref):
    """The reference TWAS of the hidden simulation at four windows, genes renamed."""
    if not _DECIDE_REAL:
        d = _twas_data()
        genes = _genes_frame(_genes_source(d))
        tables = [ref.twas(d["G_ref"], d["E_ref"], d["G_gwas"], d["y"], genes, d["positions"],
                           window=w) for w in DECIDE_WINDOWS]
        _DECIDE_REAL.update(
            windows=np.array(DECIDE_WINDOWS),
            cv=np.array([t["cv_r2"].to_numpy(dtype=float) for t in tables]),
            p=np.array([t["p"].to_numpy(dtype=float) for t in tables]),
            names=_gene_names(np.random.default_rng(1012), len(genes)))
    return _DECIDE_REAL


@SUITE.test(DECIDE, points=1,
            hint="return (window, genes): the chosen width in bp as a number, and the names of "
                 "the genes that pass as a list of str sorted alphabetically (sorted(...)), "
                 "not in the order of the table")
def real_twas_tables_window_and_sorted_gene_names(student, ref, rng):
    e = _real_evidence(ref)
    out = student(e["windows"].copy(), e["cv"].copy(), e["p"].copy(), list(e["names"]))
    window, hits = _decision(out, DECIDE_GIVEN)
    want_window, want_hits = ref.choose_window_and_hits(e["windows"], e["cv"], e["p"],
                                                        e["names"])
    expect(window == want_window, DECIDE,
           f"chose the {window:,.0f} bp window, expected {want_window:,} bp", DECIDE_GIVEN)
    expect(sorted(hits) == want_hits, DECIDE,
           f"{_pass(len(hits))}, expected {len(want_hits)}", DECIDE_GIVEN)
    expect(hits == want_hits, DECIDE, "the genes are not sorted alphabetically", DECIDE_GIVEN)
    expect(np.ndim(out[0]) == 0, DECIDE,
           f"the window is a {type_name(out[0])}; return a plain number (int)", DECIDE_GIVEN)

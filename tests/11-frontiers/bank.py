"""Mutants and alternative implementations for 11-frontiers (see autograder/engine/bank.py)."""
import numpy as np
import scipy.spatial.distance
import scipy.stats
import torch
import torch.nn.functional as F

from autograder.engine.bank import Bank

BANK = Bank("11-frontiers")


def _softmax_rows(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softplus(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


# ------------------------------------------------------------------ attention: mutants
@BANK.mutant("scaled_dot_product_attention", "forgets the 1/sqrt(d) scaling",
             diagnosis="you forget to divide the scores by the square root of d, so wide vectors "
                       "give huge scores and the softmax puts almost all the weight on one key",
             section="Attention: every position looks at every other")
def attention_unscaled(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2)
    if mask is not None:
        s = np.where(mask, s, -1e30)
    w = _softmax_rows(s)
    return w @ V, w


@BANK.mutant("scaled_dot_product_attention", "divides by d instead of sqrt(d)",
             diagnosis="you divide the scores by d instead of its square root, so the scores "
                       "shrink as the vectors get wider and the weights come out too flat",
             section="Attention: every position looks at every other")
def attention_divide_by_d(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / Q.shape[-1]
    if mask is not None:
        s = np.where(mask, s, -1e30)
    w = _softmax_rows(s)
    return w @ V, w


@BANK.mutant("scaled_dot_product_attention", "softmax over the queries (axis -2)",
             diagnosis="you take the softmax over the queries instead of over the keys, so each "
                       "column of the weights sums to 1 rather than each query's row",
             section="Attention: every position looks at every other")
def attention_wrong_axis(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -1e30)
    e = np.exp(s - s.max(axis=-2, keepdims=True))
    w = e / e.sum(axis=-2, keepdims=True)
    return w @ V, w


@BANK.mutant("scaled_dot_product_attention",
             "nn.MultiheadAttention's convention: True = blocked (mask inverted)",
             diagnosis="you read the mask the nn.MultiheadAttention way, True = blocked, but here "
                       "True means the query may attend to that key, so you block exactly the "
                       "allowed keys",
             section="Attention: every position looks at every other")
def attention_inverted_mask(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, -1e30, s)
    w = _softmax_rows(s)
    return w @ V, w


@BANK.mutant("scaled_dot_product_attention",
             "masks by multiplying the scores by the mask (0, not -inf)",
             diagnosis="you mask by multiplying the scores by the mask, which turns blocked "
                       "scores into 0, not minus infinity, so blocked keys still get weight after "
                       "the softmax",
             section="Attention: every position looks at every other")
def attention_multiply_mask(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = s * mask
    w = _softmax_rows(s)
    return w @ V, w


@BANK.mutant("scaled_dot_product_attention", "no max subtraction: exp overflows for large scores",
             diagnosis="you exponentiate the scores without first subtracting each row's maximum, "
                       "so scores of several hundred overflow to inf and the weights become NaN",
             section="Attention: every position looks at every other")
def attention_unstable(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    e = np.exp(s)
    if mask is not None:
        e = e * mask
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ V, w


@BANK.mutant("scaled_dot_product_attention", "K.T reverses all axes: wrong with batch axes",
             diagnosis="you transpose K with .T, which reverses every axis including the batch "
                       "axes, so with batched inputs the queries are not matched with the keys of "
                       "their own sequence",
             section="Attention: every position looks at every other")
def attention_plain_transpose(Q, K, V, mask=None):
    s = Q @ K.T / np.sqrt(Q.shape[-1]) if K.ndim == 2 else \
        np.einsum("...id,...jd->...ij", Q, K[::-1]) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -1e30)
    w = _softmax_rows(s)
    return w @ V, w


@BANK.mutant("scaled_dot_product_attention",
             "masks with a large negative number: a fully masked query gets uniform weights",
             diagnosis="you block keys with a large negative number instead of minus infinity, so "
                       "a query that may attend to no key at all gets equal weights on every key "
                       "instead of zero weights",
             section="Attention: every position looks at every other")
def attention_minus_1e9(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -1e9)
    w = _softmax_rows(s)
    return w @ V, w


@BANK.mutant("scaled_dot_product_attention", "scales Q in place",
             diagnosis="you scale the queries in place, which overwrites the caller's Q (and "
                       "fails for an integer Q)",
             section="Exercise")
def attention_inplace(Q, K, V, mask=None):
    Q /= np.sqrt(Q.shape[-1])
    s = Q @ np.swapaxes(K, -1, -2)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = s.max(axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(s - m)
    t = e.sum(axis=-1, keepdims=True)
    w = e / np.where(t > 0, t, 1.0)
    return w @ V, w


# ------------------------------------------------------------------ attention: alternatives
@BANK.alternative("scaled_dot_product_attention",
                  "torch: F.scaled_dot_product_attention for out, masked_fill + softmax for weights")
def attention_torch(Q, K, V, mask=None):
    q, k, v = (torch.as_tensor(np.asarray(x, dtype=np.float64)) for x in (Q, K, V))
    s = q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5
    m = torch.ones_like(s, dtype=torch.bool) if mask is None else \
        torch.as_tensor(np.asarray(mask, dtype=bool)).expand_as(s)
    w = torch.softmax(s.masked_fill(~m, float("-inf")), dim=-1).nan_to_num(0.0)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m)
    return out.numpy(), w.numpy()


@BANK.alternative("scaled_dot_product_attention", "float32, loops over batch items and queries")
def attention_loops32(Q, K, V, mask=None):
    Q, K, V = (np.asarray(x, dtype=np.float32) for x in (Q, K, V))
    lq, lk = Q.shape[-2], K.shape[-2]
    shape = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2], V.shape[:-2])
    m = np.ones((lq, lk), bool) if mask is None else np.asarray(mask, bool)
    m = np.broadcast_to(m, shape + (lq, lk))
    Qb = np.broadcast_to(Q, shape + Q.shape[-2:])
    Kb = np.broadcast_to(K, shape + K.shape[-2:])
    Vb = np.broadcast_to(V, shape + V.shape[-2:])
    out = np.zeros(shape + (lq, V.shape[-1]), np.float32)
    weights = np.zeros(shape + (lq, lk), np.float32)
    for idx in np.ndindex(*shape):
        for i in range(lq):
            keep = m[idx][i]
            if not keep.any():
                continue
            s = Kb[idx][keep] @ Qb[idx][i] / np.float32(np.sqrt(Q.shape[-1]))
            e = np.exp(s - s.max())
            weights[idx][i, keep] = e / e.sum()
            out[idx][i] = weights[idx][i] @ Vb[idx]
    return out, weights


@BANK.alternative("scaled_dot_product_attention", "einsum, log-sum-exp via scipy, -inf masking")
def attention_einsum(Q, K, V, mask=None):
    import scipy.special
    s = np.einsum("...id,...jd->...ij", Q, K) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    with np.errstate(invalid="ignore"):
        lse = scipy.special.logsumexp(s, axis=-1, keepdims=True)
        w = np.exp(s - lse)
    w = np.nan_to_num(w, nan=0.0)
    return np.einsum("...ij,...jv->...iv", w, V), w


# ------------------------------------------------------------------ GAN losses: mutants
@BANK.mutant("gan_discriminator_loss", "labels swapped: real called 0 and fake called 1",
             diagnosis="you swap the labels, treating real samples as class 0 and generated ones "
                       "as class 1, so the discriminator is trained to call the fakes real",
             section="Generative adversarial networks")
def dloss_swapped(real_logits, fake_logits):
    return float(np.mean(_softplus(real_logits)) + np.mean(_softplus(-fake_logits)))


@BANK.mutant("gan_discriminator_loss",
             "mean over the concatenation instead of the sum of two means",
             diagnosis="you average over real and fake samples pooled together instead of adding "
                       "the two means, so equal batches give half the loss and unequal ones "
                       "favour the larger",
             section="Generative adversarial networks")
def dloss_concat_mean(real_logits, fake_logits):
    r, f = np.ravel(real_logits), np.ravel(fake_logits)
    return float(np.mean(np.concatenate([_softplus(-r), _softplus(f)])))


@BANK.mutant("gan_discriminator_loss", "average of the two means (0.5 factor)",
             diagnosis="you average the two binary cross-entropies instead of adding them, so "
                       "your loss is half the convention used here (the sum of the two means)",
             section="Generative adversarial networks")
def dloss_half(real_logits, fake_logits):
    return float(0.5 * (np.mean(_softplus(-real_logits)) + np.mean(_softplus(fake_logits))))


@BANK.mutant("gan_discriminator_loss", "naive log(sigmoid): log(0) and overflow for |logits| ~ 1e3",
             diagnosis="you compute the sigmoid and then its log, so for confidently wrong "
                       "logits the sigmoid rounds to exactly 0 or 1 and the log gives inf; "
                       "softplus of the logit avoids this",
             section="Generative adversarial networks")
def dloss_naive(real_logits, fake_logits):
    d_real = 1 / (1 + np.exp(-real_logits))
    d_fake = 1 / (1 + np.exp(-fake_logits))
    return float(-np.mean(np.log(d_real)) - np.mean(np.log(1 - d_fake)))


@BANK.mutant("gan_discriminator_loss", "epsilon inside the log: log(sigmoid + 1e-8) caps the loss",
             diagnosis="you add a small epsilon inside the log, which caps each sample's loss at "
                       "about 18, so confident mistakes (logits of 1000 on the wrong side) get far "
                       "too small a loss",
             section="Generative adversarial networks")
def dloss_epsilon(real_logits, fake_logits):
    d_real = np.exp(-_softplus(-real_logits))
    d_fake = np.exp(-_softplus(-fake_logits))
    return float(-np.mean(np.log(d_real + 1e-8)) - np.mean(np.log(1 - d_fake + 1e-8)))


@BANK.mutant("gan_discriminator_loss", "sums instead of averaging",
             diagnosis="you add up the per-sample losses instead of averaging them, so the loss "
                       "grows with the batch size",
             section="Generative adversarial networks")
def dloss_sum(real_logits, fake_logits):
    return float(np.sum(_softplus(-real_logits)) + np.sum(_softplus(fake_logits)))


@BANK.mutant("gan_discriminator_loss", "negates the logits in place",
             diagnosis="you negate the real logits in place, which changes the array the caller "
                       "passed in; a function must leave its inputs untouched",
             section="Exercise")
def dloss_inplace(real_logits, fake_logits):
    real_logits *= -1
    return float(np.mean(_softplus(real_logits)) + np.mean(_softplus(fake_logits)))


@BANK.mutant("gan_discriminator_loss",
             "torch BCE with logits returned as a 0-d tensor (no .item())",
             diagnosis="you return the torch tensor itself instead of converting the loss to a "
                       "plain Python float",
             section="Exercise")
def dloss_torch_tensor(real_logits, fake_logits):
    r = torch.as_tensor(np.asarray(real_logits, dtype=np.float64))
    f = torch.as_tensor(np.asarray(fake_logits, dtype=np.float64))
    return F.binary_cross_entropy_with_logits(r, torch.ones_like(r)) + \
        F.binary_cross_entropy_with_logits(f, torch.zeros_like(f))


@BANK.mutant("gan_generator_loss", "saturating minimax form: log(1 - D(G(z)))",
             diagnosis="you use the minimax form log(1 - D) instead of the non-saturating -log D, "
                       "so the generator gets almost no gradient while the discriminator rejects "
                       "its samples",
             section="Generative adversarial networks")
def gloss_saturating(fake_logits):
    return float(-np.mean(_softplus(fake_logits)))


@BANK.mutant("gan_generator_loss", "label 0 for the fakes (the discriminator's target)",
             diagnosis="you give the fakes label 0, the discriminator's target, but the generator "
                       "wants its samples called real (label 1), so it learns to look fake",
             section="Generative adversarial networks")
def gloss_label0(fake_logits):
    return float(np.mean(_softplus(fake_logits)))


@BANK.mutant("gan_generator_loss", "naive -log(sigmoid(x)): overflow and log(0)",
             diagnosis="you compute the sigmoid and then its log, so for very negative logits the "
                       "sigmoid rounds to 0 and the log gives inf; softplus of the logit avoids "
                       "this",
             section="Generative adversarial networks")
def gloss_naive(fake_logits):
    return float(-np.mean(np.log(1 / (1 + np.exp(-fake_logits)))))


@BANK.mutant("gan_generator_loss", "sum instead of mean",
             diagnosis="you add up the per-sample losses instead of averaging them, so the loss "
                       "grows with the batch size",
             section="Generative adversarial networks")
def gloss_sum(fake_logits):
    return float(np.sum(_softplus(-fake_logits)))


@BANK.mutant("gan_generator_loss", "negates the logits in place",
             diagnosis="you negate the logits in place, which changes the array the caller passed "
                       "in; a function must leave its inputs untouched",
             section="Exercise")
def gloss_inplace(fake_logits):
    np.negative(fake_logits, out=fake_logits)
    return float(np.mean(_softplus(fake_logits)))


# ------------------------------------------------------------------ GAN losses: alternatives
@BANK.alternative("gan_discriminator_loss", "torch binary_cross_entropy_with_logits, float32")
def dloss_torch32(real_logits, fake_logits):
    r = torch.as_tensor(np.asarray(real_logits, dtype=np.float32))
    f = torch.as_tensor(np.asarray(fake_logits, dtype=np.float32))
    loss = F.binary_cross_entropy_with_logits(r, torch.ones_like(r)) + \
        F.binary_cross_entropy_with_logits(f, torch.zeros_like(f))
    return loss.item()


@BANK.alternative("gan_discriminator_loss", "np.logaddexp(0, x) with a loop-free mean")
def dloss_logaddexp(real_logits, fake_logits):
    return np.logaddexp(0, -np.asarray(real_logits)).mean() + \
        np.logaddexp(0, np.asarray(fake_logits)).mean()


@BANK.alternative("gan_generator_loss", "torch F.softplus in float64, .item()")
def gloss_torch(fake_logits):
    return F.softplus(-torch.as_tensor(np.asarray(fake_logits, dtype=np.float64))).mean().item()


@BANK.mutant("gan_generator_loss", "torch F.softplus returned as a 0-d tensor (no .item())",
             diagnosis="you return the torch tensor itself instead of converting the loss to a "
                       "plain Python float",
             section="Exercise")
def gloss_torch_tensor(fake_logits):
    return F.softplus(-torch.as_tensor(np.asarray(fake_logits, dtype=np.float64))).mean()


@BANK.mutant("gan_generator_loss", "np.mean(..., keepdims=True): a one-element array",
             diagnosis="you keep the averaged axis, so you return a one-element array instead of "
                       "a plain number",
             section="Exercise")
def gloss_keepdims(fake_logits):
    x = -np.asarray(fake_logits, dtype=float).ravel()
    return np.mean(_softplus(x), keepdims=True)


@BANK.alternative("gan_generator_loss", "piecewise with np.where and a Python float")
def gloss_where(fake_logits):
    x = np.asarray(fake_logits, dtype=float).ravel()
    vals = np.where(x < 0, -x + np.log1p(np.exp(np.minimum(x, 0))),
                    np.log1p(np.exp(-np.maximum(x, 0))))
    return float(vals.sum() / x.size)


# ------------------------------------------------------------------ correlation_rdm
@BANK.mutant("correlation_rdm", "correlates columns (units) instead of rows (stimuli)",
             diagnosis="you correlate the units (columns) instead of the stimuli (rows), so you "
                       "get a units by units matrix instead of one dissimilarity per pair of "
                       "stimuli",
             section="Representational similarity analysis")
def rdm_columns(acts):
    return 1 - np.corrcoef(acts, rowvar=False)


@BANK.mutant("correlation_rdm", "cosine distance: forgets to centre the rows",
             diagnosis="you use the cosine of the raw patterns, forgetting to subtract each row's "
                       "mean first, so it is not a Pearson correlation and depends on each "
                       "pattern's offset",
             section="Representational similarity analysis")
def rdm_cosine(acts):
    n = acts / np.linalg.norm(acts, axis=1, keepdims=True)
    return 1 - n @ n.T


@BANK.mutant("correlation_rdm", "returns the correlation (similarity), not 1 - r",
             diagnosis="you return the correlations themselves, a similarity, instead of the "
                       "dissimilarity 1 - r, so similar stimuli get large values instead of small "
                       "ones",
             section="Representational similarity analysis")
def rdm_similarity(acts):
    return np.corrcoef(acts)


@BANK.mutant("correlation_rdm", "np.cov (ddof=1) divided by np.std (ddof=0)",
             diagnosis="you divide the covariance by one less than the number of units but the "
                       "standard deviations by the number of units, so each correlation is "
                       "stretched and the diagonal is not 0",
             section="Representational similarity analysis")
def rdm_ddof(acts):
    c = np.cov(acts)
    s = acts.std(axis=1)
    return 1 - c / np.outer(s, s)


@BANK.mutant("correlation_rdm", "Euclidean distance between rows",
             diagnosis="you use the Euclidean distance between patterns instead of the "
                       "correlation distance, so the RDM depends on each pattern's offset and "
                       "scale",
             section="Representational similarity analysis")
def rdm_euclidean(acts):
    return np.sqrt(((acts[:, None] - acts[None]) ** 2).sum(-1))


@BANK.mutant("correlation_rdm", "centres the input in place",
             diagnosis="you centre and scale the activations in place, which overwrites the "
                       "caller's array (and fails for integer spike counts)",
             section="Exercise")
def rdm_inplace(acts):
    acts -= acts.mean(axis=1, keepdims=True)
    acts /= np.linalg.norm(acts, axis=1, keepdims=True)
    return 1 - acts @ acts.T


@BANK.mutant("correlation_rdm", "centres a copy in place: fails for integer spike counts",
             diagnosis="you centre a copy in place, but the copy keeps the integer type of spike "
                       "counts, which cannot hold fractional values, so numpy refuses",
             section="Exercise")
def rdm_copy_inplace(acts):
    a = np.array(acts, copy=True)
    a -= a.mean(axis=1, keepdims=True)
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    return 1 - a @ a.T


@BANK.alternative("correlation_rdm", "scipy pdist(metric='correlation') + squareform")
def rdm_scipy(acts):
    return scipy.spatial.distance.squareform(scipy.spatial.distance.pdist(acts, "correlation"))


@BANK.alternative("correlation_rdm", "1 - np.corrcoef(acts)")
def rdm_corrcoef(acts):
    return 1 - np.corrcoef(acts)


@BANK.alternative("correlation_rdm", "double loop, z-scores with ddof=1, float32")
def rdm_loops32(acts):
    a = np.asarray(acts, dtype=np.float32)
    z = (a - a.mean(1, keepdims=True)) / a.std(1, ddof=1, keepdims=True)
    n, p = a.shape
    out = np.zeros((n, n), np.float32)
    for i in range(n):
        for j in range(n):
            out[i, j] = 1 - (z[i] @ z[j]) / (p - 1)
    return out


# ------------------------------------------------------------------ compare_rdms
def _upper(m):
    return np.asarray(m)[np.triu_indices(len(m), 1)]


@BANK.mutant("compare_rdms", "Pearson correlation of the values, not of the ranks",
             diagnosis="you correlate the dissimilarities themselves (Pearson) instead of their "
                       "ranks (Spearman), so the comparison is not robust to monotone distortions",
             section="Representational similarity analysis")
def cmp_pearson(a, b):
    return float(np.corrcoef(_upper(a), _upper(b))[0, 1])


@BANK.mutant("compare_rdms", "includes the diagonal (np.triu_indices with k=0)",
             diagnosis="you include the diagonal, which is always 0 in both matrices and carries "
                       "no information, so these zeros agree perfectly and pull the rank "
                       "correlation up",
             section="Representational similarity analysis")
def cmp_with_diagonal(a, b):
    iu = np.triu_indices(len(a))
    return float(scipy.stats.spearmanr(a[iu], b[iu])[0])


@BANK.mutant("compare_rdms", "flattens the whole matrices",
             diagnosis="you compare the whole matrices, so the zero diagonal is included and "
                       "every pair of stimuli counted twice, instead of the entries above the "
                       "diagonal only",
             section="Representational similarity analysis")
def cmp_full(a, b):
    return float(scipy.stats.spearmanr(np.ravel(a), np.ravel(b))[0])


@BANK.mutant("compare_rdms", "argsort of argsort: ties get different ranks",
             diagnosis="you rank the values by their sorted position, which gives tied values "
                       "different ranks; Spearman's correlation gives ties the average of their "
                       "ranks",
             section="Representational similarity analysis")
def cmp_ordinal(a, b):
    ra = np.argsort(np.argsort(_upper(a)))
    rb = np.argsort(np.argsort(_upper(b)))
    return float(np.corrcoef(ra, rb)[0, 1])


@BANK.mutant("compare_rdms", "uses the lower triangle",
             diagnosis="you compare the entries below the diagonal, which match the upper ones "
                       "only when both matrices are symmetric, so other inputs give a different "
                       "answer",
             section="Representational similarity analysis")
def cmp_lower(a, b):
    il = np.tril_indices(len(a), -1)
    return float(scipy.stats.spearmanr(a[il], b[il])[0])


@BANK.mutant("compare_rdms", "sorts the rows of the inputs in place",
             diagnosis="you sort the rows of an input matrix in place, which changes the array "
                       "the caller passed in; a function must leave its inputs untouched",
             section="Exercise")
def cmp_inplace(a, b):
    r = scipy.stats.spearmanr(_upper(a), _upper(b))[0]
    a.sort(axis=1)
    return float(r)


@BANK.mutant("compare_rdms", "torch.corrcoef of the ranks returned as a 0-d tensor",
             diagnosis="you return the torch tensor itself instead of converting the correlation "
                       "to a plain Python float",
             section="Exercise")
def cmp_torch_tensor(a, b):
    ranks = np.stack([scipy.stats.rankdata(_upper(a)), scipy.stats.rankdata(_upper(b))])
    return torch.corrcoef(torch.as_tensor(ranks))[0, 1]


@BANK.mutant("compare_rdms", "a (1, 1) slice of the correlation matrix instead of a float",
             diagnosis="you slice the correlation matrix so that you return a 1 x 1 array instead "
                       "of a plain number",
             section="Exercise")
def cmp_slice(a, b):
    ranks = np.stack([scipy.stats.rankdata(_upper(a)), scipy.stats.rankdata(_upper(b))])
    return np.corrcoef(ranks)[:1, 1:]


@BANK.alternative("compare_rdms", "scipy.stats.spearmanr on the upper triangles")
def cmp_scipy(a, b):
    return scipy.stats.spearmanr(_upper(a), _upper(b)).statistic


@BANK.alternative("compare_rdms", "average ranks by hand (loop over tie groups), torch corrcoef")
def cmp_manual(a, b):
    def ranks(x):
        order = np.argsort(x, kind="stable")
        r = np.empty(len(x))
        xs = x[order]
        i = 0
        while i < len(x):
            j = i
            while j + 1 < len(x) and xs[j + 1] == xs[i]:
                j += 1
            r[order[i:j + 1]] = (i + j) / 2 + 1
            i = j + 1
        return r
    both = torch.tensor(np.stack([ranks(_upper(a)), ranks(_upper(b))]))
    return torch.corrcoef(both)[0, 1].item()


@BANK.alternative("compare_rdms", "squareform of symmetric matrices + rankdata")
def cmp_squareform(a, b):
    iu = np.triu_indices(len(a), 1)
    x = scipy.stats.rankdata(a[iu])
    y = scipy.stats.rankdata(b[iu])
    return float(np.corrcoef(x, y)[0, 1])


# ------------------------------------------------------------------ most_consistent_layer
# Student-like code calls compare_rdms: while most_consistent_layer is graded, the grader puts
# the reference's compare_rdms in this module's globals in its place, as it does in a student's
# namespace (one bug, one penalty).
def compare_rdms(a, b):
    return float(scipy.stats.spearmanr(_upper(a), _upper(b))[0])


def _pair_rhos(mats):
    k = len(mats)
    return {(i, j): compare_rdms(mats[i], mats[j]) for i in range(k) for j in range(i + 1, k)}


@BANK.mutant("most_consistent_layer", "compares every network with network 0 only",
             diagnosis="you compare every network with the first one only, so one unusual "
                       "network decides for the whole layer; consistency averages every pair of "
                       "networks",
             section="Networks that differ only in their seed")
def layer_first_network_only(rdms):
    def c(mats):
        return np.mean([compare_rdms(mats[0], m) for m in mats[1:]])
    return max(rdms, key=lambda name: c(rdms[name]))


@BANK.mutant("most_consistent_layer", "neighbouring networks only (0-1, 1-2, ...)",
             diagnosis="you compare only neighbouring networks (the first with the second, the "
                       "second with the third...), but the seeds have no order: every pair of "
                       "networks counts",
             section="Networks that differ only in their seed")
def layer_consecutive_pairs(rdms):
    def c(mats):
        return np.mean([compare_rdms(a, b) for a, b in zip(mats[:-1], mats[1:])])
    return max(rdms, key=lambda name: c(rdms[name]))


@BANK.mutant("most_consistent_layer", "the best single pair (max over pairs) instead of the mean",
             diagnosis="you judge each layer by its best-agreeing pair of networks, so two "
                       "networks that happen to match outweigh all the others; consistency is "
                       "the mean over the pairs",
             section="Networks that differ only in their seed")
def layer_best_pair(rdms):
    return max(rdms, key=lambda name: max(_pair_rhos(rdms[name]).values()))


@BANK.mutant("most_consistent_layer", "the weakest pair (min over pairs) instead of the mean",
             diagnosis="you judge each layer by its worst-agreeing pair of networks, so one "
                       "outlying network decides; consistency is the mean over all the pairs",
             section="Networks that differ only in their seed")
def layer_worst_pair(rdms):
    return max(rdms, key=lambda name: min(_pair_rhos(rdms[name]).values()))


@BANK.mutant("most_consistent_layer", "Pearson correlation of the upper triangles",
             diagnosis="you compare two networks' RDMs with Pearson's correlation of the "
                       "dissimilarities instead of Spearman's rank correlation, so a monotone "
                       "rescaling between networks counts as disagreement",
             section="Representational similarity analysis")
def layer_pearson(rdms):
    def c(mats):
        k = len(mats)
        return np.mean([np.corrcoef(_upper(mats[i]), _upper(mats[j]))[0, 1]
                        for i in range(k) for j in range(i + 1, k)])
    return max(rdms, key=lambda name: c(rdms[name]))


@BANK.mutant("most_consistent_layer", "argmin: the layer whose networks agree least",
             diagnosis="you pick the layer with the smallest mean rho, as if rho were a "
                       "dissimilarity like the RDM's entries; rho is a similarity, so the most "
                       "consistent layer has the largest",
             section="Networks that differ only in their seed")
def layer_least_consistent(rdms):
    return min(rdms, key=lambda name: np.mean(list(_pair_rhos(rdms[name]).values())))


@BANK.mutant("most_consistent_layer", "returns the position of the layer (np.argmax), not its name",
             diagnosis="you return the position of the layer in the dict instead of its name, the "
                       "key that says which layer it is",
             section="Exercise")
def layer_index(rdms):
    means = [np.mean(list(_pair_rhos(mats).values())) for mats in rdms.values()]
    return int(np.argmax(means))


@BANK.mutant("most_consistent_layer", "scales every RDM to a maximum of 1 in place",
             diagnosis="you rescale the RDMs in place, which changes the arrays the caller passed "
                       "in; a function must leave its inputs untouched",
             section="Exercise")
def layer_rescales_in_place(rdms):
    for mats in rdms.values():
        for m in mats:
            m /= m.max()
    return max(rdms, key=lambda name: np.mean(list(_pair_rhos(rdms[name]).values())))


# ------------------------------------------------------------------ most_consistent_layer: alternatives
@BANK.alternative("most_consistent_layer",
                  "ranks of all networks at once (rankdata axis=1), np.corrcoef, np.str_ result")
def layer_rank_matrix(rdms):
    names = list(rdms)
    means = []
    for name in names:
        upper = np.stack([_upper(m) for m in rdms[name]])
        rho = np.corrcoef(scipy.stats.rankdata(upper, axis=1))
        means.append(rho[np.triu_indices(len(upper), 1)].mean())
    return np.array(names)[int(np.argmax(means))]


@BANK.alternative("most_consistent_layer",
                  "mean of the whole k x k matrix, self-comparisons included: the same ranking, "
                  "since every layer has the same k networks")
def layer_full_matrix(rdms):
    best, best_value = None, None
    for name, mats in rdms.items():
        value = np.mean([[compare_rdms(a, b) for b in mats] for a in mats])
        if best_value is None or value > best_value:
            best, best_value = name, value
    return best


@BANK.alternative("most_consistent_layer",
                  "itertools.combinations, ranks by scipy, float32 torch correlation")
def layer_torch32(rdms):
    import itertools

    def rho(a, b):
        r = torch.tensor(np.stack([scipy.stats.rankdata(_upper(a)),
                                   scipy.stats.rankdata(_upper(b))]), dtype=torch.float32)
        return torch.corrcoef(r)[0, 1].item()

    scores = {name: sum(rho(a, b) for a, b in itertools.combinations(mats, 2))
              / (len(mats) * (len(mats) - 1) / 2) for name, mats in rdms.items()}
    return sorted(scores, key=lambda name: -scores[name])[0]

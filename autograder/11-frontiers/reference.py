"""Reference implementations for chapter 11-frontiers (instructor only).

Attention, the two losses of a generative adversarial network, the two steps of
representational similarity analysis (RSA) and one decision made with them (at which layer do
networks trained from different seeds agree most). numpy only; no function modifies its inputs.
"""
import numpy as np
from scipy.stats import rankdata


def scaled_dot_product_attention(Q, K, V, mask=None):
    """Scaled dot-product attention, softmax(Q K^T / sqrt(d)) V, over the last two axes.

    Q has shape (..., Lq, d), K (..., Lk, d) and V (..., Lk, dv); leading (batch) axes broadcast.
    The scores are S = Q K^T / sqrt(d) with d = Q.shape[-1], shape (..., Lq, Lk). ``mask`` is an
    optional boolean array broadcastable to (..., Lq, Lk) with True = "query i may attend to key j"
    (the convention of torch.nn.functional.scaled_dot_product_attention's boolean attn_mask);
    masked scores are set to -inf. The weights are the softmax of each row of S,
    A_ij = exp(S_ij - m_i) / sum_k exp(S_ik - m_i) with m_i = max_k S_ik (max subtraction keeps
    every exponent <= 0), and the output is A V, shape (..., Lq, dv).

    A query whose mask row has no True entry attends to nothing: its weights are all 0 and its
    output is 0 (what torch's scaled_dot_product_attention returns for such a row).

    Returns ``(out, weights)``.
    """
    Q = np.asarray(Q, dtype=float)
    K = np.asarray(K, dtype=float)
    V = np.asarray(V, dtype=float)
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is None:
        allowed = np.ones(scores.shape, dtype=bool)
    else:
        allowed = np.broadcast_to(np.asarray(mask, dtype=bool), scores.shape)
    scores = np.where(allowed, scores, -np.inf)
    row_max = scores.max(axis=-1, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)  # fully masked rows
    expo = np.where(allowed, np.exp(scores - row_max), 0.0)
    total = expo.sum(axis=-1, keepdims=True)
    weights = expo / np.where(total > 0, total, 1.0)
    return weights @ V, weights


def _softplus(x):
    """log(1 + e^x) = max(x, 0) + log1p(e^{-|x|}), finite and warning-free for any float x."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def gan_discriminator_loss(real_logits, fake_logits):
    """Discriminator loss: BCE(real, 1) + BCE(fake, 0), each a mean binary cross-entropy on logits.

    With D(x) = sigma(logit), the binary cross-entropy of a logit z against label 1 is
    -log sigma(z) = softplus(-z), and against label 0 it is -log(1 - sigma(z)) = softplus(z).
    The loss is the SUM of the two means (the convention of
    F.binary_cross_entropy_with_logits(real, ones) + F.binary_cross_entropy_with_logits(fake, zeros)):

        L_D = mean_i softplus(-real_i) + mean_j softplus(fake_j),

    arrays of any shape (each averaged over all its entries). softplus(x) = max(x, 0) + log1p(e^-|x|)
    is exact and warning-free even for |logits| of 1e3 and beyond. Returns a float.
    """
    real = np.asarray(real_logits, dtype=float)
    fake = np.asarray(fake_logits, dtype=float)
    return float(np.mean(_softplus(-real)) + np.mean(_softplus(fake)))


def gan_generator_loss(fake_logits):
    """Non-saturating generator loss: BCE(fake, 1) = mean_j -log sigma(fake_j) = mean softplus(-fake_j).

    The generator wants the discriminator to call its samples real. Minimising -log D(G(z)) instead of
    the minimax log(1 - D(G(z))) gives a large gradient when D confidently rejects the fakes
    (Goodfellow et al. 2014). Stable for any logits; returns a float.
    """
    fake = np.asarray(fake_logits, dtype=float)
    return float(np.mean(_softplus(-fake)))


def correlation_rdm(acts):
    """Representational dissimilarity matrix: RDM_ij = 1 - Pearson r(acts_i, acts_j).

    ``acts`` is (n, p): one activation pattern (p units) per row, for n stimuli. Each row is centred
    and scaled to unit norm, z_i = (a_i - mean(a_i)) / ||a_i - mean(a_i)||, so r_ij = z_i . z_j and
    RDM = 1 - Z Z^T: (n, n), symmetric, 0 on the diagonal, values in [0, 2].
    Rows must not be constant (their correlation is undefined).
    """
    a = np.asarray(acts, dtype=float)
    centred = a - a.mean(axis=1, keepdims=True)
    z = centred / np.linalg.norm(centred, axis=1, keepdims=True)
    rdm = 1.0 - np.clip(z @ z.T, -1.0, 1.0)
    rdm = (rdm + rdm.T) / 2.0
    np.fill_diagonal(rdm, 0.0)
    return rdm


def compare_rdms(a, b):
    """Spearman rank correlation of the strict upper triangles of two (n, n) RDMs.

    Take x = a[i, j] and y = b[i, j] for all i < j (n(n-1)/2 pairs; the diagonal and the lower
    triangle are ignored), replace each by its rank (ties get the average of their ranks), and
    return the Pearson correlation of the ranks, as scipy.stats.spearmanr does. Returns a float.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    iu = np.triu_indices(a.shape[0], k=1)
    ra = rankdata(a[iu])
    rb = rankdata(b[iu])
    ra = ra - ra.mean()
    rb = rb - rb.mean()
    return float(ra @ rb / np.sqrt((ra @ ra) * (rb @ rb)))


def most_consistent_layer(rdms):
    """The layer whose representations agree most between networks that differ only in their seed.

    ``rdms`` maps each layer's name to a list of k >= 2 RDMs, one per network, for the same n
    stimuli (the same networks, in the same order, for every layer). The representational
    consistency of a layer (Mehrer et al. 2020) is the mean rank correlation over the k(k-1)/2
    pairs of different networks,

        c(layer) = 2 / (k (k - 1)) * sum_{i < j} compare_rdms(R_i, R_j),

    with compare_rdms the Spearman rho of the strict upper triangles. Every pair counts (not
    only the pairs with network 0, nor neighbouring networks). Returns the name (a key of
    ``rdms``) of the layer with the largest c; an exact tie goes to the first layer in the
    dict's order. The RDMs are not modified.
    """
    best, best_c = None, -np.inf
    for layer, mats in rdms.items():
        k = len(mats)
        c = np.mean([compare_rdms(mats[i], mats[j]) for i in range(k) for j in range(i + 1, k)])
        if c > best_c:
            best, best_c = layer, c
    return best

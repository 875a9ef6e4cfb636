"""Reference implementations for chapter 10-twas: transcriptome-wide association (PrediXcan).

Conventions: genotypes are dosages (number of copies of the counted allele, 0/1/2) stored as an
(n individuals, m SNPs) array; expression and traits are per individual. No function modifies
its inputs.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

TWAS_COLUMNS = ["gene", "n_snps", "cv_r2", "z", "p"]


def cis_window_mask(snp_positions, gene_start, gene_end, window=1_000_000):
    """Which SNPs lie in the cis window of a gene, bounds included.

    A SNP at position x is cis when  gene_start - window <= x <= gene_end + window,
    i.e. within ``window`` bp of the gene body [gene_start, gene_end] (PrediXcan: 1 Mb).
    Returns a boolean array with the shape of ``snp_positions``.
    """
    where = np.asarray(snp_positions)
    lower = gene_start - window
    upper = gene_end + window
    return np.logical_and(where >= lower, where <= upper)


def _elastic_net_fit(G, expression, seed=0):
    """Elastic net of expression on dosages; returns (weights, intercept, cv_r2).

    Like glmnet (PrediXcan), the SNPs are standardised before fitting and the coefficients
    mapped back to the dosage scale: with z_j = (x_j - mu_j) / s_j and fitted
    e_hat = a + sum_j c_j z_j, the dosage weights are w_j = c_j / s_j and the intercept is
    a - sum_j w_j mu_j. The penalty (sklearn alpha, glmnet lambda) minimises the mean squared
    error of 5-fold cross-validation (shuffled folds, seeded) over 30 values from lambda_max
    down to lambda_max / 100, with l1_ratio = 0.5 (glmnet
    alpha = 0.5). cv_r2 = 1 - (smallest mean CV squared error) / var(expression).
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import ElasticNetCV
    from sklearn.model_selection import KFold

    X = np.array(G, dtype=np.float64)
    e = np.array(expression, dtype=np.float64).reshape(-1)
    mu = X.mean(axis=0)
    s = X.std(axis=0)
    s = np.where(s > 0, s, 1.0)
    folds = KFold(n_splits=5, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net = ElasticNetCV(l1_ratio=0.5, eps=1e-2, alphas=30, cv=folds).fit((X - mu) / s, e)
    w = net.coef_ / s
    b = float(net.intercept_ - mu @ w)
    mse = np.asarray(net.mse_path_).reshape(-1, folds.get_n_splits()).mean(axis=1)
    variance = e.var()
    cv_r2 = float(1.0 - mse.min() / variance) if variance > 0 else float("nan")
    return w, b, cv_r2


def fit_expression_model(G, expression, seed=0):
    """PrediXcan step 1: predict a gene's expression from its cis SNPs with an elastic net.

    Minimises  (1 / 2n) ||e - a - G w||^2 + lambda (0.5 ||w||_1 + 0.25 ||w||_2^2)
    (l1_ratio = 0.5), with lambda chosen by 5-fold cross-validation. G: (n, m) dosages,
    expression: (n,). Returns ``(weights (m,), intercept)`` on the dosage scale, so that
    ``G @ weights + intercept`` predicts expression.
    """
    w, b, _ = _elastic_net_fit(G, expression, seed=seed)
    return w, b


def impute_expression(G, weights, intercept):
    """PrediXcan step 2: genetically regulated expression GReX = G @ weights + intercept.

    G: (n, m) dosages of new individuals (or (m,) for one), weights: (m,).
    """
    return np.asarray(G, dtype=np.float64) @ np.asarray(weights, dtype=np.float64) + intercept


def association_test(x, y):
    """Least-squares regression y = a + beta x + noise; returns (beta, se, t, p).

    beta = S_xy / S_xx with S_xy = sum (x - xbar)(y - ybar), S_xx = sum (x - xbar)^2;
    residual variance s^2 = sum (y - a - beta x)^2 / (n - 2); se = sqrt(s^2 / S_xx);
    t = beta / se; p = 2 P(T_{n-2} > |t|), two-sided (Student t with n - 2 degrees of freedom),
    as scipy.stats.linregress.
    """
    xv = np.asarray(x, dtype=np.float64).reshape(-1)
    yv = np.asarray(y, dtype=np.float64).reshape(-1)
    dof = xv.size - 2
    dx = xv - xv.mean()
    dy = yv - yv.mean()
    sxx = dx @ dx
    beta = (dx @ dy) / sxx
    rss = np.sum((dy - beta * dx) ** 2)
    se = np.sqrt(rss / dof / sxx)
    t = beta / se
    p = 2.0 * stats.t.sf(np.abs(t), dof)
    return float(beta), float(se), float(t), float(p)


def twas(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    """PrediXcan's three steps for every gene; one row per gene, in the order of ``genes``.

    G_ref (n_ref, m) and E_ref (n_ref, n_genes): reference panel genotypes and expression, the
    columns of E_ref in the order of the rows of ``genes``; G_gwas (n_gwas, m) and y_gwas
    (n_gwas,): GWAS cohort; genes: DataFrame with columns gene, start, end; snp_positions (m,).
    For gene g: cis SNPs (cis_window_mask), expression model on the reference panel
    (fit_expression_model, seed 0), GReX imputed in the cohort (impute_expression), trait
    regressed on GReX (association_test). Columns: gene, n_snps (cis SNPs), cv_r2 (cross-
    validated R^2 of the expression model), z (t statistic of the trait on GReX), p (its
    two-sided p-value). Genes without cis SNPs or whose model has no non-zero weight are not
    tested: z = p = NaN (and cv_r2 = NaN without SNPs).
    """
    G_ref = np.asarray(G_ref, dtype=np.float64)
    E_ref = np.asarray(E_ref, dtype=np.float64)
    G_gwas = np.asarray(G_gwas, dtype=np.float64)
    y_gwas = np.asarray(y_gwas, dtype=np.float64)
    table = pd.DataFrame(genes).reset_index(drop=True)
    records = []
    for k in range(len(table)):
        cis = cis_window_mask(snp_positions, table["start"].iloc[k], table["end"].iloc[k],
                              window)
        record = {"gene": table["gene"].iloc[k], "n_snps": int(cis.sum()),
                  "cv_r2": np.nan, "z": np.nan, "p": np.nan}
        if record["n_snps"] > 0:
            w, b, record["cv_r2"] = _elastic_net_fit(G_ref[:, cis], E_ref[:, k], seed=0)
            if np.any(w != 0):
                grex = impute_expression(G_gwas[:, cis], w, b)
                if np.ptp(grex) > 0:
                    _, _, record["z"], record["p"] = association_test(grex, y_gwas)
        records.append(record)
    return pd.DataFrame.from_records(records, columns=TWAS_COLUMNS)


def spredixcan_z(weights, snp_z, snp_cov):
    """S-PrediXcan (Barbeira et al. 2018): the gene's z-score from GWAS summary statistics.

    z_g = sum_l w_l (sd_l / sd_g) z_l, with sd_l = sqrt(Gamma_ll) the SD of SNP l's dosage and
    sd_g^2 = w' Gamma w the variance of predicted expression; Gamma is the SNP covariance (LD)
    matrix from a reference panel, w the expression model's weights, z_l the SNPs' GWAS
    z-scores (beta_l / se_l).
    """
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    zl = np.asarray(snp_z, dtype=np.float64).reshape(-1)
    gamma = np.asarray(snp_cov, dtype=np.float64)
    sd_l = np.sqrt(np.diag(gamma))
    sd_g = np.sqrt(w @ gamma @ w)
    return float(np.dot(w * sd_l, zl) / sd_g)


def choose_window_and_hits(windows, cv_r2, p, genes, alpha=0.05, keep=0.95):
    """Apply and decide: which cis window to report, and which genes pass Bonferroni there.

    windows (k,): the window widths tried (bp, in any order); cv_r2 (k, n) and p (k, n): row i
    holds, for the n genes, the cross-validated R^2 of the expression model and the TWAS p-value
    of the run with windows[i] (NaN: the gene had no model, or was not tested); genes: the n
    gene names.

    1. The window is chosen from the expression models alone, never from the trait: its score
       is the mean CV R^2 over all n genes, a gene without a model (NaN) counting as 0,
           score_i = (1/n) sum_g r2_ig;
       the chosen window is the smallest one with  score_i >= keep * max_j score_j  (the
       smallest window that keeps 95 % of the best prediction).
    2. At that window, m = the number of genes with a finite p-value (the genes tested), and a
       gene passes when  p_g < alpha / m  (Bonferroni).

    Returns ``(window, hits)``: the chosen width as an int and the names of the genes that pass,
    sorted alphabetically, as a list of str (empty when none passes).
    """
    widths = np.asarray(windows).reshape(-1)
    r2 = np.asarray(cv_r2, dtype=np.float64).reshape(widths.size, -1)
    pv = np.asarray(p, dtype=np.float64).reshape(widths.size, -1)
    score = np.where(np.isfinite(r2), r2, 0.0).mean(axis=1)
    good = np.flatnonzero(score >= keep * score.max())
    best = good[np.argmin(widths[good])]
    tested = np.isfinite(pv[best])
    n_tested = int(tested.sum())
    passing = tested & (pv[best] < alpha / max(n_tested, 1))
    names = [str(name) for name, ok in zip(list(genes), passing) if ok]
    return int(widths[best]), sorted(names)

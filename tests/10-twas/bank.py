"""Mutants and alternative implementations for 10-twas (see autograder/engine/bank.py)."""
import warnings

import numpy as np
import pandas as pd
import torch
from scipy import stats

from autograder.engine.bank import Bank

BANK = Bank("10-twas")


# ------------------------------------------------------------------ cis_window_mask
@BANK.mutant("cis_window_mask", "strict inequalities: SNPs exactly at +-window are dropped")
def mask_strict(snp_positions, gene_start, gene_end, window=1_000_000):
    x = np.asarray(snp_positions)
    return (x > gene_start - window) & (x < gene_end + window)


@BANK.alternative("cis_window_mask", "distance to the gene body, loop-free")
def mask_distance(snp_positions, gene_start, gene_end, window=1_000_000):
    x = np.asarray(snp_positions, dtype=np.float64)
    outside = np.maximum(np.maximum(gene_start - x, x - gene_end), 0.0)
    return outside <= window


@BANK.alternative("cis_window_mask", "a Python loop over the SNPs")
def mask_loop(snp_positions, gene_start, gene_end, window=1_000_000):
    return np.array([gene_start - window <= x <= gene_end + window for x in snp_positions],
                    dtype=bool)


@BANK.mutant("cis_window_mask", "window centred on the gene start (TSS) only, ignores the end")
def mask_tss_only(snp_positions, gene_start, gene_end, window=1_000_000):
    x = np.asarray(snp_positions)
    return (x >= gene_start - window) & (x <= gene_start + window)


@BANK.mutant("cis_window_mask", "hard-coded 1 Mb window, ignores the keyword")
def mask_fixed_window(snp_positions, gene_start, gene_end, window=1_000_000):
    x = np.asarray(snp_positions)
    return (x >= gene_start - 1_000_000) & (x <= gene_end + 1_000_000)


@BANK.mutant("cis_window_mask", "0/1 integers instead of booleans (G[:, mask] then picks "
                                 "columns 0 and 1)")
def mask_int(snp_positions, gene_start, gene_end, window=1_000_000):
    x = np.asarray(snp_positions)
    return ((x >= gene_start - window) & (x <= gene_end + window)).astype(int)


# ------------------------------------------------------------------ fit_expression_model
def _quiet_fit(model, X, y):
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


@BANK.mutant("fit_expression_model", "ordinary least squares: overfits hundreds of SNPs")
def fit_ols(G, expression, seed=0):
    X = np.column_stack([np.ones(len(G)), np.asarray(G, dtype=float)])
    coef = np.linalg.lstsq(X, np.asarray(expression, dtype=float), rcond=None)[0]
    return coef[1:], float(coef[0])


@BANK.mutant("fit_expression_model", "a fixed, large penalty instead of cross-validation")
def fit_fixed_penalty(G, expression, seed=0):
    from sklearn.linear_model import ElasticNet

    net = _quiet_fit(ElasticNet(alpha=1.0, l1_ratio=0.5), np.asarray(G, float), expression)
    return net.coef_, float(net.intercept_)


@BANK.mutant("fit_expression_model", "standardises the SNPs but returns standardised-scale "
                                     "weights and intercept")
def fit_not_back_transformed(G, expression, seed=0):
    from sklearn.linear_model import ElasticNetCV

    X = np.asarray(G, float)
    Z = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    net = _quiet_fit(ElasticNetCV(l1_ratio=0.5, cv=5), Z, expression)
    return net.coef_, float(net.intercept_)


@BANK.mutant("fit_expression_model", "no intercept (fit_intercept=False on raw dosages)")
def fit_no_intercept(G, expression, seed=0):
    from sklearn.linear_model import ElasticNetCV

    net = _quiet_fit(ElasticNetCV(l1_ratio=0.5, cv=5, fit_intercept=False),
                     np.asarray(G, float), expression)
    return net.coef_, 0.0


@BANK.alternative("fit_expression_model", "ElasticNetCV on raw dosages, 10 folds, defaults")
def fit_raw_cv10(G, expression, seed=0):
    from sklearn.linear_model import ElasticNetCV
    from sklearn.model_selection import KFold

    net = _quiet_fit(ElasticNetCV(l1_ratio=0.5, cv=KFold(10, shuffle=True, random_state=seed)),
                     np.asarray(G, float), np.asarray(expression, float))
    return net.coef_.copy(), float(net.intercept_)


@BANK.alternative("fit_expression_model", "standardised pipeline, float32 weights returned")
def fit_pipeline(G, expression, seed=0):
    from sklearn.linear_model import ElasticNetCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = _quiet_fit(make_pipeline(StandardScaler(), ElasticNetCV(l1_ratio=0.5, cv=5)),
                      np.asarray(G, float), np.asarray(expression, float))
    scaler, net = pipe[0], pipe[1]
    w = net.coef_ / scaler.scale_
    return w.astype(np.float32), float(net.intercept_ - scaler.mean_ @ w)


def _standardised_fit(G, expression, model, guard=True, ddof=0):
    """Fit `model` on standardised SNPs and map its weights back to dosages."""
    X = np.asarray(G, dtype=float)
    mu, sd = X.mean(axis=0), X.std(axis=0, ddof=ddof)
    if guard:
        sd = np.where(sd > 0, sd, 1.0)
    net = _quiet_fit(model, (X - mu) / sd, np.asarray(expression, float))
    w = net.coef_ / sd
    return w, float(net.intercept_ - mu @ w)


def _folds(seed):
    from sklearn.model_selection import KFold

    return KFold(5, shuffle=True, random_state=seed)


@BANK.mutant("fit_expression_model", "lasso (LassoCV, i.e. l1_ratio=1) instead of the elastic "
                                      "net: one SNP per LD block")
def fit_lasso(G, expression, seed=0):
    from sklearn.linear_model import LassoCV

    return _standardised_fit(G, expression, LassoCV(eps=1e-2, alphas=30, cv=_folds(seed)))


@BANK.mutant("fit_expression_model", "ridge regression (RidgeCV): no l1 part, no weight is 0")
def fit_ridge(G, expression, seed=0):
    from sklearn.linear_model import RidgeCV

    return _standardised_fit(G, expression, RidgeCV(alphas=np.logspace(-1, 4, 30)))


@BANK.mutant("fit_expression_model", "shuffled CV folds without random_state: the penalty "
                                      "depends on numpy's global random state")
def fit_unseeded_folds(G, expression, seed=0):
    from sklearn.linear_model import ElasticNetCV
    from sklearn.model_selection import KFold

    model = ElasticNetCV(l1_ratio=0.5, eps=1e-2, alphas=30, cv=KFold(5, shuffle=True))
    return _standardised_fit(G, expression, model)


@BANK.mutant("fit_expression_model", "standardises by the SNP sd without guarding sd = 0 "
                                      "(monomorphic SNPs give NaN)")
def fit_unguarded_sd(G, expression, seed=0):
    from sklearn.linear_model import ElasticNetCV

    model = ElasticNetCV(l1_ratio=0.5, eps=1e-2, alphas=30, cv=_folds(seed))
    return _standardised_fit(G, expression, model, guard=False)


@BANK.mutant("fit_expression_model", "standardises a copy of G in place, which fails for "
                                      "integer dosages")
def fit_inplace_copy(G, expression, seed=0):
    from sklearn.linear_model import ElasticNetCV

    X = np.array(G, copy=True)
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    X -= mu
    X /= sd
    net = _quiet_fit(ElasticNetCV(l1_ratio=0.5, eps=1e-2, alphas=30, cv=_folds(seed)), X,
                     expression)
    w = net.coef_ / sd
    return w, float(net.intercept_ - mu @ w)


@BANK.mutant("fit_expression_model", "naming trap: glmnet's alpha = 0.5 passed as scikit-learn's "
                                      "alpha (the penalty strength), no CV")
def fit_glmnet_alpha_as_penalty(G, expression, seed=0):
    from sklearn.linear_model import ElasticNet

    return _standardised_fit(G, expression, ElasticNet(alpha=0.5))


@BANK.alternative("fit_expression_model", "sample sd (ddof=1), random coordinate order seeded, "
                                          "20 penalties")
def fit_random_selection(G, expression, seed=0):
    from sklearn.linear_model import ElasticNetCV

    model = ElasticNetCV(l1_ratio=0.5, eps=1e-2, alphas=20, cv=_folds(seed), selection="random",
                         random_state=seed)
    return _standardised_fit(G, expression, model, ddof=1)


# ------------------------------------------------------------------ impute_expression
@BANK.mutant("impute_expression", "forgets the intercept")
def impute_no_intercept(G, weights, intercept):
    return np.asarray(G, float) @ np.asarray(weights, float)


@BANK.mutant("impute_expression", "centres the genotypes first")
def impute_centred(G, weights, intercept):
    X = np.asarray(G, float)
    return (X - X.mean(axis=0)) @ weights + intercept


@BANK.mutant("impute_expression", "writes into G (in place) to save memory")
def impute_inplace(G, weights, intercept):
    G *= weights
    return G.sum(axis=-1) + intercept


@BANK.alternative("impute_expression", "torch in float32")
def impute_torch(G, weights, intercept):
    g = torch.as_tensor(np.asarray(G, dtype=np.float32))
    w = torch.as_tensor(np.asarray(weights, dtype=np.float32))
    return (g @ w + intercept).numpy()


@BANK.alternative("impute_expression", "einsum")
def impute_einsum(G, weights, intercept):
    return np.einsum("...j,j->...", np.asarray(G, float), np.asarray(weights, float)) + intercept


# ------------------------------------------------------------------ association_test
@BANK.mutant("association_test", "normal p-value instead of Student t (wrong for small n)")
def assoc_normal(x, y):
    r = stats.linregress(x, y)
    t = r.slope / r.stderr
    return r.slope, r.stderr, t, 2 * stats.norm.sf(abs(t))


@BANK.mutant("association_test", "n - 1 degrees of freedom (forgets the intercept's)")
def assoc_df(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    dx, dy = x - x.mean(), y - y.mean()
    beta = dx @ dy / (dx @ dx)
    se = np.sqrt(np.sum((dy - beta * dx) ** 2) / (len(x) - 1) / (dx @ dx))
    t = beta / se
    return beta, se, t, 2 * stats.t.sf(abs(t), len(x) - 1)


@BANK.mutant("association_test", "regression through the origin (no intercept)")
def assoc_no_intercept(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    beta = x @ y / (x @ x)
    se = np.sqrt(np.sum((y - beta * x) ** 2) / (len(x) - 1) / (x @ x))
    t = beta / se
    return beta, se, t, 2 * stats.t.sf(abs(t), len(x) - 1)


@BANK.mutant("association_test", "p = 2 (1 - cdf): tiny p-values become 0")
def assoc_cdf(x, y):
    r = stats.linregress(x, y)
    t = r.slope / r.stderr
    return r.slope, r.stderr, t, 2 * (1 - stats.t.cdf(abs(t), len(x) - 2))


@BANK.mutant("association_test", "one-sided p-value")
def assoc_one_sided(x, y):
    r = stats.linregress(x, y)
    t = r.slope / r.stderr
    return r.slope, r.stderr, t, stats.t.sf(t, len(x) - 2)


@BANK.alternative("association_test", "scipy.stats.linregress")
def assoc_linregress(x, y):
    r = stats.linregress(np.asarray(x, float), np.asarray(y, float))
    return r.slope, r.stderr, r.slope / r.stderr, r.pvalue


@BANK.alternative("association_test", "least squares with a design matrix (normal equations)")
def assoc_lstsq(x, y):
    X = np.column_stack([np.ones(len(x)), np.asarray(x, float)])
    yv = np.asarray(y, float)
    coef, rss, _, _ = np.linalg.lstsq(X, yv, rcond=None)
    resid = yv - X @ coef
    cov = (resid @ resid) / (len(yv) - 2) * np.linalg.inv(X.T @ X)
    se = np.sqrt(cov[1, 1])
    t = coef[1] / se
    return float(coef[1]), float(se), float(t), float(2 * stats.t.sf(abs(t), len(yv) - 2))


# ------------------------------------------------------------------ twas
def _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window, column_of,
               use_window=True, in_sample_r2=False, guard=True, unguarded_sd=False):
    from sklearn.linear_model import ElasticNetCV
    from sklearn.model_selection import KFold

    pos = np.asarray(snp_positions)
    rows = []
    for k, (name, start, end) in enumerate(zip(genes["gene"], genes["start"], genes["end"])):
        cis = (pos >= start - window) & (pos <= end + window) if use_window else \
            np.ones(pos.size, dtype=bool)
        row = {"gene": name, "n_snps": int(cis.sum()), "cv_r2": np.nan, "z": np.nan, "p": np.nan}
        if cis.any():
            e = E_ref[:, column_of(k, E_ref.shape[1])]
            folds = KFold(5, shuffle=True, random_state=0)
            X, X_gwas = G_ref[:, cis], G_gwas[:, cis]
            if unguarded_sd:  # standardised by the panel's sd, 0 for monomorphic SNPs
                mu, sd = X.mean(axis=0), X.std(axis=0)
                X, X_gwas = (X - mu) / sd, (X_gwas - mu) / sd
            net = _quiet_fit(ElasticNetCV(l1_ratio=0.5, cv=folds), X, e)
            row["cv_r2"] = net.score(X, e) if in_sample_r2 else \
                1 - net.mse_path_.mean(axis=1).min() / e.var()
            grex = X_gwas @ net.coef_ + net.intercept_
            if not guard or np.ptp(grex) > 0:
                r = stats.linregress(grex, y_gwas)
                row["z"], row["p"] = r.slope / r.stderr, r.pvalue
        rows.append(row)
    return pd.DataFrame(rows, columns=["gene", "n_snps", "cv_r2", "z", "p"])


@BANK.mutant("twas", "returns the table sorted by p-value (rows no longer follow `genes`)")
def twas_sorted(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    out = _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window,
                     lambda k, n: k)
    return out.sort_values("p").reset_index(drop=True)


@BANK.mutant("twas", "ignores the cis window: every gene's model uses all SNPs")
def twas_no_window(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    return _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window,
                      lambda k, n: k, use_window=False)


@BANK.mutant("twas", "off by one: gene k is modelled with the expression of gene k + 1")
def twas_shifted_column(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    return _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window,
                      lambda k, n: (k + 1) % n)


@BANK.mutant("twas", "reports -log10(p) in the p column")
def twas_log_p(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    out = _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window,
                     lambda k, n: k)
    out["p"] = -np.log10(out["p"])
    return out


@BANK.mutant("twas", "z column holds the effect size beta, not the t statistic")
def twas_beta_as_z(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    out = _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window,
                     lambda k, n: k)
    out["z"] = out["z"] / np.sqrt(len(y_gwas))
    return out


@BANK.mutant("twas", "cv_r2 is the in-sample R^2 of the final model (net.score on the panel)")
def twas_in_sample_r2(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    return _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window,
                      lambda k, n: k, in_sample_r2=True)


@BANK.mutant("twas", "tests every gene with cis SNPs: linregress raises on the constant GReX of "
                     "a model without any SNP")
def twas_no_untested_guard(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    return _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window,
                      lambda k, n: k, guard=False)


@BANK.mutant("twas", "standardises by the panel's SNP sd without guarding sd = 0 (NaN for "
                     "monomorphic SNPs)")
def twas_unguarded_sd(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    return _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window,
                      lambda k, n: k, unguarded_sd=True)


@BANK.alternative("twas", "sklearn ElasticNetCV inline; cv_r2 from nested out-of-fold "
                          "predictions")
def twas_nested_cv(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    from sklearn.linear_model import ElasticNetCV
    from sklearn.model_selection import KFold, cross_val_predict

    pos = np.asarray(snp_positions, dtype=float)
    rows = []
    for k in range(len(genes)):
        g = genes.iloc[k]
        cis = np.flatnonzero((pos >= g["start"] - window) & (pos <= g["end"] + window))
        z = p = r2 = float("nan")
        if cis.size:
            e = np.asarray(E_ref[:, k], float)
            model = ElasticNetCV(l1_ratio=0.5, cv=KFold(5, shuffle=True, random_state=1))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                oof = cross_val_predict(model, G_ref[:, cis], e,
                                        cv=KFold(5, shuffle=True, random_state=2))
                model.fit(G_ref[:, cis], e)
            r2 = 1 - np.mean((e - oof) ** 2) / np.var(e)
            if np.any(model.coef_ != 0):
                x = G_gwas[:, cis] @ model.coef_
                r = stats.linregress(x, y_gwas)
                z, p = r.slope / r.stderr, r.pvalue
        rows.append((g["gene"], cis.size, r2, z, p))
    return pd.DataFrame(rows, columns=["gene", "n_snps", "cv_r2", "z", "p"])


# ------------------------------------------------------------------ spredixcan_z
@BANK.mutant("spredixcan_z", "ignores LD: sd_g^2 = sum w_l^2 Gamma_ll")
def spx_no_ld(weights, snp_z, snp_cov):
    w, z, c = np.asarray(weights), np.asarray(snp_z), np.asarray(snp_cov)
    sd = np.sqrt(np.diag(c))
    return float(np.sum(w * sd * z) / np.sqrt(np.sum(w ** 2 * np.diag(c))))


@BANK.mutant("spredixcan_z", "variances instead of standard deviations for the SNPs")
def spx_variances(weights, snp_z, snp_cov):
    w, z, c = np.asarray(weights), np.asarray(snp_z), np.asarray(snp_cov)
    return float(np.sum(w * np.diag(c) * z) / np.sqrt(w @ c @ w))


@BANK.mutant("spredixcan_z", "forgets the SNP standard deviations: sum w z / sd_g")
def spx_no_snp_sd(weights, snp_z, snp_cov):
    w, z, c = np.asarray(weights), np.asarray(snp_z), np.asarray(snp_cov)
    return float(np.sum(w * z) / np.sqrt(w @ c @ w))


@BANK.mutant("spredixcan_z", "column vectors: returns a (1, 1) array instead of a float")
def spx_column_vectors(weights, snp_z, snp_cov):
    w = np.asarray(weights, dtype=float).reshape(-1, 1)
    z = np.asarray(snp_z, dtype=float).reshape(-1, 1)
    c = np.asarray(snp_cov, dtype=float)
    sd = np.sqrt(np.diag(c)).reshape(-1, 1)
    return (w * sd).T @ z / np.sqrt(w.T @ c @ w)


@BANK.mutant("spredixcan_z", "computed in torch, returned as a 0-d tensor")
def spx_tensor(weights, snp_z, snp_cov):
    w, z, c = (torch.as_tensor(np.asarray(a, dtype=np.float64)) for a in (weights, snp_z, snp_cov))
    return (w * torch.sqrt(torch.diagonal(c))) @ z / torch.sqrt(w @ c @ w)


@BANK.alternative("spredixcan_z", "correlation matrix and standardised weights, in torch")
def spx_torch(weights, snp_z, snp_cov):
    c = torch.as_tensor(np.asarray(snp_cov, dtype=np.float64))
    sd = torch.sqrt(torch.diagonal(c))
    corr = c / torch.outer(sd, sd)
    v = torch.as_tensor(np.asarray(weights, dtype=np.float64)) * sd  # weights per SD
    zt = torch.as_tensor(np.asarray(snp_z, dtype=np.float64))
    return float((v @ zt) / torch.sqrt(v @ corr @ v))


@BANK.alternative("spredixcan_z", "explicit loops")
def spx_loops(weights, snp_z, snp_cov):
    m = len(weights)
    var_g = sum(weights[i] * snp_cov[i][j] * weights[j] for i in range(m) for j in range(m))
    num = sum(weights[i] * snp_cov[i][i] ** 0.5 * snp_z[i] for i in range(m))
    return num / var_g ** 0.5

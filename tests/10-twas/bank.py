"""Mutants and alternative implementations for 10-twas (see autograder/engine/bank.py)."""
import math
import warnings

import numpy as np
import pandas as pd
import torch
from scipy import stats

from autograder.engine.bank import Bank

BANK = Bank("10-twas")


# ------------------------------------------------------------------ cis_window_mask
@BANK.mutant("cis_window_mask", "strict inequalities: SNPs exactly at +-window are dropped",
             diagnosis="you use strict inequalities, so a SNP lying exactly one window away from "
                       "the gene body is left out, although the cis window includes its bounds",
             section="Step 1: an expression model per gene, in the reference panel")
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


@BANK.mutant("cis_window_mask", "window centred on the gene start (TSS) only, ignores the end",
             diagnosis="you measure the window around the gene start only, but it extends from "
                       "both ends of the gene body, so SNPs within the window past the gene's end "
                       "are missed",
             section="Step 1: an expression model per gene, in the reference panel")
def mask_tss_only(snp_positions, gene_start, gene_end, window=1_000_000):
    x = np.asarray(snp_positions)
    return (x >= gene_start - window) & (x <= gene_start + window)


@BANK.mutant("cis_window_mask", "hard-coded 1 Mb window, ignores the keyword",
             diagnosis="you always use a 1 Mb window and ignore the window you were given, so "
                       "asking for 500 kb still selects the SNPs of a 1 Mb window",
             section="How wide a window?")
def mask_fixed_window(snp_positions, gene_start, gene_end, window=1_000_000):
    x = np.asarray(snp_positions)
    return (x >= gene_start - 1_000_000) & (x <= gene_end + 1_000_000)


@BANK.mutant("cis_window_mask", "0/1 integers instead of booleans (G[:, mask] then picks "
                                 "columns 0 and 1)",
             diagnosis="you return 0s and 1s instead of True/False, and numpy reads an integer "
                       "array as positions, so selecting SNPs with it picks columns 0 and 1, not "
                       "the cis SNPs",
             section="Exercise")
def mask_int(snp_positions, gene_start, gene_end, window=1_000_000):
    x = np.asarray(snp_positions)
    return ((x >= gene_start - window) & (x <= gene_end + window)).astype(int)


# ------------------------------------------------------------------ fit_expression_model
def _quiet_fit(model, X, y):
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


@BANK.mutant("fit_expression_model", "ordinary least squares: overfits hundreds of SNPs",
             diagnosis="you fit ordinary least squares with no penalty, so with hundreds of "
                       "correlated SNPs and only a few hundred people the model fits noise and "
                       "predicts new people badly",
             section="Step 1: an expression model per gene, in the reference panel")
def fit_ols(G, expression, seed=0):
    X = np.column_stack([np.ones(len(G)), np.asarray(G, dtype=float)])
    coef = np.linalg.lstsq(X, np.asarray(expression, dtype=float), rcond=None)[0]
    return coef[1:], float(coef[0])


@BANK.mutant("fit_expression_model", "a fixed, large penalty instead of cross-validation",
             diagnosis="you fix the penalty at a large value instead of choosing it by "
                       "cross-validation, so the weights are shrunk so hard that often not a "
                       "single SNP survives",
             section="Step 1: an expression model per gene, in the reference panel")
def fit_fixed_penalty(G, expression, seed=0):
    from sklearn.linear_model import ElasticNet

    net = _quiet_fit(ElasticNet(alpha=1.0, l1_ratio=0.5), np.asarray(G, float), expression)
    return net.coef_, float(net.intercept_)


@BANK.mutant("fit_expression_model", "standardises the SNPs but returns standardised-scale "
                                     "weights and intercept",
             diagnosis="you fit on standardised SNPs but return that scale's weights and "
                       "intercept without mapping them back to dosages, so they do not fit raw "
                       "0/1/2 genotypes",
             section="Step 1: an expression model per gene, in the reference panel")
def fit_not_back_transformed(G, expression, seed=0):
    from sklearn.linear_model import ElasticNetCV

    X = np.asarray(G, float)
    Z = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    net = _quiet_fit(ElasticNetCV(l1_ratio=0.5, cv=5), Z, expression)
    return net.coef_, float(net.intercept_)


@BANK.mutant("fit_expression_model", "no intercept (fit_intercept=False on raw dosages)",
             diagnosis="you fit the model without an intercept, so the SNP weights must also "
                       "explain the average expression level and the predictions are distorted",
             section="Step 1: an expression model per gene, in the reference panel")
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
                                      "net: one SNP per LD block",
             diagnosis="you use the lasso (a pure l1 penalty) instead of the elastic net's mix of "
                       "l1 and l2, so it tends to keep one SNP of each group in strong LD and "
                       "drop the others",
             section="Step 1: an expression model per gene, in the reference panel")
def fit_lasso(G, expression, seed=0):
    from sklearn.linear_model import LassoCV

    return _standardised_fit(G, expression, LassoCV(eps=1e-2, alphas=30, cv=_folds(seed)))


@BANK.mutant("fit_expression_model", "ridge regression (RidgeCV): no l1 part, no weight is 0",
             diagnosis="you use ridge regression (a pure l2 penalty) instead of the elastic net, "
                       "so no weight is ever exactly zero and every cis SNP keeps a small effect",
             section="Step 1: an expression model per gene, in the reference panel")
def fit_ridge(G, expression, seed=0):
    from sklearn.linear_model import RidgeCV

    return _standardised_fit(G, expression, RidgeCV(alphas=np.logspace(-1, 4, 30)))


@BANK.mutant("fit_expression_model", "shuffled CV folds without random_state: the penalty "
                                      "depends on numpy's global random state",
             diagnosis="you shuffle the cross-validation folds without using the seed you were "
                       "given, so the chosen penalty, and with it the weights, change from one "
                       "run to the next",
             section="Exercise")
def fit_unseeded_folds(G, expression, seed=0):
    from sklearn.linear_model import ElasticNetCV
    from sklearn.model_selection import KFold

    model = ElasticNetCV(l1_ratio=0.5, eps=1e-2, alphas=30, cv=KFold(5, shuffle=True))
    return _standardised_fit(G, expression, model)


@BANK.mutant("fit_expression_model", "standardises by the SNP sd without guarding sd = 0 "
                                      "(monomorphic SNPs give NaN)",
             diagnosis="you divide every SNP by its standard deviation without handling SNPs that "
                       "do not vary (sd 0), so those columns become NaN and the fit fails",
             section="Step 1: an expression model per gene, in the reference panel")
def fit_unguarded_sd(G, expression, seed=0):
    from sklearn.linear_model import ElasticNetCV

    model = ElasticNetCV(l1_ratio=0.5, eps=1e-2, alphas=30, cv=_folds(seed))
    return _standardised_fit(G, expression, model, guard=False)


@BANK.mutant("fit_expression_model", "standardises a copy of G in place, which fails for "
                                      "integer dosages",
             diagnosis="you standardise a copy of the genotypes in place, but the copy keeps the "
                       "integer type of 0/1/2 dosages, which cannot hold fractional values, so "
                       "numpy refuses",
             section="Exercise")
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
                                      "alpha (the penalty strength), no CV",
             diagnosis="you pass glmnet's mixing value 0.5 as scikit-learn's alpha, which is the "
                       "penalty strength, so the penalty is fixed at 0.5 instead of chosen by "
                       "cross-validation",
             section="Step 1: an expression model per gene, in the reference panel")
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
@BANK.mutant("impute_expression", "forgets the intercept",
             diagnosis="you leave out the model's intercept, so every person's predicted "
                       "expression is off by the same constant",
             section="Steps 2 and 3: impute expression in the GWAS cohort, then test the trait")
def impute_no_intercept(G, weights, intercept):
    return np.asarray(G, float) @ np.asarray(weights, float)


@BANK.mutant("impute_expression", "centres the genotypes first",
             diagnosis="you centre the cohort's genotypes before applying the weights, but the "
                       "weights and intercept were fitted on raw dosages, so all predictions are "
                       "shifted",
             section="Steps 2 and 3: impute expression in the GWAS cohort, then test the trait")
def impute_centred(G, weights, intercept):
    X = np.asarray(G, float)
    return (X - X.mean(axis=0)) @ weights + intercept


@BANK.mutant("impute_expression", "writes into G (in place) to save memory",
             diagnosis="you multiply the genotype array in place, so the caller's genotypes are "
                       "overwritten (and integer dosages cannot even hold the result)",
             section="Exercise")
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
@BANK.mutant("association_test", "normal p-value instead of Student t (wrong for small n)",
             diagnosis="you take the p-value from the standard normal instead of Student's t on n "
                       "- 2 degrees of freedom, so p-values are too small when there are few "
                       "people",
             section="GWAS in one page")
def assoc_normal(x, y):
    r = stats.linregress(x, y)
    t = r.slope / r.stderr
    return r.slope, r.stderr, t, 2 * stats.norm.sf(abs(t))


@BANK.mutant("association_test", "n - 1 degrees of freedom (forgets the intercept's)",
             diagnosis="you use n - 1 degrees of freedom, forgetting that the intercept is "
                       "estimated too and costs a second one, so the standard error and the "
                       "p-value come out too small",
             section="GWAS in one page")
def assoc_df(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    dx, dy = x - x.mean(), y - y.mean()
    beta = dx @ dy / (dx @ dx)
    se = np.sqrt(np.sum((dy - beta * dx) ** 2) / (len(x) - 1) / (dx @ dx))
    t = beta / se
    return beta, se, t, 2 * stats.t.sf(abs(t), len(x) - 1)


@BANK.mutant("association_test", "regression through the origin (no intercept)",
             diagnosis="you fit a line through the origin, forgetting the intercept, so slope, "
                       "standard error and p-value are wrong whenever dosage and trait do not "
                       "both average zero",
             section="GWAS in one page")
def assoc_no_intercept(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    beta = x @ y / (x @ x)
    se = np.sqrt(np.sum((y - beta * x) ** 2) / (len(x) - 1) / (x @ x))
    t = beta / se
    return beta, se, t, 2 * stats.t.sf(abs(t), len(x) - 1)


@BANK.mutant("association_test", "p = 2 (1 - cdf): tiny p-values become 0",
             diagnosis="you compute the tail probability as one minus the cumulative probability, "
                       "which rounds to exactly 0 in floating point for large t, so tiny p-values "
                       "come out as 0",
             section="GWAS in one page")
def assoc_cdf(x, y):
    r = stats.linregress(x, y)
    t = r.slope / r.stderr
    return r.slope, r.stderr, t, 2 * (1 - stats.t.cdf(abs(t), len(x) - 2))


@BANK.mutant("association_test", "one-sided p-value",
             diagnosis="you compute a one-sided p-value for a positive slope, but the test is "
                       "two-sided, so positive associations get half the p-value and negative "
                       "ones get p above 0.5",
             section="GWAS in one page")
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


@BANK.mutant("twas", "returns the table sorted by p-value (rows no longer follow `genes`)",
             diagnosis="you sort the table by p-value, but row k must stay the result of gene k, "
                       "in the order of the genes table you were given",
             section="Exercise")
def twas_sorted(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    out = _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window,
                     lambda k, n: k)
    return out.sort_values("p").reset_index(drop=True)


@BANK.mutant("twas", "ignores the cis window: every gene's model uses all SNPs",
             diagnosis="you fit each gene's model on every SNP of the chromosome instead of its "
                       "cis SNPs only, so models can pick up other genes' eQTLs and the SNP "
                       "counts are wrong",
             section="Step 1: an expression model per gene, in the reference panel")
def twas_no_window(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    return _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window,
                      lambda k, n: k, use_window=False)


@BANK.mutant("twas", "off by one: gene k is modelled with the expression of gene k + 1",
             diagnosis="you pair each gene with the expression of the next gene (off by one), so "
                       "every model predicts the expression of a different gene than the one "
                       "named in its row",
             section="Exercise")
def twas_shifted_column(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    return _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window,
                      lambda k, n: (k + 1) % n)


@BANK.mutant("twas", "reports -log10(p) in the p column",
             diagnosis="you report -log10 p, the height of a Manhattan plot, in the p column "
                       "instead of the p-value itself",
             section="GWAS in one page")
def twas_log_p(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    out = _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window,
                     lambda k, n: k)
    out["p"] = -np.log10(out["p"])
    return out


@BANK.mutant("twas", "z column holds the effect size beta, not the t statistic",
             diagnosis="you put an effect size in the z column instead of the test statistic (the "
                       "slope divided by its standard error), so every z is the square root of n "
                       "times too small",
             section="GWAS in one page")
def twas_beta_as_z(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    out = _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window,
                     lambda k, n: k)
    out["z"] = out["z"] / np.sqrt(len(y_gwas))
    return out


@BANK.mutant("twas", "cv_r2 is the in-sample R^2 of the final model (net.score on the panel)",
             diagnosis="you score the model on the same reference people it was fitted on, an "
                       "optimistic in-sample R^2, instead of reporting its cross-validated R^2 on "
                       "held-out folds",
             section="Step 1: an expression model per gene, in the reference panel")
def twas_in_sample_r2(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    return _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window,
                      lambda k, n: k, in_sample_r2=True)


@BANK.mutant("twas", "tests every gene with cis SNPs: linregress raises on the constant GReX of "
                     "a model without any SNP",
             diagnosis="you test every gene with cis SNPs, but a model that kept no SNP predicts "
                       "the same expression for everyone, and a trait cannot be regressed on a "
                       "constant",
             section="How power depends on expression heritability and cohort size")
def twas_no_untested_guard(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window=1_000_000):
    return _twas_core(G_ref, E_ref, G_gwas, y_gwas, genes, snp_positions, window,
                      lambda k, n: k, guard=False)


@BANK.mutant("twas", "standardises by the panel's SNP sd without guarding sd = 0 (NaN for "
                     "monomorphic SNPs)",
             diagnosis="you divide every SNP by its standard deviation in the panel without "
                       "handling SNPs that do not vary there (sd 0), so those columns become NaN "
                       "and the fit fails",
             section="Step 1: an expression model per gene, in the reference panel")
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
@BANK.mutant("spredixcan_z", "ignores LD: sd_g^2 = sum w_l^2 Gamma_ll",
             diagnosis="you leave LD out of the variance of predicted expression, treating the "
                       "SNPs as independent, so correlated SNPs are counted as separate evidence "
                       "and z is wrong",
             section="S-PrediXcan: the same test from summary statistics")
def spx_no_ld(weights, snp_z, snp_cov):
    w, z, c = np.asarray(weights), np.asarray(snp_z), np.asarray(snp_cov)
    sd = np.sqrt(np.diag(c))
    return float(np.sum(w * sd * z) / np.sqrt(np.sum(w ** 2 * np.diag(c))))


@BANK.mutant("spredixcan_z", "variances instead of standard deviations for the SNPs",
             diagnosis="you scale each SNP's weight by the variance of its dosage instead of its "
                       "standard deviation, so z is wrong unless every SNP has variance 1",
             section="S-PrediXcan: the same test from summary statistics")
def spx_variances(weights, snp_z, snp_cov):
    w, z, c = np.asarray(weights), np.asarray(snp_z), np.asarray(snp_cov)
    return float(np.sum(w * np.diag(c) * z) / np.sqrt(w @ c @ w))


@BANK.mutant("spredixcan_z", "forgets the SNP standard deviations: sum w z / sd_g",
             diagnosis="you leave out each SNP's standard deviation in the numerator, so the "
                       "dosage-scale weights are not turned into per-standard-deviation effects "
                       "and z is wrong",
             section="S-PrediXcan: the same test from summary statistics")
def spx_no_snp_sd(weights, snp_z, snp_cov):
    w, z, c = np.asarray(weights), np.asarray(snp_z), np.asarray(snp_cov)
    return float(np.sum(w * z) / np.sqrt(w @ c @ w))


@BANK.mutant("spredixcan_z", "column vectors: returns a (1, 1) array instead of a float",
             diagnosis="you compute with column vectors and matrix products, so you return a 1 x "
                       "1 array instead of a plain number",
             section="Exercise")
def spx_column_vectors(weights, snp_z, snp_cov):
    w = np.asarray(weights, dtype=float).reshape(-1, 1)
    z = np.asarray(snp_z, dtype=float).reshape(-1, 1)
    c = np.asarray(snp_cov, dtype=float)
    sd = np.sqrt(np.diag(c)).reshape(-1, 1)
    return (w * sd).T @ z / np.sqrt(w.T @ c @ w)


@BANK.mutant("spredixcan_z", "computed in torch, returned as a 0-d tensor",
             diagnosis="you return the torch tensor itself instead of converting the result to a "
                       "plain Python float",
             section="Exercise")
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


# ------------------------------------------------------------------ choose_window_and_hits
def _evidence(windows, cv_r2, p):
    w = np.asarray(windows).reshape(-1)
    return (w, np.asarray(cv_r2, dtype=float).reshape(w.size, -1),
            np.asarray(p, dtype=float).reshape(w.size, -1))


def _window_scores(cv):
    return np.nan_to_num(cv, nan=0.0).mean(axis=1)


def _smallest_keeping(w, score, keep):
    ok = score >= keep * np.max(score)
    return int(np.min(w[ok])), int(np.flatnonzero(ok & (w == np.min(w[ok])))[0])


def _bonferroni(p_row, genes, alpha, m=None):
    m = int(np.isfinite(p_row).sum()) if m is None else m
    return sorted(str(g) for g, pv in zip(genes, p_row) if np.isfinite(pv) and pv < alpha / m)


@BANK.mutant("choose_window_and_hits", "takes the window with the best mean CV R^2 (no 95 % "
                                       "rule)",
             diagnosis="you take the window with the highest mean cross-validated R², but the "
                       "rule asks for the smallest window that keeps 95 % of it, which offers the "
                       "models fewer SNPs for the same prediction",
             section="How wide a window?")
def decide_best_window(windows, cv_r2, p, genes, alpha=0.05, keep=0.95):
    w, cv, pv = _evidence(windows, cv_r2, p)
    i = int(np.argmax(_window_scores(cv)))
    return int(w[i]), _bonferroni(pv[i], genes, alpha)


@BANK.mutant("choose_window_and_hits", "p-hacking: the window where most genes pass Bonferroni",
             diagnosis="you choose the window by how many genes pass Bonferroni, so the trait is "
                       "tested at every window and the best result kept, and the threshold no "
                       "longer holds the false positives at 5 %",
             section="GWAS in one page")
def decide_most_hits(windows, cv_r2, p, genes, alpha=0.05, keep=0.95):
    w, cv, pv = _evidence(windows, cv_r2, p)
    hits = [_bonferroni(pv[i], genes, alpha) for i in range(w.size)]
    best = max(range(w.size), key=lambda i: (len(hits[i]), -w[i]))
    return int(w[best]), hits[best]


@BANK.mutant("choose_window_and_hits", "each gene's smallest p-value over all the windows",
             diagnosis="you keep each gene's smallest p-value over all the windows, so every gene "
                       "is tested several times and only its best result counts, which Bonferroni "
                       "over the genes does not correct for",
             section="GWAS in one page")
def decide_min_p_over_windows(windows, cv_r2, p, genes, alpha=0.05, keep=0.95):
    w, cv, pv = _evidence(windows, cv_r2, p)
    window, _ = _smallest_keeping(w, _window_scores(cv), keep)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        best_p = np.nanmin(pv, axis=0)
    return window, _bonferroni(best_p, genes, alpha)


@BANK.mutant("choose_window_and_hits", "np.nanmean: genes without a model are left out of the "
                                       "window's score",
             diagnosis="you average the R² over the genes that have a model only, so a narrow "
                       "window that leaves genes without any SNP looks better than it is; a gene "
                       "without a model predicts nothing (R² 0)",
             section="How wide a window?")
def decide_nanmean(windows, cv_r2, p, genes, alpha=0.05, keep=0.95):
    w, cv, pv = _evidence(windows, cv_r2, p)
    window, i = _smallest_keeping(w, np.nanmean(cv, axis=1), keep)
    return window, _bonferroni(pv[i], genes, alpha)


@BANK.mutant("choose_window_and_hits", "Bonferroni over every gene listed, tested or not",
             diagnosis="you divide alpha by the number of genes listed, but genes without a "
                       "p-value were not tested: Bonferroni counts only the tests actually made",
             section="GWAS in one page")
def decide_all_genes(windows, cv_r2, p, genes, alpha=0.05, keep=0.95):
    w, cv, pv = _evidence(windows, cv_r2, p)
    window, i = _smallest_keeping(w, _window_scores(cv), keep)
    return window, _bonferroni(pv[i], genes, alpha, m=pv.shape[1])


@BANK.mutant("choose_window_and_hits", "no correction: p < alpha",
             diagnosis="you compare each p-value with alpha itself, with no correction for the "
                       "number of genes tested, so about 5 % of the null genes pass by chance",
             section="GWAS in one page")
def decide_uncorrected(windows, cv_r2, p, genes, alpha=0.05, keep=0.95):
    w, cv, pv = _evidence(windows, cv_r2, p)
    window, i = _smallest_keeping(w, _window_scores(cv), keep)
    return window, _bonferroni(pv[i], genes, alpha, m=1)


@BANK.mutant("choose_window_and_hits", "Bonferroni over genes x windows",
             diagnosis="you correct for every window as well as every gene, but the window was "
                       "chosen without looking at the trait, so only the genes tested at that "
                       "window count",
             section="GWAS in one page")
def decide_genes_times_windows(windows, cv_r2, p, genes, alpha=0.05, keep=0.95):
    w, cv, pv = _evidence(windows, cv_r2, p)
    window, i = _smallest_keeping(w, _window_scores(cv), keep)
    return window, _bonferroni(pv[i], genes, alpha,
                               m=w.size * int(np.isfinite(pv[i]).sum()))


@BANK.mutant("choose_window_and_hits", "Benjamini-Hochberg (FDR 5 %) instead of Bonferroni",
             diagnosis="you control the false discovery rate (Benjamini-Hochberg) instead of "
                       "Bonferroni's alpha over the number of tests, which lets more genes through",
             section="GWAS in one page")
def decide_fdr(windows, cv_r2, p, genes, alpha=0.05, keep=0.95):
    w, cv, pv = _evidence(windows, cv_r2, p)
    window, i = _smallest_keeping(w, _window_scores(cv), keep)
    tested = np.flatnonzero(np.isfinite(pv[i]))
    adjusted = stats.false_discovery_control(pv[i][tested], method="bh")
    return window, sorted(str(genes[g]) for g, q in zip(tested, adjusted) if q < alpha)


@BANK.mutant("choose_window_and_hits", "first qualifying window in the order given (assumes "
                                       "the windows sorted)",
             diagnosis="you take the first window that qualifies in the order you were given, "
                       "but the windows may come in any order: the rule asks for the smallest "
                       "width",
             section="Exercise")
def decide_first_in_order(windows, cv_r2, p, genes, alpha=0.05, keep=0.95):
    w, cv, pv = _evidence(windows, cv_r2, p)
    score = _window_scores(cv)
    i = int(np.flatnonzero(score >= keep * score.max())[0])
    return int(w[i]), _bonferroni(pv[i], genes, alpha)


@BANK.mutant("choose_window_and_hits", "hard-coded 0.95 and 0.05: ignores keep and alpha",
             diagnosis="you always use 95 % and 0.05 and ignore the keep and alpha you were given",
             section="Exercise")
def decide_fixed_keywords(windows, cv_r2, p, genes, alpha=0.05, keep=0.95):
    w, cv, pv = _evidence(windows, cv_r2, p)
    window, i = _smallest_keeping(w, _window_scores(cv), 0.95)
    return window, _bonferroni(pv[i], genes, 0.05)


@BANK.mutant("choose_window_and_hits", "genes in the order of the table, not sorted",
             diagnosis="you list the genes in the order of the table, but the result must be "
                       "sorted alphabetically",
             section="Exercise")
def decide_unsorted(windows, cv_r2, p, genes, alpha=0.05, keep=0.95):
    w, cv, pv = _evidence(windows, cv_r2, p)
    window, i = _smallest_keeping(w, _window_scores(cv), keep)
    m = int(np.isfinite(pv[i]).sum())
    return window, [str(g) for g, q in zip(genes, pv[i]) if q < alpha / m]


@BANK.mutant("choose_window_and_hits", "returns the window's index instead of its width",
             diagnosis="you return the position of the chosen window in the list instead of its "
                       "width in base pairs",
             section="Exercise")
def decide_index(windows, cv_r2, p, genes, alpha=0.05, keep=0.95):
    w, cv, pv = _evidence(windows, cv_r2, p)
    _, i = _smallest_keeping(w, _window_scores(cv), keep)
    return i, _bonferroni(pv[i], genes, alpha)


@BANK.alternative("choose_window_and_hits", "pandas: fillna(0), sort by width, Bonferroni-"
                                            "adjusted p-values min(p m, 1) < alpha")
def decide_pandas(windows, cv_r2, p, genes, alpha=0.05, keep=0.95):
    r2 = pd.DataFrame(np.asarray(cv_r2, dtype=float), index=list(windows), columns=list(genes))
    pv = pd.DataFrame(np.asarray(p, dtype=float), index=list(windows), columns=list(genes))
    score = r2.fillna(0.0).mean(axis=1).sort_index()
    window = score[score / score.max() >= keep].index[0]
    row = pv.loc[window].dropna()
    adjusted = (row * len(row)).clip(upper=1.0)
    return int(window), sorted(adjusted[adjusted < alpha].index)


@BANK.alternative("choose_window_and_hits", "plain Python loops, windows visited from the "
                                            "smallest, float32 evidence")
def decide_loops(windows, cv_r2, p, genes, alpha=0.05, keep=0.95):
    cv = np.asarray(cv_r2, dtype=np.float32)
    scores = []
    for row in cv:
        scores.append(sum(float(v) for v in row if v == v) / len(row))
    best = max(scores)
    for i in sorted(range(len(windows)), key=lambda i: windows[i]):
        if scores[i] >= keep * best:
            break
    row = [float(v) for v in np.asarray(p)[i]]
    tested = [v for v in row if not math.isnan(v)]
    hits = [g for g, v in zip(genes, row) if not math.isnan(v) and v * len(tested) < alpha]
    return int(windows[i]), sorted(hits)

"""A seeded PrediXcan-style data set: genes on a simulated chromosome, a reference panel with
genotypes and expression, and a larger GWAS cohort with a trait (offline, msprime).

The generative model, stated once (the book quotes it):

1. **Genotypes** (:func:`nnbio_helpers.genotypes.simulate_genotypes`): ``n_ref + n_gwas``
   diploid individuals from one panmictic population of constant effective size ``Ne``, one
   chromosome of ``sequence_length`` bp with uniform recombination and binary mutations (rates
   per bp per generation), so nearby SNPs are in linkage disequilibrium (LD). SNPs with
   minor-allele frequency below 5 % are dropped and the rest thinned to at most ``max_snps``,
   evenly along the chromosome, like the SNPs of a genotyping array. The first ``n_ref``
   individuals form the **reference panel**, the other ``n_gwas`` the **GWAS cohort**: two
   samples of the same population.
2. **Genes.** ``n_genes`` genes, one per equal slice of the chromosome, each starting at a
   uniform position inside the middle half of its slice and 10-80 kb long.
3. **Expression (cis-eQTLs).** Each gene has 1-3 causal cis-eQTLs chosen among the SNPs within
   ``eqtl_distance`` bp of its start (its transcription start site). Their effects are drawn
   from N(0, 1) on the standardised-genotype scale and scaled so that the genetically regulated
   expression (GReX) has variance ``h2_expression`` over all simulated individuals; the
   measured expression adds Gaussian noise of variance ``1 - h2_expression`` and a
   gene-specific baseline (mean) between 2 and 8, as for log-expression. So
   ``h2_expression`` is the cis-heritability of expression, the best R^2 any
   genotype-based predictor can reach on average. Only the reference panel's expression is
   observed.
4. **Trait.** ``n_causal_genes`` genes, chosen at random, are causal: the trait of a GWAS
   individual is ``y = sum_g b_g * grex_g / sd(grex_g) + e`` with ``b_g = +-sqrt(
   variance_explained)`` (random sign), so each causal gene explains ``variance_explained`` of
   the trait variance, and ``e`` is Gaussian noise bringing the variance of ``y`` to about 1.
   All other genes are null: their expression is heritable but has no effect on the trait.

Nothing here solves an exercise: the module simulates data and returns true effects, it does
not select cis windows, fit expression models or test associations.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nnbio_helpers.genotypes import simulate_genotypes


@dataclass
class TWASData:
    """A simulated reference panel and GWAS cohort (see the module docstring for the model).

    G_ref:       (n_ref, m) float dosages 0/1/2 of the reference panel.
    E_ref:       (n_ref, n_genes) measured expression, columns in the order of ``genes``.
    G_gwas:      (n_gwas, m) float dosages of the GWAS cohort.
    y_gwas:      (n_gwas,) the trait.
    positions:   (m,) base-pair position of each SNP (increasing).
    genes:       DataFrame with columns gene (name), start, end (bp), one row per gene.
    eqtl_effects: (m, n_genes) true cis-eQTL effects on the dosage scale (mostly zero).
    baseline:    (n_genes,) the intercept of each gene's expression.
    grex_gwas:   (n_gwas, n_genes) true genetically regulated expression in the GWAS cohort.
    causal:      indices of the causal genes (into the rows of ``genes``).
    trait_effects: (n_genes,) b_g per standardised GReX (zero for null genes).
    h2_expression, variance_explained: the values used.
    """

    G_ref: np.ndarray
    E_ref: np.ndarray
    G_gwas: np.ndarray
    y_gwas: np.ndarray
    positions: np.ndarray
    genes: pd.DataFrame
    eqtl_effects: np.ndarray
    baseline: np.ndarray
    grex_gwas: np.ndarray
    causal: np.ndarray
    trait_effects: np.ndarray
    h2_expression: float
    variance_explained: float

    @property
    def is_causal(self) -> np.ndarray:
        """(n_genes,) True for the causal genes."""
        flags = np.zeros(len(self.genes), dtype=bool)
        flags[self.causal] = True
        return flags


def _place_genes(n_genes: int, length: float, rng) -> pd.DataFrame:
    slice_width = length / n_genes
    lo = np.arange(n_genes) * slice_width + slice_width / 4
    begin = np.floor(lo + rng.uniform(0, slice_width / 2, size=n_genes)).astype(np.int64)
    stop = begin + rng.integers(10_000, 80_001, size=n_genes)
    names = [f"GENE{k + 1:02d}" for k in range(n_genes)]
    return pd.DataFrame({"gene": names, "start": begin, "end": stop})


def _eqtl_effects(dosage, positions, starts, distance, rng):
    """(m, n_genes) effects on the standardised scale, 1-3 eQTLs near each gene start."""
    n_snps = dosage.shape[1]
    effects = np.zeros((n_snps, len(starts)))
    for k, tss in enumerate(starts):
        near = np.flatnonzero(np.abs(positions - tss) <= distance)
        if near.size == 0:  # no SNP close enough: use the nearest one
            near = np.array([int(np.argmin(np.abs(positions - tss)))])
        n_eqtl = min(int(rng.integers(1, 4)), near.size)
        chosen = rng.choice(near, size=n_eqtl, replace=False)
        effects[chosen, k] = rng.normal(size=n_eqtl)
    return effects


def _expression_parts(dosage, std_effects, h2, rng):
    """(genetic part on the dosage scale as weights, GReX of everyone, noise) for all genes."""
    freq_mean = dosage.mean(axis=0)
    spread = dosage.std(axis=0)
    spread[spread == 0] = 1.0
    per_dosage = std_effects / spread[:, None]        # effect of one extra allele
    grex = (dosage - freq_mean) @ per_dosage
    scale = np.sqrt(h2) / np.where(grex.std(axis=0) > 0, grex.std(axis=0), 1.0)
    per_dosage = per_dosage * scale
    grex = grex * scale
    noise = rng.normal(0.0, np.sqrt(max(1.0 - h2, 0.0)), size=grex.shape)
    offset = -(freq_mean @ per_dosage)                 # so that grex = dosage @ weights + offset
    return per_dosage, offset, grex, noise


def simulate_trait_from_grex(grex: np.ndarray, causal, variance_explained: float = 0.02,
                             seed: int = 0):
    """A trait caused by the genetically regulated expression of the ``causal`` genes.

    grex: (n, n_genes) true GReX; causal: indices of the causal genes. Each causal gene gets
    b_g = +-sqrt(variance_explained) (random sign) per standard deviation of its GReX; the noise
    is N(0, 1 - sum b_g^2). Returns ``(y, trait_effects)`` with trait_effects (n_genes,).
    """
    rng = np.random.default_rng(seed)
    causal = np.asarray(causal, dtype=int)
    b = np.zeros(grex.shape[1])
    b[causal] = np.sqrt(variance_explained) * rng.choice([-1.0, 1.0], size=causal.size)
    centred = grex - grex.mean(axis=0)
    sd = centred.std(axis=0)
    standardised = centred / np.where(sd > 0, sd, 1.0)
    residual_var = max(1.0 - float(np.sum(b ** 2)), 0.05)
    y = standardised @ b + rng.normal(0.0, np.sqrt(residual_var), size=grex.shape[0])
    return y, b


def simulate_twas_data(n_ref: int = 300, n_gwas: int = 1500, n_genes: int = 20,
                       n_causal_genes: int = 3, h2_expression: float = 0.2,
                       variance_explained: float = 0.02, sequence_length: float = 5e6,
                       max_snps: int = 400, eqtl_distance: float = 100_000,
                       population_size: float = 1e4, recombination_rate: float = 1e-8,
                       mutation_rate: float = 1e-8, seed: int = 0) -> TWASData:
    """Simulate a reference panel and a GWAS cohort from the model of the module docstring.

    n_ref, n_gwas:      individuals in the reference panel (genotypes + expression) and in the
                        GWAS cohort (genotypes + trait).
    n_genes:            genes along the chromosome; n_causal_genes of them affect the trait.
    h2_expression:      cis-heritability of every gene's expression, in [0, 1].
    variance_explained: fraction of trait variance explained by each causal gene's GReX.
    sequence_length, max_snps, eqtl_distance, population_size, recombination_rate,
    mutation_rate:      the chromosome (bp), SNPs kept after thinning, how far from a gene's
                        start its eQTLs lie (bp), Ne and the per-bp, per-generation rates.
    seed:               everything is reproducible from it.
    """
    if not 0.0 <= h2_expression <= 1.0:
        raise ValueError("h2_expression must lie in [0, 1]")
    if not 0 <= n_causal_genes <= n_genes:
        raise ValueError("n_causal_genes must lie between 0 and n_genes")
    streams = np.random.SeedSequence(seed).spawn(4)
    geno = simulate_genotypes(n_individuals=n_ref + n_gwas, sequence_length=sequence_length,
                              population_size=population_size,
                              recombination_rate=recombination_rate,
                              mutation_rate=mutation_rate, min_maf=0.05,
                              max_snps_per_chromosome=max_snps,
                              seed=int(streams[0].generate_state(1)[0]))
    dosage = geno.dosages.astype(np.float64)
    positions = geno.positions.astype(np.float64)
    rng_genes = np.random.default_rng(streams[1])
    genes = _place_genes(n_genes, sequence_length, rng_genes)
    std_effects = _eqtl_effects(dosage, positions, genes["start"].to_numpy(), eqtl_distance,
                                rng_genes)
    rng_expr = np.random.default_rng(streams[2])
    per_dosage, offset, grex, noise = _expression_parts(dosage, std_effects, h2_expression,
                                                        rng_expr)
    baseline = rng_expr.uniform(2.0, 8.0, size=n_genes)
    expression = baseline + grex + noise
    rng_trait = np.random.default_rng(streams[3])
    causal = np.sort(rng_trait.choice(n_genes, size=n_causal_genes, replace=False))
    grex_gwas = grex[n_ref:]
    y, b = simulate_trait_from_grex(grex_gwas, causal, variance_explained,
                                    seed=int(rng_trait.integers(2 ** 31)))
    return TWASData(G_ref=dosage[:n_ref], E_ref=expression[:n_ref], G_gwas=dosage[n_ref:],
                    y_gwas=y, positions=positions, genes=genes, eqtl_effects=per_dosage,
                    baseline=baseline + offset, grex_gwas=grex_gwas, causal=causal,
                    trait_effects=b, h2_expression=float(h2_expression),
                    variance_explained=float(variance_explained))


def redraw_reference_expression(data: TWASData, h2_expression: float, seed: int = 0):
    """Reference-panel expression for the same genes and eQTL SNPs at another heritability.

    The eQTL effects keep their relative sizes; they are rescaled so that the GReX variance (in
    the reference panel) is ``h2_expression`` and fresh noise of variance 1 - h2 is added.
    Returns ``(E_ref, grex_ref)``, both (n_ref, n_genes). Useful for power curves.
    """
    rng = np.random.default_rng(seed)
    raw = (data.G_ref - data.G_ref.mean(axis=0)) @ data.eqtl_effects
    spread = raw.std(axis=0)
    grex = raw * (np.sqrt(h2_expression) / np.where(spread > 0, spread, 1.0))
    noise = rng.normal(0.0, np.sqrt(max(1.0 - h2_expression, 0.0)), size=grex.shape)
    return grex + noise + 5.0, grex

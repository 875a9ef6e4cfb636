"""Seeded genotype and trait simulations with realistic linkage disequilibrium (offline).

The generative model, stated once for every chapter that uses it (genomic prediction, TWAS):

1. **Ancestry.** For each chromosome, ``msprime.sim_ancestry`` draws the genealogy of
   ``n_individuals`` diploid individuals sampled from one panmictic population of constant
   effective size ``population_size`` (Ne), with a uniform recombination rate (per base pair
   per generation) along ``sequence_length`` base pairs. Chromosomes are simulated
   independently, so they are unlinked.
2. **Mutations.** ``msprime.sim_mutations(model="binary")`` drops mutations on that genealogy at
   ``mutation_rate`` per base pair per generation; every site is biallelic (0 = ancestral,
   1 = derived). Because nearby sites share most of their genealogy, they are correlated:
   this is linkage disequilibrium (LD), and it decays with distance as recombination breaks
   up haplotypes.
3. **Dosages.** An individual's two haplotypes (nodes 2i and 2i+1) are summed, giving the
   number of derived alleles 0, 1 or 2 at each site; sites with minor-allele frequency below
   ``min_maf`` are dropped.

The trait model (:func:`simulate_trait`) is additive: ``y = g + e`` where the genetic value
``g`` is a sum of effects of ``n_causal`` randomly chosen SNPs, scaled so that the narrow-sense
heritability ``var(g) / var(y)`` equals ``h2`` in the simulated sample, and ``e`` is Gaussian
noise. The correlation between ``y`` and ``g`` is then ``sqrt(h2)``: no predictor that sees only
genotypes can, on average, correlate better than that with the phenotype.

Nothing here solves an exercise: the functions return dosages (numbers 0/1/2), never one-hot
encodings or networks.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Genotypes:
    """Simulated genotypes of ``n`` individuals at ``m`` SNPs.

    dosages:    (n, m) int8 array, number of derived alleles (0, 1, 2) per individual and SNP.
    positions:  (m,) float array, base-pair position of each SNP on its chromosome.
    chromosome: (m,) int array, chromosome index (0, 1, ...) of each SNP.
    """

    dosages: np.ndarray
    positions: np.ndarray
    chromosome: np.ndarray

    @property
    def n_individuals(self) -> int:
        return int(self.dosages.shape[0])

    @property
    def n_snps(self) -> int:
        return int(self.dosages.shape[1])

    def allele_frequency(self) -> np.ndarray:
        """Derived-allele frequency of each SNP, the mean dosage divided by 2."""
        return self.dosages.mean(axis=0) / 2.0


@dataclass
class Trait:
    """A simulated quantitative trait.

    y:             (n,) phenotype, g + e.
    genetic_value: (n,) g, the additive genetic value (the best any genotype-based predictor can do).
    effects:       (m,) per-SNP effect on the *dosage* scale (zero for non-causal SNPs).
    causal:        indices of the causal SNPs.
    h2:            the narrow-sense heritability used, var(g) / var(y) in the sample.
    """

    y: np.ndarray
    genetic_value: np.ndarray
    effects: np.ndarray
    causal: np.ndarray
    h2: float


def simulate_genotypes(n_individuals: int = 500, sequence_length: float = 1e6,
                       population_size: float = 1e4, recombination_rate: float = 1e-8,
                       mutation_rate: float = 1e-8, n_chromosomes: int = 1,
                       min_maf: float = 0.05, max_snps_per_chromosome: int | None = None,
                       seed: int = 0) -> Genotypes:
    """Simulate diploid genotypes with msprime (coalescent with recombination), seeded.

    n_individuals:      number of diploid individuals (rows of the dosage matrix).
    sequence_length:    length of each chromosome in base pairs.
    population_size:    effective population size Ne of the single constant-size population.
    recombination_rate: per base pair per generation (1e-8 is about 1 cM per Mb, as in humans).
    mutation_rate:      per base pair per generation, binary (infinite-sites-like) mutations.
    n_chromosomes:      number of independent (unlinked) chromosomes, concatenated.
    min_maf:            drop SNPs whose minor-allele frequency is below this (0 keeps all).
    max_snps_per_chromosome: if given, keep this many SNPs per chromosome, evenly spaced
                        along the chromosome's list of SNPs (thinning keeps LD realistic).
    seed:               the random seed; chromosome c uses seeds derived from (seed, c).

    Returns a :class:`Genotypes` with int8 dosages of shape (n_individuals, m).
    """
    import msprime

    if n_individuals < 2:
        raise ValueError("n_individuals must be at least 2")
    seeds = np.random.SeedSequence(seed).generate_state(2 * n_chromosomes)
    blocks, positions, chromosome = [], [], []
    for c in range(n_chromosomes):
        ts = msprime.sim_ancestry(samples=n_individuals, ploidy=2,
                                  sequence_length=sequence_length,
                                  recombination_rate=recombination_rate,
                                  population_size=population_size,
                                  random_seed=int(seeds[2 * c]) + 1)
        mts = msprime.sim_mutations(ts, rate=mutation_rate, model="binary",
                                    random_seed=int(seeds[2 * c + 1]) + 1)
        haplotypes = mts.genotype_matrix()  # (sites, 2 * n_individuals), nodes 2i and 2i+1
        dosage = (haplotypes[:, 0::2] + haplotypes[:, 1::2]).T.astype(np.int8)
        pos = mts.tables.sites.position.copy()
        freq = dosage.mean(axis=0) / 2.0
        keep = np.minimum(freq, 1.0 - freq) >= min_maf
        if min_maf <= 0:  # still drop monomorphic sites, they carry no information
            keep &= (freq > 0) & (freq < 1)
        dosage, pos = dosage[:, keep], pos[keep]
        if max_snps_per_chromosome is not None and dosage.shape[1] > max_snps_per_chromosome:
            pick = np.unique(np.linspace(0, dosage.shape[1] - 1,
                                         max_snps_per_chromosome).round().astype(int))
            dosage, pos = dosage[:, pick], pos[pick]
        blocks.append(dosage)
        positions.append(pos)
        chromosome.append(np.full(pos.size, c, dtype=int))
    return Genotypes(np.concatenate(blocks, axis=1), np.concatenate(positions),
                     np.concatenate(chromosome))


def simulate_trait(dosages: np.ndarray, h2: float = 0.5, n_causal: int = 50,
                   seed: int = 0) -> Trait:
    """An additive trait with narrow-sense heritability ``h2`` (exact in the sample).

    Model: choose ``n_causal`` SNPs uniformly at random; draw their effects on the standardised
    genotype scale from N(0, 1); g = Z_causal @ b, rescaled so that var(g) = h2; draw
    e ~ N(0, 1 - h2), rescaled to have variance exactly 1 - h2 and no sample correlation
    with g; y = g + e. So var(y) = 1 and var(g) / var(y) = h2 in the simulated sample.

    dosages: (n, m) genotype dosages (missing values are not allowed here).
    h2:      heritability in [0, 1].
    n_causal: number of causal SNPs (at most m).
    seed:    the random seed.
    """
    X = np.asarray(dosages, dtype=np.float64)
    if np.isnan(X).any():
        raise ValueError("simulate_trait needs complete dosages (no NaN)")
    if not 0.0 <= h2 <= 1.0:
        raise ValueError("h2 must lie in [0, 1]")
    n, m = X.shape
    rng = np.random.default_rng(seed)
    causal = np.sort(rng.choice(m, size=n_causal, replace=False))
    mean, sd = X.mean(axis=0), X.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    b = rng.normal(size=n_causal)
    g = ((X[:, causal] - mean[causal]) / sd[causal]) @ b
    g = g - g.mean()
    scale = np.sqrt(h2) / g.std() if g.std() > 0 else 0.0
    g = g * scale
    e = rng.normal(size=n)
    e = e - e.mean()
    if h2 > 0:  # remove the chance correlation with g, so var(g + e) = var(g) + var(e)
        e = e - g * (e @ g) / (g @ g)
    e = e * np.sqrt(1.0 - h2) / e.std()
    effects = np.zeros(m)
    effects[causal] = b * scale / sd[causal]
    return Trait(y=g + e, genetic_value=g, effects=effects, causal=causal, h2=float(h2))


def mask_missing(dosages: np.ndarray, rate: float = 0.02, seed: int = 0) -> np.ndarray:
    """A float copy of ``dosages`` in which each call is set to NaN (missing) with probability
    ``rate``, independently, as in a genotyping array's no-calls."""
    out = np.array(dosages, dtype=np.float64, copy=True)
    missing = np.random.default_rng(seed).random(out.shape) < rate
    out[missing] = np.nan
    return out


def ld_decay(dosages: np.ndarray, positions: np.ndarray, max_distance: float = 2e5,
             n_bins: int = 20, max_pairs: int = 200_000, seed: int = 0):
    """Mean LD (r squared between dosages) of SNP pairs, binned by their distance in bp.

    Uses SNP pairs on the same chromosome (pass one chromosome's SNPs) at most ``max_distance``
    apart, subsampled to ``max_pairs`` pairs. Returns ``(bin_centres, mean_r2, n_pairs)``.
    """
    X = np.asarray(dosages, dtype=np.float64)
    pos = np.asarray(positions, dtype=np.float64)
    Z = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    R = (Z.T @ Z) / Z.shape[0]  # (m, m) correlations between SNP dosages
    i, j = np.triu_indices(Z.shape[1], k=1)
    dist = pos[j] - pos[i]
    near = dist <= max_distance
    i, j, dist = i[near], j[near], dist[near]
    if i.size > max_pairs:
        pick = np.random.default_rng(seed).choice(i.size, size=max_pairs, replace=False)
        i, j, dist = i[pick], j[pick], dist[pick]
    r2 = R[i, j] ** 2
    edges = np.linspace(0, max_distance, n_bins + 1)
    which = np.clip(np.digitize(dist, edges) - 1, 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    sums = np.bincount(which, weights=r2, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return (edges[:-1] + edges[1:]) / 2, mean, counts

"""nnbio_helpers.genotypes: seeded msprime genotypes with LD and traits of known heritability."""
import numpy as np
import pytest

from nnbio_helpers import genotypes as gt


@pytest.fixture(scope="module")
def geno():
    return gt.simulate_genotypes(n_individuals=200, sequence_length=5e5, n_chromosomes=2,
                                 seed=3)


def test_dosages_shape_values_and_maf(geno):
    G = geno.dosages
    assert G.dtype == np.int8 and G.ndim == 2 and G.shape[0] == 200
    assert set(np.unique(G)) <= {0, 1, 2}
    assert G.shape[1] == geno.positions.size == geno.chromosome.size > 100
    maf = np.minimum(geno.allele_frequency(), 1 - geno.allele_frequency())
    assert maf.min() >= 0.05
    assert set(np.unique(geno.chromosome)) == {0, 1}
    for c in (0, 1):  # positions increase along each chromosome, within its length
        p = geno.positions[geno.chromosome == c]
        assert np.all(np.diff(p) > 0) and 0 <= p.min() and p.max() < 5e5


def test_seeded(geno):
    again = gt.simulate_genotypes(n_individuals=200, sequence_length=5e5, n_chromosomes=2,
                                  seed=3)
    other = gt.simulate_genotypes(n_individuals=200, sequence_length=5e5, n_chromosomes=2,
                                  seed=4)
    np.testing.assert_array_equal(geno.dosages, again.dosages)
    np.testing.assert_array_equal(geno.positions, again.positions)
    assert other.dosages.shape != geno.dosages.shape or \
        not np.array_equal(other.dosages, geno.dosages)


def test_hardy_weinberg_roughly_holds(geno):
    # one random-mating population: heterozygote frequency close to 2 p (1 - p)
    p = geno.allele_frequency()
    het = (geno.dosages == 1).mean(axis=0)
    assert abs(np.mean(het - 2 * p * (1 - p))) < 0.02


def test_ld_decays_with_distance_and_chromosomes_are_unlinked(geno):
    c0 = geno.chromosome == 0
    centres, r2, counts = gt.ld_decay(geno.dosages[:, c0], geno.positions[c0],
                                      max_distance=2e5, n_bins=10)
    assert centres.shape == r2.shape == counts.shape == (10,)
    assert r2[0] > 2 * r2[-1] and r2[0] > 0.1
    G = geno.dosages.astype(float)
    a = G[:, geno.chromosome == 0][:, :50]
    b = G[:, geno.chromosome == 1][:, :50]
    between = np.corrcoef(a.T, b.T)[:50, 50:] ** 2
    assert between.mean() < 0.02  # independent chromosomes: r^2 ~ 1/n


def test_thinning_keeps_at_most_the_requested_snps():
    g = gt.simulate_genotypes(n_individuals=50, sequence_length=5e5, n_chromosomes=2,
                              max_snps_per_chromosome=40, seed=0)
    assert g.n_snps == 80 and g.n_individuals == 50


@pytest.mark.parametrize("h2", [0.0, 0.3, 0.8])
def test_trait_has_the_stated_heritability(geno, h2):
    t = gt.simulate_trait(geno.dosages, h2=h2, n_causal=20, seed=1)
    assert t.y.shape == (200,) and t.causal.size == 20
    assert np.var(t.y) == pytest.approx(1.0)
    assert np.var(t.genetic_value) == pytest.approx(h2, abs=1e-12)
    # the effects reproduce the genetic value from the raw dosages (up to the mean)
    g = geno.dosages @ t.effects
    np.testing.assert_allclose(g - g.mean(), t.genetic_value, atol=1e-10)
    assert np.count_nonzero(t.effects) == (20 if h2 > 0 else 0)
    if h2 > 0:
        assert np.corrcoef(t.y, t.genetic_value)[0, 1] == pytest.approx(np.sqrt(h2))


def test_trait_is_seeded_and_checks_its_arguments(geno):
    a = gt.simulate_trait(geno.dosages, seed=5)
    b = gt.simulate_trait(geno.dosages, seed=5)
    np.testing.assert_array_equal(a.y, b.y)
    with pytest.raises(ValueError):
        gt.simulate_trait(geno.dosages, h2=1.5)
    with pytest.raises(ValueError):
        gt.simulate_trait(gt.mask_missing(geno.dosages, 0.1))


def test_mask_missing_copies_and_sets_nan(geno):
    before = geno.dosages.copy()
    M = gt.mask_missing(geno.dosages, rate=0.1, seed=0)
    np.testing.assert_array_equal(geno.dosages, before)
    frac = np.isnan(M).mean()
    assert 0.08 < frac < 0.12
    np.testing.assert_array_equal(M[~np.isnan(M)], before[~np.isnan(M)])

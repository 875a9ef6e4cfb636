"""nnbio_helpers.twas: the seeded PrediXcan-style simulation (reference panel + GWAS cohort)."""
import numpy as np
import pytest

from nnbio_helpers import twas as tw


@pytest.fixture(scope="module")
def data():
    return tw.simulate_twas_data(n_ref=200, n_gwas=800, n_genes=12, n_causal_genes=3,
                                 h2_expression=0.3, variance_explained=0.03,
                                 sequence_length=3e6, max_snps=300, seed=5)


def test_shapes_and_types(data):
    m = data.positions.size
    assert data.G_ref.shape == (200, m) and data.G_gwas.shape == (800, m)
    assert data.E_ref.shape == (200, 12) and data.y_gwas.shape == (800,)
    assert data.eqtl_effects.shape == (m, 12) and data.grex_gwas.shape == (800, 12)
    assert set(np.unique(data.G_ref)) <= {0.0, 1.0, 2.0}
    assert list(data.genes.columns) == ["gene", "start", "end"]
    assert data.genes["gene"].is_unique and len(data.genes) == 12
    assert 200 <= m <= 300 and np.all(np.diff(data.positions) > 0)


def test_genes_lie_on_the_chromosome_in_order(data):
    starts, ends = data.genes["start"].to_numpy(), data.genes["end"].to_numpy()
    assert np.all(np.diff(starts) > 0) and np.all(ends > starts)
    assert starts.min() >= 0 and ends.max() <= 3e6
    assert np.all((ends - starts >= 10_000) & (ends - starts <= 80_000))


def test_eqtls_are_sparse_and_near_the_gene_start(data):
    for k, start in enumerate(data.genes["start"]):
        eqtl = np.flatnonzero(data.eqtl_effects[:, k])
        assert 1 <= eqtl.size <= 3
        near = np.abs(data.positions - start) <= 100_000
        assert np.all(near[eqtl]) or eqtl.size == 1


def test_expression_heritability_and_baseline(data):
    # GReX (= dosage @ effects + baseline) explains about h2 of expression in the panel
    grex_ref = data.G_ref @ data.eqtl_effects + data.baseline
    resid = data.E_ref - grex_ref
    r2 = 1 - resid.var(axis=0) / data.E_ref.var(axis=0)
    assert 0.15 < np.mean(r2) < 0.45
    assert np.allclose(resid.mean(axis=0), 0, atol=0.25)  # the baseline is the intercept
    # the same formula gives the GWAS cohort's GReX up to the per-gene baseline
    grex_gwas = data.G_gwas @ data.eqtl_effects
    diff = grex_gwas - data.grex_gwas
    assert np.allclose(diff, diff.mean(axis=0), atol=1e-9)


def test_trait_model(data):
    assert data.is_causal.sum() == 3 and np.all(data.is_causal[data.causal])
    b = data.trait_effects
    assert np.allclose(np.abs(b[data.causal]), np.sqrt(0.03)) and np.all(b[~data.is_causal] == 0)
    z = (data.grex_gwas - data.grex_gwas.mean(0)) / data.grex_gwas.std(0)
    r = np.array([np.corrcoef(z[:, k], data.y_gwas)[0, 1] for k in range(12)])
    assert np.all(np.sign(r[data.causal]) == np.sign(b[data.causal]))
    assert 0.8 < data.y_gwas.var() < 1.2


def test_linkage_disequilibrium_between_neighbours(data):
    G = data.G_ref
    r = [abs(np.corrcoef(G[:, j], G[:, j + 1])[0, 1]) for j in range(G.shape[1] - 1)]
    assert np.mean(r) > 0.2


def test_seeded_and_redraw(data):
    again = tw.simulate_twas_data(n_ref=200, n_gwas=800, n_genes=12, n_causal_genes=3,
                                  h2_expression=0.3, variance_explained=0.03,
                                  sequence_length=3e6, max_snps=300, seed=5)
    np.testing.assert_array_equal(again.G_ref, data.G_ref)
    np.testing.assert_array_equal(again.y_gwas, data.y_gwas)
    E, grex = tw.redraw_reference_expression(data, 0.6, seed=1)
    assert E.shape == data.E_ref.shape
    assert np.allclose(grex.var(axis=0), 0.6)
    y, b = tw.simulate_trait_from_grex(data.grex_gwas, [0, 4], 0.1, seed=2)
    assert y.shape == (800,) and np.count_nonzero(b) == 2


def test_rejects_bad_arguments():
    with pytest.raises(ValueError):
        tw.simulate_twas_data(h2_expression=1.5)
    with pytest.raises(ValueError):
        tw.simulate_twas_data(n_genes=3, n_causal_genes=4)

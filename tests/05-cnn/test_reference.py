"""The 05-cnn reference checked against independent oracles: torch.nn.functional (float64, to
1e-6) for convolution, pooling and output sizes, torch modules for the networks."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder.engine import registry

ref = registry.reference("05-cnn")
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same.:UserWarning")
RNG = np.random.default_rng(5)


def _t(a):
    return torch.tensor(a, dtype=torch.float64)


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 0), (1, 3), (3, 2), (4, 1)])
@pytest.mark.parametrize("bias", [False, True])
def test_conv1d_matches_torch(stride, padding, bias):
    for _ in range(5):
        n, cin, cout = RNG.integers(1, 4), RNG.integers(1, 5), RNG.integers(1, 5)
        k = int(RNG.integers(1, 7))
        L = int(RNG.integers(k, 30))
        x, w = RNG.normal(size=(n, cin, L)), RNG.normal(size=(cout, cin, k))
        b = RNG.normal(size=cout) if bias else None
        expected = F.conv1d(_t(x), _t(w), None if b is None else _t(b), stride=stride,
                            padding=padding).numpy()
        np.testing.assert_allclose(ref.conv1d(x, w, b, stride=stride, padding=padding),
                                   expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 0), (1, 2), (3, 1), ((2, 1), (0, 2))])
@pytest.mark.parametrize("bias", [False, True])
def test_conv2d_matches_torch(stride, padding, bias):
    for _ in range(5):
        n, cin, cout = RNG.integers(1, 3), RNG.integers(1, 4), RNG.integers(1, 4)
        kh, kw = int(RNG.integers(1, 5)), int(RNG.integers(1, 5))
        H, W = int(RNG.integers(kh, 15)), int(RNG.integers(kw, 15))
        x, w = RNG.normal(size=(n, cin, H, W)), RNG.normal(size=(cout, cin, kh, kw))
        b = RNG.normal(size=cout) if bias else None
        expected = F.conv2d(_t(x), _t(w), None if b is None else _t(b), stride=stride,
                            padding=padding).numpy()
        np.testing.assert_allclose(ref.conv2d(x, w, b, stride=stride, padding=padding),
                                   expected, rtol=1e-6, atol=1e-6)


def test_conv_does_not_modify_inputs():
    x, w, b = RNG.normal(size=(2, 3, 10)), RNG.normal(size=(4, 3, 3)), RNG.normal(size=4)
    copies = [a.copy() for a in (x, w, b)]
    ref.conv1d(x, w, b, stride=2, padding=1)
    for a, c in zip((x, w, b), copies):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("k,s", [(2, None), (3, None), (3, 1), (3, 2), (2, 3), (4, 4)])
def test_max_pool_matches_torch(k, s):
    x1 = RNG.normal(size=(2, 3, int(RNG.integers(k + 1, 25))))
    np.testing.assert_allclose(ref.max_pool1d(x1, k, stride=s),
                               F.max_pool1d(_t(x1), k, stride=s).numpy(), atol=1e-12)
    x2 = RNG.normal(size=(2, 3, int(RNG.integers(k + 1, 15)), int(RNG.integers(k + 1, 15))))
    np.testing.assert_allclose(ref.max_pool2d(x2, k, stride=s),
                               F.max_pool2d(_t(x2), k, stride=s).numpy(), atol=1e-12)


@pytest.mark.parametrize("trial", range(30))
def test_conv_output_size_matches_torch(trial):
    rng = np.random.default_rng(trial)
    k, d = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    p, s = int(rng.integers(0, 4)), int(rng.integers(1, 4))
    n = int(rng.integers(d * (k - 1) + 1, 40))
    out = F.conv1d(torch.zeros(1, 1, n), torch.zeros(1, 1, k), padding=p, stride=s, dilation=d)
    size = ref.conv_output_size(n, k, padding=p, stride=s, dilation=d)
    assert isinstance(size, int) and size == out.shape[-1]


def _field_by_gradient(layers, length=400):
    """Oracle: the span (first to last, inclusive) of the input positions with a non-zero
    gradient for one output unit of a stack of all-ones convolutions with the given kernel
    sizes and strides."""
    x = torch.ones(1, 1, length, dtype=torch.float64, requires_grad=True)
    h = x
    for k, s in layers:
        h = F.conv1d(h, torch.ones(1, 1, k, dtype=torch.float64), stride=s)
    h[0, 0, h.shape[-1] // 2].backward()
    hit = torch.nonzero(x.grad[0, 0]).flatten()
    return int(hit.max() - hit.min() + 1)


@pytest.mark.parametrize("layers", [[], [(3, 1)], [(3, 1), (3, 1)], [(5, 1), (2, 2), (3, 1)],
                                    [(4, 2), (3, 2), (2, 2)], [(7, 1), (4, 4), (3, 1), (2, 2)],
                                    [(1, 3), (3, 1)]])
def test_receptive_field_matches_gradient_footprint(layers):
    assert ref.receptive_field(layers) == _field_by_gradient(layers)


def test_one_hot_genotypes():
    G = np.array([[0, 1, 2, np.nan], [2, np.nan, 0, 1]])
    before = G.copy()
    out = ref.one_hot_genotypes(G)
    assert out.dtype == np.float32 and out.shape == (2, 4, 4)
    np.testing.assert_array_equal(out.sum(axis=1), 1)
    np.testing.assert_array_equal(out[0, :, 0], [1, 0, 0, 0])
    np.testing.assert_array_equal(out[0, :, 3], [0, 0, 0, 1])
    np.testing.assert_array_equal(out[1, :, 1], [0, 0, 0, 1])
    # the DLGWAS code's np.eye(4)[codes] with 3 = missing, channels moved to axis 1
    codes = np.where(np.isnan(G), 3, G).astype(int)
    np.testing.assert_array_equal(out, np.eye(4)[codes].transpose(0, 2, 1))
    np.testing.assert_array_equal(G, before)


def test_count_parameters():
    m = nn.Sequential(nn.Conv1d(1, 8, 18), nn.BatchNorm1d(8), nn.Linear(10, 3))
    assert ref.count_parameters(m) == (8 * 18 + 8) + 16 + 33
    m[2].weight.requires_grad_(False)
    assert ref.count_parameters(m) == (8 * 18 + 8) + 16 + 3


def test_deepgs_shapes_match_the_published_network():
    # Ma et al. 2018: with 1225 markers, conv 1208 -> pool 302 positions, 8 * 302 = 2416 inputs
    model = ref.DeepGS(1225)
    assert model.hidden.in_features == 2416
    assert ref.count_parameters(model) == (8 * 18 + 8) + (2416 * 32 + 32) + 33
    x = torch.randn(5, 1225)
    model.eval()
    assert model(x).shape == (5, 1)


def test_deepgs_equals_an_independent_sequential():
    torch.manual_seed(0)
    model = ref.DeepGS(300).double().eval()
    seq = nn.Sequential(nn.Unflatten(1, (1, 300)), nn.Conv1d(1, 8, 18), nn.ReLU(),
                        nn.MaxPool1d(4), nn.Flatten(), nn.Linear(8 * 70, 32), nn.Sigmoid(),
                        nn.Linear(32, 1)).double()
    with torch.no_grad():
        for s, r in zip(seq.parameters(), model.parameters()):
            s.copy_(r)
    x = torch.randn(4, 300, dtype=torch.float64)
    torch.testing.assert_close(model(x), seq(x), rtol=1e-6, atol=1e-6)


def test_dualstream_equals_functional_keras_style_same_padding():
    torch.manual_seed(1)
    n = 37
    model = ref.DualStreamCNN(n).double().eval()
    x = torch.randn(3, 4, n, dtype=torch.float64)
    p = dict(model.named_parameters())

    def same(h, w, b):  # Keras 'same': left pad (K-1)//2, right pad the rest
        k = w.shape[-1]
        return F.conv1d(F.pad(h, ((k - 1) // 2, k - 1 - (k - 1) // 2)), w, b)

    a = same(same(x, p["a1.weight"], p["a1.bias"]), p["a2.weight"], p["a2.bias"])
    b = same(x, p["shortcut.weight"], p["shortcut.bias"])
    h = same(a + b, p["merge.weight"], p["merge.bias"]).flatten(1)
    expected = h @ p["out.weight"].T + p["out.bias"]
    torch.testing.assert_close(model(x), expected, rtol=1e-6, atol=1e-6)
    assert ref.count_parameters(model) == (10 * 4 * 4 + 10) * 2 + (10 * 10 * 20 + 10) + \
        (10 * 10 * 4 + 10) + (10 * n + 1)


def test_conv1d_mixed_dtypes_match_torch_in_float64():
    codes = RNG.integers(0, 4, size=(3, 30))
    x32 = np.eye(4, dtype=np.float32)[codes].transpose(0, 2, 1).copy()
    w, b = RNG.normal(size=(5, 4, 6)), RNG.normal(size=5)
    expected = F.conv1d(_t(x32), _t(w), _t(b), padding=2).numpy()
    np.testing.assert_allclose(ref.conv1d(x32, w, b, padding=2), expected, rtol=1e-6, atol=1e-6)
    dosages = RNG.integers(0, 3, size=(2, 1, 25))
    w1 = RNG.normal(size=(3, 1, 5))
    np.testing.assert_allclose(ref.conv1d(dosages, w1, stride=2),
                               F.conv1d(_t(dosages), _t(w1), stride=2).numpy(), atol=1e-6)


def test_count_parameters_of_nested_modules_and_its_type():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv1d(4, 6, 5), nn.ReLU(),
                                          nn.Sequential(nn.Conv1d(6, 6, 3), nn.BatchNorm1d(6)))
            self.heads = nn.ModuleList([nn.Linear(6, 2), nn.Linear(6, 1)])
            self.scale = nn.Parameter(torch.ones(6))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.rnn = nn.GRU(6, 3)
            self.out = nn.Linear(3, 1)

    by_hand = ((6 * 4 * 5 + 6) + (6 * 6 * 3 + 6) + 2 * 6 + (6 * 2 + 2) + (6 + 1) + 6
               + (3 * 3 * 6 + 3 * 3 * 3 + 2 * 3 * 3) + (3 + 1))
    count = ref.count_parameters(Net())
    assert type(count) is int and count == by_hand


@pytest.mark.parametrize("trial", range(10))
def test_conv_output_size_is_a_python_int(trial):
    rng = np.random.default_rng(100 + trial)
    n, k, p, s, d = (int(v) for v in (rng.integers(20, 120), rng.integers(1, 8),
                                      rng.integers(0, 4), rng.integers(1, 4), rng.integers(1, 3)))
    size = ref.conv_output_size(n, k, padding=p, stride=s, dilation=d)
    assert type(size) is int
    assert np.zeros(size).shape == (size,)


# ------------------------------------------------------------------ compare_predictions (apply and decide)
def _three_predictors(seed, n=200):
    """Observed phenotypes and three predictions: good (r ~ 0.8), poor (r ~ 0.45) and a twin
    of good whose errors are almost the same."""
    gen = np.random.default_rng(seed)
    y = gen.normal(size=n)
    good = y + gen.normal(scale=0.75, size=n)
    poor = y + gen.normal(scale=2.0, size=n)
    return y, good, poor, good + gen.normal(scale=0.15, size=n)


def _r_gap(y, a, b):
    return np.corrcoef(a, y)[0, 1] - np.corrcoef(b, y)[0, 1]


@pytest.mark.parametrize("seed,pair", [(1, "good-poor"), (2, "good-twin"), (3, "poor-good")])
def test_compare_predictions_matches_scipy_paired_percentile_bootstrap(seed, pair):
    import scipy.stats

    y, good, poor, twin = _three_predictors(seed)
    a, b = {"good-poor": (good, poor), "good-twin": (good, twin), "poor-good": (poor, good)}[pair]
    got = ref.compare_predictions(y, a, b)
    want = scipy.stats.pearsonr(a, y).statistic - scipy.stats.pearsonr(b, y).statistic
    assert got["difference"] == pytest.approx(want, abs=1e-12)
    boot = scipy.stats.bootstrap((y, a, b), _r_gap, n_resamples=4000, paired=True,
                                 vectorized=False, method="percentile", confidence_level=0.95,
                                 rng=np.random.default_rng(seed + 50)).confidence_interval
    # a plain loop: one set of plants per resample, for both models
    gen = np.random.default_rng(seed + 60)
    loop = []
    for _ in range(4000):
        idx = gen.integers(0, len(y), size=len(y))
        loop.append(_r_gap(y[idx], a[idx], b[idx]))
    loop_low, loop_high = np.percentile(loop, [2.5, 97.5])
    width = boot.high - boot.low
    for low, high in ((boot.low, boot.high), (loop_low, loop_high)):
        # different resamples: the end points agree to a few per cent of the width
        assert abs(got["low"] - low) < 0.1 * width and abs(got["high"] - high) < 0.1 * width
    assert got["low"] < got["difference"] < got["high"]


def test_compare_predictions_choices_and_mirror_image():
    y, good, poor, _ = _three_predictors(4)
    better = ref.compare_predictions(y, good, poor)
    assert better["low"] > 0 and better["choice"] == "cnn"
    worse = ref.compare_predictions(y, poor, good)  # the same plants resampled, models swapped
    assert worse["choice"] == "ridge" and worse["high"] < 0
    assert worse["difference"] == pytest.approx(-better["difference"], abs=1e-12)
    assert worse["low"] == pytest.approx(-better["high"], abs=1e-12)
    assert worse["high"] == pytest.approx(-better["low"], abs=1e-12)
    # identical predictions: every resampled difference is 0, so the interval is [0, 0]
    same = ref.compare_predictions(y, good, good.copy())
    assert same["difference"] == pytest.approx(0, abs=1e-12)
    assert same["low"] == pytest.approx(0, abs=1e-12) and same["high"] == pytest.approx(0, abs=1e-12)
    assert same["choice"] == "no difference"
    # two equally good models with independent errors on 60 plants: the interval holds 0
    gen = np.random.default_rng(5)
    y60 = gen.normal(size=60)
    tie = ref.compare_predictions(y60, y60 + gen.normal(size=60), y60 + gen.normal(size=60))
    assert tie["low"] < 0 < tie["high"] and tie["choice"] == "no difference"
    for res in (better, worse, same, tie):
        assert set(res) == {"difference", "low", "high", "choice"}
        assert all(type(res[key]) is float for key in ("difference", "low", "high"))


def test_compare_predictions_pairs_the_plants_units_seed_and_inputs():
    y, good, poor, twin = _three_predictors(6)
    copies = [v.copy() for v in (y, good, poor, twin)]
    paired = ref.compare_predictions(y, good, twin)
    # resampling the two models' plants independently (wrong) gives a much wider interval
    gen = np.random.default_rng(0)
    unpaired = []
    for _ in range(2000):
        i, j = gen.integers(0, 200, size=200), gen.integers(0, 200, size=200)
        unpaired.append(np.corrcoef(good[i], y[i])[0, 1] - np.corrcoef(twin[j], y[j])[0, 1])
    unpaired_width = np.subtract(*np.percentile(unpaired, [97.5, 2.5]))
    assert paired["high"] - paired["low"] < 0.25 * unpaired_width
    # Pearson r ignores scale and offset; (n, 1) columns and lists are flattened
    base = ref.compare_predictions(y, good, poor, n_boot=500, seed=3)
    for args in ((y, 10 * good + 5, poor), (y, good, 0.01 * poor - 7),
                 (y[:, None], good[:, None], poor[:, None]), (list(y), list(good), list(poor))):
        other = ref.compare_predictions(*args, n_boot=500, seed=3)
        for key in ("difference", "low", "high"):
            assert other[key] == pytest.approx(base[key], abs=1e-10)
        assert other["choice"] == base["choice"]
    # the same seed gives the same interval; another seed another one, with the same difference
    assert ref.compare_predictions(y, good, poor, n_boot=500, seed=3) == base
    moved = ref.compare_predictions(y, good, poor, n_boot=500, seed=4)
    assert moved["low"] != base["low"] and moved["difference"] == base["difference"]
    for c, v in zip(copies, (y, good, poor, twin)):
        np.testing.assert_array_equal(c, v)

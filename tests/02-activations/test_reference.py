"""The reference implementation of 02-activations checked against independent oracles.

Oracles: torch (sigmoid, tanh, relu, leaky_relu, softmax, log_softmax, and torch.autograd for
every derivative) and scipy.special (expit, softmax, log_softmax), all in float64 to 1e-6 on
random inputs; plus finiteness and no numpy warnings for |z| up to 1e4.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.special
import torch
import torch.nn.functional as F

from autograder.engine import registry

ref = registry.reference("02-activations")
TOL = dict(rtol=1e-6, atol=1e-6)
SHAPES = [(), (9,), (4, 5), (2, 3, 4)]


def _z(shape, scale=3.0, seed=0):
    return np.random.default_rng(seed).normal(0.0, scale, size=shape)


def _autograd(fn, z):
    """The elementwise derivative of torch function ``fn`` at z (float64)."""
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    fn(t).sum().backward()
    return t.grad.numpy()


def _torch(fn, z, **kwargs):
    return fn(torch.tensor(z, dtype=torch.float64), **kwargs).numpy()


@pytest.mark.parametrize("shape", SHAPES)
def test_sigmoid_matches_torch_and_scipy(shape):
    z = _z(shape)
    out = ref.sigmoid(z)
    assert out.shape == z.shape
    np.testing.assert_allclose(out, _torch(torch.sigmoid, z), **TOL)
    np.testing.assert_allclose(out, scipy.special.expit(z), **TOL)


@pytest.mark.parametrize("shape", SHAPES)
def test_sigmoid_grad_matches_autograd(shape):
    z = _z(shape, seed=1)
    out = ref.sigmoid_grad(z)
    assert out.shape == z.shape
    np.testing.assert_allclose(out, _autograd(torch.sigmoid, z), **TOL)


def test_sigmoid_grad_is_at_most_a_quarter():
    z = np.linspace(-20, 20, 4001)
    g = ref.sigmoid_grad(z)
    assert g.max() == pytest.approx(0.25) and abs(z[np.argmax(g)]) < 1e-12


@pytest.mark.parametrize("shape", SHAPES)
def test_tanh_grad_matches_autograd(shape):
    z = _z(shape, scale=2.0, seed=2)
    out = ref.tanh_grad(z)
    assert out.shape == z.shape
    np.testing.assert_allclose(out, _autograd(torch.tanh, z), **TOL)


@pytest.mark.parametrize("shape", SHAPES)
def test_relu_and_grad_match_torch(shape):
    z = _z(shape, seed=3)
    np.testing.assert_allclose(ref.relu(z), _torch(torch.relu, z), **TOL)
    np.testing.assert_allclose(ref.relu_grad(z), _autograd(torch.relu, z), **TOL)
    assert ref.relu(z).shape == ref.relu_grad(z).shape == z.shape


def test_relu_grad_is_zero_at_zero_like_torch():
    z = np.array([-1.0, -0.0, 0.0, 1e-8, 2.0])
    np.testing.assert_array_equal(ref.relu_grad(z), [0.0, 0.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(ref.relu_grad(z), _autograd(torch.relu, z))


@pytest.mark.parametrize("alpha", [0.0, 0.01, 0.1, 0.3])
@pytest.mark.parametrize("shape", SHAPES)
def test_leaky_relu_matches_torch(shape, alpha):
    z = _z(shape, seed=4)
    out = ref.leaky_relu(z, alpha=alpha)
    assert out.shape == z.shape
    np.testing.assert_allclose(out, _torch(F.leaky_relu, z, negative_slope=alpha), **TOL)
    # its derivative, by autograd, is 1 on the positive side and alpha on the negative side
    grad = _autograd(lambda t: F.leaky_relu(t, negative_slope=alpha), z)
    np.testing.assert_allclose(grad, np.where(z > 0, 1.0, alpha), **TOL)


def test_leaky_relu_default_alpha_is_001():
    z = _z((20,), seed=5)
    np.testing.assert_allclose(ref.leaky_relu(z), _torch(F.leaky_relu, z, negative_slope=0.01),
                               **TOL)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2])
def test_softmax_and_log_softmax_match_torch_and_scipy(axis):
    z = _z((3, 4, 5), seed=6)
    sm, lsm = ref.softmax(z, axis=axis), ref.log_softmax(z, axis=axis)
    assert sm.shape == lsm.shape == z.shape
    np.testing.assert_allclose(sm, _torch(torch.softmax, z, dim=axis), **TOL)
    np.testing.assert_allclose(sm, scipy.special.softmax(z, axis=axis), **TOL)
    np.testing.assert_allclose(lsm, _torch(torch.log_softmax, z, dim=axis), **TOL)
    np.testing.assert_allclose(lsm, scipy.special.log_softmax(z, axis=axis), **TOL)


def test_softmax_default_axis_is_last():
    z = _z((4, 6), seed=7)
    np.testing.assert_allclose(ref.softmax(z), _torch(torch.softmax, z, dim=-1), **TOL)
    np.testing.assert_allclose(ref.log_softmax(z), _torch(torch.log_softmax, z, dim=-1), **TOL)
    v = _z((6,), seed=8)
    np.testing.assert_allclose(ref.log_softmax(v), scipy.special.log_softmax(v), **TOL)


ELEMENTWISE = ["sigmoid", "sigmoid_grad", "tanh_grad", "relu", "relu_grad", "leaky_relu"]
ORACLE_LARGE = {
    "sigmoid": lambda z: scipy.special.expit(z),
    "sigmoid_grad": lambda z: _autograd(torch.sigmoid, z),
    "tanh_grad": lambda z: _autograd(torch.tanh, z),
    "relu": lambda z: _torch(torch.relu, z),
    "relu_grad": lambda z: _autograd(torch.relu, z),
    "leaky_relu": lambda z: _torch(F.leaky_relu, z, negative_slope=0.01),
    "softmax": lambda z: _torch(torch.softmax, z, dim=-1),
    "log_softmax": lambda z: _torch(torch.log_softmax, z, dim=-1),
}


def _large():
    rng = np.random.default_rng(9)
    z = np.concatenate([rng.uniform(-1e4, 1e4, size=38), [-1e4, 1e4]])
    return z.reshape(5, 8)


@pytest.mark.parametrize("name", list(ORACLE_LARGE))
def test_finite_warning_free_and_correct_for_large_inputs(name):
    z = _large()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            out = getattr(ref, name)(z.copy())
    assert np.all(np.isfinite(out)), name
    np.testing.assert_allclose(out, ORACLE_LARGE[name](z), **TOL)


@pytest.mark.parametrize("name", list(ORACLE_LARGE))
def test_inputs_not_modified_and_0d_shape_kept(name):
    z = _z((3, 4), seed=10)
    before = z.copy()
    getattr(ref, name)(z)
    np.testing.assert_array_equal(z, before)
    if name in ELEMENTWISE:
        assert np.shape(getattr(ref, name)(np.array(0.3))) == ()


def test_log_sum_exp_trick_where_the_naive_formula_fails():
    z = np.array([0.0, 1000.0, -1000.0])
    with np.errstate(all="ignore"):
        naive = np.log(np.exp(z) / np.exp(z).sum())
    assert not np.all(np.isfinite(naive))  # the problem the reference avoids
    np.testing.assert_allclose(ref.log_softmax(z), [-1000.0, 0.0, -2000.0], **TOL)
    np.testing.assert_allclose(ref.softmax(z), [0.0, 1.0, 0.0], **TOL)


@pytest.mark.parametrize("name", list(ORACLE_LARGE))
def test_integer_inputs_give_the_values_of_the_float_oracle(name):
    # the hidden tests feed int64 arrays, with ties (equal entries) in the softmax rows
    for z in (np.arange(-6, 7), np.array([[2, 2, -1], [0, 0, 0], [-8, 3, 3]])):
        out = getattr(ref, name)(z.copy())
        assert out.dtype.kind == "f" and out.shape == z.shape
        np.testing.assert_allclose(out, ORACLE_LARGE[name](z.astype(float)), **TOL)

"""Mean-field signal propagation through deep random nets (Poole et al. 2016; Schoenholz et al. 2017).

For a wide net whose weights have Var(W) = sigma_w2 / fan_in and whose biases have second moment
sigma_b2 (each unit's bias drawn from N(0, sigma_b2), as :func:`initcore.network_biases` draws them; a
bias shared by every unit is not this model), the pre-activation second moment q^l = E[z_l^2]
follows the *variance map*

    q^1 = sigma_w2 * q^0 + sigma_b2,            q^0 = mean of x_i^2 over the input's components
    q^l = sigma_w2 * E[phi(sqrt(q^{l-1}) u)^2] + sigma_b2,    u ~ N(0, 1),  l = 2 .. depth

to a fixed point q*. Backward, each layer multiplies the squared gradient by sigma_w2 E[phi'(sqrt(q^l) u)^2];
at the fixed point that factor is

    chi1 = sigma_w2 * E[phi'(sqrt(q*) u)^2]

chi1 < 1: ordered phase, gradients vanish by about sqrt(chi1) per layer; chi1 = 1: critical, signals
and gradients travel deep; chi1 > 1: chaotic, gradients explode.

The Gaussian expectations M(q) = E[phi(sqrt(q) u)^2] and D(q) = E[phi'(sqrt(q) u)^2] come from closed
forms where they exist (relu, linear) and otherwise from Gaussian quadrature, tabulated once per
activation on 100 points per decade of q and interpolated (relative error below 1e-4).
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pandas as pd

from .activations import Activation, get_activation

_Q_MIN, _Q_MAX, _PER_DECADE = 1e-12, 1e12, 100
_LOG_Q = np.linspace(math.log(_Q_MIN), math.log(_Q_MAX), 24 * _PER_DECADE + 1)
_HERMITE_NODES = 96  # Gauss-Hermite for q <= 1: phi(sqrt(q) u) varies on the scale of u itself
_U_REACH = 40.0  # |u| beyond which sigmoid and tanh equal their limits to double precision
_PANEL, _LEGENDRE_NODES = 0.1, 6  # composite Gauss-Legendre on [-40, 40] for q > 1
_Q_CHUNK = 32  # q values at a time: 32 x 4,800 densities, 1.2 MB (all 1,201 at once: 46 MB, 5x slower)


def _gauss_moments(act: Activation, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """M(q) and D(q) by quadrature, for a bounded activation with known limits."""
    m = np.empty_like(q)
    d = np.empty_like(q)
    small = q <= 1.0
    # Probabilists' Gauss-Hermite: E[f(u)] = sum(w_i f(x_i)) / sqrt(2 pi).
    x, w = np.polynomial.hermite_e.hermegauss(_HERMITE_NODES)
    w = w / math.sqrt(2.0 * math.pi)
    z = np.sqrt(q[small])[:, None] * x  # (n_q, nodes)
    m[small] = (act.fn(z) ** 2) @ w
    d[small] = (act.deriv(z) ** 2) @ w
    # For larger q integrate over z = sqrt(q) u in [-R, R], where phi has all its structure, against the
    # N(0, q) density; beyond R, phi^2 equals its limit and phi'^2 is 0, so the tails are exact.
    xl, wl = np.polynomial.legendre.leggauss(_LEGENDRE_NODES)
    edges = np.arange(-_U_REACH, _U_REACH, _PANEL)
    nodes = (edges[:, None] + _PANEL * (xl + 1.0) / 2.0).ravel()
    weights = np.tile(wl * _PANEL / 2.0, len(edges))
    big = q[~small]
    tail = np.array([0.5 * math.erfc(_U_REACH / math.sqrt(2.0 * v)) for v in big])
    lo, hi = act.limits
    f2, d2 = act.fn(nodes) ** 2, act.deriv(nodes) ** 2
    m_big, d_big = np.empty_like(big), np.empty_like(big)
    for i in range(0, big.size, _Q_CHUNK):  # in chunks of q: the (q, node) densities stay in cache
        big_q = big[i : i + _Q_CHUNK, None]
        dens = weights * np.exp(-(nodes**2) / (2.0 * big_q)) / np.sqrt(2.0 * math.pi * big_q)
        m_big[i : i + _Q_CHUNK] = dens @ f2
        d_big[i : i + _Q_CHUNK] = dens @ d2
    m[~small] = m_big + tail * (lo**2 + hi**2)
    d[~small] = d_big
    return m, d


@cache
def _table(name: str) -> tuple[np.ndarray, np.ndarray]:
    return _gauss_moments(get_activation(name), np.exp(_LOG_Q))


def moments(activation: str, q: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """(M(q), D(q)) = (E[phi(sqrt(q) u)^2], E[phi'(sqrt(q) u)^2]) for u ~ N(0, 1), elementwise in q >= 0."""
    act = get_activation(activation)
    q = np.asarray(q, dtype=np.float64)
    if act.mean_sq is not None and act.mean_deriv_sq is not None:
        return act.mean_sq(q), act.mean_deriv_sq(q)
    m_tab, d_tab = _table(act.name)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_q = np.log(np.maximum(q, _Q_MIN))
        m = np.interp(log_q, _LOG_Q, m_tab)
        d = np.interp(log_q, _LOG_Q, d_tab)
        # Beyond the table phi'^2 is a spike of fixed area under a density of height 1 / sqrt(2 pi q).
        d = np.where(q > _Q_MAX, d_tab[-1] * np.sqrt(_Q_MAX / np.maximum(q, _Q_MAX)), d)
    nan = np.isnan(q)
    return np.where(nan, np.nan, m), np.where(nan, np.nan, d)


def variance_map(activation: str, sigma_w2: float, sigma_b2: float, q0: float, depth: int) -> np.ndarray:
    """q^1 .. q^depth, the predicted E[z_l^2] per layer (shape (depth,) + broadcast of the sigmas).

    Args:
        activation: a name in ``ACTIVATIONS``.
        sigma_w2: fan_in * Var(W) (see ``initcore.sigma_w2``).
        sigma_b2: variance of the units' random biases.
        q0: mean of x_i^2 over the input's components (Poole et al.'s q^0).
        depth: number of layers.
    """
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth!r}")
    sw, sb = np.broadcast_arrays(
        np.asarray(sigma_w2, dtype=np.float64), np.asarray(sigma_b2, dtype=np.float64)
    )
    out = np.empty((depth, *sw.shape))
    out[0] = sw * q0 + sb
    for l in range(1, depth):
        out[l] = sw * moments(activation, out[l - 1])[0] + sb
    return out


def fixed_point(
    activation: str,
    sigma_w2: float,
    sigma_b2: float,
    *,
    q0: float = 1.0,
    tol: float = 1e-12,
    max_iter: int = 20000,
) -> float | np.ndarray:
    """q*, the fixed point of the variance map reached from q0 (vectorized over the sigmas).

    Bounded activations (sigmoid, tanh) always have a finite q*, found by iteration. For relu and linear
    the map is q -> c sigma_w2 q + sigma_b2 (c = 1/2, 1): q* = sigma_b2 / (1 - c sigma_w2) when
    c sigma_w2 < 1, inf when above; at c sigma_w2 = 1 every q is fixed if sigma_b2 = 0 (q* = q0).
    """
    act = get_activation(activation)
    sw, sb = np.broadcast_arrays(
        np.asarray(sigma_w2, dtype=np.float64), np.asarray(sigma_b2, dtype=np.float64)
    )
    if act.mean_sq is not None:
        c = float(act.mean_sq(1.0))
        slope = c * sw
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(slope < 1.0, sb / (1.0 - slope), np.inf)
        marginal = np.abs(slope - 1.0) <= 1e-12  # He for relu, LeCun for linear (up to rounding)
        q = np.where(marginal, np.where(sb == 0.0, q0, np.inf), q)
    else:
        q = np.full(sw.shape, float(q0))
        for _ in range(max_iter):
            new = sw * moments(act.name, q)[0] + sb
            done = np.all(np.abs(new - q) <= tol * np.maximum(1.0, q))
            q = new
            if done:
                break
    return float(q) if q.ndim == 0 else q


def chi1(
    activation: str, sigma_w2: float, sigma_b2: float, *, tol: float = 1e-12, max_iter: int = 20000
) -> float | np.ndarray:
    """chi1 = sigma_w2 * E[phi'(sqrt(q*) u)^2]: the squared per-layer gradient factor at the fixed point.

    ``tol`` and ``max_iter`` go to :func:`fixed_point` (looser values speed up whole phase diagrams)."""
    q = fixed_point(activation, sigma_w2, sigma_b2, tol=tol, max_iter=max_iter)
    out = np.asarray(sigma_w2, dtype=np.float64) * moments(activation, q)[1]
    return float(out) if np.ndim(out) == 0 else out


def predicted_grad_rms(
    activation: str, sigma_w2: float, sigma_b2: float, q0: float, depth: int
) -> np.ndarray:
    """Predicted RMS of dL/dz per layer (shape (depth,)) for a unit-variance dL/da at the last layer.

    grad^depth = sqrt(D(q^depth)); grad^l = grad^{l+1} * sqrt(sigma_w2 * D(q^l)),
    with D(q) = E[phi'(sqrt(q) u)^2] and q^l from :func:`variance_map`. Deep in the net each factor
    tends to sqrt(chi1).
    """
    q = variance_map(activation, sigma_w2, sigma_b2, q0, depth)
    d = moments(activation, q)[1]
    factors = np.sqrt(sigma_w2 * d)
    out = np.empty(depth)
    out[-1] = math.sqrt(d[-1])
    for l in range(depth - 2, -1, -1):
        out[l] = out[l + 1] * factors[l]
    return out


def phase_grid(activation: str, sigma_w2: np.ndarray, sigma_b2: np.ndarray) -> pd.DataFrame:
    """chi1 over the (sigma_w2, sigma_b2) plane: columns sigma_w2, sigma_b2, chi1 (one row per pair)."""
    w, b = np.meshgrid(np.asarray(sigma_w2, dtype=float), np.asarray(sigma_b2, dtype=float))
    c = np.asarray(chi1(activation, w, b, tol=1e-8, max_iter=500))
    return pd.DataFrame({"sigma_w2": w.ravel(), "sigma_b2": b.ravel(), "chi1": c.ravel()})


def critical_line(activation: str, sigma_b2: np.ndarray, lo: float = 1e-3, hi: float = 1e5) -> pd.DataFrame:
    """The edge of chaos: for each sigma_b2, the sigma_w2 where chi1 = 1, by bisection on log sigma_w2
    (chi1 grows with sigma_w2). Columns sigma_b2, sigma_w2; NaN where chi1 = 1 is not in [lo, hi]."""
    sb = np.asarray(sigma_b2, dtype=float)
    a, b = np.full(sb.shape, math.log(lo)), np.full(sb.shape, math.log(hi))
    for _ in range(40):  # (log hi - log lo) / 2^40: far below plotting precision
        mid = (a + b) / 2
        above = np.asarray(chi1(activation, np.exp(mid), sb, tol=1e-8, max_iter=500)) > 1.0
        b, a = np.where(above, mid, b), np.where(above, a, mid)
    sw = np.exp((a + b) / 2)
    at_edge = (np.abs(a - math.log(lo)) < 1e-9) | (np.abs(b - math.log(hi)) < 1e-9)
    return pd.DataFrame({"sigma_b2": sb, "sigma_w2": np.where(at_edge, np.nan, sw)})

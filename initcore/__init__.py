"""initcore: the numerical core of Weight Initialization Lab (numpy only; TensorFlow only on demand).

Shape convention: a weight matrix is (fan_in, fan_out), like a Keras Dense kernel, and a layer computes
``z = x @ W + b`` with ``x`` of shape (batch, fan_in).

>>> import initcore
>>> w = initcore.sample("glorot_uniform", (100, 100), seed=0)
>>> round(initcore.SCHEMES["glorot_uniform"].std(100, 100), 4)
0.1
"""

from .activations import ACTIVATIONS, LINEAR_SLOPE, SATURATED_SLOPE, Activation, get_activation
from .network import (
    LAYER_COLUMNS,
    LayerArrays,
    layer_arrays,
    layer_stats,
    network_weights,
    propagate,
    upstream_gradient,
)
from .schemes import (
    SCHEMES,
    TRUNC_STD_2SIGMA,
    Param,
    Scheme,
    compute_fans,
    get_scheme,
    sample,
    sigma_w2,
    variance_scaling,
)
from .theory import chi1, fixed_point, moments, predicted_grad_rms, variance_map

__all__ = [
    "ACTIVATIONS",
    "LAYER_COLUMNS",
    "LINEAR_SLOPE",
    "SATURATED_SLOPE",
    "SCHEMES",
    "TRUNC_STD_2SIGMA",
    "Activation",
    "LayerArrays",
    "Param",
    "Scheme",
    "chi1",
    "compute_fans",
    "fixed_point",
    "get_activation",
    "get_scheme",
    "layer_arrays",
    "layer_stats",
    "moments",
    "network_weights",
    "predicted_grad_rms",
    "propagate",
    "sample",
    "sigma_w2",
    "upstream_gradient",
    "variance_map",
    "variance_scaling",
]

"""initcore: the numerical core of Weight Initialization Lab (numpy only; TensorFlow only on demand).

Shape convention: a weight matrix is (fan_in, fan_out), like a Keras Dense kernel, and a layer computes
``z = x @ W + b`` with ``x`` of shape (batch, fan_in).

>>> import initcore
>>> w = initcore.sample("glorot_uniform", (100, 100), seed=0)
>>> round(initcore.SCHEMES["glorot_uniform"].std(100, 100), 4)
0.1
"""

from .activations import ACTIVATIONS, LINEAR_SLOPE, SATURATED_SLOPE, Activation, get_activation
from .budget import Cost, depth_cost, largest_fitting, over_budget_message, training_cost
from .compare import Draws, Neuron, compare_draws, compare_neuron, normal_z_curves
from .datasets import DATASETS, Dataset, DatasetUnavailable, load_dataset
from .depth import (
    DepthStudy,
    PhaseDiagram,
    combine,
    depth_many,
    depth_series,
    depth_study,
    phase_background,
    phase_diagram,
    phase_of,
    phase_points,
    verdict,
)
from .network import (
    INPUTS,
    LAYER_COLUMNS,
    LayerArrays,
    input_mean_square,
    layer_arrays,
    layer_stats,
    network_biases,
    network_weights,
    neuron_z,
    propagate,
    propagate_many,
    sample_inputs,
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
    sample_values,
    sigma_w2,
    variance_scaling,
)
from .stats import COMPARE_MODES, histogram_frame, matched_params, sample_summary, symmetric_range
from .theory import chi1, critical_line, fixed_point, moments, phase_grid, predicted_grad_rms, variance_map

__all__ = [
    "ACTIVATIONS",
    "COMPARE_MODES",
    "DATASETS",
    "INPUTS",
    "LAYER_COLUMNS",
    "LINEAR_SLOPE",
    "SATURATED_SLOPE",
    "SCHEMES",
    "TRUNC_STD_2SIGMA",
    "Activation",
    "Cost",
    "Dataset",
    "DatasetUnavailable",
    "DepthStudy",
    "Draws",
    "LayerArrays",
    "Neuron",
    "Param",
    "PhaseDiagram",
    "Scheme",
    "chi1",
    "combine",
    "compare_draws",
    "compare_neuron",
    "compute_fans",
    "critical_line",
    "depth_cost",
    "depth_many",
    "depth_series",
    "depth_study",
    "fixed_point",
    "get_activation",
    "get_scheme",
    "histogram_frame",
    "input_mean_square",
    "largest_fitting",
    "layer_arrays",
    "layer_stats",
    "load_dataset",
    "matched_params",
    "moments",
    "network_biases",
    "network_weights",
    "neuron_z",
    "normal_z_curves",
    "over_budget_message",
    "phase_background",
    "phase_diagram",
    "phase_grid",
    "phase_of",
    "phase_points",
    "predicted_grad_rms",
    "propagate",
    "propagate_many",
    "sample",
    "sample_inputs",
    "sample_summary",
    "sample_values",
    "sigma_w2",
    "symmetric_range",
    "training_cost",
    "upstream_gradient",
    "variance_map",
    "variance_scaling",
    "verdict",
]

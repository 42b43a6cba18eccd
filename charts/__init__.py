"""Chart builders: pure functions, data in, one :class:`Chart` out (``.altair()`` for the Altair chart,
``.spec()`` for the fast Vega-Lite dict the pages draw). No Streamlit here.

- :mod:`charts.draws`: the landing page and page 1 (an activation's zones, weight draws, one neuron);
- :mod:`charts.depth`: page 2 (every layer of a deep net, theory beside measurement, the phase diagram);
- :mod:`charts.training`: page 3 (curves, each layer during training, decision boundaries, the data);
- :mod:`charts.base`: colours fixed per meaning, the Chart object, cached templates.
"""

from .base import REPEATS, SCHEME_COLORS, SECOND_OF_A_KIND, ZONE_COLORS, Chart, series_scale
from .depth import DEPTH_CHARTS, depth_charts, layer_heatmap, layer_lines, mean_std_chart, phase_chart
from .draws import activation_zones, draws_histogram, neuron_chart
from .training import CLASS_COLORS, dataset_preview, decision_boundaries, layer_training, training_curves

__all__ = [
    "CLASS_COLORS",
    "DEPTH_CHARTS",
    "REPEATS",
    "SCHEME_COLORS",
    "SECOND_OF_A_KIND",
    "ZONE_COLORS",
    "Chart",
    "activation_zones",
    "dataset_preview",
    "decision_boundaries",
    "depth_charts",
    "draws_histogram",
    "layer_heatmap",
    "layer_lines",
    "layer_training",
    "mean_std_chart",
    "neuron_chart",
    "phase_chart",
    "series_scale",
    "training_curves",
]

"""Radio coverage: path-loss models and the sparse hamlet x (site, operator) matrix."""

from btsopt.radio.coverage import Coverage, compute_coverage
from btsopt.radio.pathloss import haversine_km, max_range_km, path_loss_db

__all__ = ["Coverage", "compute_coverage", "haversine_km", "max_range_km", "path_loss_db"]

"""Routing state per workload: allowed transitions (pure) and the one service that changes it."""

from swapsafe.routing.service import RoutingService
from swapsafe.routing.transitions import MODES, plan_transition

__all__ = ["MODES", "RoutingService", "plan_transition"]

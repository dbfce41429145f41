"""The KPI registry and every registered KPI (importing the package registers them, in this order)."""

# Registration order is the committee table's order.
from homecare.reporting.kpis import (
    ascof,  # noqa: E402, F401
    extensions,  # noqa: E402, F401
    quality,  # noqa: E402, F401
    visits,  # noqa: E402, F401
    waiting,  # noqa: E402, F401, I001
)
from homecare.reporting.kpis.registry import (  # noqa: F401
    CASES,
    DAYS,
    KPIS,
    PEOPLE,
    PERCENT,
    Context,
    Drill,
    Kpi,
    Measure,
    get,
    kpis_for,
    register,
)

"""The report charts, made in services/charts.py (the reports use case draws them); named here
too for the callers that import them from the API package."""

from services.charts import breakdown_svg, trend_svg

__all__ = ["breakdown_svg", "trend_svg"]

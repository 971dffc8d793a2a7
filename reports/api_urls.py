"""Score API under /api/v1/ (DESIGN.md, Public contract)."""

from django.urls import path

from . import api, api_comparison

urlpatterns = [
    path("scores/", api.ScoreList.as_view(), name="api-scores"),
    path("comparison/", api_comparison.ComparisonView.as_view(), name="api-comparison"),
    path("channels/", api.ChannelList.as_view(), name="api-channels"),
]

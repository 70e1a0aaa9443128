"""Chart defaults: Chinese locale, fonts, hover labels."""

from __future__ import annotations

import plotly.graph_objects as go

GRAPH_CONFIG = {"locale": "zh-CN", "displaylogo": False, "responsive": True}
FONT = "Noto Sans CJK SC, Microsoft YaHei, sans-serif"


def styled(fig: go.Figure, title: str, y_title: str = "") -> go.Figure:
    """Apply the house layout: title, axis unit, legend below, CJK font."""
    fig.update_layout(title={"text": title, "x": 0.01}, font={"family": FONT, "size": 13},
                      yaxis_title=y_title, legend={"orientation": "h", "y": -0.2},
                      margin={"l": 60, "r": 20, "t": 50, "b": 60}, template="plotly_white",
                      hoverlabel={"font_family": FONT})
    return fig

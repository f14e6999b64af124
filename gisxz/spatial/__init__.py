"""Spatial analysis: buffers, overlays and summaries by unit."""

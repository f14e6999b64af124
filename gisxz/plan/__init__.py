"""The plan as layers: plan files, feature geometry, and the structures derived from them."""

"""Input and output: plan documents (YAML), GeoPackages, vector files and tables."""

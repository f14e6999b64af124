"""Raster analyses over Xizang: a friction surface, cost-distance, a population surface
and zonal statistics (travel time everywhere, not only along the network).

Modules: :mod:`~gisxz.raster.grid` (the metric grid), :mod:`~gisxz.raster.landcover`
(MODIS MCD12C1 land cover), :mod:`~gisxz.raster.friction` (minutes per km for every cell),
:mod:`~gisxz.raster.costdistance` (travel time from origins, COG output, isochrones),
:mod:`~gisxz.raster.population` (dasymetric population), :mod:`~gisxz.raster.zonal`
(county and prefecture statistics) and :mod:`~gisxz.raster.pipeline` (the main-job step).
"""

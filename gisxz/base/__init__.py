"""Base geography: administrative units, border line, rivers and lakes, gazetteer, population."""

"""Core: coordinate reference systems, vocabularies, optional imports and progress bars."""

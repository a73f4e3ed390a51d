"""The rules of Tandem, in plain Python: no framework, no I/O."""

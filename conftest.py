# pytest root configuration: keep modules that run code on import out of doctest collection.
collect_ignore = ["frcnet_lite/__main__.py", "scripts", "benchmarks", "notebooks", "book", "build"]

"""Turn a paste into ranked diagnoses: parse → regex → lexical/fuzzy → semantic → fuse."""

"""Meaning, not only words: the semantic layer.

    model.py   the one place the embedding model is loaded (offline, from its wheel)
    vectors.py a build's passage vectors: written beside the index, memory-mapped, checksummed
    fuse.py    words + meaning -> one ranking
    infer.py   objective tags inferred from evidence, with a confidence and the evidence kept
"""

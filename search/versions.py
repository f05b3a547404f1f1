"""What an index is built from, besides the corpus: bump a version when the same text would give
other passages (chunker), other tokens (analysis) or other fields (schema), so indexes rebuild.

Kept apart from the code they describe so that opening an index does not load the chunker.
"""

CHUNKER_VERSION = "5"

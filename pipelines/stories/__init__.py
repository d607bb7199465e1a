"""Near-duplicate articles (syndicated copies) grouped into stories; see README.md."""
from .assign import SKETCHES, STORIES, THRESHOLD, assign_stories, ensure_story_indexes, story_id
from .band_index import BandIndex
from .sketch import SKETCH_VERSION, band_keys, jaccard, shingles, signature, similarity

__all__ = ["BandIndex", "SKETCHES", "STORIES", "THRESHOLD", "SKETCH_VERSION", "assign_stories",
           "ensure_story_indexes", "story_id", "band_keys", "jaccard", "shingles", "signature", "similarity"]

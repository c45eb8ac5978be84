"""Stage 1: text understanding — normalisation and segmentation."""

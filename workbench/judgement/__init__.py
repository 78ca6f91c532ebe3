"""The judgement: the verdict vocabulary, the final-verdict rule, staleness and the per-level roll-up."""

"""Learning from history: experience per technician and slice, and the text classifier."""

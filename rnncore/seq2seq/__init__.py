"""Seq2seq with attention, server side: translation tasks generated on the fly, their character vocabularies,
the settings and a NumPy mirror of the trained encoder–decoder (greedy and beam-search decoding with the
attention weights). NumPy only: the training lives in rnncore/training/seq2seq.py (a worker process or the CLI)."""

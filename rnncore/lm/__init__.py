"""The word-level language model pretrained on IMDB's text: its settings and its token stream (no TensorFlow)."""

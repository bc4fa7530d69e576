"""Data: text standardisation and vocabularies, IMDB, character corpora, downloads and word vectors.
NumPy only; TensorFlow is imported nowhere here (keras.utils.get_file only inside a download)."""

"""Inference: the NumPy mirror of trained RNNs, sentiment prediction and character sampling.
NumPy only, never TensorFlow: this is what the Streamlit server runs (tests/test_imports.py enforces it)."""

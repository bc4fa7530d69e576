"""The bag-of-words sentiment model: which words a review contains, never their order (no TensorFlow)."""

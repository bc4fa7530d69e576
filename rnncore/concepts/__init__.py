"""What only the Concepts page computes, in NumPy (never streamlit or TensorFlow): one RNN step by hand
(`rnn_step`), what padding, masking, truncation and embeddings do to a review's words (`words`), and the
vanishing-gradient demo, backpropagation through time written out (`gradients`). Architecture facts the
Concepts page shares with the Train page (parameter counts per layer) live in rnncore/architecture.py."""

"""Sequence Lab, server side: toy sequence tasks generated on the fly (NumPy only), their settings and the
results a lab run sends back. The training itself lives in rnncore/training/lab.py (a worker process)."""

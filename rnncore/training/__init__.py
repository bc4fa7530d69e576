"""Training: everything that needs TensorFlow/Keras (model building, fit, evaluation, teachers, weight export).
Runs in worker processes (rnncore.jobs) or the CLI, never in the Streamlit server process."""

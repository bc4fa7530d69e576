"""Small custom layers. Registered, so `.keras` files that use them load with safe_mode=True."""

from __future__ import annotations

from rnncore.training.tf_setup import keras_module

keras = keras_module()


@keras.saving.register_keras_serializable(package="rnncore")
class MaskedGlobalMaxPooling1D(keras.layers.Layer):
    """Max over time that ignores padded steps (Keras's GlobalMaxPooling1D drops the mask)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return keras.ops.max(inputs, axis=1)
        mask = keras.ops.expand_dims(keras.ops.cast(mask, inputs.dtype), -1)
        return keras.ops.max(inputs * mask + (1.0 - mask) * -1e9, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

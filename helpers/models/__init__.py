"""Generative models in Keras 3 (import the submodule you need: ``helpers.models.gan``).

Importing this package does not import TensorFlow; its submodules do.
"""

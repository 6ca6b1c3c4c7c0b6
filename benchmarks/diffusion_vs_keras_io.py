"""Course diffusion model vs the keras.io DDIM example's network and settings: FID against training time.

Both models train in this one process on the same 4,000 embedded MNIST training digits (no
labels: both are unconditional here) and are measured with the same course-internal FID (1,000
samples from 20 sampler steps against the 1,000 embedded test digits); evaluation time is not
counted as training time.

- **keras.io**: a re-implementation, adapted to 28x28 grey digits, of the network and settings of
  the keras.io example "Denoising Diffusion Implicit Models" (A. Béres, 2022,
  https://keras.io/examples/generative/ddim/): a U-Net with block widths 32/64/96/128, two
  residual blocks per level (batch normalisation without scale and offset, swish), average
  pooling down and bilinear upsampling up, the noise variance encoded by 32 sinusoidal features
  upsampled to every pixel; a cosine schedule with signal rates between 0.02 and 0.95; the
  network predicts the noise with the mean absolute error; AdamW (learning rate 1e-3, weight
  decay 1e-4), EMA 0.999, batch 64; data normalised to mean 0 and standard deviation 1; DDIM
  sampling. The 28x28 digits are zero-padded to 32x32 inside the network (three halvings) and
  the output is cropped back.
- **course**: ``helpers.models.diffusion`` with the shipped model's recipe
  (:data:`COURSE_RECIPE`) but without class labels.

The two trainings are interleaved in slices of equal step counts' time, so that load from
other processes slows both alike; each model's clock runs only during its own training steps.

Usage::

    python benchmarks/diffusion_vs_keras_io.py --minutes 12     # each model trains 12 minutes
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import keras  # noqa: E402
from keras import layers, ops  # noqa: E402

from helpers import data, metrics  # noqa: E402
from helpers.models import diffusion as D  # noqa: E402

MIN_SIGNAL, MAX_SIGNAL = 0.02, 0.95


def _residual_block(x, width):
    residual = x if x.shape[-1] == width else layers.Conv2D(width, 1)(x)
    x = layers.BatchNormalization(center=False, scale=False)(x)
    x = layers.Conv2D(width, 3, padding="same", activation="swish")(x)
    x = layers.Conv2D(width, 3, padding="same")(x)
    return layers.Add()([x, residual])


@keras.saving.register_keras_serializable(package="benchmark")
class VarianceEmbedding(layers.Layer):
    """keras.io's embedding: sin and cos of 2 pi f v for 16 frequencies f from 1 to 1000."""

    def call(self, v):
        v = ops.reshape(ops.cast(v, "float32"), (-1, 1, 1, 1))
        freqs = ops.exp(ops.linspace(math.log(1.0), math.log(1000.0), 16))
        angles = 2.0 * math.pi * v * freqs
        return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)

    def compute_output_shape(self, shape):
        return (shape[0], 1, 1, 32)


def keras_io_network(widths=(32, 64, 96, 128), block_depth=2):
    noisy = keras.Input((28, 28, 1), name="noisy_images")
    variance = keras.Input((), name="noise_variances")
    e = layers.UpSampling2D(32, interpolation="nearest")(VarianceEmbedding()(variance))
    x = layers.ZeroPadding2D(2)(noisy)                      # 28x28 -> 32x32: three halvings
    x = layers.Conv2D(widths[0], 1)(x)
    x = layers.Concatenate()([x, e])
    skips = []
    for width in widths[:-1]:
        for _ in range(block_depth):
            x = _residual_block(x, width)
            skips.append(x)
        x = layers.AveragePooling2D(2)(x)
    for _ in range(block_depth):
        x = _residual_block(x, widths[-1])
    for width in reversed(widths[:-1]):
        x = layers.UpSampling2D(2, interpolation="bilinear")(x)
        for _ in range(block_depth):
            x = layers.Concatenate()([x, skips.pop()])
            x = _residual_block(x, width)
    x = layers.Conv2D(1, 1, kernel_initializer="zeros")(x)
    return keras.Model([noisy, variance], layers.Cropping2D(2)(x), name="keras_io_unet")


class KerasIODiffusion(keras.Model):
    """The keras.io DDIM example's training step and sampler (noise prediction, MAE, EMA)."""

    def __init__(self, mean, std, ema=0.999, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.network = keras_io_network()
        self.ema_network = keras.models.clone_model(self.network)
        self.ema_network.set_weights(self.network.get_weights())
        self.mean, self.std, self.ema = float(mean), float(std), ema
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker]

    @staticmethod
    def rates(t):
        angle_min, angle_max = math.acos(MAX_SIGNAL), math.acos(MIN_SIGNAL)
        angles = angle_min + t * (angle_max - angle_min)
        return np.sin(angles) if isinstance(t, float) else ops.sin(angles), \
            np.cos(angles) if isinstance(t, float) else ops.cos(angles)

    def train_step(self, data):
        import tensorflow as tf

        x = (ops.cast(data, "float32") - self.mean) / self.std
        batch = ops.shape(x)[0]
        t = keras.random.uniform((batch,), seed=self.seed_generator)
        noise_rate, signal_rate = self.rates(t)
        noise = keras.random.normal(ops.shape(x), seed=self.seed_generator)
        noisy = signal_rate[:, None, None, None] * x + noise_rate[:, None, None, None] * noise
        with tf.GradientTape() as tape:
            pred = self.network([noisy, noise_rate**2], training=True)
            loss = ops.mean(ops.abs(noise - pred))
        variables = self.network.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        for w, e in zip(self.network.weights, self.ema_network.weights):
            e.assign(self.ema * e + (1 - self.ema) * w)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def generate(self, n, steps=20, seed=0, batch_size=500):
        import tensorflow as tf

        fn = tf.function(lambda x, v: self.ema_network([x, v], training=False))
        noise = np.random.default_rng(seed).standard_normal((n, 28, 28, 1)).astype("float32")
        out = []
        for i in range(0, n, batch_size):
            x = noise[i:i + batch_size]
            for k in range(steps):
                t, s = 1.0 - k / steps, 1.0 - (k + 1) / steps
                noise_rate, signal_rate = self.rates(t)
                eps = fn(x, np.full(len(x), noise_rate**2, "float32")).numpy()
                x0 = (x - noise_rate * eps) / signal_rate
                next_noise, next_signal = self.rates(s)
                x = (next_signal * x0 + next_noise * eps).astype("float32")
            out.append(x0)
        images = np.concatenate(out) * self.std + self.mean
        return np.clip(images, 0.0, 1.0)


def make_keras_io(x, seed=0):
    model = KerasIODiffusion(float(x.mean()), float(x.std()), seed=seed, name="keras_io")
    model.compile(optimizer=keras.optimizers.AdamW(1e-3, weight_decay=1e-4))
    return model

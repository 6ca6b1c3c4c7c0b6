"""Course DCGAN vs the TensorFlow DCGAN tutorial's architecture: FID against wall time, one run.

Both models train in this one process on the same 4,000 embedded MNIST
training digits, and are measured with the same course-internal FID (the 1,000 embedded test
digits as reference, 1,000 generated digits, fixed latent vectors); evaluation time is not
counted as training time.

- **tutorial**: a re-implementation of the architecture and settings of the TensorFlow DCGAN
  tutorial (https://www.tensorflow.org/tutorials/generative/dcgan): noise 100 -> dense
  7x7x256 -> transposed convolutions 128 (5x5, stride 1), 64 (5x5, stride 2), 1 (5x5, stride 2,
  tanh), batch norm and LeakyReLU; discriminator convolutions 64 and 128 (5x5, stride 2,
  LeakyReLU, dropout 0.3) and a dense logit; images in [-1, 1]; Adam 1e-4 for both; batch 256;
  both networks updated in the same step from one noise batch; 50 epochs.
- **course**: ``helpers.models.gan.make_dcgan()`` (183k parameters), batch 64, Adam 5e-4,
  beta_1 0.5, measured after every epoch.

The two trainings are interleaved epoch by epoch (one tutorial epoch, one course epoch, ...)
so that load from other processes on a shared machine slows both alike; each model's clock
runs only during its own training steps. Both wall time and process CPU time are reported.

Measured on 2026-11-25 (2 CPU cores shared with other jobs: the tutorial took ~33 s per epoch
instead of ~6 s alone; the interleaving keeps the comparison fair)::

    | model                                   | params    | batch | epochs | steps | wall (s) | CPU (s) | FID   |
    | TF tutorial DCGAN, end of its 50 epochs | 2,543,809 | 256   | 50     | 800   | 1663.3   | 689.3   | 255.7 |
    | course DCGAN, first reaching that FID   | 182,818   | 64    | 5      | 310   | 26.7     | 14.1    | 238.3 |
    | course DCGAN, end                       | 182,818   | 64    | 50     | 3100  | 192.1    | 126.4   | 64.4  |

    The course DCGAN reached the tutorial's final FID in 62x less wall time (49x less CPU time).

Again on a quiet machine the same day (FIDs identical: the runs are seeded): the tutorial's 50
epochs took 340.9 s of wall time (653.2 s CPU); the course DCGAN passed its final FID after 8.9 s
(14.4 s CPU), 38x less wall time (45x less CPU time), and ended at FID 64.4 after 76.4 s.

Usage::

    python benchmarks/gan_vs_tutorial.py                 # 50 tutorial epochs (several minutes)
    python benchmarks/gan_vs_tutorial.py --epochs 5      # a quick look
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import keras  # noqa: E402
from keras import layers, ops  # noqa: E402

from helpers import data, digit_metrics, training  # noqa: E402
from helpers.models import gan as G  # noqa: E402


def tutorial_generator(noise_dim=100):
    z = keras.Input((noise_dim,))
    h = layers.Dense(7 * 7 * 256, use_bias=False)(z)
    h = layers.BatchNormalization()(h)
    h = layers.LeakyReLU()(h)
    h = layers.Reshape((7, 7, 256))(h)
    for filters, stride in ((128, 1), (64, 2)):
        h = layers.Conv2DTranspose(filters, 5, strides=stride, padding="same", use_bias=False)(h)
        h = layers.BatchNormalization()(h)
        h = layers.LeakyReLU()(h)
    h = layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False, activation="tanh")(h)
    out = layers.Rescaling(0.5, offset=0.5)(h)           # [-1, 1] -> [0, 1] for measuring
    return keras.Model(z, out, name="generator")


def tutorial_discriminator():
    x = keras.Input((28, 28, 1))
    h = layers.Rescaling(2.0, offset=-1.0)(x)            # [0, 1] -> [-1, 1] as in the tutorial
    for filters, seed in ((64, 1), (128, 2)):
        h = layers.Conv2D(filters, 5, strides=2, padding="same")(h)
        h = layers.LeakyReLU()(h)
        h = layers.Dropout(0.3, seed=seed)(h)
    out = layers.Dense(1)(layers.Flatten()(h))
    return keras.Model(x, out, name="discriminator")


class TutorialGAN(G.GAN):
    """The tutorial's step: one noise batch, both losses from one forward pass, both updated."""

    def train_step(self, data):
        import tensorflow as tf

        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        z = keras.random.normal((ops.shape(x)[0], self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generator(z, training=True)
            l_real = self.discriminator(x, training=True)
            l_fake = self.discriminator(fake, training=True)
            g_loss = ops.mean(ops.softplus(-l_fake))
            d_loss = ops.mean(ops.softplus(-l_real)) + ops.mean(ops.softplus(l_fake))
        g_vars = self.generator.trainable_variables
        d_vars = self.discriminator.trainable_variables
        self.g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, g_vars), g_vars))
        self.d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, d_vars), d_vars))
        for name, value in (("d_loss", d_loss), ("g_loss", g_loss), ("d_real", ops.mean(ops.sigmoid(l_real))),
                            ("d_fake", ops.mean(ops.sigmoid(l_fake)))):
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}


def make_tutorial(seed=0):
    keras.utils.set_random_seed(seed)
    gan = TutorialGAN(tutorial_generator(), tutorial_discriminator(), 100, seed=seed, name="tutorial")
    gan.compile(keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4))
    return gan


class Run:
    """One model's training, advanced epoch by epoch; times only its own training steps."""

    def __init__(self, model, batches, reference, seed=0):
        self.model, self.batches, self.ref = model, batches, reference
        self.rng = np.random.default_rng(seed)
        self.epoch = self.step = 0
        self.wall = self.cpu = 0.0
        self.points = []                  # (epoch, step, wall s, cpu s, fid)

    def train_epoch(self):
        wall, cpu = time.perf_counter(), time.process_time()
        for batch in self.batches(self.epoch, self.rng):
            self.model.train_on_batch(batch)
            self.step += 1
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu
        self.epoch += 1

    def measure(self):
        value = digit_metrics.fid(self.ref, self.model.generate(n=1000, seed=123))
        self.points.append((self.epoch, self.step, self.wall, self.cpu, value))
        print(f"  {self.model.name:8s} epoch {self.epoch:3d} step {self.step:5d}  wall {self.wall:6.1f} s"
              f"  cpu {self.cpu:6.1f} s  FID {value:6.1f}", flush=True)
        return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50, help="tutorial epochs (its own setting: 50)")
    parser.add_argument("--course-epochs", type=int, default=None,
                        help="course epochs (default: the tutorial's number)")
    parser.add_argument("--course-batch", type=int, default=64)
    args = parser.parse_args()
    course_epochs = args.course_epochs or args.epochs

    x = data.to_float(data.load_mnist_sample("train")[0])
    ref = digit_metrics.features(data.to_float(data.load_mnist_sample("test")[0]))
    # The tutorial batches with tf.data .batch(256), keeping the last partial batch: 16 steps/epoch.
    tutorial = Run(make_tutorial(), training.image_batches(x, 256, drop_remainder=False), ref)
    course = Run(G.make_dcgan(), training.image_batches(x, args.course_batch), ref)
    for run, what in ((tutorial, "batch 256, Adam 1e-4"),
                      (course, f"batch {args.course_batch}, Adam 5e-4 beta_1 0.5")):
        n = run.model.generator.count_params() + run.model.discriminator.count_params()
        print(f"{run.model.name}: {n:,} parameters, {what}", flush=True)

    # Interleaved epoch by epoch, so that a change of load on the shared machine hits both.
    for epoch in range(max(args.epochs, course_epochs)):
        if epoch < args.epochs:
            tutorial.train_epoch()
            if tutorial.epoch % 5 == 0 or tutorial.epoch == args.epochs:
                tutorial.measure()
        if epoch < course_epochs:
            course.train_epoch()
            course.measure()

    target = tutorial.points[-1][-1]
    reached = next((p for p in course.points if p[-1] <= target), None)
    print()
    print("| model | parameters | batch | epochs | steps | training wall time (s) | CPU time (s) | FID |")
    print("|---|---|---|---|---|---|---|---|")
    rows = [("TF tutorial DCGAN, end of its 50 epochs", tutorial, tutorial.points[-1], 256)]
    if reached:
        rows.append(("course DCGAN, first reaching that FID", course, reached, args.course_batch))
    rows.append(("course DCGAN, end", course, course.points[-1], args.course_batch))
    for name, run, p, batch in rows:
        n = run.model.generator.count_params() + run.model.discriminator.count_params()
        print(f"| {name} | {n:,} | {batch} | {p[0]} | {p[1]} | {p[2]:.1f} | {p[3]:.1f} | {p[4]:.1f} |")
    if reached:
        print(f"\nThe course DCGAN reached the tutorial's final FID ({target:.1f}) in {reached[2]:.1f} s "
              f"of training (wall), {tutorial.points[-1][2] / reached[2]:.1f}x less than the tutorial's "
              f"{tutorial.points[-1][2]:.1f} s (CPU time: {tutorial.points[-1][3] / reached[3]:.1f}x); "
              "target: at least 5x.")
    else:
        print(f"\nThe course DCGAN did not reach the tutorial's final FID ({target:.1f}).")
    print("FID: course-internal (features of the course's MNIST classifier), 1,000 generated digits "
          "against the 1,000 embedded test digits; evaluation time is not counted.")


if __name__ == "__main__":
    main()

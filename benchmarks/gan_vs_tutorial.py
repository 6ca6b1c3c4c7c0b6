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
- **course**: ``helpers.models.gan.make_dcgan()`` (183k parameters), batch 64, beta_1 0.5, in two
  settings trained side by side: the course's earlier default (Adam 5e-4 for both networks; the
  runs of 2026-11-25 below) and the shipped recipe ``GAN_RECIPE`` (Adam 5e-3 for both networks
  and an EMA of the generator's weights, which ``generate`` samples); each measured after every
  epoch.

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

Measured on 2026-12-02 with both course settings (2 cores under the shared CPU lock; 564 s in all)::

    | TF tutorial DCGAN, end of its 50 epochs                      | 800 steps  | 366.7 s wall | 673.3 s CPU | FID 255.7 |
    | course, earlier default (Adam 5e-4), first reaching that FID | 310 steps  |   8.6 s      |  14.1 s     | FID 238.3 |
    | course, earlier default, end                                 | 3100 steps |  81.9 s      | 134.3 s     | FID  64.4 |
    | course, shipped recipe (Adam 5e-3 + EMA), first reaching it  | 124 steps  |   4.2 s      |   6.5 s     | FID 128.2 |
    | course, shipped recipe, end                                  | 3100 steps |  83.4 s      | 136.4 s     | FID  32.9 |

    The recipe reached the tutorial's final FID in 88x less wall time (104x less CPU time).

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
from helpers.models import GAN_RECIPE  # noqa: E402
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

    def __init__(self, model, batches, reference, seed=0, name=None):
        self.model, self.batches, self.ref = model, batches, reference
        self.name = name or model.name
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
        print(f"  {self.name:8s} epoch {self.epoch:3d} step {self.step:5d}  wall {self.wall:6.1f} s"
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
    courses = {   # label -> run; the same seed, digits and batches for both settings
        "course DCGAN, earlier default (Adam 5e-4)": Run(G.make_dcgan(), training.image_batches(x, args.course_batch),
                                                        ref, name="earlier"),
        f"course DCGAN, shipped recipe (Adam {GAN_RECIPE['g_lr']:g} + EMA {GAN_RECIPE['ema']:g})":
            Run(G.make_dcgan(**GAN_RECIPE), training.image_batches(x, args.course_batch), ref, name="recipe"),
    }
    print(f"tutorial: {tutorial.model.generator.count_params() + tutorial.model.discriminator.count_params():,} "
          "parameters, batch 256, Adam 1e-4", flush=True)
    for label, run in courses.items():
        n = run.model.generator.count_params() + run.model.discriminator.count_params()
        print(f"{label}: {n:,} parameters, batch {args.course_batch}, beta_1 0.5", flush=True)

    # Interleaved epoch by epoch, so that a change of load on the shared machine hits both.
    for epoch in range(max(args.epochs, course_epochs)):
        if epoch < args.epochs:
            tutorial.train_epoch()
            if tutorial.epoch % 5 == 0 or tutorial.epoch == args.epochs:
                tutorial.measure()
        if epoch < course_epochs:
            for course in courses.values():
                course.train_epoch()
                course.measure()

    target = tutorial.points[-1][-1]
    reached = {label: next((p for p in run.points if p[-1] <= target), None) for label, run in courses.items()}
    print()
    print("| model | parameters | batch | epochs | steps | training wall time (s) | CPU time (s) | FID |")
    print("|---|---|---|---|---|---|---|---|")
    rows = [(f"TF tutorial DCGAN, end of its {args.epochs} epochs", tutorial, tutorial.points[-1], 256)]
    for label, run in courses.items():
        if reached[label]:
            rows.append((f"{label}, first reaching that FID", run, reached[label], args.course_batch))
        rows.append((f"{label}, end", run, run.points[-1], args.course_batch))
    for name, run, p, batch in rows:
        n = run.model.generator.count_params() + run.model.discriminator.count_params()
        print(f"| {name} | {n:,} | {batch} | {p[0]} | {p[1]} | {p[2]:.1f} | {p[3]:.1f} | {p[4]:.1f} |")
    print()
    for label, p in reached.items():
        if p:
            print(f"{label} reached the tutorial's final FID ({target:.1f}) in {p[2]:.1f} s of training "
                  f"(wall), {tutorial.points[-1][2] / p[2]:.1f}x less than the tutorial's "
                  f"{tutorial.points[-1][2]:.1f} s (CPU time: {tutorial.points[-1][3] / p[3]:.1f}x); "
                  "target: at least 5x.")
        else:
            print(f"{label} did not reach the tutorial's final FID ({target:.1f}).")
    print("FID: course-internal (features of the course's MNIST classifier), 1,000 generated digits "
          "against the 1,000 embedded test digits; evaluation time is not counted.")


if __name__ == "__main__":
    main()

"""Held-out ELBO against CPU wall time: the TF CVAE tutorial's model and settings vs the course VAE.

Both models are trained in this one process, their epochs interleaved (tutorial epoch 1, course
epoch 1, tutorial epoch 2, ...) so that both see the same machine load, on the same binarized
digits (the course's embedded 4,000-digit train split, ``helpers.density.binarize`` at 0.5),
with the same latent size, and evaluated after every epoch on the same 1,000 test digits with
the same estimator (closed-form KL + reconstruction averaged over 10 draws of z, nats per image).

The tutorial ("Convolutional Variational Autoencoder", tensorflow.org/tutorials/generative/cvae),
re-implemented here in Keras 3 from its description:
  encoder  Conv2D(32, 3, stride 2, valid, relu) -> Conv2D(64, 3, stride 2, valid, relu) -> Flatten
           -> Dense(2 * latent)  (mean, log-variance)
  decoder  Dense(7*7*32, relu) -> Reshape -> Conv2DTranspose(64, 3, stride 2, same, relu)
           -> Conv2DTranspose(32, 3, stride 2, same, relu) -> Conv2DTranspose(1, 3, stride 1, same)
  training batch 32, Adam(1e-4), 10 epochs, single-sample Monte-Carlo ELBO
           (log p(x|z) + log p(z) - log q(z|x)), latent size 2.
The course VAE: helpers.models.vae.VAE (16 and 32 channels, no 28x28 feature maps with many
channels: about a quarter of the tutorial's multiply-adds; closed-form KL), batch 64, Adam(3e-3),
trained as ``helpers.models.vae.train_vae`` trains it: one ``train_on_batch`` per batch of
``helpers.training.image_batches`` (the steps of ``helpers.training.fit_resumable``, without its
bookkeeping, so that each epoch can be timed between the tutorial's).

Run:  python benchmarks/vae_vs_tutorial.py [--latent 2] [--tutorial-epochs 10] [--course-epochs 6]
Training uses every core TensorFlow sees; on a shared machine the *ratio* of the two times is the
figure to read. Times exclude the per-epoch evaluation; CPU time is the process's (all threads).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers, ops  # noqa: E402

from helpers import data, density  # noqa: E402
from helpers.models.vae import VAE  # noqa: E402
from helpers.training import image_batches  # noqa: E402

LOG_2PI = math.log(2.0 * math.pi)


def tutorial_networks(latent):
    encoder = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(32, 3, strides=2, activation="relu"),
        layers.Conv2D(64, 3, strides=2, activation="relu"),
        layers.Flatten(),
        layers.Dense(2 * latent),
    ])
    decoder = keras.Sequential([
        keras.Input((latent,)),
        layers.Dense(7 * 7 * 32, activation="relu"),
        layers.Reshape((7, 7, 32)),
        layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(1, 3, strides=1, padding="same"),
    ])
    return encoder, decoder


def log_normal(z, mean, log_var):
    return -0.5 * tf.reduce_sum((z - mean) ** 2 * tf.exp(-log_var) + log_var + LOG_2PI, axis=1)


def tutorial_trainer(x_train, latent, seed, learning_rate=1e-4, batch_size=32, closed_form_kl=False):
    """The tutorial's loop: tf.function train step, GradientTape, Monte-Carlo ELBO, Adam(1e-4), batch 32.

    The keyword arguments change its settings for the ``--ablation`` run (the tutorial's networks with
    the course's settings). Returns ``(run_one_epoch, encoder, decoder)``.
    """
    keras.utils.set_random_seed(seed)
    encoder, decoder = tutorial_networks(latent)
    optimizer = keras.optimizers.Adam(learning_rate)
    variables = encoder.trainable_variables + decoder.trainable_variables

    @tf.function
    def train_step(x):
        with tf.GradientTape() as tape:
            stats = encoder(x)
            mean, log_var = stats[:, :latent], stats[:, latent:]
            z = mean + tf.exp(0.5 * log_var) * tf.random.normal(tf.shape(mean))
            logits = decoder(z)
            log_px_z = -tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits),
                                      axis=[1, 2, 3])
            if closed_form_kl:
                kl = 0.5 * tf.reduce_sum(tf.exp(log_var) + mean**2 - 1.0 - log_var, axis=1)
                loss = tf.reduce_mean(kl - log_px_z)
            else:
                loss = -tf.reduce_mean(log_px_z + log_normal(z, 0.0, 0.0) - log_normal(z, mean, log_var))
        optimizer.apply(tape.gradient(loss, variables), variables)

    dataset = tf.data.Dataset.from_tensor_slices(x_train).shuffle(len(x_train), seed=seed).batch(batch_size)

    def run_one_epoch():
        for batch in dataset:
            train_step(batch)

    return run_one_epoch, encoder, decoder


def course_trainer(x_train, latent, seed, batch_size=64, learning_rate=3e-3):
    """The course VAE with the settings and steps of ``helpers.models.vae.train_vae``."""
    model = VAE(latent_dim=latent, seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    batches, rng, epoch = image_batches(x_train, batch_size), np.random.default_rng(seed), [0]

    def run_one_epoch():
        for batch in batches(epoch[0], rng):
            model.train_on_batch(batch)
        epoch[0] += 1

    return run_one_epoch, model.encoder, model.decoder


def interleaved(trainers, epochs, x_test, latent):
    """Run the trainers' epochs alternately (A1 B1 A2 B2 ...) so that both see the same machine load.

    Returns, per trainer, rows ``(epoch, wall seconds, CPU seconds, held-out -ELBO)`` (cumulative times,
    evaluation excluded).
    """
    rows = {name: [] for name in trainers}
    clocks = {name: [0.0, 0.0] for name in trainers}
    for epoch in range(1, max(epochs.values()) + 1):
        for name, (run, encoder, decoder) in trainers.items():
            if epoch > epochs[name]:
                continue
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            clocks[name][0] += time.perf_counter() - wall
            clocks[name][1] += time.process_time() - cpu
            value = heldout_neg_elbo(encoder, decoder, latent, x_test)
            rows[name].append((epoch, *clocks[name], value))
            print(f"  {name:9s} epoch {epoch:3d}  {clocks[name][0]:7.1f} s wall  {clocks[name][1]:7.1f} s CPU  "
                  f"held-out -ELBO {value:7.2f} nats", flush=True)
    return rows


_EVAL_RNG = np.random.default_rng(12345)


def heldout_neg_elbo(encoder, decoder, latent, x_test, samples=10):
    """Mean over test images of recon (averaged over ``samples`` draws) + closed-form KL, nats."""
    stats = ops.convert_to_numpy(encoder.predict(x_test, batch_size=500, verbose=0)).astype(np.float64)
    mean, log_var = stats[:, :latent], stats[:, latent:]
    kl = 0.5 * np.sum(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=1)
    x = x_test.reshape(len(x_test), -1)
    recon = np.zeros(len(x_test))
    for _ in range(samples):
        z = mean + np.exp(0.5 * log_var) * _EVAL_RNG.standard_normal(mean.shape)
        logits = decoder.predict(z.astype(np.float32), batch_size=500, verbose=0).reshape(len(x), -1)
        logits = logits.astype(np.float64)
        # binary cross-entropy with logits, stable form
        recon += np.sum(np.maximum(logits, 0) - logits * x + np.log1p(np.exp(-np.abs(logits))), axis=1)
    return float(np.mean(recon / samples + kl))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latent", type=int, default=2)
    parser.add_argument("--tutorial-epochs", type=int, default=10)
    parser.add_argument("--course-epochs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ablation", action="store_true",
                        help="also train the tutorial's networks with the course's settings (batch 64, "
                             "Adam 3e-3, closed-form KL) for --course-epochs epochs")
    args = parser.parse_args(argv)

    x_train = density.binarize(data.load_mnist_sample("train")[0])[..., None]
    x_test = density.binarize(data.load_mnist_sample("test")[0])[..., None]
    print(f"binarized digits: train {x_train.shape}, test {x_test.shape}; latent size {args.latent}; "
          f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPU cores seen")

    print("tutorial = TF CVAE tutorial (batch 32, Adam 1e-4, Monte-Carlo ELBO); "
          "course = helpers.models.vae.VAE (batch 64, Adam 3e-3, closed-form KL); epochs interleaved:")
    trainers = {"tutorial": tutorial_trainer(x_train, args.latent, args.seed),
                "course": course_trainer(x_train, args.latent, args.seed)}
    epochs = {"tutorial": args.tutorial_epochs, "course": args.course_epochs}
    if args.ablation:
        trainers["ablation"] = tutorial_trainer(x_train, args.latent, args.seed, learning_rate=3e-3, batch_size=64,
                                                closed_form_kl=True)
        epochs["ablation"] = args.course_epochs
    rows = interleaved(trainers, epochs, x_test, args.latent)
    tutorial, course = rows["tutorial"], rows["course"]

    t_epoch, t_wall, t_cpu, t_elbo = tutorial[-1]
    reach = next((row for row in course if row[3] <= t_elbo), None)
    table = [("TF CVAE tutorial", *tutorial[-1])]
    if reach and reach[0] != course[-1][0]:
        table.append(("course VAE, first epoch at or below the tutorial", *reach))
    table.append(("course VAE, last epoch", *course[-1]))
    if args.ablation:
        table.append(("ablation: tutorial's networks, course's settings", *rows["ablation"][-1]))
    print()
    print("| model | epochs | wall time (s) | CPU time (s) | wall time / tutorial's | held-out -ELBO (nats/image) "
          "| bits/dim |")
    print("|---|---|---|---|---|---|---|")
    for label, epoch, wall, cpu, value in table:
        print(f"| {label} | {epoch} | {wall:.1f} | {cpu:.1f} | {wall / t_wall:.2f} | {value:.1f} | "
              f"{density.bits_per_dim(value, 784):.4f} |")
    print()
    if reach:
        print(f"the course VAE reached the tutorial's final -ELBO ({t_elbo:.1f} nats) after {reach[0]} epochs, "
              f"in {reach[1]:.1f} s = {reach[1] / t_wall:.2f} of the tutorial's {t_wall:.1f} s of wall time "
              f"({reach[2] / t_cpu:.2f} of its CPU time)")
    target = reach is not None and reach[1] <= t_wall / 3
    print("target (at least the tutorial's ELBO in at most 1/3 of its time):", "MET" if target else "NOT MET")
    return 0


if __name__ == "__main__":
    sys.exit(main())

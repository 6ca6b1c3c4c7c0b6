"""Bad arrays at the public edge of ``helpers``: refused with a clear error, or NaN in, NaN out.

Every public function and method of ``helpers`` (found by walking the package, see
:func:`public_callables`) has an entry in :data:`ENTRIES`. A function that takes an image or an
array of samples is called with each *argument class* below, built from a valid value; each must
give its outcome:

==========  =================================================================================
class       the value tried
==========  =================================================================================
NaN         a valid array with one element set to NaN
+inf        ... set to +inf
-inf        ... set to -inf
complex     the valid array as complex numbers (imaginary part 0)
empty       no items: shape (0, ...) (the valid array's first axis cut to 0)
rank        an array with the wrong number of dimensions (or ``any`` where every rank is valid)
==========  =================================================================================

==========  =================================================================================
outcome     meaning
==========  =================================================================================
E           ``ValueError`` or ``TypeError`` whose message names the argument
NaN         elementwise, like NumPy: NaN where the input is NaN, the other values unchanged
lim         elementwise: no error and no NaN (the limit at infinity, e.g. a PDF of 0)
[]          elementwise: empty in, empty out
any         every rank is valid (elementwise, or the samples are flattened): no error
==========  =================================================================================

Functions whose outcomes include E must have a ``Raises`` section in their docstring; those
with a NaN outcome must say in their docstring that they work elementwise. Functions that take
no image or array of samples (counts, names, paths, models, callbacks) are listed with the
reason. A public function without an entry fails :func:`test_every_public_callable_has_an_entry`
with "add an entry for ...".

The table (kept in step with :data:`ENTRIES` by :func:`test_table_in_docstring_is_current`)::

    function(argument)                                   NaN      +inf     -inf     complex  empty    rank
    checks.choice                                        (no array: a name)
    checks.finite(value)                                 E        E        E        E        []       any
    checks.flag                                          (no array: True or False)
    checks.float_image(image)                            E        E        E        E        E        E
    checks.integer                                       (no array: numbers, not arrays (checked by helpers.checks.real/integer))
    checks.make_rng                                      (no array: a seed or a generator)
    checks.positive(value)                               E        E        E        E        []       any
    checks.real                                          (no array: numbers, not arrays (checked by helpers.checks.real/integer))
    checks.real_array(value)                             NaN      lim      lim      E        []       any
    colab.missing_packages                               (no array: notebook set-up (a notebook, package names))
    colab.setup                                          (no array: notebook set-up (a notebook, package names))
    colab.setup_cell_index                               (no array: notebook set-up (a notebook, package names))
    config.artifacts_dir                                 (no array: configuration (names, settings))
    config.cache_dir                                     (no array: configuration (names, settings))
    config.checkpoint_dir                                (no array: configuration (names, settings))
    config.data_dir                                      (no array: configuration (names, settings))
    config.pick                                          (no array: configuration (names, settings))
    config.quick_mode                                    (no array: configuration (names, settings))
    config.repo_root                                     (no array: configuration (names, settings))
    convolution.conv2d(x)                                E        E        E        E        E        E
    convolution.conv2d(kernel)                           E        E        E        E        E        E
    convolution.conv_transpose2d(x)                      E        E        E        E        E        E
    convolution.conv_transpose2d(kernel)                 E        E        E        E        E        E
    convolution.output_size                              (no array: sizes and layer settings (numbers))
    convolution.receptive_field                          (no array: sizes and layer settings (numbers))
    convolution.upsample(x)                              E        E        E        E        E        E
    data.check_digit_images(images)                      E        E        E        E        E        E
    data.download                                        (no array: files, names and downloads (checked for presence and checksums))
    data.embedded_checksums                              (no array: files, names and downloads (checked for presence and checksums))
    data.embedded_path                                   (no array: files, names and downloads (checked for presence and checksums))
    data.list_images                                     (no array: files, names and downloads (checked for presence and checksums))
    data.load_faces                                      (no array: files, names and downloads (checked for presence and checksums))
    data.load_image                                      (no array: files, names and downloads (checked for presence and checksums))
    data.load_mnist                                      (no array: files, names and downloads (checked for presence and checksums))
    data.load_mnist_sample                               (no array: files, names and downloads (checked for presence and checksums))
    data.load_npz                                        (no array: files, names and downloads (checked for presence and checksums))
    data.npz_bytes                                       (no array: stores arrays as they are (storage, not an image operation))
    data.sha256_of                                       (no array: files, names and downloads (checked for presence and checksums))
    data.to_float(images)                                E        E        E        E        []       any
    data.update_checksums                                (no array: files, names and downloads (checked for presence and checksums))
    data.write_atomically                                (no array: files, names and downloads (checked for presence and checksums))
    density.BernoulliMixture                             (no array: settings (checked as numbers))
    density.BernoulliMixture.fit(X)                      E        E        E        E        E        E
    density.BernoulliMixture.log_likelihood(X)           E        E        E        E        E        E
    density.BernoulliMixture.responsibilities(X)         E        E        E        E        E        E
    density.BernoulliMixture.sample                      (no array: a count and a generator)
    density.GaussianImageModel                           (no array: settings (checked as numbers))
    density.GaussianImageModel.decode(z)                 E        E        E        E        E        E
    density.GaussianImageModel.encode(X)                 E        E        E        E        E        E
    density.GaussianImageModel.fit(X)                    E        E        E        E        E        E
    density.GaussianImageModel.log_likelihood(X)         E        E        E        E        E        E
    density.GaussianImageModel.principal_coordinates(X)  E        E        E        E        E        E
    density.GaussianImageModel.sample                    (no array: a count and a generator)
    density.IndependentBernoulli                         (no array: settings (checked as numbers))
    density.IndependentBernoulli.fit(X)                  E        E        E        E        E        E
    density.IndependentBernoulli.log_likelihood(X)       E        E        E        E        E        E
    density.IndependentBernoulli.sample                  (no array: a count and a generator)
    density.PCAGaussianMixture                           (no array: settings (checked as numbers))
    density.PCAGaussianMixture.fit(X)                    E        E        E        E        E        E
    density.PCAGaussianMixture.log_likelihood(X)         E        E        E        E        E        E
    density.PCAGaussianMixture.sample                    (no array: a count and a generator)
    density.binarize(images)                             E        E        E        E        E        any
    density.bits_per_dim(nll_nats)                       E        E        E        E        E        any
    density.box_muller                                   (no array: a count)
    density.check_covariance(cov)                        E        E        E        E        E        E
    density.dequantize(images_uint8)                     E        E        E        E        E        any
    density.fit_gaussian_mle(samples)                    E        E        E        E        E        any
    density.gaussian_cdf(x)                              NaN      lim      lim      E        []       any
    density.gaussian_log_likelihood(samples)             E        E        E        E        E        any
    density.gaussian_logpdf(x)                           NaN      lim      lim      E        []       any
    density.gaussian_pdf(x)                              NaN      lim      lim      E        []       any
    density.gaussian_ppf(q)                              E        E        E        E        []       any
    density.histogram_density(samples)                   E        E        E        E        E        any
    density.inverse_cdf_sample                           (no array: a quantile function and a size)
    density.kde(x)                                       NaN      lim      lim      E        []       any
    density.kde(samples)                                 E        E        E        E        E        any
    density.mvn_logpdf(x)                                E        E        E        E        E        E
    density.mvn_logpdf(mean)                             E        E        E        E        E        E
    density.mvn_logpdf(cov)                              E        E        E        E        E        E
    density.mvn_sample(mean)                             E        E        E        E        E        E
    density.mvn_sample(cov)                              E        E        E        E        E        E
    density.silverman_bandwidth(samples)                 E        E        E        E        E        any
    density.uniform_cdf(x)                               NaN      lim      lim      E        []       any
    density.uniform_pdf(x)                               NaN      lim      lim      E        []       any
    diffusion_process.alpha_sigma(t)                     E        E        E        E        []       any
    diffusion_process.alpha_sigma_derivatives(t)         E        E        E        E        []       any
    diffusion_process.flow_interpolate(x0)               NaN      lim      lim      E        []       any
    diffusion_process.flow_interpolate(noise)            NaN      lim      lim      E        []       any
    diffusion_process.mixture_denoiser(means)            E        E        E        E        E        E
    diffusion_process.mixture_denoiser(stds)             E        E        E        E        E        E
    diffusion_process.q_sample(x0)                       E        E        E        E        E        E
    diffusion_process.sample_loop(x)                     E        E        E        E        E        E
    diffusion_process.signal_to_noise(t)                 E        E        E        E        []       any
    diffusion_process.time_grid                          (no array: a count and a time)
    digit_metrics.class_histogram(images)                E        E        E        E        E        E
    digit_metrics.classify(images)                       E        E        E        E        E        E
    digit_metrics.features(images)                       E        E        E        E        E        E
    digit_metrics.fid(real)                              E        E        E        E        E        E
    digit_metrics.fid(generated)                         E        E        E        E        E        E
    digit_metrics.forward(images)                        E        E        E        E        E        E
    digit_metrics.frechet_distance(mu1)                  E        E        E        E        E        E
    digit_metrics.frechet_distance(cov1)                 E        E        E        E        E        E
    digit_metrics.kid(real)                              E        E        E        E        E        E
    digit_metrics.kid(generated)                         E        E        E        E        E        E
    digit_metrics.load_weights                           (no array: a file)
    digit_metrics.weight_names                           (no array: no arguments)
    exercises.check                                      (no array: a notebook's answers, checked by each exercise)
    exercises.evaluate                                   (no array: a notebook's answers, checked by each exercise)
    exercises.exercise                                   (no array: a notebook's answers, checked by each exercise)
    exercises.registered                                 (no array: a notebook's answers, checked by each exercise)
    image_quality.psnr(reference)                        E        E        E        E        E        E
    image_quality.psnr(test)                             E        E        E        E        E        E
    image_quality.ssim(reference)                        E        E        E        E        E        E
    image_quality.ssim(test)                             E        E        E        E        E        E
    models.Shipped                                       (no array: settings, names, files or a model)
    models.classifier.build_classifier                   (no array: settings, names, files or a model)
    models.classifier.export_weights                     (no array: settings, names, files or a model)
    models.classifier.shift_digits(images)               E        E        E        E        E        E
    models.classifier.train_classifier(images)           E        E        E        E        E        E
    models.diffusion.Diffusion                           (no array: settings, names, files or a model)
    models.diffusion.Diffusion.check_labels(labels)      E        E        E        E        E        E
    models.diffusion.Diffusion.denoiser                  (no array: settings; it returns the denoise(x_t, t) callable that diffusion_process.sample_loop calls with checked arrays)
    models.diffusion.Diffusion.generate(noise)           E        E        E        E        E        E
    models.diffusion.SinusoidalEmbedding                 (no array: settings, names, files or a model)
    models.diffusion.build_mlp                           (no array: settings, names, files or a model)
    models.diffusion.build_unet                          (no array: settings, names, files or a model)
    models.diffusion.load_digit_diffusion                (no array: settings, names, files or a model)
    models.diffusion.load_sweeps                         (no array: settings, names, files or a model)
    models.diffusion.make_digit_diffusion                (no array: settings, names, files or a model)
    models.diffusion.sampling_sweeps(real)               E        E        E        E        E        E
    models.diffusion.slider_pictures                     (no array: settings, names, files or a model)
    models.diffusion.train_digit_diffusion(images)       E        E        E        E        E        E
    models.gan.GAN                                       (no array: settings, names, files or a model)
    models.gan.GAN.ema_decay                             (no array: settings, names, files or a model)
    models.gan.GAN.generate(z)                           E        E        E        E        E        E
    models.gan.GAN.latent                                (no array: settings, names, files or a model)
    models.gan.GAN.optimizer_variables                   (no array: settings, names, files or a model)
    models.gan.dcgan_discriminator                       (no array: settings, names, files or a model)
    models.gan.dcgan_generator                           (no array: settings, names, files or a model)
    models.gan.load_generator                            (no array: settings, names, files or a model)
    models.gan.make_conditional_dcgan                    (no array: settings, names, files or a model)
    models.gan.make_dcgan                                (no array: settings, names, files or a model)
    models.gan.make_toy_gan                              (no array: settings, names, files or a model)
    models.gan.mlp                                       (no array: settings, names, files or a model)
    models.load_shipped                                  (no array: settings, names, files or a model)
    models.shipped_names                                 (no array: settings, names, files or a model)
    models.vae.VAE                                       (no array: settings, names, files or a model)
    models.vae.VAE.decode                                (no array: tensor steps inside the Keras model (train_step); its NumPy edge is embed, reconstruct, decode_numpy, elbo_terms, iwae_bound)
    models.vae.VAE.decode_logits                         (no array: tensor steps inside the Keras model (train_step); its NumPy edge is embed, reconstruct, decode_numpy, elbo_terms, iwae_bound)
    models.vae.VAE.decode_numpy(z)                       E        E        E        E        E        E
    models.vae.VAE.elbo_terms(images)                    E        E        E        E        E        E
    models.vae.VAE.embed(images)                         E        E        E        E        E        E
    models.vae.VAE.encode                                (no array: tensor steps inside the Keras model (train_step); its NumPy edge is embed, reconstruct, decode_numpy, elbo_terms, iwae_bound)
    models.vae.VAE.generate                              (no array: settings, names, files or a model)
    models.vae.VAE.iwae_bound(images)                    E        E        E        E        E        E
    models.vae.VAE.log_weights(images)                   E        E        E        E        E        E
    models.vae.VAE.reconstruct(images)                   E        E        E        E        E        E
    models.vae.VAE.reparameterize                        (no array: tensor steps inside the Keras model (train_step); its NumPy edge is embed, reconstruct, decode_numpy, elbo_terms, iwae_bound)
    models.vae.VAE.summary_nats(images)                  E        E        E        E        E        E
    models.vae.bits_per_dim(nats_per_image)              E        E        E        E        E        any
    models.vae.check_binary_images(images)               E        E        E        E        E        E
    models.vae.kl_diagonal_gaussian(mean)                E        E        E        E        E        any
    models.vae.kl_diagonal_gaussian(log_var)             E        E        E        E        E        any
    models.vae.load_vae                                  (no array: settings, names, files or a model)
    models.vae.log_mean_exp(values)                      E        E        lim      E        E        any
    models.vae.train_vae(images)                         E        E        E        E        E        E
    noise.add_noise(image)                               E        E        E        E        E        E
    noise.colored_noise                                  (no array: a shape and settings (they make images))
    noise.estimate_noise_sigma(image)                    E        E        E        E        E        E
    noise.gaussian_noise(image)                          E        E        E        E        E        E
    noise.poisson_noise(image)                           E        E        E        E        E        E
    noise.radial_power_spectrum(image)                   E        E        E        E        E        E
    noise.salt_and_pepper_noise(image)                   E        E        E        E        E        E
    noise.speckle_noise(image)                           E        E        E        E        E        E
    noise.spectral_exponent(image)                       E        E        E        E        E        E
    noise.uniform_half_width                             (no array: numbers, not arrays (checked by helpers.checks.real/integer))
    noise.uniform_noise(image)                           E        E        E        E        E        E
    noise.uniform_std                                    (no array: numbers, not arrays (checked by helpers.checks.real/integer))
    noise.value_noise                                    (no array: a shape and settings (they make images))
    noise.white_noise                                    (no array: a shape and settings (they make images))
    plotting.histogram_with_pdf(samples)                 E        E        E        E        E        any
    plotting.image_grid(images)                          E        E        E        E        E        E
    plotting.mosaic(images)                              E        E        E        E        E        E
    plotting.plot_history                                (no array: a training history (a dict of lists; a NaN loss is drawn as a gap))
    plotting.show_image(img)                             E        E        E        E        E        E
    plotting.use_course_style                            (no array: a format name)
    procedural.colorize(field)                           E        E        E        E        E        E
    procedural.landscape                                 (no array: a shape and settings (they make images))
    procedural.make_seamless(texture)                    E        E        E        E        E        E
    procedural.palette                                   (no array: a palette name or colour stops (numbers, checked there))
    procedural.save_variations(images)                   E        E        E        E        E        E
    procedural.seam_report(texture)                      E        E        E        E        E        E
    procedural.sprite_sheet                              (no array: a shape and settings (they make images))
    procedural.tile(texture)                             E        E        E        E        E        E
    procedural.tile_map                                  (no array: a shape and settings (they make images))
    synthetic.accuracy(images)                           E        E        E        E        E        E
    synthetic.augment(images)                            E        E        E        E        E        E
    synthetic.balanced_subset(labels)                    E        E        E        E        E        E
    synthetic.check_leakage                              (no array: names, counts and seeds (the experiments of notebook 07; bad ones: tests/test_synthetic.py))
    synthetic.few_label_grid                             (no array: names, counts and seeds (the experiments of notebook 07; bad ones: tests/test_synthetic.py))
    synthetic.generate_digits                            (no array: names, counts and seeds (the experiments of notebook 07; bad ones: tests/test_synthetic.py))
    synthetic.load_grid                                  (no array: names, counts and seeds (the experiments of notebook 07; bad ones: tests/test_synthetic.py))
    synthetic.mean_sd(values)                            E        E        E        E        E        any
    synthetic.noise_robustness(images)                   E        E        E        E        E        E
    synthetic.noisy_training_set                         (no array: names, counts and seeds (the experiments of notebook 07; bad ones: tests/test_synthetic.py))
    synthetic.pseudo_label(images)                       E        E        E        E        E        E
    synthetic.run_grid                                   (no array: names, counts and seeds (the experiments of notebook 07; bad ones: tests/test_synthetic.py))
    synthetic.train_scored(images)                       E        E        E        E        E        E
    synthetic.tstr_grid                                  (no array: names, counts and seeds (the experiments of notebook 07; bad ones: tests/test_synthetic.py))
    training.LiveSamples                                 (no array: models, files, callbacks and histories)
    training.LiveSamples.draw                            (no array: models, files, callbacks and histories)
    training.LossHistory                                 (no array: models, files, callbacks and histories)
    training.LossHistory.resume_from                     (no array: models, files, callbacks and histories)
    training.PeriodicEval                                (no array: models, files, callbacks and histories)
    training.ProgressBar                                 (no array: models, files, callbacks and histories)
    training.SeededInitializers                          (no array: models, files, callbacks and histories)
    training.SeededInitializers.of                       (no array: models, files, callbacks and histories)
    training.Timer                                       (no array: models, files, callbacks and histories)
    training.array_batches(samples)                      E        E        E        E        E        E
    training.compare_learning_rates                      (no array: models, files, callbacks and histories)
    training.epoch_means                                 (no array: models, files, callbacks and histories)
    training.fit_resumable                               (no array: models, files, callbacks and histories)
    training.image_batches(images)                       E        E        E        E        E        E
    training.load_checkpoint                             (no array: models, files, callbacks and histories)
    training.load_model                                  (no array: models, files, callbacks and histories)
    training.save_checkpoint                             (no array: models, files, callbacks and histories)
    training.save_model                                  (no array: models, files, callbacks and histories)
    widgets.Panel                                        (no array: figures, controls and settings)
    widgets.Panel.image                                  (no array: figures, controls and settings)
    widgets.Panel.refresh                                (no array: figures, controls and settings)
    widgets.Panel.set                                    (no array: figures, controls and settings)
    widgets.Panel.widget                                 (no array: figures, controls and settings)
    widgets.checkerboard_contrast(output)                E        E        E        E        E        E
    widgets.fid_explorer(reference_features)             E        E        E        E        E        E
    widgets.forward_process_explorer(images)             E        E        E        E        E        E
    widgets.histogram_bars(edges)                        E        E        E        E        E        E
    widgets.kernel_explorer(image)                       E        E        E        E        E        E
    widgets.landscape_explorer                           (no array: a shape and settings (it makes its images; settings checked there))
    widgets.learning_rate_explorer                       (no array: results measured by helpers' own runs (dicts of curves, features and pictures))
    widgets.new_figure                                   (no array: figures, controls and settings)
    widgets.noise_explorer(image)                        E        E        E        E        E        E
    widgets.pdf_explorer                                 (no array: a sample count and a seed (it draws its samples; checked there))
    widgets.precomputed_explorer                         (no array: results measured by helpers' own runs (dicts of curves, features and pictures))
    widgets.set_bar_heights(heights)                     E        E        E        E        E        E
    widgets.snapshots                                    (no array: figures, controls and settings)
    widgets.upsample_by(x)                               E        E        E        E        E        E
    widgets.upsampling_explorer(image)                   E        E        E        E        E        E
    widgets.upsampling_kernel                            (no array: a method name and a seed)
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest

import helpers

CLASSES = ("NaN", "+inf", "-inf", "complex", "empty", "rank")
REFUSED = dict.fromkeys(CLASSES, "E")
ELEMENTWISE = {"NaN": "NaN", "+inf": "lim", "-inf": "lim", "complex": "E", "empty": "[]", "rank": "any"}


@dataclass
class Case:
    """One array argument of one function: how to call it, a valid value, what each class gives."""

    arg: str
    call: Callable
    good: Callable  # () -> a valid value (float array)
    outcomes: dict = field(default_factory=lambda: dict(REFUSED))
    rank: Callable | None = None  # (good) -> a value of the wrong rank; None: outcome "any"

    def __post_init__(self):
        if self.rank is None:
            self.outcomes["rank"] = "any"


@dataclass
class NoArray:
    """A public callable that takes no image or array of samples."""

    why: str


def refused(arg, call, good, rank=None, **exceptions):
    outcomes = dict(REFUSED)
    outcomes.update(exceptions)
    return Case(arg, call, good, outcomes, rank)


def elementwise(arg, call, good, **exceptions):
    outcomes = dict(ELEMENTWISE)
    outcomes.update(exceptions)
    return Case(arg, call, good, outcomes, None)


# ----------------------------------------------------------------------------- valid values

def _rng():
    return np.random.default_rng(0)


def image():
    return _rng().random((16, 16)).astype(np.float32)


def digits(n=4):
    return _rng().random((n, 28, 28)).astype(np.float32)


def binary(n=6):
    return (_rng().random((n, 4, 4)) < 0.5).astype(np.float32)


def samples():
    return _rng().standard_normal(200)


def rows():
    return _rng().standard_normal((40, 3))


def points():
    return np.array([-1.0, 0.25, 0.5, 2.0])


def first(value):
    return value[0]


def vector(value):
    """A 1-D row: one item where a batch (N, ...) is expected."""
    return value.reshape(len(value), -1)[0]


def batch(value):
    return value[None]


@functools.cache
def fitted(kind):
    from helpers import density

    if kind == "bernoulli":
        return density.IndependentBernoulli().fit(binary())
    if kind == "mixture":
        return density.BernoulliMixture(n_components=2, n_iter=2).fit(binary())
    if kind == "gaussian":
        return density.GaussianImageModel("pca", n_components=2).fit(digits(20)[:, :4, :4])
    if kind == "pca_mixture":
        return density.PCAGaussianMixture(n_components=2, n_pca=2, max_iter=2).fit(digits(20)[:, :4, :4])
    raise KeyError(kind)


@functools.cache
def vae():
    from helpers.models import vae as V

    model = V.VAE(latent_dim=2, seed=0)
    model.build()
    return model


@functools.cache
def diffusion(n_classes=0):
    from helpers.models import diffusion as D

    model = D.Diffusion(D.build_mlp(2, hidden=8, depth=1, n_classes=n_classes), objective="velocity",
                        n_classes=n_classes, value_range=None)
    model.compile()
    return model


@functools.cache
def gan():
    from helpers.models import gan as G

    return G.make_dcgan(latent_dim=4, g_filters=4, d_filters=4, compile=False)


def _figure_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    return fig, ax


def _draw(fn):
    """Call a drawing function on a fresh Agg figure and close it."""
    import matplotlib.pyplot as plt

    def run(*args, **kwargs):
        fig, ax = _figure_axes()
        try:
            return fn(ax, *args, **kwargs)
        finally:
            plt.close(fig)

    return run


def _bars(heights):
    """set_bar_heights on 4 bars."""
    from helpers import widgets

    fig, ax = _figure_axes()
    try:
        bars = widgets.histogram_bars(ax, np.linspace(0, 1, 5))
        return widgets.set_bar_heights(bars, heights)
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


# ----------------------------------------------------------------------------- the entries

def _entries():
    from helpers import (checks, convolution, data, density, diffusion_process, digit_metrics, image_quality, noise,
                         plotting, procedural, synthetic, training, widgets)

    def lazy(module, name):
        """A call that imports a TensorFlow module only when used."""
        def call(*args, **kwargs):
            return getattr(importlib.import_module(f"helpers.{module}"), name)(*args, **kwargs)
        return call

    scalar = NoArray("numbers, not arrays (checked by helpers.checks.real/integer)")
    entries = {
        # checks: the building blocks; the caller decides about sizes
        "checks.float_image": [refused("image", lambda x: checks.float_image(x, "image", min_ndim=2), image, first)],
        "checks.finite": [refused("value", lambda x: checks.finite(x, "value"), samples, None,
                                  empty="[]")],
        "checks.positive": [refused("value", lambda x: checks.positive(x, "value"), lambda: samples() ** 2 + 1, None,
                                    empty="[]")],
        "checks.real_array": [elementwise("value", lambda x: checks.real_array(x, "value"), points)],
        "checks.integer": scalar, "checks.real": scalar, "checks.flag": NoArray("True or False"),
        "checks.make_rng": NoArray("a seed or a generator"), "checks.choice": NoArray("a name"),
        # set-up, configuration, files
        **dict.fromkeys(["colab.setup_cell_index", "colab.missing_packages", "colab.setup"],
                        NoArray("notebook set-up (a notebook, package names)")),
        **dict.fromkeys(["config.quick_mode", "config.pick", "config.repo_root", "config.data_dir", "config.cache_dir",
                         "config.artifacts_dir", "config.checkpoint_dir"], NoArray("configuration (names, settings)")),
        **dict.fromkeys(["data.sha256_of", "data.embedded_checksums", "data.embedded_path", "data.write_atomically",
                         "data.update_checksums", "data.load_npz", "data.load_mnist_sample", "data.download",
                         "data.load_mnist", "data.list_images", "data.load_image", "data.load_faces"],
                        NoArray("files, names and downloads (checked for presence and checksums)")),
        "data.npz_bytes": NoArray("stores arrays as they are (storage, not an image operation)"),
        "data.check_digit_images": [refused("images", data.check_digit_images, digits, first)],
        "data.to_float": [refused("images", data.to_float, image, None, empty="[]")],
        # convolution (NumPy, as Keras computes it)
        "convolution.conv2d": [refused("x", lambda x: convolution.conv2d(x, np.ones((3, 3))), image, first),
                               refused("kernel", lambda k: convolution.conv2d(image(), k), lambda: np.ones((3, 3)),
                                       first)],
        "convolution.conv_transpose2d": [
            refused("x", lambda x: convolution.conv_transpose2d(x, np.ones((3, 3)), 2), image, first),
            refused("kernel", lambda k: convolution.conv_transpose2d(image(), k, 2), lambda: np.ones((3, 3)), first)],
        "convolution.upsample": [refused("x", lambda x: convolution.upsample(x, 2), image, first)],
        **dict.fromkeys(["convolution.output_size", "convolution.receptive_field"],
                        NoArray("sizes and layer settings (numbers)")),
        # diffusion_process (NumPy): schedules take times, samplers take a batch
        **{f"diffusion_process.{name}": [refused("t", call, lambda: np.array([0.1, 0.5, 0.9]), None, empty="[]")]
           for name, call in [("alpha_sigma", lambda t: diffusion_process.alpha_sigma(t, "cosine")),
                              ("alpha_sigma_derivatives",
                               lambda t: diffusion_process.alpha_sigma_derivatives(t, "linear")),
                              ("signal_to_noise", lambda t: diffusion_process.signal_to_noise(t, "cosine"))]},
        "diffusion_process.q_sample": [
            refused("x0", lambda x: diffusion_process.q_sample(x, 0.5, rng=0), rows, lambda x: x[0, 0])],
        "diffusion_process.flow_interpolate": [
            elementwise("x0", lambda x: diffusion_process.flow_interpolate(x, np.ones(np.shape(x)), 0.25), points),
            elementwise("noise", lambda e: diffusion_process.flow_interpolate(np.ones(np.shape(e)), e, 0.25), points)],
        "diffusion_process.mixture_denoiser": [
            refused("means", lambda m: diffusion_process.mixture_denoiser(m, np.ones(len(m)) if np.ndim(m) else [1.0]),
                    lambda: np.array([[-2.0], [2.0]]), first),
            refused("stds", lambda s: diffusion_process.mixture_denoiser([[-2.0], [2.0]], s),
                    lambda: np.array([0.5, 0.5]), batch)],
        "diffusion_process.sample_loop": [
            refused("x", lambda x: diffusion_process.sample_loop(
                diffusion_process.mixture_denoiser([[-2.0], [2.0]], [0.5, 0.5]), x, 2), lambda: rows()[:, :1],
                lambda x: x[0, 0])],
        "diffusion_process.time_grid": NoArray("a count and a time"),
        # density: elementwise PDFs/CDFs, refusing estimators
        "density.gaussian_pdf": [elementwise("x", density.gaussian_pdf, points)],
        "density.gaussian_logpdf": [elementwise("x", density.gaussian_logpdf, points)],
        "density.gaussian_cdf": [elementwise("x", density.gaussian_cdf, points)],
        "density.gaussian_ppf": [elementwise("q", density.gaussian_ppf, lambda: np.array([0.1, 0.5, 0.9]),
                                             **{"NaN": "E", "+inf": "E", "-inf": "E"})],
        "density.uniform_pdf": [elementwise("x", density.uniform_pdf, points)],
        "density.uniform_cdf": [elementwise("x", density.uniform_cdf, points)],
        "density.inverse_cdf_sample": NoArray("a quantile function and a size"),
        "density.box_muller": NoArray("a count"),
        "density.histogram_density": [refused("samples", density.histogram_density, samples)],
        "density.kde": [elementwise("x", lambda x: density.kde(x, samples()), points),
                        refused("samples", lambda s: density.kde(points(), s), samples)],
        "density.silverman_bandwidth": [refused("samples", density.silverman_bandwidth, samples)],
        "density.fit_gaussian_mle": [refused("samples", density.fit_gaussian_mle, samples)],
        "density.gaussian_log_likelihood": [refused("samples", lambda s: density.gaussian_log_likelihood(s, 0.0, 1.0),
                                                    samples)],
        "density.check_covariance": [refused("cov", density.check_covariance, lambda: np.eye(3), first)],
        "density.mvn_logpdf": [refused("x", lambda x: density.mvn_logpdf(x, np.zeros(3), np.eye(3)), rows, batch),
                               refused("mean", lambda m: density.mvn_logpdf(rows(), m, np.eye(3)),
                                       lambda: np.zeros(3), batch),
                               refused("cov", lambda c: density.mvn_logpdf(rows(), np.zeros(3), c), lambda: np.eye(3),
                                       first)],
        "density.mvn_sample": [refused("mean", lambda m: density.mvn_sample(m, np.eye(3), 5, rng=0),
                                       lambda: np.zeros(3), batch),
                               refused("cov", lambda c: density.mvn_sample(np.zeros(3), c, 5, rng=0), lambda: np.eye(3),
                                       first)],
        "density.bits_per_dim": [refused("nll_nats", lambda x: density.bits_per_dim(x, 784), lambda: samples() ** 2)],
        "density.binarize": [refused("images", density.binarize, digits, None)],
        "density.dequantize": [refused("images_uint8", density.dequantize,
                                       lambda: (digits() * 255).astype(np.uint8), None)],
        # model classes: constructors take settings; fit/score take a batch
        **dict.fromkeys(["density.IndependentBernoulli", "density.BernoulliMixture", "density.GaussianImageModel",
                         "density.PCAGaussianMixture"], NoArray("settings (checked as numbers)")),
        **dict.fromkeys(["density.IndependentBernoulli.sample", "density.BernoulliMixture.sample",
                         "density.GaussianImageModel.sample", "density.PCAGaussianMixture.sample"],
                        NoArray("a count and a generator")),
        "density.IndependentBernoulli.fit": [refused("X", lambda x: density.IndependentBernoulli().fit(x), binary, vector)],
        "density.IndependentBernoulli.log_likelihood": [
            refused("X", lambda x: fitted("bernoulli").log_likelihood(x), binary, vector)],
        "density.BernoulliMixture.fit": [
            refused("X", lambda x: density.BernoulliMixture(n_components=2, n_iter=2).fit(x), binary, vector)],
        "density.BernoulliMixture.log_likelihood": [
            refused("X", lambda x: fitted("mixture").log_likelihood(x), binary, vector)],
        "density.BernoulliMixture.responsibilities": [
            refused("X", lambda x: fitted("mixture").responsibilities(x), binary, vector)],
        "density.GaussianImageModel.fit": [
            refused("X", lambda x: density.GaussianImageModel("pca", n_components=2).fit(x),
                    lambda: digits(20)[:, :4, :4], vector)],
        "density.GaussianImageModel.log_likelihood": [
            refused("X", lambda x: fitted("gaussian").log_likelihood(x), lambda: digits(5)[:, :4, :4], vector)],
        "density.GaussianImageModel.principal_coordinates": [
            refused("X", lambda x: fitted("gaussian").principal_coordinates(x), lambda: digits(5)[:, :4, :4], vector)],
        "density.GaussianImageModel.encode": [
            refused("X", lambda x: fitted("gaussian").encode(x), lambda: digits(5)[:, :4, :4], vector)],
        "density.GaussianImageModel.decode": [
            refused("z", lambda z: fitted("gaussian").decode(z), lambda: rows()[:, :2], lambda z: z[None])],
        "density.PCAGaussianMixture.fit": [
            refused("X", lambda x: density.PCAGaussianMixture(n_components=2, n_pca=2, max_iter=2).fit(x),
                    lambda: digits(20)[:, :4, :4], vector)],
        "density.PCAGaussianMixture.log_likelihood": [
            refused("X", lambda x: fitted("pca_mixture").log_likelihood(x), lambda: digits(5)[:, :4, :4], vector)],
        # digit metrics
        "digit_metrics.load_weights": NoArray("a file"), "digit_metrics.weight_names": NoArray("no arguments"),
        "digit_metrics.forward": [refused("images", digit_metrics.forward, digits, first)],
        "digit_metrics.features": [refused("images", digit_metrics.features, digits, first)],
        "digit_metrics.classify": [refused("images", digit_metrics.classify, digits, first)],
        "digit_metrics.class_histogram": [refused("images", digit_metrics.class_histogram, digits, first)],
        "digit_metrics.frechet_distance": [
            refused("mu1", lambda m: digit_metrics.frechet_distance(m, np.eye(3), np.zeros(3), np.eye(3)),
                    lambda: np.zeros(3), batch),
            refused("cov1", lambda c: digit_metrics.frechet_distance(np.zeros(3), c, np.zeros(3), np.eye(3)),
                    lambda: np.eye(3), first)],
        "digit_metrics.fid": [refused("real", lambda x: digit_metrics.fid(x, digits(130)), lambda: digits(130), first),
                              refused("generated", lambda x: digit_metrics.fid(digits(130), x), lambda: digits(130),
                                      first)],
        "digit_metrics.kid": [refused("real", lambda x: digit_metrics.kid(x, digits(20), subset_size=16),
                                      lambda: digits(20), first),
                              refused("generated", lambda x: digit_metrics.kid(digits(20), x, subset_size=16),
                                      lambda: digits(20), first)],
        **dict.fromkeys(["exercises.exercise", "exercises.check", "exercises.evaluate", "exercises.registered"],
                        NoArray("a notebook's answers, checked by each exercise")),
        "image_quality.psnr": [refused("reference", lambda x: image_quality.psnr(x, image()), image, first),
                               refused("test", lambda x: image_quality.psnr(image(), x), image, first)],
        "image_quality.ssim": [refused("reference", lambda x: image_quality.ssim(x, image()), image, first),
                               refused("test", lambda x: image_quality.ssim(image(), x), image, first)],
        # models (TensorFlow): the NumPy edge of each model
        **dict.fromkeys(["models.Shipped", "models.shipped_names", "models.load_shipped", "models.classifier.build_classifier",
                         "models.classifier.export_weights", "models.gan.dcgan_generator", "models.gan.dcgan_discriminator",
                         "models.gan.mlp", "models.gan.GAN", "models.gan.GAN.optimizer_variables", "models.gan.GAN.latent",
                         "models.gan.GAN.ema_decay",
                         "models.gan.make_dcgan", "models.gan.make_conditional_dcgan", "models.gan.make_toy_gan",
                         "models.gan.load_generator", "models.vae.VAE", "models.vae.VAE.generate", "models.vae.load_vae"],
                        NoArray("settings, names, files or a model")),
        **dict.fromkeys(["models.vae.VAE.encode", "models.vae.VAE.reparameterize", "models.vae.VAE.decode_logits",
                         "models.vae.VAE.decode"],
                        NoArray("tensor steps inside the Keras model (train_step); its NumPy edge is embed, "
                                "reconstruct, decode_numpy, elbo_terms, iwae_bound")),
        "models.classifier.shift_digits": [refused("images", lambda x: lazy("models.classifier", "shift_digits")(x, 0),
                                                   digits, first)],
        "models.classifier.train_classifier": [
            refused("images", lambda x: lazy("models.classifier", "train_classifier")(x, np.arange(len(x)) % 10, epochs=1,
                                                                                      progress=False),
                    digits, first)],
        "models.gan.GAN.generate": [refused("z", lambda z: gan().generate(z), lambda: _rng().standard_normal((3, 4)),
                                            first)],
        "models.vae.VAE.embed": [refused("images", lambda x: vae().embed(x), digits, first)],
        "models.vae.VAE.reconstruct": [refused("images", lambda x: vae().reconstruct(x), digits, first)],
        "models.vae.VAE.decode_numpy": [refused("z", lambda z: vae().decode_numpy(z), lambda: _rng().standard_normal((3, 2)),
                                                first)],
        "models.vae.VAE.elbo_terms": [refused("images", lambda x: vae().elbo_terms(x), binary28, first)],
        "models.vae.VAE.log_weights": [refused("images", lambda x: vae().log_weights(x, k=2), binary28, first)],
        "models.vae.VAE.iwae_bound": [refused("images", lambda x: vae().iwae_bound(x, k=2), binary28, first)],
        "models.vae.VAE.summary_nats": [refused("images", lambda x: vae().summary_nats(x, k=2, samples=1), binary28,
                                                first)],
        "models.vae.check_binary_images": [refused("images", lazy("models.vae", "check_binary_images"), binary28, first)],
        "models.vae.bits_per_dim": [refused("nats_per_image", lazy("models.vae", "bits_per_dim"), lambda: samples() ** 2)],
        "models.vae.kl_diagonal_gaussian": [
            refused("mean", lambda m: lazy("models.vae", "kl_diagonal_gaussian")(m, np.zeros(3)), lambda: rows()[:4]),
            refused("log_var", lambda v: lazy("models.vae", "kl_diagonal_gaussian")(np.zeros(3), v), lambda: rows()[:4])],
        "models.vae.log_mean_exp": [refused("values", lazy("models.vae", "log_mean_exp"), rows, **{"-inf": "lim"})],
        "models.vae.train_vae": [refused("images", lambda x: lazy("models.vae", "train_vae")(x, epochs=1), binary28,
                                         first)],
        # models.diffusion (TensorFlow)
        **dict.fromkeys(["models.diffusion.Diffusion", "models.diffusion.SinusoidalEmbedding",
                         "models.diffusion.build_mlp", "models.diffusion.build_unet",
                         "models.diffusion.make_digit_diffusion", "models.diffusion.load_digit_diffusion",
                         "models.diffusion.load_sweeps", "models.diffusion.slider_pictures"],
                        NoArray("settings, names, files or a model")),
        "models.diffusion.Diffusion.denoiser": NoArray("settings; it returns the denoise(x_t, t) callable that "
                                                       "diffusion_process.sample_loop calls with checked arrays"),
        "models.diffusion.Diffusion.check_labels": [
            refused("labels", lambda y: diffusion(3).check_labels(y, 3), lambda: np.arange(3), batch)],
        "models.diffusion.sampling_sweeps": [
            refused("real", lambda x: lazy("models.diffusion", "sampling_sweeps")(diffusion(10), x), lambda: digits(130),
                    first)],
        "models.diffusion.train_digit_diffusion": [
            refused("images", lambda x: lazy("models.diffusion", "train_digit_diffusion")(x, None, 1, batch_size=2,
                                                                                        progress=False),
                    digits, first)],
        "models.diffusion.Diffusion.generate": [
            refused("noise", lambda z: diffusion().generate(noise=z, steps=1), lambda: _rng().standard_normal((3, 2)),
                    first)],
        # noise
        "noise.uniform_half_width": scalar, "noise.uniform_std": scalar,
        **{f"noise.{name}": [refused("image", call, image, first)] for name, call in [
            ("gaussian_noise", lambda x: noise.gaussian_noise(x, 0.1, rng=0)),
            ("uniform_noise", lambda x: noise.uniform_noise(x, 0.1, rng=0)),
            ("salt_and_pepper_noise", lambda x: noise.salt_and_pepper_noise(x, 0.1, rng=0)),
            ("poisson_noise", lambda x: noise.poisson_noise(x, 10, rng=0)),
            ("speckle_noise", lambda x: noise.speckle_noise(x, 0.1, rng=0)),
            ("add_noise", lambda x: noise.add_noise(x, "gaussian", 0.1, rng=0)),
            ("radial_power_spectrum", noise.radial_power_spectrum),
            ("spectral_exponent", lambda x: noise.spectral_exponent(x)),
            ("estimate_noise_sigma", noise.estimate_noise_sigma),
        ]},
        **dict.fromkeys(["noise.white_noise", "noise.colored_noise", "noise.value_noise"],
                        NoArray("a shape and settings (they make images)")),
        # procedural (notebook 07)
        "procedural.make_seamless": [refused("texture", procedural.make_seamless, image, first)],
        "procedural.seam_report": [refused("texture", procedural.seam_report, image, first)],
        "procedural.tile": [refused("texture", lambda x: procedural.tile(x, (2, 2)), image, first)],
        "procedural.colorize": [refused("field", procedural.colorize, image, first)],
        "procedural.save_variations": [
            refused("images", lambda x: procedural.save_variations(x, list(range(len(x))), _tmp_folder()),
                    lambda: _rng().random((3, 8, 8)), first)],
        "procedural.palette": NoArray("a palette name or colour stops (numbers, checked there)"),
        "widgets.landscape_explorer": NoArray("a shape and settings (it makes its images; settings checked there)"),
        "widgets.pdf_explorer": NoArray("a sample count and a seed (it draws its samples; checked there)"),
        **dict.fromkeys(["procedural.landscape", "procedural.sprite_sheet", "procedural.tile_map"],
                        NoArray("a shape and settings (they make images)")),
        # synthetic (notebook 07)
        "synthetic.pseudo_label": [refused("images", synthetic.pseudo_label, digits, first)],
        "synthetic.augment": [refused("images", synthetic.augment, digits, first)],
        "synthetic.accuracy": [refused("images", lambda x: synthetic.accuracy(None, x, np.arange(len(x)) % 10),
                                       digits, first)],
        "synthetic.noise_robustness": [
            refused("images", lambda x: synthetic.noise_robustness(None, x, np.arange(len(x)) % 10, [0.1],
                                                                   kinds=["gaussian"]), digits, first)],
        "synthetic.train_scored": [
            refused("images", lambda x: synthetic.train_scored(x, np.arange(len(x)) % 10, epochs=1, seed=0),
                    digits, first)],
        "synthetic.balanced_subset": [refused("labels", lambda y: synthetic.balanced_subset(y, 10),
                                              lambda: np.repeat(np.arange(10), 3), batch)],
        "synthetic.mean_sd": [refused("values", synthetic.mean_sd, lambda: np.array([0.9, 0.92, 0.94]))],
        **dict.fromkeys(["synthetic.generate_digits", "synthetic.check_leakage", "synthetic.tstr_grid",
                         "synthetic.few_label_grid", "synthetic.run_grid", "synthetic.load_grid",
                         "synthetic.noisy_training_set"],
                        NoArray("names, counts and seeds (the experiments of notebook 07; bad ones: tests/test_synthetic.py)")),
        # plotting
        "plotting.show_image": [refused("img", _draw(lambda ax, x: plotting.show_image(x, ax=ax)), image, first)],
        "plotting.mosaic": [refused("images", plotting.mosaic, digits, first)],
        "plotting.image_grid": [refused("images", _close_figure(plotting.image_grid), digits, first)],
        "plotting.histogram_with_pdf": [refused("samples", _draw(lambda ax, s: plotting.histogram_with_pdf(s, ax=ax)),
                                                samples)],
        "plotting.use_course_style": NoArray("a format name"),
        "plotting.plot_history": NoArray("a training history (a dict of lists; a NaN loss is drawn as a gap)"),
        # training
        **dict.fromkeys(["training.save_checkpoint", "training.load_checkpoint", "training.fit_resumable",
                         "training.epoch_means", "training.SeededInitializers", "training.SeededInitializers.of",
                         "training.ProgressBar", "training.LossHistory", "training.LossHistory.resume_from",
                         "training.PeriodicEval", "training.LiveSamples", "training.LiveSamples.draw",
                         "training.save_model", "training.load_model", "training.Timer",
                         "training.compare_learning_rates"],
                        NoArray("models, files, callbacks and histories")),
        "training.image_batches": [refused("images", lambda x: training.image_batches(x, 2), digits, first)],
        "training.array_batches": [refused("samples", lambda x: training.array_batches(x, 2), rows, batch)],
        # widgets
        **dict.fromkeys(["widgets.new_figure", "widgets.Panel", "widgets.Panel.refresh", "widgets.Panel.set",
                         "widgets.Panel.image", "widgets.Panel.widget", "widgets.snapshots"],
                        NoArray("figures, controls and settings")),
        "widgets.histogram_bars": [refused("edges", _draw(lambda ax, e: widgets.histogram_bars(ax, e)),
                                           lambda: np.linspace(0, 1, 6), batch)],
        "widgets.set_bar_heights": [refused("heights", _bars, lambda: np.ones(4), batch)],
        "widgets.kernel_explorer": [refused("image", lambda x: widgets.kernel_explorer(x, render=False), image,
                                            first)],
        "widgets.upsampling_explorer": [refused("image", lambda x: widgets.upsampling_explorer(x, render=False),
                                                image, first)],
        "widgets.forward_process_explorer": [
            refused("images", lambda x: widgets.forward_process_explorer(x, render=False), digits, first)],
        "widgets.upsample_by": [refused("x", lambda x: widgets.upsample_by("nearest ×2, then conv 3×3", x, np.ones((3, 3))),
                                        image, first)],
        "widgets.checkerboard_contrast": [refused("output", widgets.checkerboard_contrast, lambda: image() + 0.5,
                                                  first)],
        "widgets.upsampling_kernel": NoArray("a method name and a seed"),
        "widgets.fid_explorer": [refused("reference_features", _fid_panel, lambda: _rng().normal(size=(200, 4)),
                                         first)],
        **dict.fromkeys(["widgets.learning_rate_explorer", "widgets.precomputed_explorer"],
                        NoArray("results measured by helpers' own runs (dicts of curves, features and pictures)")),
        "widgets.noise_explorer": [refused("image", lambda x: widgets.noise_explorer(x, render=False), image, first)],
    }
    return entries


def _fid_panel(reference):
    """fid_explorer with one kind of change at two strengths (its docstring's example)."""
    from helpers import widgets

    features = _rng().normal(size=(200, 4))
    variants = {"shift": [(f"+{s}", np.zeros((16, 8, 8)), features + s) for s in (0.0, 1.0)]}
    return widgets.fid_explorer(reference, variants, {"shift": [0.0, 4.0]}, render=False)


def _tmp_folder():
    import tempfile

    return tempfile.mkdtemp(prefix="bad_input_")


def binary28(n=4):
    return (_rng().random((n, 28, 28)) < 0.5).astype(np.float32)


def _close_figure(fn):
    def run(*args, **kwargs):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        try:
            return fn(*args, **kwargs)
        finally:
            plt.close("all")

    return run


ENTRIES = _entries()


# ----------------------------------------------------------------------------- the public callables

def public_callables():
    """``{"module.name": object}`` for every public function, class and method of ``helpers``.

    Public: listed in the module's ``__all__`` (or, without one, not starting with ``_``) and
    defined in that module; for classes, also the methods they define themselves (not those
    overriding a method of a base class from outside ``helpers``, such as Keras' ``train_step``).
    Exception classes are left out.
    """
    found = {}
    for info in pkgutil.walk_packages(helpers.__path__, "helpers."):
        module = importlib.import_module(info.name)
        names = getattr(module, "__all__", None)
        if names is None:
            names = [n for n in vars(module) if not n.startswith("_")]
        short = info.name[len("helpers."):]
        for name in names:
            obj = getattr(module, name)
            if getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj):
                found[f"{short}.{name}"] = obj
            elif inspect.isclass(obj) and not issubclass(obj, BaseException):
                found[f"{short}.{name}"] = obj
                foreign = {attr for base in obj.__mro__[1:] if not base.__module__.startswith("helpers")
                           for attr in vars(base)}
                for attr, value in vars(obj).items():
                    if attr.startswith("_") or attr in foreign:
                        continue
                    if inspect.isfunction(value) or isinstance(value, (classmethod, staticmethod)):
                        found[f"{short}.{name}.{attr}"] = getattr(obj, attr)
    return found


# ----------------------------------------------------------------------------- the table

def table():
    """The docstring's table, from :data:`ENTRIES`."""
    width = max(len(f"{key}({case.arg})") for key, cases in ENTRIES.items() if isinstance(cases, list)
                for case in cases)
    lines = ["    " + (f"{'function(argument)':<{width}}  " + "  ".join(f"{c:<7}" for c in CLASSES)).rstrip()]
    for key in sorted(ENTRIES):
        cases = ENTRIES[key]
        if isinstance(cases, NoArray):
            lines.append("    " + f"{key:<{width}}  (no array: {cases.why})")
            continue
        for case in cases:
            lines.append("    " + f"{key + '(' + case.arg + ')':<{width}}  "
                         + "  ".join(f"{case.outcomes[c]:<7}" for c in CLASSES).rstrip())
    return "\n".join(lines)


# ----------------------------------------------------------------------------- the tests

def test_every_public_callable_has_an_entry():
    found = public_callables()
    missing = sorted(set(found) - set(ENTRIES))
    assert not missing, ("add an entry for " + ", ".join(missing)
                         + " in tests/test_bad_input.py (ENTRIES): a refusal case for each image or array "
                         "argument, elementwise(...), or NoArray(why)")
    stale = sorted(set(ENTRIES) - set(found))
    assert not stale, f"entries for callables that are not public (any more): {stale}"


def _bad_value(case, cls):
    good = np.asarray(case.good())
    if cls in ("NaN", "+inf", "-inf"):
        bad = good.astype(np.float64) if good.dtype.kind != "f" else good.copy()
        bad.flat[min(1, bad.size - 1)] = {"NaN": np.nan, "+inf": np.inf, "-inf": -np.inf}[cls]
        return bad
    if cls == "complex":
        return good.astype(np.complex128)
    if cls == "empty":
        return good[:0]
    return case.rank(good) if case.rank is not None else good.reshape((1,) + good.shape)


ARRAY_CASES = [(key, i) for key in sorted(ENTRIES) if isinstance(ENTRIES[key], list) for i in range(len(ENTRIES[key]))]


@pytest.mark.parametrize("key, index", ARRAY_CASES,
                         ids=[f"{key}({ENTRIES[key][i].arg})" for key, i in ARRAY_CASES])
def test_bad_arrays_give_their_outcome(key, index):
    case = ENTRIES[key][index]
    problems = []
    for cls in CLASSES:
        expected = case.outcomes[cls]
        value = _bad_value(case, cls)
        try:
            result = case.call(value)
        except (ValueError, TypeError) as error:
            if expected != "E":
                problems.append(f"{cls}: expected {expected}, got {type(error).__name__}: {error}")
            elif not re.search(rf"\b{re.escape(case.arg)}\b", str(error)):
                problems.append(f"{cls}: the {type(error).__name__} does not name {case.arg!r}: {error}")
            continue
        except Exception as error:  # noqa: BLE001 - any other error is a finding
            problems.append(f"{cls}: expected {expected}, got {type(error).__name__}: {error}")
            continue
        if expected == "E":
            problems.append(f"{cls}: accepted (expected ValueError/TypeError naming {case.arg!r}); "
                            f"returned {_short(result)}")
        elif expected == "NaN":
            out, clean = np.asarray(result), np.asarray(case.call(np.asarray(case.good())))
            where = np.isnan(np.asarray(value, dtype=float))
            if out.shape != clean.shape or not np.isnan(out[where]).all() or not np.allclose(out[~where], clean[~where]):
                problems.append(f"{cls}: expected NaN where the input is NaN and the other values unchanged; "
                                f"got {_short(result)}")
        elif expected == "lim":
            if np.isnan(np.asarray(result, dtype=float)).any():
                problems.append(f"{cls}: expected no NaN (the limit at infinity); got {_short(result)}")
        elif expected == "[]":
            if np.asarray(result).size != 0:
                problems.append(f"{cls}: expected an empty result; got {_short(result)}")
    assert not problems, f"{key}({case.arg}):\n  " + "\n  ".join(problems)


def _short(value):
    text = repr(value)
    return text if len(text) < 120 else text[:117] + "..."


@pytest.mark.parametrize("key", sorted(k for k in ENTRIES if isinstance(ENTRIES[k], list)))
def test_docstring_says_which(key):
    obj = public_callables()[key]
    doc = inspect.getdoc(obj) or ""
    if key.count(".") >= 2 and key.rsplit(".", 1)[0] in ENTRIES:  # a method: its class's docstring counts
        doc += "\n" + (inspect.getdoc(public_callables()[key.rsplit(".", 1)[0]]) or "")
    outcomes = {o for case in ENTRIES[key] for o in case.outcomes.values()}
    if "E" in outcomes:
        assert re.search(r"^Raises\n-+", doc, re.M), f"{key}: its docstring needs a Raises section (what it refuses)"
    if "NaN" in outcomes:
        assert "elementwise" in doc.lower() and "NaN" in doc, (
            f"{key}: its docstring must say that it works elementwise (NaN in, NaN out)")


def test_table_in_docstring_is_current():
    import sys

    source = inspect.getsource(sys.modules[__name__])
    assert table() in source, "the table in the module docstring is out of date; replace it with:\n" + table()

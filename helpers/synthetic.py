"""Generated digits as training data, measured: train on synthetic, test on real; few labels; noise robustness.

The experiments of notebook 07, so that the notebook holds the reasoning and the tables, not the loops:

- :data:`SOURCES` -- where training digits come from (the real ones, or a shipped generator), with
  how many *labels* each generator saw while it was trained (the leakage guard).
- :func:`generate_digits` -- ``n`` digits from a source (class-balanced labels for a conditional model).
- :func:`pseudo_label` -- label unconditional samples with a classifier, keeping the most confident per class.
- :func:`augment` -- classical augmentation: shifts, small rotations, the noise models of notebook 01.
- :func:`balanced_subset` -- ``n`` labelled digits, the same number of each class.
- :func:`check_leakage` -- refuse a generator that saw more labels than an experiment allows.
- :func:`tstr_grid` -- "train on synthetic, test on real" (Ravuri & Vinyals 2019), seeds x sources.
- :func:`few_label_grid` -- 100 / 1,000 labels x four arms x seeds.
- :func:`noise_robustness` -- accuracy against noise strength for each noise model (NumPy only).
- :func:`mean_sd` -- the ``mean ± sd`` strings of the tables.
- :func:`run_grid` -- all three experiments, as ``scripts/data/run_applications.py`` caches them;
  :func:`load_grid` reads the cache (``data/applications_grid.npz``).

Every classifier is the course's (:mod:`helpers.models.classifier`) trained with
:func:`helpers.models.classifier.train_classifier`, and scored in NumPy on the 1,000 real test digits
(:func:`helpers.digit_metrics.forward`). TensorFlow is imported only by the functions that train or
sample a model.
"""

from __future__ import annotations

import numpy as np

from . import checks, digit_metrics, noise
from .data import check_digit_images, load_mnist_sample, to_float

__all__ = ["SOURCES", "ARMS", "N_TRAIN", "generate_digits", "pseudo_label", "augment", "balanced_subset",
           "check_leakage", "accuracy", "train_scored", "tstr_grid", "few_label_grid", "noise_robustness",
           "mean_sd", "GRID_FILE", "ROBUST_LEVEL", "noisy_training_set", "run_grid", "load_grid"]

#: Size of every training set of the grids (the real training set's size), so every arm takes the same steps.
N_TRAIN = 4000

#: Where training digits can come from. ``labels_seen``: how many labelled digits the generator's
#: weights were trained with (0: trained on images only). The conditional models, and the diffusion
#: model even when sampled unconditionally (its network was trained with the labels, replaced by "no
#: class" for 10 % of the training examples), saw all 4,000 labels.
SOURCES = {
    "real": dict(shipped=None, conditional=True, labels_seen=4000, title="real digits (4,000)"),
    "conditional_dcgan": dict(shipped="conditional_dcgan", conditional=True, labels_seen=4000,
                              title="conditional DCGAN"),
    "diffusion_guided": dict(shipped="diffusion", conditional=True, labels_seen=4000, guidance=1.25,
                             title="diffusion, guided w = 1.25"),
    "dcgan": dict(shipped="dcgan", conditional=False, labels_seen=0, title="DCGAN + pseudo-labels"),
    "vae": dict(shipped="vae_z16_beta1", conditional=False, labels_seen=0, title="VAE (16-D) + pseudo-labels"),
    "diffusion_unconditional": dict(shipped="diffusion", conditional=False, labels_seen=4000, guidance=0.0,
                                    title="diffusion, unconditional + pseudo-labels"),
}

#: The arms of the few-label grid.
ARMS = ("labels only", "+ augmentation", "+ generated", "+ both")

_MODELS = {}


def _source(name):
    return SOURCES[checks.choice(name, "source", tuple(SOURCES))]


def _model(shipped):
    if shipped not in _MODELS:
        from .models import load_shipped
        _MODELS[shipped] = load_shipped(shipped)
    return _MODELS[shipped]


def generate_digits(source, n, seed=0, steps=20):
    """``n`` digits (n, 28, 28) float32 in [0, 1] from ``source``, and their labels (or None).

    A conditional source gets the classes 0, 1, ..., 9 in turn (balanced); an unconditional one
    returns ``labels=None`` (label them with :func:`pseudo_label`). ``"real"`` draws ``n`` of the
    4,000 training digits (balanced, :func:`balanced_subset`). ``steps``: sampler steps of the
    diffusion model (20, as in notebook 06).

    Raises
    ------
    ValueError
        Unknown source, ``n`` < 1 (or, for ``"real"``, more than it holds), a negative seed.

    Examples
    --------
    >>> x, y = generate_digits("real", 20, seed=0)
    >>> x.shape, np.bincount(y).tolist()
    ((20, 28, 28), [2, 2, 2, 2, 2, 2, 2, 2, 2, 2])
    """
    spec = _source(source)
    n = checks.integer(n, "n")
    seed = checks.integer(seed, "seed", minimum=0)
    if spec["shipped"] is None:
        x, y = load_mnist_sample("train")
        index = balanced_subset(y, n, seed)
        return to_float(x[index]), y[index]
    model = _model(spec["shipped"])
    labels = (np.arange(n) % 10) if spec["conditional"] else None
    if spec["shipped"] == "diffusion":
        images = model.generate(n=n, labels=labels, guidance=spec["guidance"] if labels is not None else 1.0,
                                steps=steps, seed=seed)
    elif spec["shipped"].startswith("vae"):
        images = model.generate(n, seed=seed)
    else:
        images = model.generate(n=n, labels=labels, seed=seed)
    images = np.clip(np.asarray(images, dtype=np.float32).reshape(n, 28, 28), 0, 1)
    return images, labels


def balanced_subset(labels, n, seed=0):
    """Indices of ``n`` digits of ``labels``, ``n // 10`` of each class (the rest spread over the first classes).

    Raises
    ------
    ValueError
        ``labels`` not integers in 0..9, ``n`` <= 0 or more than a class can give, a negative seed.

    Examples
    --------
    >>> y = np.repeat(np.arange(10), 5)
    >>> np.bincount(y[balanced_subset(y, 20, seed=1)]).tolist()
    [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
    """
    y = np.asarray(labels)
    if y.ndim != 1 or y.size == 0 or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() > 9:
        raise ValueError(f"labels must be a non-empty vector of integers in 0..9; got shape {y.shape}, dtype {y.dtype}")
    n = checks.integer(n, "n")
    rng = checks.make_rng(seed, "seed")
    per_class = [n // 10 + (1 if k < n % 10 else 0) for k in range(10)]
    chosen = []
    for k, m in enumerate(per_class):
        members = np.flatnonzero(y == k)
        if m > len(members):
            raise ValueError(f"n={n} asks for {m} digits of class {k}; labels hold {len(members)}")
        chosen.append(rng.choice(members, m, replace=False))
    return np.sort(np.concatenate(chosen))


def check_leakage(source, n_labels):
    """Refuse a generator whose weights saw more labels than an experiment with ``n_labels`` labels allows.

    Returns the source's entry of :data:`SOURCES` when it may be used.

    Raises
    ------
    ValueError
        Unknown source, ``n_labels`` <= 0, or the source saw more than ``n_labels`` labels.

    Examples
    --------
    >>> check_leakage("dcgan", 100)["labels_seen"]
    0
    >>> check_leakage("conditional_dcgan", 100)
    Traceback (most recent call last):
    ...
    ValueError: label leakage: source 'conditional_dcgan' was trained with 4000 labels; an arm with 100 labels may only use generators that saw at most 100
    """
    spec = _source(source)
    n_labels = checks.integer(n_labels, "n_labels")
    if spec["labels_seen"] > n_labels:
        raise ValueError(f"label leakage: source {source!r} was trained with {spec['labels_seen']} labels; an arm "
                         f"with {n_labels} labels may only use generators that saw at most {n_labels}")
    return spec


def pseudo_label(images, weights=None, per_class=None):
    """Label digits with a classifier; keep the ``per_class`` most confident of each predicted class.

    Parameters
    ----------
    images : array_like of float in [0, 1], shape (N, 28, 28) or (N, 28, 28, 1)
    weights : dict of arrays, optional
        A classifier (:func:`helpers.models.classifier.export_weights`); default the shipped one
        (which saw all 4,000 labels: use your own in a few-label experiment).
    per_class : int, optional
        Keep this many per class (fewer if a class is predicted less often); None keeps all.

    Returns
    -------
    index : ndarray of int
        The kept images, in order of class then confidence.
    labels : ndarray of int
        Their predicted classes.

    Raises
    ------
    ValueError
        If ``images`` is not a batch of 28 x 28 digits (:func:`helpers.data.check_digit_images`),
        or ``per_class`` < 1.
    TypeError
        If ``images`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> x, y = generate_digits("real", 50, seed=0)
    >>> index, labels = pseudo_label(x, per_class=2)
    >>> len(index) <= 20, bool(np.mean(labels == y[index]) > 0.9)
    (True, True)
    """
    x = check_digit_images(images)
    if per_class is not None:
        per_class = checks.integer(per_class, "per_class")
    logits = digit_metrics.forward(x, weights=weights, upto="logits")
    logits = logits - logits.max(1, keepdims=True)
    prob = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    pred, conf = prob.argmax(1), prob.max(1)
    keep = []
    for k in range(10):
        members = np.flatnonzero(pred == k)
        members = members[np.argsort(-conf[members], kind="stable")]
        keep.append(members if per_class is None else members[:per_class])
    index = np.concatenate(keep)
    return index, pred[index]


def augment(images, seed=0, max_shift=2, max_degrees=15.0, noise_level=0.2):
    """Classical augmentation: each digit shifted, rotated a little, and given one of notebook 01's noises.

    Per image: a shift of up to ``max_shift`` pixels each way, a rotation uniform in
    [-``max_degrees``, ``max_degrees``] (bilinear, about the centre), and noise of a kind drawn from
    :data:`helpers.noise.NOISE_KINDS` at a level uniform in [0, ``noise_level``].

    Raises
    ------
    ValueError
        If ``images`` is not a batch of 28 x 28 digits (:func:`helpers.data.check_digit_images`);
        negative settings.
    TypeError
        If ``images`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> x, _ = generate_digits("real", 10, seed=0)
    >>> a = augment(x, seed=1)
    >>> a.shape, a.dtype, bool(np.array_equal(a, augment(x, seed=1)))
    ((10, 28, 28), dtype('float32'), True)
    """
    from scipy import ndimage

    x = check_digit_images(images)
    rng = checks.make_rng(seed, "seed")
    max_shift = checks.integer(max_shift, "max_shift", minimum=0)
    max_degrees = checks.real(max_degrees, "max_degrees", low=0.0)
    noise_level = checks.real(noise_level, "noise_level", low=0.0, high=1.0)
    out = np.empty(x.shape, np.float32)
    for i, img in enumerate(x):
        dy, dx = rng.integers(-max_shift, max_shift + 1, size=2)
        angle = rng.uniform(-max_degrees, max_degrees)
        moved = ndimage.rotate(np.roll(img, (dy, dx), axis=(0, 1)), angle, reshape=False, order=1, mode="constant")
        kind = noise.NOISE_KINDS[rng.integers(len(noise.NOISE_KINDS))]
        out[i] = noise.add_noise(np.clip(moved, 0, 1), kind, rng.uniform(0, noise_level), rng=rng)
    return out


def accuracy(weights, images, labels):
    """Share of ``images`` that the classifier with ``weights`` puts in the class ``labels`` says.

    Raises
    ------
    ValueError
        If ``images`` is not a batch of 28 x 28 digits, or ``labels`` is not one class per image.
    TypeError
        If ``images`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> x, y = generate_digits("real", 100, seed=0)
    >>> accuracy(digit_metrics.load_weights(), x, y) > 0.9
    True
    """
    x = check_digit_images(images)
    y = np.asarray(labels)
    if y.shape != (len(x),):
        raise ValueError(f"labels must have one class per image, shape ({len(x)},); got {y.shape}")
    return float(np.mean(digit_metrics.classify(x, weights=weights) == y))


def _test_digits():
    x, y = load_mnist_sample("test")
    return to_float(x), y


def train_scored(images, labels, epochs, seed, max_shift=2):
    """Train the course classifier on ``images``/``labels``; return ``(test accuracy, weights)``.

    The settings of ``scripts/data/train_classifier.py`` (Adam 1e-3, batch 64, shifts of up to
    ``max_shift`` pixels) for ``epochs`` epochs; the accuracy is on the 1,000 real test digits.

    Raises
    ------
    ValueError
        If ``images`` is not a batch of 28 x 28 digits or the labels do not fit
        (:func:`helpers.models.classifier.train_classifier`).
    TypeError
        If ``images`` has a dtype other than float, uint8 or bool (complex included).
    """
    from .models.classifier import export_weights, train_classifier

    model, _ = train_classifier(images, labels, epochs=epochs, seed=seed, max_shift=max_shift, progress=False)
    weights = export_weights(model)
    x_test, y_test = _test_digits()
    return accuracy(weights, x_test, y_test), weights


def _bar(total, desc, progress):
    from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, disable=not progress)


def tstr_grid(sources=tuple(SOURCES), seeds=(0, 1, 2), n=N_TRAIN, epochs=10, sample_seed=1, progress=True):
    """Train on synthetic, test on real: accuracy on the real test digits of a classifier trained on each source.

    For every source, ``n`` digits are drawn once (``sample_seed``): a conditional generator gets
    balanced classes, an unconditional one gets 2 ``n`` samples of which the ``n // 10`` most
    confident per class by the shipped classifier are kept (pseudo-labels; that classifier saw the
    4,000 training labels, as the conditional generators did). A classifier is then trained on them
    once per seed.

    Returns
    -------
    dict
        ``accuracy``: array (len(sources), len(seeds)); ``sources``, ``seeds``; ``samples``: 100
        example digits per source (10 per class, for pictures); ``fid``: FID of each training set
        against the 1,000 test digits; ``min_class_share``: for unconditional sources, the rarest
        class's kept count over ``n // 10`` (1.0: every class filled; NaN for conditional sources).

    Raises
    ------
    ValueError
        An unknown source, no sources or seeds, ``n`` < 10, bad epochs.
    """
    sources = [s for s in sources]
    if not sources:
        raise ValueError("sources is empty")
    for s in sources:
        _source(s)
    seeds = [checks.integer(s, "seed", minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty")
    n = checks.integer(n, "n", minimum=10)
    epochs = checks.integer(epochs, "epochs")
    acc = np.zeros((len(sources), len(seeds)))
    examples, kept_share, fids = [], np.full(len(sources), np.nan), np.zeros(len(sources))
    test_features = digit_metrics.features(_test_digits()[0])
    bar = _bar(len(sources) * (len(seeds) + 1), "train on synthetic, test on real", progress)
    for i, source in enumerate(sources):
        if SOURCES[source]["conditional"]:
            x, y = generate_digits(source, n, seed=sample_seed)
        else:
            pool, _ = generate_digits(source, 2 * n, seed=sample_seed)
            index, y = pseudo_label(pool, per_class=n // 10)
            x = pool[index]
            kept_share[i] = np.bincount(y, minlength=10).min() / (n // 10)
        examples.append(np.concatenate([x[y == k][:10] for k in range(10)]))
        fids[i] = digit_metrics.fid(test_features, x)
        bar.update(1)
        for j, seed in enumerate(seeds):
            acc[i, j], _ = train_scored(x, y, epochs, seed)
            bar.set_postfix_str(f"{source} seed {seed}: {acc[i, j]:.3f}")
            bar.update(1)
    bar.close()
    return {"accuracy": acc, "sources": sources, "seeds": seeds, "samples": np.stack(examples),
            "fid": fids, "min_class_share": kept_share}


def _fill(index, size, rng):
    """``size`` indices cycling through ``index`` (every one used as equally often as possible)."""
    reps = np.resize(rng.permutation(index), size)
    return reps


def few_label_grid(n_labels=(100, 1000), seeds=(0, 1, 2, 3, 4), generator="dcgan", epochs=10, pool_size=10000,
                   progress=True):
    """Few labels: test accuracy of the four arms of :data:`ARMS` for each label count and seed.

    Every arm trains on :data:`N_TRAIN` digits (so every arm takes the same number of steps), with
    no other augmentation (``max_shift=0``):

    - *labels only*: the ``n`` labelled digits (balanced, :func:`balanced_subset`), repeated;
    - *+ augmentation*: the ``n`` digits and :func:`augment`-ed copies of them;
    - *+ generated*: the ``n`` digits repeated to half the set, and ``N_TRAIN / 2`` samples of the
      unconditional ``generator``, labelled by the *labels only* classifier of the same seed (the most
      confident ``N_TRAIN / 20`` per class of ``pool_size`` samples);
    - *+ both*: half the set as in *+ augmentation*, half generated and labelled by the
      *+ augmentation* classifier.

    No label leakage: :func:`check_leakage` refuses a generator that saw more than ``n`` labels, and the
    pseudo-labels come from classifiers trained on the arm's own ``n`` labels.

    Returns
    -------
    dict
        ``accuracy``: array (len(n_labels), len(ARMS), len(seeds)); ``n_labels``, ``arms``, ``seeds``,
        ``generator``; ``pseudo_accuracy``: array (len(n_labels), 2, len(seeds)) -- how often the
        pseudo-labels of *+ generated* and *+ both* agree with the shipped classifier's reading.

    Raises
    ------
    ValueError
        Label counts <= 0 or above what the training digits hold (or above ``N_TRAIN / 2``), an
        unknown or leaking generator, no seeds, bad epochs or pool size.
    """
    n_labels = [checks.integer(n, "n_labels") for n in np.atleast_1d(n_labels).tolist()]
    if not n_labels:
        raise ValueError("n_labels is empty")
    half = N_TRAIN // 2
    for n in n_labels:
        if n > half:
            raise ValueError(f"n_labels must be at most {half} (half of the {N_TRAIN} training digits); got {n}")
        check_leakage(generator, n)
    seeds = [checks.integer(s, "seed", minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty")
    epochs = checks.integer(epochs, "epochs")
    pool_size = checks.integer(pool_size, "pool_size", minimum=N_TRAIN)
    x_all, y_all = load_mnist_sample("train")
    x_all = to_float(x_all)
    shipped = digit_metrics.load_weights()
    acc = np.zeros((len(n_labels), len(ARMS), len(seeds)))
    pseudo = np.zeros((len(n_labels), 2, len(seeds)))
    bar = _bar(acc.size, f"few labels ({generator} for the generated arms)", progress)
    for j, seed in enumerate(seeds):
        pool, _ = generate_digits(generator, pool_size, seed=100 + seed)
        pool_reading = np.argmax(digit_metrics.forward(pool, upto="logits"), 1)
        for i, n in enumerate(n_labels):
            rng = np.random.default_rng([seed, n])
            index = balanced_subset(y_all, n, seed=int(rng.integers(2**31)))
            x, y = x_all[index], y_all[index]
            plain = _fill(np.arange(n), N_TRAIN, rng)
            copies = _fill(np.arange(n), N_TRAIN - n, rng)
            aug_x = np.concatenate([x, augment(x[copies], seed=int(rng.integers(2**31)))])
            aug_y = np.concatenate([y, y[copies]])
            sets = {}
            sets["labels only"] = (x[plain], y[plain])
            sets["+ augmentation"] = (aug_x, aug_y)
            teachers = {}
            for a, arm in enumerate(ARMS):
                if arm in ("+ generated", "+ both"):
                    teacher = teachers["labels only" if arm == "+ generated" else "+ augmentation"]
                    keep, labels = pseudo_label(pool, weights=teacher, per_class=half // 10)
                    pseudo[i, ARMS.index(arm) - 2, j] = float(np.mean(labels == pool_reading[keep]))
                    if arm == "+ generated":
                        real_x, real_y = x[plain[:half]], y[plain[:half]]
                    else:
                        real_x, real_y = aug_x[:half], aug_y[:half]
                    sets[arm] = (np.concatenate([real_x, pool[keep]]), np.concatenate([real_y, labels]))
                acc[i, a, j], teachers[arm] = train_scored(*sets[arm], epochs, seed, max_shift=0)
                bar.set_postfix_str(f"{n} labels, {arm}, seed {seed}: {acc[i, a, j]:.3f}")
                bar.update(1)
    bar.close()
    return {"accuracy": acc, "n_labels": n_labels, "arms": list(ARMS), "seeds": seeds, "generator": generator,
            "pseudo_agreement": pseudo}


def noise_robustness(weights, images, labels, levels, kinds=noise.NOISE_KINDS, seed=0):
    """Accuracy of a classifier on ``images`` corrupted by each noise kind at each level (NumPy only).

    Parameters
    ----------
    weights : dict of arrays or None
        The classifier (None: the shipped one).
    images, labels : the clean test digits and their classes
    levels : sequence of float in [0, 1]
        Strengths in the units of :func:`helpers.noise.add_noise`.
    kinds : sequence of names from :data:`helpers.noise.NOISE_KINDS`
    seed : int
        The noise; the same for every classifier compared.

    Returns
    -------
    ndarray, shape (len(kinds), len(levels))

    Raises
    ------
    ValueError
        If ``images`` is not a batch of 28 x 28 digits, ``labels`` do not fit, a level is outside
        [0, 1], or a kind is unknown.
    TypeError
        If ``images`` has a dtype other than float, uint8 or bool (complex included).

    Examples
    --------
    >>> x, y = generate_digits("real", 50, seed=0)
    >>> noise_robustness(None, x, y, [0.0, 0.5], kinds=["gaussian"]).shape
    (1, 2)
    """
    x = check_digit_images(images)
    levels = [checks.real(v, "level", low=0.0, high=1.0) for v in levels]
    if not levels:
        raise ValueError("levels is empty")
    kinds = [checks.choice(k, "kind", noise.NOISE_KINDS) for k in kinds]
    out = np.zeros((len(kinds), len(levels)))
    for a, kind in enumerate(kinds):
        for b, level in enumerate(levels):
            noisy = noise.add_noise(x, kind, level, rng=np.random.default_rng([seed, a, b]))
            out[a, b] = accuracy(weights, noisy, labels)
    return out


def mean_sd(values, percent=True):
    """``"mean ± sd"`` of the last axis (sample standard deviation), as percentages by default.

    Raises
    ------
    ValueError
        If ``values`` is empty or holds NaN or infinite values.
    TypeError
        If ``values`` is complex or not numeric.

    Examples
    --------
    >>> mean_sd([0.9, 0.92, 0.94])
    '92.0 ± 2.0'
    >>> mean_sd([0.9])
    '90.0'
    """
    v = checks.finite(values, "values", nonempty=True)
    scale = 100.0 if percent else 1.0
    if v.ndim > 1:
        return np.array([mean_sd(row, percent) for row in v.reshape(-1, v.shape[-1])]).reshape(v.shape[:-1])
    if len(v) == 1:
        return f"{scale * v[0]:.1f}"
    return f"{scale * v.mean():.1f} ± {scale * v.std(ddof=1):.1f}"


# --------------------------------------------------------------------------- the cached grid of notebook 07

#: File in ``data/`` written by ``scripts/data/run_applications.py`` (:func:`run_grid`), read by :func:`load_grid`.
GRID_FILE = "applications_grid.npz"
#: Largest noise strength of the noise-augmented classifier's training copies.
ROBUST_LEVEL = 0.5


def noisy_training_set(seed=0):
    """The 4,000 training digits and one noisy copy of each (a kind of notebook 01 and a strength in [0, 0.5] per image).

    Raises
    ------
    ValueError
        A negative seed.
    """
    x, y = load_mnist_sample("train")
    x = to_float(x)
    rng = checks.make_rng(seed, "seed")
    noisy = np.empty_like(x)
    for i, img in enumerate(x):
        kind = noise.NOISE_KINDS[rng.integers(len(noise.NOISE_KINDS))]
        noisy[i] = noise.add_noise(img, kind, rng.uniform(0, ROBUST_LEVEL), rng=rng)
    return np.concatenate([x, noisy]), np.concatenate([y, y])


def run_grid(epochs=10, seeds=5, quick=False, progress=True):
    """Compute notebook 07's three experiments; return the arrays :func:`load_grid` gives.

    1. :func:`tstr_grid` over every source of :data:`SOURCES` (``quick``: real, conditional DCGAN and
       DCGAN on 200 digits); 2. :func:`few_label_grid` for 100 and 1,000 labels (``quick``: 20);
    3. a classifier trained on :func:`noisy_training_set` for 1.5 x ``epochs`` epochs (the steps of
       ``2 * epochs`` on 4,000 digits; its weights are returned as ``robust_*``).

    Every classifier: the course's, Adam 1e-3, batch 64, ``epochs`` epochs (``scripts/data/train_classifier.py``
    uses 30). About 15 minutes on 2 CPU cores with the defaults.

    Raises
    ------
    ValueError
        ``epochs`` or ``seeds`` < 1.
    """
    import datetime
    import json
    import platform
    import time

    epochs = checks.integer(epochs, "epochs")
    seeds = tuple(range(checks.integer(seeds, "seeds")))
    sources = ("real", "conditional_dcgan", "dcgan") if quick else tuple(SOURCES)
    n = 200 if quick else N_TRAIN
    pool = N_TRAIN if quick else 10000
    times = {}
    start = time.perf_counter()
    tstr = tstr_grid(sources, seeds=seeds, n=n, epochs=epochs, progress=progress)
    times["tstr_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    few = few_label_grid((20,) if quick else (100, 1000), seeds=seeds, epochs=epochs, pool_size=pool,
                         progress=progress)
    times["few_label_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    from .models.classifier import export_weights, train_classifier

    rx, ry = noisy_training_set(seed=0)
    if quick:
        rx, ry = rx[::20], ry[::20]
    robust_epochs = max(1, (3 * epochs) // 2)
    model, _ = train_classifier(rx, ry, epochs=robust_epochs, seed=0, progress=progress)
    robust = export_weights(model)
    times["robust_seconds"] = time.perf_counter() - start
    from importlib.metadata import version

    provenance = {
        "written_by": "helpers.synthetic.run_grid (scripts/data/run_applications.py)",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "epochs": epochs, "seeds": list(seeds), "n_train": n, "quick": bool(quick),
        "tstr": {"sources": list(tstr["sources"]), "sample_seed": 1, "max_shift": 2,
                 "titles": [SOURCES[s]["title"] for s in tstr["sources"]]},
        "few_label": {"n_labels": few["n_labels"], "arms": few["arms"], "generator": few["generator"],
                      "max_shift": 0, "pool_size": pool},
        "robust": {"epochs": robust_epochs, "max_level": ROBUST_LEVEL, "seed": 0,
                   "training_set": "4,000 training digits + one noisy copy each"},
        "seconds_wall": {k: round(v, 1) for k, v in times.items()},
        "python": platform.python_version(), "numpy": np.__version__, "keras": version("keras"),
    }
    return {"tstr_accuracy": tstr["accuracy"], "tstr_fid": tstr["fid"],
            "tstr_min_class_share": tstr["min_class_share"],
            "tstr_samples": np.round(tstr["samples"] * 255).astype(np.uint8),
            "few_accuracy": few["accuracy"], "few_pseudo_agreement": few["pseudo_agreement"],
            **{f"robust_{k}": v for k, v in robust.items()},
            "provenance": np.array(json.dumps(provenance))}


def load_grid(path=None):
    """The cached grid (``data/applications_grid.npz``, checksum verified) as a dict of arrays.

    ``provenance`` is decoded from JSON; ``robust_weights`` collects the noise-augmented classifier's
    arrays (for :func:`helpers.digit_metrics.forward`).

    Raises
    ------
    helpers.data.DataError
        Missing, corrupt or incomplete file.

    Examples
    --------
    >>> grid = load_grid()
    >>> grid["few_accuracy"].shape[:2], "date" in grid["provenance"]
    ((2, 4), True)
    """
    from .data import embedded_path, load_npz

    keys = ["tstr_accuracy", "tstr_fid", "tstr_min_class_share", "tstr_samples", "few_accuracy",
            "few_pseudo_agreement", "provenance"] + [f"robust_{k}" for k in digit_metrics.weight_names()]
    grid = load_npz(embedded_path(GRID_FILE) if path is None else path, keys)
    return _decoded(grid)


def _decoded(grid):
    import json

    grid = dict(grid)
    if not isinstance(grid["provenance"], dict):
        grid["provenance"] = json.loads(str(np.asarray(grid["provenance"]).reshape(-1)[0]))  # stored as a (1,) array
    grid["robust_weights"] = {k: grid[f"robust_{k}"] for k in digit_metrics.weight_names()}
    return grid

"""The diffusion forward process, exact denoisers and samplers, in NumPy (no TensorFlow).

Notebook 06's mathematics, usable without a network:

- :func:`alpha_sigma` gives the closed form ``q(x_t | x_0) = N(alpha(t) x_0, sigma(t)^2 I)`` of
  the noise schedules ``"linear"`` (DDPM's betas 1e-4 ... 0.02 over 1,000 steps, as a continuous
  function of ``t`` in [0, 1]), ``"cosine"`` (``alpha = cos(theta)``, ``sigma = sin(theta)``)
  and ``"flow"`` (the rectified-flow / flow-matching interpolation ``x_t = (1 - t) x_0 + t eps``);
  :func:`q_sample` draws ``x_t``; :func:`signal_to_noise` is ``alpha^2 / sigma^2``.
- :func:`mixture_denoiser`: the exact denoiser ``E[x_0 | x_t]`` of a Gaussian mixture (the best
  possible network for toy data), with its score ``grad log p_t``.
- :func:`sample_loop`: the samplers ``"ddpm"`` (ancestral: a fresh Gaussian draw at every step),
  ``"ddim"`` (deterministic, any number of steps), ``"euler"`` and ``"heun"`` (first- and
  second-order solvers of the probability-flow ODE) around any denoiser ``(x_t, t) -> (x0_hat,
  eps_hat)``: the exact one above, or a trained network (:mod:`helpers.models.diffusion`).
"""

from __future__ import annotations

import math

import numpy as np

from . import checks

__all__ = ["SCHEDULES", "SAMPLERS", "alpha_sigma", "alpha_sigma_derivatives", "signal_to_noise", "q_sample",
           "flow_interpolate", "mixture_denoiser", "time_grid", "sample_loop"]

SCHEDULES = ("linear", "cosine", "flow")
SAMPLERS = ("ddpm", "ddim", "euler", "heun")

#: DDPM's linear betas (Ho et al. 2020): 1e-4 ... 0.02 over 1,000 steps, i.e. beta(t) = T * that.
LINEAR_BETA = (0.1, 20.0)
#: The cosine schedule stops at alpha(1) = this value (as small as the linear schedule's end).
COSINE_ALPHA_END = float(np.exp(-0.25 * (LINEAR_BETA[0] + LINEAR_BETA[1])))


# --------------------------------------------------------------------------- checks


def _times(t, name="t"):
    t = checks.real_array(t, name)
    if not np.isfinite(t).all() or t.size and (t.min() < 0 or t.max() > 1):
        raise ValueError(f"{name} must lie in [0, 1]")
    return t


# --------------------------------------------------------------------------- schedules


def alpha_sigma(t, schedule="cosine"):
    """Signal and noise scales ``alpha(t)``, ``sigma(t)`` of ``q(x_t | x_0) = N(alpha x_0, sigma^2 I)``.

    Parameters
    ----------
    t : float or array_like in [0, 1]
        Time: 0 is clean data, 1 is (almost) pure noise.
    schedule : {"linear", "cosine", "flow"}
        ``"linear"``: DDPM's betas as a continuous function, ``alpha^2 = exp(-int_0^t beta)``
        with ``beta(t) = 0.1 + 19.9 t``, ``sigma^2 = 1 - alpha^2`` (variance preserving).
        ``"cosine"``: ``alpha = cos(theta)``, ``sigma = sin(theta)``, ``theta = t arccos(a_end)``
        with ``a_end`` = the linear schedule's final alpha (variance preserving).
        ``"flow"``: ``alpha = 1 - t``, ``sigma = t`` (rectified flow / flow matching).

    Returns
    -------
    alpha, sigma : ndarray of float64 (same shape as ``t``)

    Raises
    ------
    TypeError
        If ``t`` is complex or not numeric.
    ValueError
        If ``t`` is NaN, infinite or outside [0, 1].

    Examples
    --------
    >>> a, s = alpha_sigma([0.0, 0.5, 1.0], "flow")
    >>> a.tolist(), s.tolist()
    ([1.0, 0.5, 0.0], [0.0, 0.5, 1.0])
    >>> a, s = alpha_sigma(0.3, "linear")
    >>> round(float(a**2 + s**2), 12)
    1.0
    """
    checks.choice(schedule, "schedule", SCHEDULES)
    t = _times(t)
    if schedule == "flow":
        return 1.0 - t, t.copy()
    if schedule == "cosine":
        theta = t * math.acos(COSINE_ALPHA_END)
        return np.cos(theta), np.sin(theta)
    b0, b1 = LINEAR_BETA
    alpha = np.exp(-0.5 * (b0 * t + 0.5 * (b1 - b0) * t * t))
    return alpha, np.sqrt(np.maximum(1.0 - alpha * alpha, 0.0))


def alpha_sigma_derivatives(t, schedule):
    """``d alpha / dt`` and ``d sigma / dt`` (the ODE samplers' slopes); ``t > 0``.

    Raises
    ------
    TypeError
        If ``t`` is complex or not numeric.
    ValueError
        If ``t`` is NaN, infinite or outside [0, 1].
    """
    alpha, sigma = alpha_sigma(t, schedule)
    if schedule == "flow":
        return -np.ones_like(alpha), np.ones_like(sigma)
    if schedule == "cosine":
        rate = math.acos(COSINE_ALPHA_END)
        return -rate * sigma, rate * alpha
    b0, b1 = LINEAR_BETA
    d_alpha = -0.5 * (b0 + (b1 - b0) * t) * alpha
    return d_alpha, -alpha * d_alpha / sigma


def signal_to_noise(t, schedule="cosine"):
    """Signal-to-noise ratio ``alpha(t)^2 / sigma(t)^2`` (``inf`` at ``t = 0``).

    Raises
    ------
    TypeError
        If ``t`` is complex or not numeric.
    ValueError
        If ``t`` is NaN, infinite or outside [0, 1].

    Examples
    --------
    >>> float(signal_to_noise(0.5, "flow"))
    1.0
    """
    alpha, sigma = alpha_sigma(t, schedule)
    with np.errstate(divide="ignore"):
        return alpha**2 / sigma**2


def q_sample(x0, t, schedule="cosine", noise=None, rng=None):
    """Draw ``x_t ~ q(x_t | x_0)`` in one step: ``alpha(t) x_0 + sigma(t) eps``.

    Parameters
    ----------
    x0 : array_like of float, shape (N, ...)
        Clean data (images already mapped to [-1, 1]).
    t : float or array_like of shape (N,)
        One time for all, or one per sample, in [0, 1].
    schedule : {"linear", "cosine", "flow"}
    noise : array_like, optional
        ``eps`` of the same shape as ``x0`` (drawn from ``rng`` if omitted).
    rng : int or numpy.random.Generator, optional

    Returns
    -------
    ndarray of float64

    Raises
    ------
    TypeError
        If ``x0``, ``t`` or ``noise`` is complex or not numeric.
    ValueError
        If ``x0`` is empty, not of shape (N, ...) or not finite; if ``t`` is outside [0, 1] or
        ``noise`` does not match ``x0``.

    Examples
    --------
    >>> x0 = np.ones((2, 3))
    >>> q_sample(x0, 0.5, "flow", noise=np.zeros((2, 3))).tolist()
    [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
    """
    x0 = checks.real_array(x0, "x0")
    if x0.ndim < 1 or x0.size == 0 or not np.isfinite(x0).all():
        raise ValueError(f"x0 must be a finite, non-empty array of shape (N, ...); got shape {x0.shape}")
    alpha, sigma = alpha_sigma(t, schedule)
    if alpha.ndim not in (0, 1) or (alpha.ndim == 1 and alpha.shape[0] != x0.shape[0]):
        raise ValueError(f"t must be one number or one per sample ({x0.shape[0]}); got shape {alpha.shape}")
    if noise is None:
        noise = np.random.default_rng(rng).standard_normal(x0.shape)
    noise = checks.finite(noise, "noise")
    if noise.shape != x0.shape:
        raise ValueError(f"noise must have the shape of x0 {x0.shape}; got {noise.shape}")
    expand = (slice(None),) + (None,) * (x0.ndim - 1)
    if alpha.ndim == 1:
        alpha, sigma = alpha[expand], sigma[expand]
    return alpha * x0 + sigma * noise


def flow_interpolate(x0, noise, t):
    """The flow-matching path ``x_t = (1 - t) x_0 + t eps`` (``q_sample`` with ``schedule="flow"``).

    Its velocity ``d x_t / dt = eps - x_0`` is what a flow-matching network learns to predict.
    It works elementwise, like NumPy: NaN where ``x0`` or ``noise`` is NaN, any shape.

    Raises
    ------
    TypeError
        If ``x0`` or ``noise`` is complex or not numeric.
    ValueError
        If their shapes differ or ``t`` is outside [0, 1].

    Examples
    --------
    >>> flow_interpolate(np.zeros(2), np.ones(2), 0.25).tolist()
    [0.25, 0.25]
    """
    x0 = checks.real_array(x0, "x0")
    noise = checks.real_array(noise, "noise")
    if x0.shape != noise.shape:
        raise ValueError(f"x0 and noise must have the same shape; got {x0.shape} and {noise.shape}")
    t = float(_times(t))
    return (1.0 - t) * x0 + t * noise


# --------------------------------------------------------------------------- exact denoiser


def mixture_denoiser(means, stds, weights=None, schedule="cosine"):
    """The exact denoiser ``E[x_0 | x_t]`` of a Gaussian mixture with isotropic components.

    If ``x_0 ~ sum_k w_k N(mu_k, s_k^2 I)`` then ``x_t = alpha x_0 + sigma eps`` is the mixture
    ``sum_k w_k N(alpha mu_k, (alpha^2 s_k^2 + sigma^2) I)`` and the posterior mean of ``x_0``
    is a responsibility-weighted sum of per-component Wiener estimates. No network can do
    better; the samplers driven by it must reproduce the mixture (the tests check that).

    Parameters
    ----------
    means : array_like, shape (K, d)
    stds : array_like, shape (K,)
        Standard deviation of each component (per coordinate), > 0.
    weights : array_like, shape (K,), optional
        Mixture weights (default equal); normalised here.
    schedule : {"linear", "cosine", "flow"}

    Returns
    -------
    callable ``denoise(x_t, t) -> (x0_hat, eps_hat)``
        ``x_t`` of shape (N, d), ``t`` a float in (0, 1]. Also has ``.score(x_t, t)``, the
        gradient of ``log p_t(x_t)`` (``= -eps_hat / sigma``).

    Raises
    ------
    TypeError
        If ``means``, ``stds`` or ``weights`` is complex or not numeric.
    ValueError
        If ``means`` is not a finite, non-empty (K, d) array, ``stds`` not K positive numbers, or
        ``weights`` not K non-negative numbers with a positive sum.

    Examples
    --------
    >>> denoise = mixture_denoiser([[-2.0], [2.0]], [0.5, 0.5], schedule="flow")
    >>> x0_hat, eps_hat = denoise(np.array([[1.9]]), 0.01)
    >>> bool(abs(x0_hat[0, 0] - 1.9) < 0.05)
    True
    """
    checks.choice(schedule, "schedule", SCHEDULES)
    mu = checks.real_array(means, "means")
    if mu.ndim != 2 or len(mu) == 0 or not np.isfinite(mu).all():
        raise ValueError(f"means must be a finite array of shape (K, d); got shape {mu.shape}")
    s = checks.real_array(stds, "stds")
    if s.shape != (len(mu),) or not (np.isfinite(s).all() and (s > 0).all()):
        raise ValueError(f"stds must be {len(mu)} positive numbers; got {np.asarray(stds).tolist()}")
    w = np.full(len(mu), 1.0 / len(mu)) if weights is None else checks.real_array(weights, "weights")
    if w.shape != (len(mu),) or not (np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
        raise ValueError(f"weights must be {len(mu)} non-negative numbers with a positive sum")
    w = w / w.sum()
    d = mu.shape[1]

    def posterior(x, t):
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != d:
            raise ValueError(f"x_t must have shape (N, {d}); got {x.shape}")
        alpha, sigma = (float(v) for v in alpha_sigma(t, schedule))
        var = alpha**2 * s**2 + sigma**2                                  # (K,)
        diff = x[:, None, :] - alpha * mu[None]                           # (N, K, d)
        log_r = np.log(w) - 0.5 * d * np.log(var) - 0.5 * (diff**2).sum(-1) / var
        log_r -= log_r.max(axis=1, keepdims=True)
        r = np.exp(log_r)
        r /= r.sum(axis=1, keepdims=True)                                 # responsibilities
        # per component: E[x0 | x_t, k] = mu_k + alpha s_k^2 / var_k (x_t - alpha mu_k)
        x0_k = mu[None] + (alpha * s**2 / var)[None, :, None] * diff
        score_k = -diff / var[None, :, None]
        return (r[..., None] * x0_k).sum(1), (r[..., None] * score_k).sum(1), alpha, sigma

    def denoise(x, t):
        x0, score, alpha, sigma = posterior(x, t)
        return x0, -sigma * score

    denoise.score = lambda x, t: posterior(x, t)[1]
    return denoise


# --------------------------------------------------------------------------- samplers


def time_grid(steps, t_start=1.0):
    """The ``steps + 1`` times a sampler visits: ``t_start, ..., 0``, equally spaced."""
    steps = checks.integer(steps, "steps")
    t_start = checks.real(t_start, "t_start", 0.0, 1.0)
    if t_start == 0:
        raise ValueError("t_start must be > 0")
    return np.linspace(t_start, 0.0, steps + 1)


def sample_loop(denoise, x, steps, sampler="ddim", schedule="cosine", seed=0, t_start=1.0,
                clip_x0=None, trajectory=False):
    """Run a sampler from ``x`` at time ``t_start`` down to ``t = 0`` (NumPy).

    Parameters
    ----------
    denoise : callable ``(x_t, t) -> (x0_hat, eps_hat)``
        A trained model's prediction (:meth:`Diffusion.denoise`) or :func:`mixture_denoiser`.
    x : ndarray, shape (N, ...)
        The starting point: ``sigma(t_start) * N(0, I)`` noise (pure noise for ``t_start=1``).
    steps : int
        Number of steps (network evaluations: ``steps`` for ddpm/ddim/euler, ``2 steps - 1``
        for heun).
    sampler : {"ddpm", "ddim", "euler", "heun"}
    schedule : {"linear", "cosine", "flow"}
    seed : int
        Seeds the fresh noise of the ``"ddpm"`` sampler.
    clip_x0 : (low, high), optional
        Clip the denoised estimate ``x0_hat`` to this range at every step (DDPM/DDIM practice
        for images; None: never).
    trajectory : bool
        Also return every intermediate ``x`` (shape (steps + 1, N, ...)).

    Returns
    -------
    ndarray (the samples at ``t = 0``), or (samples, trajectory)

    Raises
    ------
    TypeError
        If ``x`` is complex or not numeric.
    ValueError
        If ``x`` is empty, of rank 0, or holds NaN or infinite values; unknown sampler or schedule.
    """
    checks.choice(sampler, "sampler", SAMPLERS)
    checks.choice(schedule, "schedule", SCHEDULES)
    ts = time_grid(steps, t_start)
    rng = np.random.default_rng(seed)
    x = checks.finite(x, "x", nonempty=True)
    if x.ndim < 1:
        raise ValueError(f"x must be an array of shape (N, ...); got shape {x.shape}")
    path = [x] if trajectory else None

    def predict(x, t):
        x0, eps = denoise(x, t)
        x0, eps = np.asarray(x0, np.float64), np.asarray(eps, np.float64)
        if clip_x0 is not None:
            alpha, sigma = (float(v) for v in alpha_sigma(t, schedule))
            x0 = np.clip(x0, *clip_x0)
            eps = (x - alpha * x0) / sigma            # keep the pair consistent with x_t
        return x0, eps

    for i in range(steps):
        t, s = float(ts[i]), float(ts[i + 1])
        x0, eps = predict(x, t)
        a_s, s_s = (float(v) for v in alpha_sigma(s, schedule))
        if sampler == "ddim":
            x = a_s * x0 + s_s * eps
        elif sampler == "ddpm":
            a_t, s_t = (float(v) for v in alpha_sigma(t, schedule))
            if s == 0:
                x = x0
            else:
                # Gaussian posterior q(x_s | x_t, x_0 = x0_hat) (Ho et al. 2020, eq. 7)
                a_ts = a_t / a_s
                var_ts = s_t**2 - a_ts**2 * s_s**2
                mean = (a_ts * s_s**2 / s_t**2) * x + (a_s * var_ts / s_t**2) * x0
                x = mean + math.sqrt(max(var_ts * s_s**2 / s_t**2, 0.0)) * rng.standard_normal(x.shape)
        else:
            da, ds = (float(v) for v in alpha_sigma_derivatives(t, schedule))
            slope = da * x0 + ds * eps                 # dx/dt of the probability-flow ODE
            x_next = x + (s - t) * slope
            if sampler == "heun" and s > 0:
                x0_n, eps_n = predict(x_next, s)
                da_n, ds_n = (float(v) for v in alpha_sigma_derivatives(s, schedule))
                x_next = x + (s - t) * 0.5 * (slope + da_n * x0_n + ds_n * eps_n)
            x = x_next
        if trajectory:
            path.append(x)
    return (x, np.stack(path)) if trajectory else x

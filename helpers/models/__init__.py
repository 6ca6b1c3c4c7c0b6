"""Generative models in Keras 3, and the one registry of the models shipped in ``data/``.

Submodules (import the one you need; each imports TensorFlow):

- :mod:`helpers.models.gan` -- DCGAN, class-conditional DCGAN, toy GAN.
- :mod:`helpers.models.vae` -- convolutional VAE with its likelihood bounds.
- :mod:`helpers.models.classifier` -- the MNIST classifier behind FID/KID, trainable in Keras.
- :mod:`helpers.models.diffusion` -- diffusion models and flow matching (U-Net, samplers, guidance).

Every model follows one pattern: a ``keras.Model`` subclass with its own ``train_step`` and
metric trackers, built by a factory that takes a ``seed`` and uses it locally
(:class:`helpers.training.SeededInitializers`), trained by
:func:`helpers.training.fit_resumable`, saved as a ``.keras`` file, and -- when it ships with
the course -- listed in :data:`SHIPPED` and loaded by name with :func:`load_shipped`
(checksum verified, ``safe_mode=True``).

Importing this package does not import TensorFlow; :func:`load_shipped` imports the model's
module when it is called.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

__all__ = ["Shipped", "SHIPPED", "GAN_RECIPE", "shipped_names", "load_shipped"]


@dataclass(frozen=True)
class Shipped:
    """A model file shipped in ``data/``: what it is, how to load it, how it was trained.

    Attributes
    ----------
    file : str
        File name in ``data/`` (listed in ``data/SHA256SUMS`` and ``data/README.md``).
    loader : str
        ``"module:function"``: the function of :mod:`helpers.models` that turns the verified
        path into a model (``helpers.models.gan:load_generator``).
    script : str
        The script that trains it (``scripts/data/...``).
    settings : dict
        The settings it was trained with, read by that script (so the registry is the one
        place they are written).
    """

    file: str
    loader: str
    script: str
    settings: dict = field(default_factory=dict)


_VAE_SCRIPT = "scripts/data/train_vae.py"
_GAN_SCRIPT = "scripts/data/train_gan.py"
_DIFFUSION_SCRIPT = "scripts/data/train_diffusion.py"

#: How the shipped GANs are trained, chosen by ``benchmarks/gan_ablation.py`` (notebook 04,
#: section 6): Adam 5e-3 for both networks (10x the factories' default) and an exponential moving
#: average of the generator's weights (decay 0.99), which is what they sample from. The conditional
#: one also gets the class by projection in its discriminator (``conditioning="projection"``).
GAN_RECIPE = {"g_lr": 5e-3, "d_lr": 5e-3, "ema": 0.99}

#: Every model shipped in ``data/``, by name. Epochs of the VAEs were chosen on a validation split
#: (500 of the 4,000 training digits held out): a 2-D latent is best after about 30 epochs and
#: then overfits; a 16-D one is flat from 30 to 60.
SHIPPED = {
    "dcgan": Shipped("gan_generator.keras", "gan:load_generator", _GAN_SCRIPT,
                     {"factory": "make_dcgan", "conditional": False, "epochs": 60, "batch_size": 64,
                      "options": GAN_RECIPE}),
    "conditional_dcgan": Shipped("gan_conditional_generator.keras", "gan:load_generator", _GAN_SCRIPT,
                                 {"factory": "make_conditional_dcgan", "conditional": True, "epochs": 60,
                                  "batch_size": 64, "options": {**GAN_RECIPE, "conditioning": "projection"}}),
    "vae_z2": Shipped("vae_z2.keras", "vae:load_vae", _VAE_SCRIPT, {"latent_dim": 2, "beta": 1.0, "epochs": 30}),
    **{f"vae_z16_beta{beta:g}": Shipped(f"vae_z16_beta{beta:g}.keras", "vae:load_vae", _VAE_SCRIPT,
                                        {"latent_dim": 16, "beta": float(beta), "epochs": 40})
       for beta in (0.5, 1, 2, 4, 8)},
    # Notebook 06: a class-conditional flow-matching U-Net (its EMA weights), trained for about
    # 18 minutes on 2 shared cores (4,200 steps); "guidance" is the scale the notebook and the
    # README report it at, chosen after measuring w = 1 (FID 11.5, 94.0% of the requested class)
    # and w = 1.5 (16.4, 99.1%) on the test digits (data/diffusion_sweeps.npz).
    "diffusion": Shipped("diffusion_unet.keras", "diffusion:load_digit_diffusion", _DIFFUSION_SCRIPT,
                         {"steps": 4200, "batch_size": 64, "channels": [32, 64], "learning_rate": 2e-3,
                          "p_uncond": 0.1, "ema": 0.999, "seed": 0, "guidance": 1.25}),
}


def shipped_names(loader=None):
    """Names in :data:`SHIPPED`, in order; only those loaded by ``loader`` if given.

    Examples
    --------
    >>> shipped_names("vae:load_vae")[:2]
    ['vae_z2', 'vae_z16_beta0.5']
    """
    return [name for name, spec in SHIPPED.items() if loader is None or spec.loader == loader]


def load_shipped(name):
    """Load the shipped model ``name`` (see :data:`SHIPPED`): checksum verified, ``safe_mode=True``.

    Raises
    ------
    ValueError
        ``name`` is not in :data:`SHIPPED`.
    helpers.data.DataError
        The file is missing or corrupt (``data/README.md`` says how to regenerate it).

    Examples
    --------
    >>> gan = load_shipped("conditional_dcgan")
    >>> gan.generate(n=2, labels=[3, 7]).shape
    (2, 28, 28, 1)
    """
    from .. import data

    if not isinstance(name, str) or name not in SHIPPED:
        raise ValueError(f"name={name!r} is not a shipped model; expected one of {list(SHIPPED)}")
    spec = SHIPPED[name]
    module_name, function = spec.loader.split(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    return getattr(module, function)(data.embedded_path(spec.file))

"""Helpers for the course *Image Generation with Python*.

Modules, in layers: a module imports from its own layer or an earlier one (a smaller number),
never from a later one (``tests/test_layers.py`` checks every import, including those inside
functions).

1. base -- needs nothing else from ``helpers``

   - :mod:`helpers.config`   -- quick mode, where data, caches and checkpoints live
   - :mod:`helpers.checks`   -- argument checks: one rule and one message per kind of argument
   - :mod:`helpers.plotting` -- images on a fixed [0, 1] scale, image mosaics, histograms, curves
   - :mod:`helpers.colab`    -- what the notebooks' setup cell does in Google Colab

2. data -- :mod:`helpers.data`: embedded digits and their checks, pictures, verified downloads
3. measures and models without networks

   - :mod:`helpers.noise`         -- noise models on float images in [0, 1]
   - :mod:`helpers.density`       -- probability densities, sampling and estimation
   - :mod:`helpers.image_quality` -- PSNR and SSIM
   - :mod:`helpers.digit_metrics` -- the course's MNIST classifier in NumPy, FID, KID
   - :mod:`helpers.convolution`   -- convolution, transposed convolution, upsampling, shapes (NumPy)
   - :mod:`helpers.diffusion_process` -- noise schedules, the forward process, samplers, exact
     denoisers of Gaussian mixtures
   - :mod:`helpers.procedural`    -- seamless textures, palettes, landscapes, tile maps from :mod:`helpers.noise`

4. training -- :mod:`helpers.training`: the one training loop, batches, callbacks, checkpoints
5. models -- :mod:`helpers.models`: Keras 3 models (GAN, VAE, classifier, diffusion) and the registry of
   shipped models; :mod:`helpers.synthetic`: generated digits as training data, measured (notebook 07)
6. interactive -- :mod:`helpers.widgets` (slider panels and their static snapshots) and
   :mod:`helpers.exercises` (the notebooks' exercise checks)

TensorFlow is imported only by layers 4 and 5 (:mod:`helpers.training` and the submodules of
:mod:`helpers.models`); every other module, and ``import helpers.models`` itself, works without it.
"""

__version__ = "0.1.0"

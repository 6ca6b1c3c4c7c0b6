"""Helpers for the course *Image Generation with Python*.

Modules, by topic (imports flow one way, top to bottom):

- :mod:`helpers.config`   -- quick mode and paths shared by everything else
- :mod:`helpers.data`     -- embedded real data, scikit-image samples, on-demand downloads
- :mod:`helpers.noise`    -- noise models on float images in [0, 1]
- :mod:`helpers.density`  -- probability densities, sampling and estimation
- :mod:`helpers.models`   -- Keras 3 generative models (GAN, VAE)
- :mod:`helpers.training` -- callbacks: progress, live samples, checkpoints and resume
- :mod:`helpers.metrics`  -- PSNR/SSIM, FID/KID on a small MNIST classifier, ELBO
- :mod:`helpers.plotting` -- image grids, histograms with PDFs, training curves
- :mod:`helpers.widgets`  -- slider panels that redraw by updating artists
- :mod:`helpers.colab`    -- what the notebooks' setup cell does in Google Colab

Nothing here imports TensorFlow at import time: only the model, training and
metric modules that need it load it, when they are imported.
"""

__version__ = "0.1.0"

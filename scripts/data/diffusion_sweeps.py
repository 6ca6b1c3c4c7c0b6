"""Measure the shipped diffusion model against sampler steps and guidance scale (notebook 06).

Loads ``helpers.models.load_shipped("diffusion")`` and writes ``data/diffusion_sweeps.npz``:
the figures of :func:`helpers.models.diffusion.sampling_sweeps` (FID of 1,000 unconditional
samples against the 1,000 test digits for 1 ... 100 Euler steps and a few Heun step counts, the
seconds per 1,000 samples, and FID and share of the requested class for guidance scales 0 ... 4)
plus the pictures that notebook 06's two sliders re-show (uint8, 0-255):

- ``step_pictures``: for each of ``step_pictures_steps``, 10 unconditional and 10 conditional
  samples (classes 0-9) from the same 10 starting noises;
- ``guide_pictures``: for each class 0-9 and each of ``guide_pictures_guidance``, 8 samples
  (20 steps) from the same 8 starting noises.

(:func:`helpers.models.diffusion.slider_pictures`). The notebook reads this file
(:func:`helpers.models.diffusion.load_sweeps`) instead of spending about 8 minutes of 2 CPU cores
on it; its ``RECOMPUTE`` switch runs the same functions there. Run after ``train_diffusion.py``::

    python scripts/data/diffusion_sweeps.py
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from helpers import config, data  # noqa: E402

FILE = "diffusion_sweeps.npz"
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(config.data_dir()), help="where to write (default data/)")
    args = parser.parse_args()
    from helpers.models import diffusion as D
    from helpers.models import load_shipped

    model = load_shipped("diffusion")
    real = data.to_float(data.load_mnist_sample("test")[0])
    start = time.perf_counter()
    arrays = D.sampling_sweeps(model, real, progress=lambda line: print(line, flush=True))
    pictures = D.slider_pictures(model)
    arrays.update({key: np.round(value * 255).astype(np.uint8) if value.dtype == np.float32 else value
                   for key, value in pictures.items()})
    print(f"{time.perf_counter() - start:.0f} s")
    folder = os.path.abspath(args.out)
    data.write_atomically(os.path.join(folder, FILE), data.npz_bytes(arrays))
    data.update_checksums([FILE], folder)


if __name__ == "__main__":
    main()

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

``--only-new`` keeps the settings already in the file and measures only those missing from it
(each setting is sampled from its own fixed seed, so a missing point measured later is the
point a full run would measure; only its seconds come from another moment of the machine)::

    python scripts/data/diffusion_sweeps.py --only-new
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from helpers import config, data  # noqa: E402

FILE = "diffusion_sweeps.npz"
def extend(model, real, path):
    """The arrays of ``path`` plus the default Euler and slider step counts missing from it."""
    import inspect

    from helpers.models import diffusion as D

    old = data.load_npz(path, D.SWEEP_KEYS)
    defaults = {name: p.default for name, p in inspect.signature(D.sampling_sweeps).parameters.items()}
    for key, name in (("heun_steps", "heun_steps"), ("guidance", "guidance")):
        if old[key].tolist() != list(defaults[name]):
            raise SystemExit(f"{path}: {key} {old[key].tolist()} differs from the defaults {list(defaults[name])}: "
                             "run without --only-new")
    missing = [k for k in defaults["euler_steps"] if k not in old["euler_steps"].tolist()]
    arrays = dict(old)
    if missing:
        cheapest = int(old["euler_steps"].min())          # re-measured: the new points must be comparable
        new = D.sampling_sweeps(model, real, euler_steps=[cheapest] + missing, heun_steps=(), guidance=(),
                                progress=lambda line: print(line, flush=True))
        again = float(new["euler_fid"][0])
        stored = float(old["euler_fid"][old["euler_steps"] == cheapest][0])
        if abs(again - stored) > 1e-3 * stored:
            raise SystemExit(f"{cheapest} Euler steps now give FID {again:.3f}, the file says {stored:.3f}: "
                             "the model or the sampler changed; run without --only-new")
        print(f"{cheapest} Euler steps re-measured: FID {again:.3f} (file: {stored:.3f})")
        new = {key: value[1:] for key, value in new.items() if key.startswith("euler_")}
        order = np.argsort(np.concatenate([old["euler_steps"], new["euler_steps"]]), kind="stable")
        for key in ("euler_steps", "euler_fid", "euler_seconds"):
            arrays[key] = np.concatenate([old[key], new[key]])[order]
    picture_steps = inspect.signature(D.slider_pictures).parameters["steps"].default
    missing = [k for k in picture_steps if k not in old["step_pictures_steps"].tolist()]
    if missing:
        pictures = D.slider_pictures(model, steps=missing, guidance=())
        order = np.argsort(np.concatenate([old["step_pictures_steps"], pictures["step_pictures_steps"]]), kind="stable")
        arrays["step_pictures_steps"] = np.concatenate([old["step_pictures_steps"],
                                                        pictures["step_pictures_steps"]])[order]
        arrays["step_pictures"] = np.concatenate([old["step_pictures"],
                                                  np.round(pictures["step_pictures"] * 255).astype(np.uint8)])[order]
    return arrays


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(config.data_dir()), help="where to write (default data/)")
    parser.add_argument("--only-new", action="store_true",
                        help="keep the settings already in the file; measure only the missing Euler step counts "
                             "and slider step counts (the other settings must match the defaults)")
    args = parser.parse_args()
    from helpers.models import diffusion as D
    from helpers.models import load_shipped

    model = load_shipped("diffusion")
    real = data.to_float(data.load_mnist_sample("test")[0])
    start = time.perf_counter()
    if args.only_new:
        arrays = extend(model, real, os.path.join(os.path.abspath(args.out), FILE))
    else:
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

"""Train the course's digit diffusion model that ships in ``data/`` (notebook 06 explores it).

Writes ``data/diffusion_unet.keras`` (the U-Net with its EMA weights; loaded with
``helpers.models.load_shipped("diffusion")``) and ``data/diffusion_run.json`` (settings, training
time, loss every 100 steps), trained with ``helpers.training.fit_resumable`` on the 4,000 embedded
training digits with the settings of ``SHIPPED["diffusion"]`` in ``helpers/models/__init__.py``
(:func:`helpers.models.diffusion.train_digit_diffusion`). Updates ``data/SHA256SUMS`` and prints
the lines for ``data/README.md``. Its quality figures are measured by ``diffusion_sweeps.py``.

A checkpoint (``helpers.config.checkpoint_dir("train_diffusion", ...)``, keyed by the settings)
lets an interrupted run resume (its wall and CPU time, counted every 100 steps, include the work a
killed part lost); ``--max-steps`` stops at a given global step, to split the run into parts (the
machine the course is built on is shared: each part stays under 15 minutes)::

    python scripts/data/train_diffusion.py --max-steps 2000   # part 1 (about 6 minutes on 2 cores)
    python scripts/data/train_diffusion.py                    # part 2: resumes, finishes, writes data/
    python scripts/data/diffusion_sweeps.py                   # then: FID against steps and guidance
    python scripts/data/train_diffusion.py --out /tmp/d --steps 300   # a quick trial elsewhere

``.keras`` files hold a save date, so a retrain changes their checksum even when the weights are
identical.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from helpers import config, data  # noqa: E402
from helpers.models import SHIPPED  # noqa: E402

NAME = "diffusion"
RUN_FILE = "diffusion_run.json"


def main():
    settings = SHIPPED[NAME].settings
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=settings["steps"], help="total training steps")
    parser.add_argument("--max-steps", type=int, default=None, help="stop at this global step (resume later)")
    parser.add_argument("--out", type=Path, default=config.data_dir(), help="where to write (default data/)")
    args = parser.parse_args()
    import keras

    from helpers import training
    from helpers.models import diffusion as D

    checkpoints = config.checkpoint_dir("train_diffusion", steps=args.steps, batch_size=settings["batch_size"],
                                        seed=settings["seed"])
    x, y = data.load_mnist_sample("train")
    x = data.to_float(x)
    timing_file = checkpoints / "timing.json"
    timing = json.loads(timing_file.read_text()) if timing_file.is_file() else {"wall": 0.0, "cpu": 0.0, "parts": 0}
    wall, cpu = time.perf_counter(), time.process_time()
    before = dict(timing)

    def record(*_):
        """Add this part's time so far to timing.json (every 100 steps: a killed part keeps its time)."""
        timing.update(wall=before["wall"] + time.perf_counter() - wall, parts=before["parts"] + 1,
                      cpu=None if before["cpu"] is None else before["cpu"] + time.process_time() - cpu)
        timing_file.parent.mkdir(parents=True, exist_ok=True)
        data.write_atomically(timing_file, json.dumps(timing).encode())

    class RecordTime(keras.callbacks.Callback):
        def on_train_batch_end(self, step, logs=None):
            if step % 100 == 0:
                record()

    model, history = D.train_digit_diffusion(
        x, y, args.steps, batch_size=settings["batch_size"], channels=tuple(settings["channels"]),
        learning_rate=settings["learning_rate"], p_uncond=settings["p_uncond"], ema=settings["ema"],
        seed=settings["seed"], checkpoint_dir=checkpoints, max_steps=args.max_steps, callbacks=[RecordTime()])
    record()
    step = history["step"][-1]
    cpu_text = "unknown" if timing["cpu"] is None else f"{timing['cpu']:.0f} s"
    print(f"step {step} of {args.steps}; {timing['wall']:.0f} s of wall time, {cpu_text} CPU "
          f"in {timing['parts']} part(s); loss (mean of the last 100 steps) {np.mean(history['loss'][-100:]):.4f}")
    if step < args.steps:
        print("stopped early (--max-steps): run the script again to resume")
        return
    run = {"settings": settings, "steps": step, "train_seconds": round(timing["wall"], 1),
           "train_seconds_cpu": None if timing["cpu"] is None else round(timing["cpu"], 1), "parts": timing["parts"],
           "loss_every_100_steps": [round(float(np.mean(history["loss"][i:i + 100])), 4)
                                    for i in range(0, len(history["loss"]), 100)]}
    args.out.mkdir(parents=True, exist_ok=True)
    training.save_model(model.ema_network, args.out / SHIPPED[NAME].file)
    data.write_atomically(args.out / RUN_FILE, (json.dumps(run, indent=1) + "\n").encode())
    data.update_checksums([SHIPPED[NAME].file, RUN_FILE], args.out)


if __name__ == "__main__":
    main()

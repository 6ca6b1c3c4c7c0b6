"""Train the VAEs that notebook 05 ships with, and record how they were made.

Every model is a :class:`helpers.models.vae.VAE` trained by :func:`helpers.models.vae.train_vae`
on the 4,000 embedded training digits binarized at 0.5 (``helpers.density.binarize``), batch 64,
Adam(3e-3), seeded, with the latent size, beta and epochs of its entry in
:data:`helpers.models.SHIPPED`. Outputs in ``data/``:

- ``vae_z2.keras``: latent size 2 (maps of the latent space), beta = 1;
- ``vae_z16_beta{0.5,1,2,4,8}.keras``: latent size 16, five KL weights (the beta slider;
  ``beta1`` is also the "larger latent" model);
- ``vae_runs.json``: for each model, its settings, CPU training time, the per-epoch training
  curves (neg-ELBO, recon, KL in nats per image) and the test figures (neg-ELBO, ``-IWAE_k``,
  bits/dim on the 1,000 test digits);
- their lines in ``data/SHA256SUMS`` (:func:`helpers.data.update_checksums`, which prints the
  digests ``data/README.md`` must list too).

Run ``python scripts/data/train_vae.py`` (about 5 minutes on 2 CPU cores); ``--only vae_z2`` retrains
one model; ``--epochs`` overrides the number of epochs (for trying things; the shipped files use
the registry's). An interrupted run resumes from its checkpoint (``helpers.config.checkpoint_dir``).
``.keras`` files hold a save date, so a retrain changes their checksums even when the weights are
identical.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from helpers import config, data, density  # noqa: E402
from helpers.models import SHIPPED, shipped_names  # noqa: E402

MODELS = shipped_names("vae:load_vae")
BATCH_SIZE = 64
LEARNING_RATE = 3e-3
IWAE_K = 500
RUNS_FILE = "vae_runs.json"


def train_one(name, latent, beta, epochs, x_train, x_test, seed=0):
    import keras

    from helpers.models.vae import VAE, train_vae

    start = time.process_time(), time.perf_counter()
    trained, history = train_vae(x_train, latent_dim=latent, beta=beta, epochs=epochs, batch_size=BATCH_SIZE,
                                 learning_rate=LEARNING_RATE, seed=seed, progress=True,
                                 checkpoint_dir=config.checkpoint_dir(f"train_vae/{name}", epochs=epochs,
                                                                      batch_size=BATCH_SIZE, seed=seed))
    cpu, wall = time.process_time() - start[0], time.perf_counter() - start[1]
    # Ship the weights without the optimizer's state (a third of the size): a fresh, uncompiled copy.
    model = VAE(latent_dim=latent, beta=beta, seed=seed)
    model.set_weights(trained.get_weights())
    keras.utils.set_random_seed(seed + 1)
    test = model.summary_nats(x_test, k=IWAE_K, samples=20)
    print(f"{name}: {epochs} epochs, {wall:.0f} s wall ({cpu:.0f} s CPU); test -ELBO {test['neg_elbo']:.2f}, "
          f"-IWAE_{IWAE_K} {test['neg_iwae']:.2f} nats ({test['neg_iwae_bpd']:.4f} bits/dim)", flush=True)
    record = {
        "latent_dim": latent, "beta": beta, "filters": list(model.filters), "epochs": epochs,
        "batch_size": BATCH_SIZE, "learning_rate": LEARNING_RATE, "seed": seed,
        "train_seconds_wall": round(wall, 1), "train_seconds_cpu": round(cpu, 1),
        "history": {k: [round(v, 3) for v in vals] for k, vals in history.items() if k != "epoch"},
        "test": {k: round(v, 4) for k, v in test.items()}, "iwae_k": IWAE_K,
    }
    return model, record


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train the VAEs shipped with notebook 05.")
    parser.add_argument("--only", nargs="*", choices=MODELS, help="train only these models")
    parser.add_argument("--epochs", type=int, help="override every model's number of epochs")
    parser.add_argument("--data-dir", type=Path, default=config.data_dir(), help="where to write (default data/)")
    args = parser.parse_args(argv)

    data_dir = args.data_dir
    x_train = density.binarize(data.load_mnist_sample("train")[0])[..., None]
    x_test = density.binarize(data.load_mnist_sample("test")[0])[..., None]
    runs_path = data_dir / RUNS_FILE
    runs = json.loads(runs_path.read_text()) if runs_path.is_file() else {}
    written = []
    for name in args.only or MODELS:
        settings = SHIPPED[name].settings
        model, record = train_one(name, settings["latent_dim"], settings["beta"], args.epochs or settings["epochs"],
                                  x_train, x_test)
        tmp = data_dir / f".{name}.tmp.keras"
        model.save(tmp)
        os.replace(tmp, data_dir / SHIPPED[name].file)
        runs[name] = record
        written.append(SHIPPED[name].file)
        data.write_atomically(runs_path, (json.dumps(runs, indent=1, sort_keys=True) + "\n").encode())
    data.update_checksums(written + [RUNS_FILE], data_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())

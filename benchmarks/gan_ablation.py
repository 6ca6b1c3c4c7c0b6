"""What makes the course DCGAN train better in the same CPU time: an ablation, interleaved runs.

Each row is the course DCGAN (``helpers.models.gan.make_dcgan``, batch 64, the 4,000 embedded
training digits) with one change, or the chosen combination; every row is trained with the same
seeds, and all runs of one invocation are interleaved epoch by epoch in this one process (one
epoch of each run in turn), so a change of load on a shared machine slows all rows alike. Each
run's clock (wall and process CPU time) runs only during its own training steps.

Every ``--every`` epochs the generator is measured (time not counted): course-internal FID of
1,000 samples (fixed latent vectors) against the 1,000 embedded test digits, and the class
shares the course classifier reads among those samples. The table gives, per row and averaged
over the seeds: the time per epoch, the FID after all epochs, and the FID *at equal CPU time*
(the last measurement made within the CPU time the baseline needed for all its epochs, so a
slower technique is judged on fewer epochs), and the smallest/largest class share.

The techniques the course GAN does not keep (they did not pay here) are implemented in this
file only: :class:`AblationGAN` adds differentiable augmentation, a lazy R1 penalty and the hinge
loss to the course GAN's training step, and :func:`sn_discriminator` is the course discriminator
with spectral normalization.

Results are appended to ``--out`` (JSON lines, one per run and measurement); ``--table`` prints
the table of everything in that file and, with ``--write``, stores it for notebook 04 in
``data/gan_ablation.npz`` (with sample grids of the baseline and the recipe at equal time).
``--relabel`` rewrites only the row labels (the *change* column) of the stored table from
:data:`ROWS`, without the runs file and without training.

Usage::

    python benchmarks/gan_ablation.py --rows baseline,ema,recipe --seeds 0,1,2   # one part
    python benchmarks/gan_ablation.py --table                                     # the table
    python benchmarks/gan_ablation.py --relabel     # the stored table's labels from ROWS, no training
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import keras  # noqa: E402
from keras import layers, ops  # noqa: E402

from helpers import config, data, digit_metrics, training  # noqa: E402
from helpers.models import GAN_RECIPE  # noqa: E402
from helpers.models import gan as G  # noqa: E402
from helpers.training import SeededInitializers  # noqa: E402

RESULTS = config.artifacts_dir() / "gan_ablation" / "runs.jsonl"
STORED = "gan_ablation.npz"


# --------------------------------------------------------------------------- techniques not kept


def translate_cutout(x, seed_generator, shift=3, cutout=14):
    """DiffAugment for digits (Zhao et al. 2020): a random shift of up to ``shift`` pixels (zero
    fill) and one ``cutout`` x ``cutout`` square set to 0, drawn per image; differentiable in x."""
    b, h, w = ops.shape(x)[0], x.shape[1], x.shape[2]
    if shift:
        rows, cols = ops.arange(h), ops.arange(w)
        ty = keras.random.randint((b,), -shift, shift + 1, seed=seed_generator)
        tx = keras.random.randint((b,), -shift, shift + 1, seed=seed_generator)
        # out[r, c] = x[r - ty, c - tx]: 0/1 selection matrices, so gradients flow to x
        sy = ops.cast(ops.equal(rows[None, :, None] - ty[:, None, None], rows[None, None, :]), x.dtype)
        sx = ops.cast(ops.equal(cols[None, :, None] - tx[:, None, None], cols[None, None, :]), x.dtype)
        x = ops.einsum("bij,bjkc,blk->bilc", sy, x, sx)
    if cutout:
        cy = keras.random.randint((b,), 0, h, seed=seed_generator) - cutout // 2
        cx = keras.random.randint((b,), 0, w, seed=seed_generator) - cutout // 2
        r = ops.arange(h)[None, :] - cy[:, None]
        c = ops.arange(w)[None, :] - cx[:, None]
        hole = ops.logical_and(((r >= 0) & (r < cutout))[:, :, None], ((c >= 0) & (c < cutout))[:, None, :])
        x = x * ops.cast(ops.logical_not(hole), x.dtype)[..., None]
    return x


def sn_discriminator(filters=32, seed=0):
    """The course discriminator with spectral normalization (Miyato et al. 2018) on every layer."""
    init = SeededInitializers.of(seed)
    image = keras.Input((28, 28, 1), name="image")
    h = layers.SpectralNormalization(layers.Conv2D(filters, 4, strides=2, padding="same",
                                                   kernel_initializer=init()))(image)
    h = layers.LeakyReLU(0.2)(h)
    h = layers.SpectralNormalization(layers.Conv2D(2 * filters, 4, strides=2, padding="same",
                                                   kernel_initializer=init()))(h)
    h = layers.LeakyReLU(0.2)(h)
    out = layers.SpectralNormalization(layers.Dense(1, kernel_initializer=init()))(layers.Flatten()(h))
    return keras.Model(image, out, name="discriminator")


class AblationGAN(G.GAN):
    """The course GAN's step (unconditional) with DiffAugment, a lazy R1 penalty or the hinge loss.

    ``augment``: translate+cutout every image D sees, real and fake, in both updates.
    ``r1``: gamma of R1 = gamma/2 E|grad_x D(x_real)|^2 (Mescheder et al. 2018), added every
    ``r1_every`` D steps with weight ``r1_every`` (lazy regularisation, Karras et al. 2020).
    ``hinge``: D minimises relu(1 - l_real) + relu(1 + l_fake), G minimises -l_fake.
    """

    def __init__(self, *args, augment=False, r1=0.0, r1_every=16, hinge=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.augment, self.r1, self.r1_every, self.hinge = augment, float(r1), int(r1_every), hinge
        self.augment_seed = keras.random.SeedGenerator(self.seed + 1)

    def _aug(self, x):
        return translate_cutout(x, self.augment_seed) if self.augment else x

    def train_step(self, data):
        import tensorflow as tf

        x = data[0] if isinstance(data, (tuple, list)) else data
        batch = ops.shape(x)[0]
        z = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        fake = self.generator(z, training=True)
        with tf.GradientTape() as tape:
            l_real = self.discriminator(self._aug(x), training=True)
            l_fake = self.discriminator(self._aug(fake), training=True)
            if self.hinge:
                d_loss = ops.mean(ops.relu(1 - l_real)) + ops.mean(ops.relu(1 + l_fake))
            else:
                d_loss = ops.mean(ops.softplus(-l_real)) + ops.mean(ops.softplus(l_fake))
            total = d_loss
            if self.r1:
                def penalty():
                    xr = tf.identity(x)
                    with tf.GradientTape() as inner:
                        inner.watch(xr)
                        out = ops.sum(self.discriminator(xr, training=True))
                    g = inner.gradient(out, xr)
                    return 0.5 * self.r1 * self.r1_every * ops.mean(ops.sum(ops.square(g), axis=[1, 2, 3]))
                total = total + tf.cond(self.d_optimizer.iterations % self.r1_every == 0, penalty,
                                        lambda: tf.constant(0.0))
        grads = tape.gradient(total, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        z = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            l_gen = self.discriminator(self._aug(self.generator(z, training=True)), training=True)
            g_loss = -ops.mean(l_gen) if self.hinge else ops.mean(ops.softplus(-l_gen))
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        if self.ema_generator is not None:
            self._update_average()
        for name, value in (("d_loss", d_loss), ("g_loss", g_loss), ("d_real", ops.mean(ops.sigmoid(l_real))),
                            ("d_fake", ops.mean(ops.sigmoid(l_fake)))):
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}


# --------------------------------------------------------------------------- rows

LR = {k: GAN_RECIPE[k] for k in ("g_lr", "d_lr")}
#: name -> (what changes, keyword arguments). ``augment``/``r1``/``hinge``/``sn`` use this file's
#: implementations; the rest are options of ``make_dcgan``. "recipe" is the shipped GANs' GAN_RECIPE.
ROWS = {
    "baseline": ("none: the course's earlier default, Adam 5e-4 for both networks", {}),
    "ema": (f"+ EMA of the generator's weights (decay {GAN_RECIPE['ema']:g})", dict(ema=GAN_RECIPE["ema"])),
    "diffaugment": ("+ DiffAugment: shift <= 3 px and a 14x14 cutout on every image D sees", dict(augment=True)),
    "spectral_norm": ("+ spectral normalization of every D layer", dict(sn=True)),
    "r1": ("+ R1 penalty, gamma 1, lazy (every 16 D steps)", dict(r1=1.0)),
    "hinge": ("+ hinge loss", dict(hinge=True)),
    "ttur": ("+ TTUR: D learns 4x faster (G 5e-4, D 2e-3)", dict(d_lr=2e-3)),
    "lr": (f"+ Adam {LR['g_lr']:g} for both networks (10x)", dict(LR)),
    "recipe": (f"chosen: Adam {LR['g_lr']:g} for both + EMA {GAN_RECIPE['ema']:g}", dict(GAN_RECIPE)),
    "conditional_baseline": ("conditional DCGAN, the course's earlier default (class as image channels, Adam 5e-4)",
                             dict(conditional=True)),
    "conditional_recipe": ("conditional + the recipe", dict(GAN_RECIPE, conditional=True)),
    "conditional_projection": ("conditional + the recipe + projection discriminator",
                               dict(GAN_RECIPE, conditional=True, conditioning="projection")),
    # tried for the conditional target (FID <= 12) after the unconditional rows of 2026-12-02:
    "conditional_projection_dropout": ("conditional + the recipe + projection + dropout 0.3 in D",
                                       dict(GAN_RECIPE, conditional=True, conditioning="projection", dropout=0.3)),
    "conditional_projection_ttur": ("conditional + the recipe + projection + D learns 2x faster (D 1e-2)",
                                    dict(GAN_RECIPE, conditional=True, conditioning="projection", d_lr=1e-2)),
}


def reference(row):
    """The row whose CPU time sets the budget of ``row`` (its baseline, run in the same invocation)."""
    return "conditional_baseline" if ROWS[row][1].get("conditional") else "baseline"


def build(row, seed):
    kwargs = dict(ROWS[row][1])
    if kwargs.pop("conditional", False):
        return G.make_conditional_dcgan(seed=seed, **kwargs)
    extra = {k: kwargs.pop(k) for k in ("augment", "r1", "hinge", "sn") if k in kwargs}
    gan = G.make_dcgan(seed=seed, **kwargs)
    if not extra:
        return gan
    disc = sn_discriminator(seed=SeededInitializers(seed + 100)) if extra.pop("sn", False) else gan.discriminator
    model = AblationGAN(gan.generator, disc, gan.latent_dim, seed=seed, ema=gan.ema, name=f"ablation_{row}",
                        **extra)
    model.compile(gan.g_optimizer, gan.d_optimizer)
    return model


class Run:
    """One (row, seed) training, advanced epoch by epoch; its clocks run only in its own steps."""

    def __init__(self, row, seed, x, y, reference, batch_size=64):
        self.row, self.seed = row, seed
        self.model = build(row, seed)
        self.conditional = self.model.n_classes > 0
        self.batches = training.image_batches(x, batch_size, labels=y if self.conditional else None)
        self.ref = reference
        self.rng = np.random.default_rng(seed)
        self.epoch = self.step = 0
        self.wall = self.cpu = 0.0

    def train_epoch(self):
        wall, cpu = time.perf_counter(), time.process_time()
        for batch in self.batches(self.epoch, self.rng):
            self.model.train_on_batch(*batch) if self.conditional else self.model.train_on_batch(batch)
            self.step += 1
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu
        self.epoch += 1

    def measure(self):
        samples = self.model.generate(n=1000, seed=1)         # conditional: classes 0-9 cycling
        classes = digit_metrics.classify(samples)
        shares = np.bincount(classes, minlength=10) / len(classes)
        record = dict(row=self.row, seed=self.seed, epoch=self.epoch, step=self.step,
                      wall=round(self.wall, 2), cpu=round(self.cpu, 2),
                      fid=round(digit_metrics.fid(self.ref, samples), 2),
                      share_min=round(float(shares.min()), 3), share_max=round(float(shares.max()), 3))
        if self.conditional:
            record["as_requested"] = round(float(np.mean(classes == np.arange(len(classes)) % 10)), 3)
        return record


# --------------------------------------------------------------------------- table

GRID_ROWS = ("baseline", "recipe")     # rows whose samples the notebook shows side by side
GRID_SIZE = 32


def equal_time_points(records):
    """For each run: the record at the end, and the last within its invocation's baseline CPU time."""
    runs = {}
    for r in records:
        runs.setdefault((r["invocation"], r["row"], r["seed"]), []).append(r)
    out = []
    for (inv, row, seed), recs in runs.items():
        recs.sort(key=lambda r: r["epoch"])
        base = runs.get((inv, reference(row), seed))
        if base is None:
            continue
        budget = max(b["cpu"] for b in base) * 1.01      # 1 %: the baseline's own last point counts
        within = [r for r in recs if r["cpu"] <= budget] or recs[:1]
        out.append(dict(row=row, seed=seed, end=recs[-1], equal=within[-1], budget=budget))
    return out


def curves(records, row):
    """Mean over the row's runs of (epoch, CPU time, FID) at every epoch all of them measured."""
    per_epoch = {}
    for r in records:
        if r["row"] == row:
            per_epoch.setdefault(r["epoch"], []).append(r)
    runs = len({(r["invocation"], r["seed"]) for r in records if r["row"] == row})
    epochs = sorted(e for e, recs in per_epoch.items() if len(recs) == runs)
    return dict(epochs=epochs, cpu=[float(np.mean([r["cpu"] for r in per_epoch[e]])) for e in epochs],
                fid=[float(np.mean([r["fid"] for r in per_epoch[e]])) for e in epochs])


def _per_seed(points):
    """One summary per seed: a seed run in several invocations (the baseline is run in every one, as
    the reference of its rows) counts once, with its figures averaged over those invocations."""
    by_seed = {}
    for p in points:
        by_seed.setdefault(p["seed"], []).append(p)
    out = []
    for seed, ps in sorted(by_seed.items()):
        def mean(f):
            return float(np.mean([f(p) for p in ps]))
        out.append(dict(
            seed=seed, runs=len(ps), epochs=int(ps[0]["end"]["epoch"]),
            wall_per_epoch=mean(lambda p: p["end"]["wall"] / p["end"]["epoch"]),
            cpu_per_epoch=mean(lambda p: p["end"]["cpu"] / p["end"]["epoch"]),
            fid_end=mean(lambda p: p["end"]["fid"]), fid_equal=mean(lambda p: p["equal"]["fid"]),
            epochs_equal=mean(lambda p: p["equal"]["epoch"]),
            share_min=mean(lambda p: p["equal"]["share_min"]), share_max=mean(lambda p: p["equal"]["share_max"]),
            as_requested=(mean(lambda p: p["equal"]["as_requested"]) if "as_requested" in ps[0]["equal"] else None)))
    return out


def table(records):
    """Rows in ROWS order: mean over seeds (and the spread of FID over seeds), and mean curves."""
    points = equal_time_points(records)
    lines = []
    for row, (what, _) in ROWS.items():
        seeds = _per_seed([p for p in points if p["row"] == row])
        if not seeds:
            continue
        end = np.array([s["fid_end"] for s in seeds])
        equal = np.array([s["fid_equal"] for s in seeds])
        lines.append(dict(
            row=row, what=what, seeds=[s["seed"] for s in seeds], runs=sum(s["runs"] for s in seeds),
            wall_per_epoch=float(np.mean([s["wall_per_epoch"] for s in seeds])),
            cpu_per_epoch=float(np.mean([s["cpu_per_epoch"] for s in seeds])),
            epochs=seeds[0]["epochs"],
            fid_end=float(end.mean()), fid_end_min=float(end.min()), fid_end_max=float(end.max()),
            epochs_equal=float(np.mean([s["epochs_equal"] for s in seeds])),
            fid_equal=float(equal.mean()), fid_equal_min=float(equal.min()), fid_equal_max=float(equal.max()),
            share_min=float(np.mean([s["share_min"] for s in seeds])),
            share_max=float(np.mean([s["share_max"] for s in seeds])),
            as_requested=(float(np.mean([s["as_requested"] for s in seeds]))
                          if seeds[0]["as_requested"] is not None else None),
            curve=curves(records, row)))
    return lines


def markdown(lines):
    out = ["| row | change | seeds | s/epoch wall | s/epoch CPU | FID at equal CPU time (epochs) | "
           "FID after all epochs | class shares min-max | read as the requested class |",
           "|---|---|---|---|---|---|---|---|---|"]
    for t in lines:
        spread = f" ({t['fid_equal_min']:.1f}-{t['fid_equal_max']:.1f})" if len(t["seeds"]) > 1 else ""
        out.append(f"| {t['row']} | {t['what']} | {len(t['seeds'])} | {t['wall_per_epoch']:.2f} | "
                   f"{t['cpu_per_epoch']:.2f} | **{t['fid_equal']:.1f}**{spread} ({t['epochs_equal']:.0f}) | "
                   f"{t['fid_end']:.1f} ({t['epochs']}) | {t['share_min']:.3f}-{t['share_max']:.3f} | "
                   + (f"{t['as_requested']:.1%} |" if t["as_requested"] is not None else "- |"))
    return "\n".join(out)


def read(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def store(records, path):
    """data/gan_ablation.npz: the table (JSON) and the baseline/recipe samples at equal time (seed 0)."""
    lines = table(records)
    grids = {}
    points = equal_time_points(records)
    # the grids come from one invocation: the first that trained all GRID_ROWS with seed 0
    both = sorted(inv for inv in {p["end"]["invocation"] for p in points}
                  if all(any(q["row"] == r and q["seed"] == 0 and q["end"]["invocation"] == inv for q in points)
                         for r in GRID_ROWS))
    for p in points:
        if (p["row"] in GRID_ROWS and p["seed"] == 0 and both and p["end"]["invocation"] == both[0]
                and "samples" in p["equal"]):
            grids[f"samples_{p['row']}"] = np.array(p["equal"]["samples"], np.uint8).reshape(-1, 28, 28)
            grids[f"epoch_{p['row']}"] = np.array(p["equal"]["epoch"])
            grids[f"fid_{p['row']}"] = np.array(p["equal"]["fid"])
    meta = dict(table=lines, written_by="benchmarks/gan_ablation.py --table --write",
                written=time.strftime("%Y-%m-%d"), runs=len({(r["invocation"], r["row"], r["seed"]) for r in records}),
                conditions="2 CPU cores under the shared lock, runs interleaved epoch by epoch per invocation; "
                           "FID: 1,000 samples vs the 1,000 embedded test digits (course classifier)")
    data.write_atomically(path, data.npz_bytes({"table": np.array(json.dumps(meta)), **grids}))
    data.update_checksums([path.name], path.parent)     # prints the line for data/README.md
    return path


def relabel(path):
    """Rewrite the *change* label of every row of the stored table (``path``) from :data:`ROWS`.

    Nothing is trained or re-measured: every array and every other field is kept; the table
    records the date of the relabelling (``relabelled``), and ``data/SHA256SUMS`` is updated.
    Returns the rows whose label changed, as ``{row: (old, new)}``.
    """
    path = Path(path)
    arrays = data.load_npz(path, ["table"])
    meta = json.loads(arrays["table"].item())
    changed = {}
    for line in meta["table"]:
        if line["row"] not in ROWS:
            raise ValueError(f"{path}: row {line['row']!r} is not in ROWS {list(ROWS)}")
        new = ROWS[line["row"]][0]
        if line["what"] != new:
            changed[line["row"]] = (line["what"], new)
            line["what"] = new
    if changed:
        meta["relabelled"] = f"row labels from ROWS on {time.strftime('%Y-%m-%d')} (no retraining)"
        arrays["table"] = np.array(json.dumps(meta))
        data.write_atomically(path, data.npz_bytes(arrays))
        data.update_checksums([path.name], path.parent)
    return changed


# --------------------------------------------------------------------------- main


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated, from {list(ROWS)}")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds, e.g. 0,1,2")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--every", type=int, default=5, help="measure every this many epochs")
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON lines to append to")
    parser.add_argument("--train-size", type=int, default=4000, help="first N training digits (for trials)")
    parser.add_argument("--table", action="store_true", help="only print the table of --out")
    parser.add_argument("--write", action="store_true", help=f"with --table: store it as data/{STORED}")
    parser.add_argument("--relabel", action="store_true",
                        help=f"only rewrite the row labels of data/{STORED} from ROWS (no training)")
    args = parser.parse_args(argv)

    if args.relabel:
        changed = relabel(config.data_dir() / STORED)
        for row, (old, new) in changed.items():
            print(f"  {row}: {old!r} -> {new!r}")
        print(f"relabelled {len(changed)} row(s) of data/{STORED}" if changed else f"data/{STORED}: labels already current")
        return 0

    if not args.table:
        rows = args.rows.split(",")
        unknown = [r for r in rows if r not in ROWS]
        if unknown or any(reference(r) not in rows for r in rows):
            parser.error(f"rows must come from {list(ROWS)} and include the baseline they are compared "
                         f"with (baseline, conditional_baseline); got {rows}")
        seeds = [int(s) for s in args.seeds.split(",")]
        x, y = data.load_mnist_sample("train")
        x, y = data.to_float(x[:args.train_size]), y[:args.train_size]
        ref = digit_metrics.features(data.to_float(data.load_mnist_sample("test")[0]))
        invocation = time.strftime("%Y%m%dT%H%M%S")
        runs = [Run(row, seed, x, y, ref) for seed in seeds for row in rows]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "a") as f:
            for epoch in range(args.epochs):
                for run in runs:                   # interleaved: one epoch of each run in turn
                    run.train_epoch()
                    if run.epoch % args.every == 0 or run.epoch == args.epochs:
                        rec = dict(run.measure(), invocation=invocation)
                        if run.row in GRID_ROWS:
                            rec["samples"] = np.round(255 * run.model.generate(n=GRID_SIZE, seed=7)[..., 0]
                                                      ).astype(int).ravel().tolist()
                        f.write(json.dumps(rec) + "\n")
                        f.flush()
                        print(f"  {run.row:22s} seed {run.seed} epoch {run.epoch:3d}  wall {run.wall:6.1f} s  "
                              f"cpu {run.cpu:6.1f} s  FID {rec['fid']:6.1f}  shares {rec['share_min']:.3f}-"
                              f"{rec['share_max']:.3f}" + (f"  as requested {rec['as_requested']:.1%}"
                                                         if run.conditional else ""), flush=True)
    records = read(args.out)
    print(markdown(table(records)))
    print("FID: course-internal, 1,000 samples vs the 1,000 embedded test digits; 'equal CPU time' = within "
          "the CPU time of the baseline run of the same seed and invocation; the EMA rows sample the average.")
    if args.table and args.write:
        print("wrote", store(records, config.data_dir() / STORED))
    return 0


if __name__ == "__main__":
    sys.exit(main())

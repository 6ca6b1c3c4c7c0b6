"""Train notebook 05's live VAE once per number of CPU threads, and record how far its -ELBO moves.

What it measures
----------------
Notebook 05 (section 2, cells 14-20) trains a VAE with a 2-D latent for 30 epochs on the 4,000
binarized training digits (batch 64, Adam 3e-3, every seed fixed) and prints its -ELBO on the 1,000
binarized test digits. This script repeats exactly that run -- the same ``helpers`` calls, seeds,
data, epochs, batch size, callbacks and evaluation as the notebook's cells 3, 5, 14, 15, 16, 18 and
20 -- in a fresh Python process for each thread count, with ``TF_NUM_INTRAOP_THREADS``,
``TF_NUM_INTEROP_THREADS`` and ``OMP_NUM_THREADS`` set before TensorFlow is imported. Per run it
records the numbers notebook 05 prints for that model (recon, KL, -ELBO and -IWAE_500 in nats per
image, bits per dimension, the KL line under the training curves, the share of reconstructions the
course's classifier reads as the encoded digit), the sha256 of the trained weights, the wall-clock and
CPU seconds of training and evaluation, the number of threads the process ended with, and the 1-minute
load average of the machine before and after the run (the seconds are only as good as the machine was
quiet; the -ELBO does not depend on the load).

Why
---
Seeded training in this course repeats bit for bit on one machine with one thread count. It does not
repeat across thread counts or processors: TensorFlow's CPU kernels split a sum (a convolution's
gradient, a matrix product) into blocks whose number depends on the number of intra-op threads and
on the instruction set (AVX2, AVX-512, AMX), and floating-point addition is not associative, so the
gradients differ in their last bits (relative differences around 1e-7). Thirty epochs of training
amplify that into different weights and an -ELBO that differs by up to about a nat.
``tf.config.experimental.enable_op_determinism()`` is no cure: it makes a run repeat on one machine,
which it already does here, and does not fix the order of a sum across thread counts; two extra runs
record what it and turning oneDNN off (``TF_ENABLE_ONEDNN_OPTS=0``) change at one thread count
(``--variants``; the summary says whether their weights equal the plain run's). Notebook 05 prints the spread
recorded here next to its own run, so that a learner whose number differs from the stored one sees
the size of the difference that the processor's summation order alone causes. A run with the thread
variables unset (what a notebook gets: one intra-op thread per core) and a repeat of the first thread
count are recorded too: the first shows which row a notebook on this machine corresponds to, the
second that a thread count repeats itself exactly.

Output
------
``data/vae_threads.json`` (read by notebook 05 with ``helpers.data.embedded_path``)::

    {"machine": {cpu model, family/model/stepping, instruction-set flags, cores, TF/Keras/NumPy
                 versions, date, load averages, note},
     "settings": {epochs, batch, learning rate, seeds, iwae_k, samples},
     "runs": [{"threads": 1 | ... | null (unset), "repeat": bool, "variant": null | "op_determinism" |
               "onednn_off", "neg_elbo": ..., ...}, ...],
     "summary": {"threads": [...], "neg_elbo_min": ..., "neg_elbo_max": ..., ...}}

and its line in ``data/SHA256SUMS`` (:func:`helpers.data.update_checksums`; ``data/README.md`` lists
the digest too).

Usage
-----
Run under the CPU lock on an otherwise quiet machine (each run trains for about half a minute and
evaluates for 15-30 s on 2 cores)::

    flock /work/scratch/cpu.lock python scripts/data/vae_threads.py --threads 1 2 3 4 8 --note "..."

``--quick`` trains for 2 epochs (COURSE_QUICK=1) to try the script; it writes nothing unless ``--out``
is given. ``--no-default``, ``--no-repeat`` and ``--variants`` (with no names) leave out the extra runs.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT_NAME = "vae_threads.json"
THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")
FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "avx512_fp16",
         "avx_vnni", "amx_tile", "amx_bf16", "amx_int8")


# --------------------------------------------------------------------------- the machine


def machine():
    """CPU model and instruction-set flags (Linux /proc/cpuinfo), cores, library versions, date."""
    info = {"cpu_model": platform.processor() or None, "cpu_family_model_stepping": None, "flags": {}}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        text = ""
    fields = {}
    for line in text.splitlines():
        if ":" in line:
            key, value = (s.strip() for s in line.split(":", 1))
            fields.setdefault(key, value)
    if fields:
        info["cpu_model"] = fields.get("model name")
        info["cpu_family_model_stepping"] = "/".join(fields.get(k, "?") for k in ("cpu family", "model", "stepping"))
        present = set(fields.get("flags", "").split())
        info["flags"] = {flag: flag in present for flag in FLAGS}
    import importlib.metadata as md

    versions = {}
    for dist in ("tensorflow", "keras", "numpy"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            versions[dist] = None
    info.update(
        logical_cpus=os.cpu_count(),
        cpus_available=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        python=platform.python_version(), platform=platform.platform(), versions=versions,
        tf_enable_onednn_opts=os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
        date=_dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
    )
    return info


# --------------------------------------------------------------------------- one run (child process)


def train_and_measure():
    """Notebook 05's cells 3, 5, 14, 15, 16, 18 and 20, in that order; returns the printed numbers."""
    assert "tensorflow" not in sys.modules, "the thread variables must be set before TensorFlow is imported"
    import shutil

    import keras
    import numpy as np
    import tensorflow as tf

    variant = os.environ.get("VAE_THREADS_VARIANT") or None
    if variant == "op_determinism":
        tf.config.experimental.enable_op_determinism()

    from helpers import config, data, density, digit_metrics
    from helpers.models import vae as V
    from helpers.training import LiveSamples, ProgressBar, Timer, fit_resumable, image_batches

    keras.utils.set_random_seed(0)                                                  # cell 3
    images_train, labels_train = data.load_mnist_sample("train")                    # cell 5
    images_test, labels_test = data.load_mnist_sample("test")
    x_train, x_test = density.binarize(images_train), density.binarize(images_test)
    one_per_class = [int(np.flatnonzero(labels_test == digit)[0]) for digit in range(10)]
    shown = x_test[one_per_class]

    EPOCHS = config.pick(full=30, quick=2)                                          # cell 14
    BATCH = 64
    with tempfile.TemporaryDirectory() as folder:
        CHECKPOINTS = Path(folder) / "vae_z2"
        shutil.rmtree(CHECKPOINTS, ignore_errors=True)
        batches = image_batches(x_train, BATCH)

        def reconstructions(model):
            return np.concatenate([shown, model.reconstruct(shown)])

        keras.utils.set_random_seed(0)
        vae = V.VAE(latent_dim=2, seed=0)
        vae.compile(optimizer=keras.optimizers.Adam(3e-3))

        live = LiveSamples(reconstructions, every=config.pick(full=300, quick=50), ncols=10,   # cell 15
                           title="test digits (top) and their reconstructions (bottom)", size=0.7, display=False)
        cpu0 = time.process_time()
        with Timer() as timer:
            history = fit_resumable(vae, batches, epochs=EPOCHS, checkpoint_dir=CHECKPOINTS,
                                    callbacks=[ProgressBar(steps_per_epoch=len(x_train) // BATCH), live])
        train_cpu = time.process_time() - cpu0
    kl_steps = np.asarray(history["kl"])                                            # cell 16
    neg_elbo_steps = np.asarray(history["neg_elbo"])
    same_class = float(np.mean(digit_metrics.classify(vae.reconstruct(x_test)) == labels_test))   # cell 18
    binarized_class = float(np.mean(digit_metrics.classify(x_test) == labels_test))

    IWAE_K = config.pick(full=500, quick=20)                                        # cell 20
    cpu0 = time.process_time()
    with Timer() as eval_timer:
        keras.utils.set_random_seed(1)
        live_figures = vae.summary_nats(x_test, k=IWAE_K, samples=10)
    eval_cpu = time.process_time() - cpu0

    weights = hashlib.sha256()
    for w in vae.get_weights():
        weights.update(np.ascontiguousarray(w).tobytes())
    try:
        threads_alive = len(os.listdir("/proc/self/task"))
    except OSError:
        threads_alive = None
    return {
        "epochs": EPOCHS, "steps": int(history["step"][-1]), "iwae_k": IWAE_K,
        **{key: round(float(live_figures[key]), 4) for key in ("recon", "kl", "neg_elbo", "neg_iwae")},
        "neg_elbo_bpd": round(float(live_figures["neg_elbo_bpd"]), 5),
        "neg_iwae_bpd": round(float(live_figures["neg_iwae_bpd"]), 5),
        "same_class": round(same_class, 4), "binarized_same_class": round(binarized_class, 4),
        "kl_step1": round(float(kl_steps[0]), 4), "kl_highest": round(float(kl_steps.max()), 3),
        "kl_highest_step": int(history["step"][int(kl_steps.argmax())]),
        "kl_last100": round(float(kl_steps[-100:].mean()), 3),
        "neg_elbo_last100_train": round(float(neg_elbo_steps[-100:].mean()), 3),
        "weights_sha256": weights.hexdigest(),
        "train_seconds_wall": round(timer.seconds, 2), "train_seconds_cpu": round(train_cpu, 2),
        "eval_seconds_wall": round(eval_timer.seconds, 2), "eval_seconds_cpu": round(eval_cpu, 2),
        "tf_version": tf.__version__, "keras_version": keras.__version__,
        "tf_intra_op_setting": tf.config.threading.get_intra_op_parallelism_threads(),
        "threads_alive_at_end": threads_alive,
        "environment": {name: os.environ.get(name) for name in THREAD_VARIABLES + ("TF_ENABLE_ONEDNN_OPTS",)},
    }


# --------------------------------------------------------------------------- the parent


def run_child(threads, quick, log, variant=None):
    """One fresh process with the thread variables set to ``threads`` (None: unset); its record.

    ``variant``: None, ``"op_determinism"`` (the child calls
    ``tf.config.experimental.enable_op_determinism()`` before building anything) or ``"onednn_off"``
    (``TF_ENABLE_ONEDNN_OPTS=0``).
    """
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES + ("TF_ENABLE_ONEDNN_OPTS",)}
    if threads is not None:
        env.update({name: str(threads) for name in THREAD_VARIABLES})
    if variant == "onednn_off":
        env["TF_ENABLE_ONEDNN_OPTS"] = "0"
    env.update(TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg", COURSE_QUICK="1" if quick else "0",
               VAE_THREADS_VARIANT=variant or "")
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        target = out.name
    try:
        start, load_before = time.perf_counter(), os.getloadavg()[0]
        proc = subprocess.run([sys.executable, __file__, "--child", target], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        log.write(proc.stdout)
        if proc.returncode != 0:
            raise RuntimeError(f"the run with threads={threads} failed:\n{proc.stdout[-3000:]}")
        record = json.loads(Path(target).read_text())
        record["process_seconds_wall"] = round(time.perf_counter() - start, 1)
        record["loadavg_1min_before_after"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        return record
    finally:
        Path(target).unlink(missing_ok=True)


def summarise(runs):
    """Range of -ELBO (and the rest) over the runs with an explicit thread count."""
    counted = [r for r in runs if r["threads"] is not None and not r["repeat"] and r["variant"] is None]
    values = [r["neg_elbo"] for r in counted]
    default = next((r for r in runs if r["threads"] is None), None)
    same_as_default = [r["threads"] for r in counted if default and r["weights_sha256"] == default["weights_sha256"]]
    repeats = [r for r in runs if r["repeat"]]

    def repeats_itself(r):
        "whether a repeat ended with the same weights as the first run of its thread count"
        return any(c["threads"] == r["threads"] and c["weights_sha256"] == r["weights_sha256"] for c in counted)

    variants = {}
    for r in runs:
        if r["variant"] is not None:
            plain = next((c for c in counted if c["threads"] == r["threads"]), None)
            variants[r["variant"]] = {"threads": r["threads"], "neg_elbo": r["neg_elbo"],
                                      "weights_equal_plain_run": plain is not None
                                      and plain["weights_sha256"] == r["weights_sha256"]}
    return {
        "threads": [r["threads"] for r in counted],
        "neg_elbo_min": min(values), "neg_elbo_max": max(values),
        "neg_elbo_spread": round(max(values) - min(values), 4),
        "neg_iwae_min": min(r["neg_iwae"] for r in counted), "neg_iwae_max": max(r["neg_iwae"] for r in counted),
        "same_class_min": min(r["same_class"] for r in counted), "same_class_max": max(r["same_class"] for r in counted),
        "distinct_weights": len({r["weights_sha256"] for r in counted}),
        "default_threads_equal_to": same_as_default,
        "repeats_bit_identical": [r["threads"] for r in repeats if repeats_itself(r)],
        "repeats_different": [r["threads"] for r in repeats if not repeats_itself(r)],
        "variants": variants,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description="Notebook 05's live VAE trained with 1, 2, ... CPU threads.")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2, 3, 4], help="thread counts (default 1 2 3 4)")
    parser.add_argument("--no-default", action="store_true", help="skip the run with the thread variables unset")
    parser.add_argument("--no-repeat", action="store_true", help="skip the repeat of the first thread count")
    parser.add_argument("--variants", nargs="*", default=["op_determinism", "onednn_off"],
                        choices=["op_determinism", "onednn_off"],
                        help="extra runs with TensorFlow's op determinism on, or oneDNN off (default both)")
    parser.add_argument("--variant-threads", type=int, default=2, help="thread count of those runs (default 2)")
    parser.add_argument("--quick", action="store_true", help="2 epochs (COURSE_QUICK=1); writes only with --out")
    parser.add_argument("--out", type=Path, help=f"where to write (default data/{OUT_NAME}; nothing with --quick)")
    parser.add_argument("--note", default="", help="conditions to record (e.g. 'under the CPU lock')")
    parser.add_argument("--child", metavar="JSON", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        Path(args.child).write_text(json.dumps(train_and_measure()))
        return 0
    if any(t < 1 for t in args.threads):
        parser.error("--threads must be positive")

    from helpers import config, data

    out = args.out if args.out is not None else (None if args.quick else config.data_dir() / OUT_NAME)
    plan = [(t, False, None) for t in args.threads]
    if not args.no_default:
        plan.append((None, False, None))
    if not args.no_repeat:
        plan.append((args.threads[0], True, None))
    plan += [(args.variant_threads, False, v) for v in args.variants]
    info = machine()
    info["loadavg_start"] = [round(v, 2) for v in os.getloadavg()]
    info["note"] = args.note
    runs = []
    log_path = Path(tempfile.gettempdir()) / "vae_threads.log"
    with open(log_path, "w") as log:
        for threads, repeat, variant in plan:
            record = {"threads": threads, "repeat": repeat, "variant": variant,
                      **run_child(threads, args.quick, log, variant)}
            runs.append(record)
            label = " (repeat)" if repeat else f" ({variant})" if variant else ""
            print(f"threads {'unset' if threads is None else threads:>5}{label:17s} "
                  f"-ELBO {record['neg_elbo']:8.3f}  -IWAE {record['neg_iwae']:8.3f}  class kept {record['same_class']:.1%}  "
                  f"train {record['train_seconds_wall']:5.1f} s wall / {record['train_seconds_cpu']:5.1f} s CPU  "
                  f"eval {record['eval_seconds_wall']:4.1f} s  threads alive {record['threads_alive_at_end']}  "
                  f"weights {record['weights_sha256'][:12]}", flush=True)
    info["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    info["versions"].update(tensorflow=runs[0]["tf_version"], keras=runs[0]["keras_version"])   # as imported
    first = runs[0]
    result = {
        "machine": info,
        "settings": {"notebook": "notebooks/05_vae.ipynb (section 2, cells 14-20)", "latent_dim": 2, "beta": 1.0,
                     "epochs": first["epochs"], "batch_size": 64, "learning_rate": 3e-3, "model_seed": 0,
                     "data_order_seed": 0, "eval_global_seed": 1, "iwae_k": first["iwae_k"], "elbo_samples": 10,
                     "test_digits": 1000, "thread_variables": list(THREAD_VARIABLES)},
        "runs": runs,
        "summary": summarise(runs),
    }
    print(json.dumps(result["summary"], indent=1))
    print(f"(the children's output: {log_path})")
    if out is None:
        print("--quick: nothing written (give --out to keep the file)")
        return 0
    data.write_atomically(out, (json.dumps(result, indent=1) + "\n").encode())
    data.update_checksums([out.name], out.parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())

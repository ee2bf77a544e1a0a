"""A linear SVM with sigmoid-calibrated probabilities, fitted in one pass that also yields
out-of-fold predictions for every training row.

scikit-learn's ``CalibratedClassifierCV`` fits the SVM once per fold to calibrate it and once
more on everything, and nothing of those fold models can be reused. Here the fold models'
decision values (each row scored by the model that did not see it) are kept: they fit the
calibration (Platt's sigmoid per class, as ``CalibratedClassifierCV(method="sigmoid")`` does)
*and* give the cross-validated predictions that training reports and chooses thresholds on,
so no second model is fitted for measuring. Where allowed, the fold models fit in a forked
copy of the process while this one fits the final model (see ``_Fits``); it calibrates once the
fold models are in.

>>> import numpy as np
>>> x = np.array([[0.0, 1.0], [0.1, 0.9], [1.0, 0.0], [0.9, 0.2], [0.2, 1.0], [1.0, 0.1]])
>>> clf = CalibratedLinearSVC(folds=3).fit(x, ["a", "a", "b", "b", "a", "b"])
>>> clf.predict(np.array([[0.0, 1.0]]))[0]
'a'
"""

from __future__ import annotations

import contextlib
import mmap
import os
import signal
import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import NoReturn

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

# liblinear's stopping rule (tol) and its cap on passes over the data (max_iter). The last
# passes of dual coordinate descent only polish weights that no longer change any prediction:
# capped at 15 (from up to 48), the final fit on Banking77 takes a quarter less time and every
# benchmark set, the shipped test split and the development set give the same figures
# (benchmarks/README.md). A capped fit is not a failure, so its ConvergenceWarning is not shown.
TOL, MAX_ITER = 1e-3, 15


# liblinear draws its random visiting order from one generator per process (scikit-learn's
# newrand), reseeded by every fit: two fits at once in threads draw from it in whatever order
# the scheduler gives, and the model then differs from one training to the next. So every
# liblinear fit of the project goes through fit_liblinear, one at a time in this process
# (trainings of two sessions of the app included); fits run side by side only in two
# processes (_Fits).
_LIBLINEAR = threading.Lock()


def fit_liblinear(estimator, x, y, *, capped: bool = False):
    """``estimator.fit(x, y)`` for an estimator that runs liblinear, one fit at a time in this
    process. ``capped``: its max_iter is a cap chosen on purpose, so its ConvergenceWarning is
    not shown (the filters are changed under the lock, so no other fit of ours meanwhile)."""
    with _LIBLINEAR, warnings.catch_warnings():
        if capped:
            warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(x, y)


def _svm(x, y: np.ndarray, c: float, weight, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n_features, n_classes) weights and intercepts of liblinear's one-vs-rest SVMs."""
    svm = fit_liblinear(LinearSVC(C=c, class_weight=weight, random_state=seed, tol=TOL,
                                  max_iter=MAX_ITER), x, y, capped=True)
    if len(svm.classes_) == 2:  # liblinear keeps one vector for two classes
        return (np.column_stack([-svm.coef_[0], svm.coef_[0]]),
                np.array([-svm.intercept_[0], svm.intercept_[0]]))
    return svm.coef_.T, svm.intercept_


def _platt(decision: np.ndarray, target: np.ndarray, iterations: int = 100
           ) -> tuple[np.ndarray, np.ndarray]:
    """Per column k, (a_k, b_k) with P(target | decision) = 1 / (1 + exp(a * decision + b)):
    Platt's sigmoid with his smoothed targets (so a class the decision values separate
    perfectly still gets probabilities short of 0 and 1), fitted for every class at once by
    Newton's method with step halving (Lin, Lin and Weng, 2007)."""
    positives = target.sum(axis=0)
    negatives = len(target) - positives
    # One row per class (contiguous), so the classes still being fitted are cheap to take:
    # most converge in a few steps, and the rest are fitted alone (2.5x faster on Banking77).
    scores = np.ascontiguousarray(decision.T, dtype=np.float64)
    soft = np.where(target, (positives + 1) / (positives + 2), 1 / (negatives + 2)).T
    a = np.zeros(target.shape[1])
    b = np.log((negatives + 1) / (positives + 1))

    def loss(d, t, a, b):
        z = d * a[:, None] + b[:, None]
        return (np.logaddexp(0, z) - (1 - t) * z).sum(axis=1)

    active = np.arange(len(a))  # the classes whose gradient is not yet ~0
    current = loss(scores, soft, a, b)
    for _ in range(iterations):
        d, t, aa, bb = scores[active], soft[active], a[active], b[active]
        p = expit(-(d * aa[:, None] + bb[:, None]))
        g = t - p  # dL/dz
        w = p * (1 - p) + 1e-12
        grad_a, grad_b = (g * d).sum(axis=1), g.sum(axis=1)
        moving = np.maximum(np.abs(grad_a), np.abs(grad_b)) >= 1e-6
        if not moving.any():
            break
        active, d, t, aa, bb, w = (v[moving] for v in (active, d, t, aa, bb, w))
        grad_a, grad_b = grad_a[moving], grad_b[moving]
        haa, hab, hbb = (w * d**2).sum(axis=1), (w * d).sum(axis=1), w.sum(axis=1)
        det = haa * hbb - hab**2 + 1e-12
        step_a, step_b = (hbb * grad_a - hab * grad_b) / det, (haa * grad_b - hab * grad_a) / det
        size, before = np.ones_like(aa), current[active]
        for _ in range(30):  # halve each class's step until its loss does not grow
            trial = loss(d, t, aa - size * step_a, bb - size * step_b)
            worse = trial > before + 1e-12
            if not worse.any():
                break
            size = np.where(worse, size / 2, size)
        a[active], b[active] = aa - size * step_a, bb - size * step_b
        current[active] = np.minimum(trial, before)
    return a, b


# Trainings with at least this many rows times labels fit their fold models in a second
# process, a fork of this one, while this one fits the final model: each process has its own
# generator (see _LIBLINEAR), so the fits run side by side on two cores and the models are the
# very ones one process gives fitting them in turn. On this project's 2-core machine, training
# on Banking77 (10,003 rows, 77 labels) takes 2.2-2.3 s instead of 3.4, and on the shipped data
# 10.5 s instead of 13.3; on 4,000 rows of 18 labels forking gained nothing (the two fits slow
# each other by a fifth or more), so smaller trainings do not fork. The gain depends on the
# hardware (memory bandwidth shared by the cores); the peak memory of the two processes
# together is about a quarter higher. See _fork_allowed for where it is safe.
FORK_WORK = 100_000


def _fork_allowed() -> bool:
    """Whether forking this process for the fold models is safe and can pay: Linux (elsewhere a
    fork that does not exec is unsafe with the system's libraries, which is why Python's
    multiprocessing stopped forking on macOS), two usable cores, this the main thread and no
    other Python thread (whose locks the copy would inherit mid-use; the app trains in a thread
    of its own, so there the fits run one after another), and the copy's exit status not
    thrown away (SIGCHLD not ignored)."""
    return (sys.platform == "linux" and len(os.sched_getaffinity(0)) >= 2
            and threading.current_thread() is threading.main_thread()
            and threading.active_count() == 1
            and signal.getsignal(signal.SIGCHLD) != signal.SIG_IGN)


class _Fits:
    """liblinear fits of ``parts`` (row indices, or None for all rows) on every class, one at a
    time in a worker thread of this process; where allowed (FORK_WORK, _fork_allowed), all but
    the last go to a forked copy instead, which writes their weights into shared memory and
    exits. ``result(i)`` waits for fit i. Should the copy fail (killed for memory, say), its
    fits are made here, with the same result."""

    def __init__(self, parts: list, x, y: np.ndarray, classes: int, args: tuple):
        self._parts, self._x, self._y, self._args = parts, x, y, args
        self._stop = threading.Event()  # set by a failing fit, or on an error or Ctrl-C
        self._pool = self._child = self._memory = None
        self._local: dict = {}
        self._returned: set[int] = set()  # the fits result() has given
        self._forked: range = range(0)
        self._copied: bool | None = None  # whether the copy made all its fits
        try:  # on any error (Ctrl-C included) the copy is ended and nothing is left behind
            if len(parts) > 1 and x.shape[0] * classes >= FORK_WORK and _fork_allowed():
                self._fork((x.shape[1] + 1, classes))
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="liblinear")
            for i in range(len(parts)):
                if i not in self._forked:
                    self._local[i] = self._pool.submit(self._fit_here, i)
        except BaseException:
            self.close()
            raise

    def _fork(self, shape: tuple[int, int]) -> None:
        """Start the copy, unless the system refuses the memory or the process for it."""
        forked = range(len(self._parts) - 1)
        try:
            memory = mmap.mmap(-1, 8 * shape[0] * shape[1] * len(forked))
        except OSError:
            return
        # A Ctrl-C meanwhile is only noted (Python runs the handler in this, the main thread,
        # whichever thread of the OS took the signal), until the copy's pid is kept here and,
        # in the copy, until it ignores Ctrl-C (this process ends it): no KeyboardInterrupt
        # can send the copy on into the caller's code. Then it is raised here. Forking under
        # the liblinear lock: no fit of ours is running, and the copy's lock is free.
        noted: list[int] = []
        previous = signal.signal(signal.SIGINT, lambda number, frame: noted.append(number))
        try:
            with _LIBLINEAR, warnings.catch_warnings():
                # Python 3.12+ warns of any other thread of the OS, e.g. the BLAS and OpenMP
                # pools of numpy and scipy, which the copy never uses.
                warnings.filterwarnings("ignore", "This process .* use of fork",
                                        DeprecationWarning)
                pid = os.fork()
            if pid == 0:
                self._run_copy(memory, shape, forked)
            self._child, self._memory, self._shape, self._forked = pid, memory, shape, forked
        except (OSError, RuntimeError):  # no process left for a copy: every fit is made here
            pass
        finally:
            signal.signal(signal.SIGINT, previous)
        if noted:
            signal.raise_signal(signal.SIGINT)  # to the caller's handler; close() ends the copy

    @staticmethod
    def _slot(memory: mmap.mmap, shape: tuple[int, int], i: int) -> np.ndarray:
        """Fit i's weights (then intercepts, the last row) in the shared memory."""
        size = shape[0] * shape[1]
        return np.frombuffer(memory, dtype=np.float64, count=size,
                             offset=8 * size * i).reshape(shape)

    def _run_copy(self, memory, shape, forked: range) -> NoReturn:
        """In the copy: make its fits, write their weights, and exit at once (status 0 when
        all are written); never returns into the caller's code."""
        status = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            for i in forked:
                coef, intercept = self._fit(i)
                slot = self._slot(memory, shape, i)
                slot[:-1], slot[-1] = coef, intercept
            status = 0
        finally:
            os._exit(status)  # no cleanup of the parent's objects, no atexit handlers

    def _fit(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        rows = self._parts[i]
        if rows is None:  # the final model, never the copy's: fit() lays it out once
            return _svm(self._x, self._y, *self._args)
        coef, intercept = _svm(self._x[rows], self._y[rows], *self._args)
        return np.ascontiguousarray(coef), intercept  # the layout of the copy's fold weights

    def _fit_here(self, i: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Fit i in the worker thread, unless a fit before it failed."""
        if self._stop.is_set():
            return None
        try:
            return self._fit(i)
        except BaseException:
            self._stop.set()
            raise

    def result(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        weights = self._result(i)
        self._returned.add(i)
        return weights

    def _result(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        if i in self._local:
            return self._local[i].result()
        if self._copied is None:
            try:
                _, status = os.waitpid(self._child, 0)
                self._copied = status == 0
            except ChildProcessError:  # reaped by someone else: its status is unknown
                self._copied = False
            self._child = None
        if not self._copied:
            return self._fit(i)
        slot = self._slot(self._memory, self._shape, i)  # freed with the last view of it
        return slot[:-1], slot[-1]

    def close(self) -> None:
        """Drop the fits not yet started; kill the copy if it is still running (only after an
        error or Ctrl-C here: ``result`` waits for it otherwise)."""
        self._stop.set()
        try:
            if self._child is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._child, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(self._child, 0)
                self._child = None
        finally:
            self._memory = None
            if self._pool is not None:
                # Waits for the worker once every fit is in (it has nothing left to do, and the
                # next training then finds its thread gone and may fork), not for a fit still
                # running after an error.
                finished = len(self._returned) == len(self._parts)
                self._pool.shutdown(wait=finished, cancel_futures=True)


class CalibratedLinearSVC(ClassifierMixin, BaseEstimator):
    """One-vs-rest linear SVMs with per-class sigmoid calibration from ``folds``-fold
    out-of-fold decision values.

    After ``fit``, ``oof_proba_`` holds each training row's calibrated probabilities from the
    fold model that did not see it; ``fit(x, y, extra=(rows, x2))`` also scores ``x2``, another
    view of the training rows ``rows`` (e.g. noisier copies), out of fold into
    ``extra_proba_``.
    Call :meth:`forget_training` before saving to drop both.
    """

    def __init__(self, *, C: float = 1.0, folds: int = 5, class_weight="balanced",
                 random_state: int = 0):
        self.C = C
        self.folds = folds
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, x, y, extra=None) -> CalibratedLinearSVC:
        """``extra``: None, (rows, x2), or a function returning (rows, x2), called while the
        final model fits (so the work of making x2 overlaps its fit)."""
        y = np.asarray(y, dtype=object)
        self.classes_ = np.unique(y)
        split = StratifiedKFold(self.folds, shuffle=True, random_state=self.random_state)
        folds = list(split.split(np.zeros(len(y)), y))
        fold_of = np.zeros(len(y), dtype=int)
        for number, (_, held) in enumerate(folds):
            fold_of[held] = number
        # The fold models, then the final model, each fitted once (see _Fits for where). Once
        # the fold models are in, this thread makes ``extra``, calibrates from their
        # out-of-fold decision values and scores ``extra``, while the final model still fits:
        # before, it would slow the fold models down (two liblinear fits already share the
        # two cores), and nothing waits for them but this.
        fits = _Fits([rows for rows, _ in folds] + [None], x, y, len(self.classes_),
                     (self.C, self.class_weight, self.random_state))
        try:
            fold_models = [fits.result(number) for number in range(len(folds))]
            extra = extra() if callable(extra) else extra
            decision = np.zeros((x.shape[0], len(self.classes_)))
            for (_, held), (weights, intercept) in zip(folds, fold_models, strict=True):
                decision[held] = x[held] @ weights + intercept
            self.a_, self.b_ = _platt(decision, y[:, None] == self.classes_[None, :])
            self.extra_proba_ = None
            if extra is not None:
                extra_rows, extra_x = extra
                extra_decision = np.zeros((len(extra_rows), len(self.classes_)))
                for number, (weights, intercept) in enumerate(fold_models):
                    mine = fold_of[extra_rows] == number
                    if mine.any():
                        extra_decision[mine] = extra_x[mine] @ weights + intercept
                self.extra_proba_ = self.proba_from_decision(extra_decision)
            weights, self.intercept_ = fits.result(len(folds))
        finally:  # on an error or Ctrl-C the fits not yet started are dropped
            fits.close()
        # float32 like the features (half the size, no upcast of every matmul) and row-major
        # (scipy copies any other layout on every product: 0.9 ms per message).
        self.coef_ = np.ascontiguousarray(weights, dtype=np.float32)
        self.oof_proba_ = self.proba_from_decision(decision)
        return self

    def forget_training(self) -> CalibratedLinearSVC:
        """Drop the out-of-fold figures (large, and of no use to a saved model)."""
        self.oof_proba_ = self.extra_proba_ = None
        return self

    def decision_function(self, x) -> np.ndarray:
        check_is_fitted(self, "coef_")
        return np.asarray(x @ self.coef_ + self.intercept_)

    def proba_from_decision(self, decision: np.ndarray) -> np.ndarray:
        """Calibrated probabilities from decision values (rows sum to 1)."""
        p = expit(-(self.a_ * decision + self.b_))
        total = p.sum(axis=1, keepdims=True)
        return np.divide(p, total, out=np.full_like(p, 1 / len(self.classes_)),
                         where=total != 0)

    def predict_proba(self, x) -> np.ndarray:
        return self.proba_from_decision(self.decision_function(x))

    def predict(self, x) -> np.ndarray:
        return self.classes_[self.predict_proba(x).argmax(axis=1)]

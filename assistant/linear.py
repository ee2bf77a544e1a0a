"""A linear SVM with sigmoid-calibrated probabilities, fitted in one pass that also yields
out-of-fold predictions for every training row.

scikit-learn's ``CalibratedClassifierCV`` fits the SVM once per fold to calibrate it and once
more on everything, and nothing of those fold models can be reused. Here the fold models'
decision values (each row scored by the model that did not see it) are kept: they fit the
calibration (Platt's sigmoid per class, as ``CalibratedClassifierCV(method="sigmoid")`` does)
*and* give the cross-validated predictions that training reports and chooses thresholds on,
so no second model is fitted for measuring. The final model and the fold models are fitted in
parallel threads.

>>> import numpy as np
>>> x = np.array([[0.0, 1.0], [0.1, 0.9], [1.0, 0.0], [0.9, 0.2], [0.2, 1.0], [1.0, 0.1]])
>>> clf = CalibratedLinearSVC(folds=3).fit(x, ["a", "a", "b", "b", "a", "b"])
>>> clf.predict(np.array([[0.0, 1.0]]))[0]
'a'
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from joblib import effective_n_jobs
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted

# liblinear's stopping rule (tol) and its cap on passes over the data (max_iter). The last
# passes of dual coordinate descent only polish weights that no longer change any prediction:
# capped at 15 (from up to 48), the final fit on Banking77 takes a quarter less time and every
# benchmark set, the shipped test split and the development set give the same figures
# (benchmarks/README.md). A capped fit is not a failure, so its ConvergenceWarning is not shown.
TOL, MAX_ITER = 1e-3, 15


def _svm(x, y: np.ndarray, c: float, weight, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n_features, n_classes) weights and intercepts of liblinear's one-vs-rest SVMs."""
    svm = LinearSVC(C=c, class_weight=weight, random_state=seed, tol=TOL,
                    max_iter=MAX_ITER).fit(x, y)
    if len(svm.classes_) == 2:  # liblinear keeps one vector for two classes
        return (np.column_stack([-svm.coef_[0], svm.coef_[0]]),
                np.array([-svm.intercept_[0], svm.intercept_[0]]))
    return svm.coef_.T, svm.intercept_


_REST = "\x00rest"  # stands for every class outside a chunk (see _svm_chunk)


def _svm_chunk(x, y: np.ndarray, chunk: np.ndarray, c: float, weight, seed: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """The one-vs-rest SVMs of the classes in ``chunk`` (two or more) only, on all rows.

    liblinear's one-vs-rest problem for class k weighs k's rows by C times k's class weight
    and every other row by C, whatever its class. So relabelling the rows of the classes
    outside the chunk as one "rest" class leaves each chunk class's problem as it is in the
    full fit (the same solution, to liblinear's tolerance), and chunks can be fitted side by
    side. The rest class's own problem is of no use: a tiny weight makes it converge at once.
    ``weight`` is the full fit's class_weight (None, "balanced" or a dict).
    """
    classes = np.unique(y)
    weights = {**dict(zip(classes, compute_class_weight(weight, classes=classes, y=y),
                          strict=True)), _REST: 1e-6}
    inside = np.isin(y, chunk)
    svm = LinearSVC(C=c, class_weight={k: weights[k] for k in (*chunk, _REST)},
                    random_state=seed, tol=TOL, max_iter=MAX_ITER).fit(
                        x, np.where(inside, y, _REST))
    keep = [list(svm.classes_).index(k) for k in chunk]
    return svm.coef_[keep].T, svm.intercept_[keep]


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
                 random_state: int = 0, n_jobs: int = -1):
        self.C = C
        self.folds = folds
        self.class_weight = class_weight
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, x, y, extra=None) -> CalibratedLinearSVC:
        """``extra``: None, (rows, x2), or a function returning (rows, x2), called while the
        models fit (so the work of making x2 overlaps theirs)."""
        y = np.asarray(y, dtype=object)
        self.classes_ = np.unique(y)
        args = (self.C, self.class_weight, self.random_state)
        split = StratifiedKFold(self.folds, shuffle=True, random_state=self.random_state)
        folds = list(split.split(np.zeros(len(y)), y))
        fold_of = np.zeros(len(y), dtype=int)
        for number, (_, held) in enumerate(folds):
            fold_of[held] = number
        # The fold models and the final model (in two halves of its classes, when it has
        # many: always two, whatever the cores, so the model does not depend on the machine)
        # are independent and fitted side by side in threads (liblinear releases the GIL).
        # The fold models go first: while the final model fits, this thread calibrates from
        # their out-of-fold decision values and makes and scores ``extra``.
        halves = np.array_split(self.classes_, 2) if len(self.classes_) >= 8 else [None]
        with ThreadPoolExecutor(effective_n_jobs(self.n_jobs)) as pool, \
                warnings.catch_warnings():  # the worker threads' warnings too, while it lasts
            warnings.simplefilter("ignore", ConvergenceWarning)
            fold_jobs = [pool.submit(_svm, x[rows], y[rows], *args) for rows, _ in folds]
            final_jobs = [pool.submit(_svm, x, y, *args) if half is None
                          else pool.submit(_svm_chunk, x, y, half, *args) for half in halves]
            fold_models = [job.result() for job in fold_jobs]
            decision = np.zeros((x.shape[0], len(self.classes_)))
            for (_, held), (weights, intercept) in zip(folds, fold_models, strict=True):
                decision[held] = x[held] @ weights + intercept
            self.a_, self.b_ = _platt(decision, y[:, None] == self.classes_[None, :])
            extra = extra() if callable(extra) else extra
            self.extra_proba_ = None
            if extra is not None:
                extra_rows, extra_x = extra
                extra_decision = np.zeros((len(extra_rows), len(self.classes_)))
                for number, (weights, intercept) in enumerate(fold_models):
                    mine = fold_of[extra_rows] == number
                    if mine.any():
                        extra_decision[mine] = extra_x[mine] @ weights + intercept
                self.extra_proba_ = self.proba_from_decision(extra_decision)
            final = [job.result() for job in final_jobs]
        weights, self.intercept_ = (np.concatenate(part, axis=-1) for part in zip(*final,
                                                                                 strict=True))
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

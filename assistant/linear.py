"""A linear SVM with sigmoid-calibrated probabilities, fitted in one pass that also yields
out-of-fold predictions for every training row.

scikit-learn's ``CalibratedClassifierCV`` fits the SVM once per fold to calibrate it and once
more on everything, and nothing of those fold models can be reused. Here the fold models'
decision values (each row scored by the model that did not see it) are kept: they fit the
calibration (Platt's sigmoid per class, as ``CalibratedClassifierCV(method="sigmoid")`` does)
*and* give the cross-validated predictions that training reports and chooses thresholds on,
so no second model is fitted for measuring. The one-vs-rest problems are solved in parallel.

>>> import numpy as np
>>> x = np.array([[0.0, 1.0], [0.1, 0.9], [1.0, 0.0], [0.9, 0.2], [0.2, 1.0], [1.0, 0.1]])
>>> clf = CalibratedLinearSVC(folds=3).fit(x, ["a", "a", "b", "b", "a", "b"])
>>> clf.predict(np.array([[0.0, 1.0]]))[0]
'a'
"""

from __future__ import annotations

import numpy as np
from joblib import Parallel, delayed
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted


def _svm(x, y: np.ndarray, c: float, weight, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n_features, n_classes) weights and intercepts of liblinear's one-vs-rest SVMs."""
    svm = LinearSVC(C=c, class_weight=weight, random_state=seed).fit(x, y)
    if len(svm.classes_) == 2:  # liblinear keeps one vector for two classes
        return (np.column_stack([-svm.coef_[0], svm.coef_[0]]),
                np.array([-svm.intercept_[0], svm.intercept_[0]]))
    return svm.coef_.T, svm.intercept_


def _platt(decision: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """(a, b) with P(target | decision) = 1 / (1 + exp(a * decision + b)), fitted with Platt's
    smoothed targets (as scikit-learn's sigmoid calibration), so that classes the decision
    values separate perfectly still get probabilities short of 0 and 1."""
    positives = int(target.sum())
    negatives = len(target) - positives
    soft = np.where(target == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    # A soft-target logistic regression: every row twice, once per side, weighted.
    both = np.concatenate([decision, decision]).reshape(-1, 1)
    sides = np.concatenate([np.ones(len(target)), np.zeros(len(target))])
    fit = LogisticRegression(C=1e6).fit(both, sides, sample_weight=np.concatenate([soft,
                                                                                   1 - soft]))
    return -float(fit.coef_[0, 0]), -float(fit.intercept_[0])


class CalibratedLinearSVC(ClassifierMixin, BaseEstimator):
    """One-vs-rest linear SVMs with per-class sigmoid calibration from ``folds``-fold
    out-of-fold decision values.

    After ``fit``, ``oof_proba_`` holds each training row's calibrated probabilities from the
    fold model that did not see it; ``fit(x, y, extra=x2)`` also scores the rows of ``x2``
    (another view of the same rows, e.g. noisier copies) out of fold into ``extra_proba_``.
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
        y = np.asarray(y, dtype=object)
        self.classes_ = np.unique(y)
        args = (self.C, self.class_weight, self.random_state)
        split = StratifiedKFold(self.folds, shuffle=True, random_state=self.random_state)
        folds = list(split.split(np.zeros(len(y)), y))
        # The fold models and the final one are independent: fitted side by side (liblinear
        # releases the GIL, so threads use every core without copying the data).
        jobs = [(rows, y[rows]) for rows, _ in folds] + [(slice(None), y)]
        fitted = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(_svm)(x[rows], target, *args) for rows, target in jobs)
        decision = np.zeros((x.shape[0], len(self.classes_)))
        extra_decision = None if extra is None else np.zeros_like(decision)
        for (_, held), (weights, intercept) in zip(folds, fitted[:-1], strict=True):
            decision[held] = x[held] @ weights + intercept
            if extra is not None:
                extra_decision[held] = extra[held] @ weights + intercept
        pairs = [_platt(decision[:, k], (y == label).astype(int))
                 for k, label in enumerate(self.classes_)]
        self.a_ = np.array([a for a, _ in pairs])
        self.b_ = np.array([b for _, b in pairs])
        self.coef_, self.intercept_ = fitted[-1]
        self.oof_proba_ = self.proba_from_decision(decision)
        self.extra_proba_ = (None if extra_decision is None
                             else self.proba_from_decision(extra_decision))
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

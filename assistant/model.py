"""Build and train the message classifier, and predict with it (`Model`).

The classifier is a scikit-learn ``Pipeline``: the normalising step, word and character TF-IDF
features joined by a ``FeatureUnion``, then linear SVMs whose scores Platt's sigmoid turns into
probabilities (``linear.py``). Works for any label set. Saving and loading: ``registry.py``;
measuring: ``evaluation.py``.

>>> result = train(["where is my parcel", ...], ["not_arrived", ...])   # doctest: +SKIP
>>> result.model.predict(["still waiting for my order"])[0].label       # doctest: +SKIP
'not_arrived'
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import joblib
import numpy as np
import sklearn
from scipy import sparse
from scipy.special import expit
from sklearn.pipeline import FeatureUnion, Pipeline

from .errors import ModelError
from .evaluation import metrics
from .features import CharWordNgrams, WordNgrams
from .language import LanguageHead, detect, detect_with
from .linear import CalibratedLinearSVC
from .noise import noisy
from .normalise import Normaliser

SEED = 0
# Bump when build_pipeline changes, so a default model built by older code is rebuilt.
PIPELINE_VERSION = 15
# Messages are classified on their first MAX_CHARS characters (a long e-mail's quoted thread
# adds nothing and costs time; the longest shipped training message has 655); outputs keep
# the whole text, and predictions say truncated.
MAX_CHARS = 1000
# How many noisy copies of training rows the thresholds are chosen on.
NOISY_SAMPLE = 4000
# Folds of the out-of-fold predictions that calibrate the model and set its thresholds.
FOLDS = 2
# The label for "none of the scenarios": never a second problem.
OUT_OF_SCOPE = "other"
# The needs-review thresholds leave at most this share of messages wrong and not flagged, and
# keep at least this share of the confident answers right, on noisy copies of the training rows
# (the model's accuracy on them is close to that on real buyers' text; benchmarks/README.md).
MAX_CONFIDENT_ERRORS = 0.05
MIN_CONFIDENT_PRECISION = 0.9
# A confidence threshold no probability reaches: every message needs review.
FLAG_ALL = 1.01


@dataclass(frozen=True)
class Alternative:
    label: str
    confidence: float


@dataclass(frozen=True)
class Prediction:
    """The classifier's answer for one message."""

    text: str
    label: str
    confidence: float
    alternatives: tuple[Alternative, ...]
    needs_review: bool
    language: str | None = None
    language_confidence: float | None = None
    truncated: bool = False
    # The runner-up scenario when the message seems to raise two problems (both strong).
    also: str | None = None
    # Why needs_review is set: "low confidence", "close runner-up", "two problems", "empty".
    review_reason: str | None = None

    # The columns a batch output gets for each message, in order (see to_row).
    ROW_COLUMNS = ("label", "confidence", "alt_label", "alt_confidence", "also_label",
                   "needs_review", "review_reason", "language", "language_confidence")

    def to_row(self) -> tuple:
        """The values of ``ROW_COLUMNS``: one row of a batch output."""
        alt = self.alternatives[0] if self.alternatives else Alternative("", 0.0)
        return (self.label, round(self.confidence, 4), alt.label, round(alt.confidence, 4),
                self.also or "", self.needs_review, self.review_reason or "",
                self.language or "", self.language_confidence)

    @classmethod
    def from_row(cls, text: str, row: Any) -> Prediction:
        """Back from a batch row (a tuple or named tuple in ``ROW_COLUMNS`` order)."""
        (label, confidence, alt_label, alt_confidence, also, review, reason, language,
         language_confidence) = tuple(row)
        alternatives = (Alternative(alt_label, alt_confidence),) if alt_label else ()
        return cls(text, label, confidence, alternatives, bool(review), language or None,
                   language_confidence, also=also or None, review_reason=reason or None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "alternatives": [{"label": a.label, "confidence": round(a.confidence, 4)}
                             for a in self.alternatives],
            "needs_review": self.needs_review,
            "language": self.language,
            "language_confidence": self.language_confidence,
            "truncated": self.truncated,
            "also": self.also,
            "review_reason": self.review_reason,
        }


@dataclass(frozen=True)
class Thresholds:
    """A prediction needs review when its confidence or its margin is under these, or when
    the runner-up is a second problem: a scenario other than ``other`` whose confidence is at
    least ``also_confidence`` and at least ``also_ratio`` of the top one's."""

    min_confidence: float = 0.5
    min_margin: float = 0.1
    also_confidence: float = 0.25
    also_ratio: float = 0.4

    def decide(self, labels: Sequence[str], texts: Sequence[str], proba: np.ndarray, *,
               alternatives: int = 3) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
        """For every message at once (``proba``'s columns in ``labels`` order): the indices of
        its top ``alternatives + 1`` labels, whether the runner-up is a second problem
        (``Prediction.also``), and why it needs review (None when it does not)."""
        proba = np.asarray(proba, dtype=np.float64)  # compared as Python floats would be
        order = np.argsort(-proba, axis=1)[:, : alternatives + 1]
        rows = np.arange(len(proba))
        best = proba[rows, order[:, 0]]
        if order.shape[1] > 1:
            second_index = order[:, 1]
            second = proba[rows, second_index]
        else:  # one label: no runner-up
            second_index, second = np.zeros(len(proba), dtype=int), np.zeros(len(proba))
        names = np.asarray(labels, dtype=object)
        also = ((names[order[:, 0]] != OUT_OF_SCOPE) & (names[second_index] != OUT_OF_SCOPE)
                & (second >= self.also_confidence) & (second >= self.also_ratio * best)
                & (order.shape[1] > 1))
        reason = np.select([best < self.min_confidence, best - second < self.min_margin, also],
                           ["low confidence", "close runner-up", "two problems"], "")
        return order, also, ["empty" if not str(text).strip() else (r or None)
                             for text, r in zip(texts, reason.tolist(), strict=True)]


def build_pipeline(*, c: float = 0.5, folds: int = 3) -> Pipeline:
    """The default pipeline (features and C chosen by cross-validation; see
    benchmarks/README.md): normalising, word and character TF-IDF, a calibrated linear SVM."""
    features = FeatureUnion([
        # Accents are stripped by the normalising step, once for both vectorizers.
        ("word", WordNgrams(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                            strip_accents=None, token_pattern=r"(?u)\b\w+\b",
                            dtype=np.float32)),
        # TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, ...), computed
        # word by word with a cache of words: the same features, several times faster.
        ("char", CharWordNgrams(ngram_range=(2, 5), min_df=2, strip_accents=None)),
    ])
    clf = CalibratedLinearSVC(C=c, folds=folds, random_state=SEED)
    return Pipeline([("normalise", Normaliser()), ("features", features), ("clf", clf)])


class Model:
    """A trained pipeline with its model card (labels, metrics, thresholds, versions)."""

    def __init__(self, pipeline: Pipeline, card: dict[str, Any],
                 seen: frozenset[str] = frozenset(), language_head: LanguageHead | None = None):
        self.pipeline = pipeline
        # Detects the language from this model's own features (see language.LanguageHead).
        self.language_head = language_head
        self.card = card
        # Fingerprints of the training messages, to measure the model only on unseen ones.
        self.seen = seen
        self.labels: tuple[str, ...] = tuple(str(c) for c in pipeline.classes_)
        t = card.get("thresholds", {})
        self.thresholds = Thresholds(**t) if t else Thresholds()
        self._linear = _linear_parts(pipeline)

    @property
    def name(self) -> str:
        return self.card.get("name", "unnamed")

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities (columns in ``labels`` order), from each text's first
        ``MAX_CHARS`` characters."""
        return self._scores(texts)[0]

    def _scores(self, texts: Sequence[str]):
        """(probabilities, features or None)."""
        texts = [str(t)[:MAX_CHARS] for t in texts]
        if self._linear is None:
            return self.pipeline.predict_proba(texts), None
        # Same numbers as pipeline.predict_proba, in a few array operations: about twice as
        # fast for a single message (no per-class Python loop, less input checking).
        normaliser, vectorizers, weights, intercept, to_proba = self._linear
        if normaliser is not None:
            texts = normaliser.transform(texts)
        if len(texts) == 1 and all(hasattr(v, "row") for v in vectorizers):
            # One message (the app, the CLI): its row's entries, without making a sparse
            # matrix per vectorizer (0.3-0.5 ms less). The product is done as scipy does it,
            # each entry's weights scaled and added in the row's order, so the numbers are the
            # batch's to the last bit: numpy adds rows one after another for two columns or
            # more, but one column (a two-class model of the first version) pairwise.
            x = _one_row(vectorizers, texts[0])
            if weights.shape[1] > 1:
                decision = (weights[x.indices] * x.data[:, None]).sum(axis=0, keepdims=True)
            else:
                decision = np.asarray(x @ weights)
        else:
            x = sparse.hstack([v.transform(texts) for v in vectorizers], format="csr")
            decision = np.asarray(x @ weights)
        proba = to_proba(decision + intercept)
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba, x

    def predict(self, texts: Sequence[str], *, alternatives: int = 3,
                languages: str | None = "accurate") -> list[Prediction]:
        """Label, confidence, the next ``alternatives`` labels, needs_review and the message's
        language, per message. ``languages``: "accurate", "fast" (see language.detect) or
        None (not detected)."""
        texts = [str(t) for t in texts]
        if not texts:
            return []
        proba, x = self._scores(texts)
        detected = None
        if languages:
            head = self.language_head if x is not None else None
            detected = detect_with(head, x, texts, fast=languages == "fast")
        return self.from_proba(texts, proba, alternatives=alternatives, languages=None,
                               detected=detected)

    def ready(self) -> None:
        """Make now what the features would otherwise make on first use (the word
        vectorizer's numbered vocabulary: 0.25-0.4 s on the first batch of messages)."""
        features = self.pipeline.named_steps.get("features")
        for _, vectorizer in getattr(features, "transformer_list", []):
            if hasattr(vectorizer, "ready"):
                vectorizer.ready()

    def has_seen(self, texts: Sequence[str]) -> list[bool]:
        """Whether each message was among this model's training messages."""
        return [text_key(t) in self.seen for t in texts]

    def from_proba(self, texts: Sequence[str], proba: np.ndarray, *, alternatives: int = 3,
                   languages: str | None = "accurate",
                   detected: Sequence[tuple] | None = None) -> list[Prediction]:
        order, also, reasons = self.thresholds.decide(self.labels, texts, proba,
                                                      alternatives=alternatives)
        if detected is None:
            detected = (detect(texts, fast=languages == "fast") if languages
                        else [(None, None)] * len(texts))
        labels = self.labels
        out = []
        for text, row, idx, second, reason, lang in zip(texts, proba, order.tolist(),
                                                        also.tolist(), reasons, detected,
                                                        strict=True):
            top = [Alternative(labels[i], float(row[i])) for i in idx]
            out.append(Prediction(text, top[0].label, top[0].confidence, tuple(top[1:]),
                                  reason is not None, *lang, truncated=len(text) > MAX_CHARS,
                                  also=labels[idx[1]] if second else None,
                                  review_reason=reason))
        return out


def _one_row(vectorizers: Sequence, text: str) -> sparse.csr_matrix:
    """The features of one message, as the union of the vectorizers' rows."""
    columns, values, offset = [], [], 0
    for vectorizer in vectorizers:
        found, weights = vectorizer.row(text)
        columns.append(found + offset)
        values.append(weights)
        offset += len(vectorizer.vocabulary_)
    return sparse.csr_matrix((np.concatenate(values), np.concatenate(columns),
                              np.array([0, sum(map(len, columns))])), shape=(1, offset))


def _linear_parts(pipeline: Pipeline) -> tuple | None:
    """The arrays of a features + sigmoid-calibrated linear pipeline, or None for any other."""
    steps = pipeline.named_steps
    features, clf = steps.get("features"), steps.get("clf")
    normaliser = steps.get("normalise")
    if (set(steps) - {"normalise", "features", "clf"} or not isinstance(
            normaliser, Normaliser | None) or not isinstance(features, FeatureUnion)
            or features.transformer_weights):
        return None
    vectorizers = [t for _, t in features.transformer_list]
    if isinstance(clf, CalibratedLinearSVC):  # row-major weights: see CalibratedLinearSVC.fit
        return (normaliser, vectorizers, np.ascontiguousarray(clf.coef_), clf.intercept_,
                clf.proba_from_decision)
    try:  # a model saved by the first version (CalibratedClassifierCV)
        [calibrated] = clf.calibrated_classifiers_
    except (AttributeError, ValueError, TypeError):
        return None
    estimator = calibrated.estimator
    if (calibrated.method != "sigmoid" or not hasattr(estimator, "coef_")
            or list(estimator.classes_) != list(clf.classes_)):
        return None
    a = np.array([c.a_ for c in calibrated.calibrators])
    b = np.array([c.b_ for c in calibrated.calibrators])

    def to_proba(decision: np.ndarray) -> np.ndarray:
        p = expit(-(a * decision + b))
        if p.shape[1] == 1:  # one calibrator for two classes
            return np.column_stack([1.0 - p[:, 0], p[:, 0]])
        total = p.sum(axis=1, keepdims=True)
        return np.divide(p, total, out=np.full_like(p, 1 / p.shape[1]), where=total != 0)

    return (normaliser, vectorizers, np.ascontiguousarray(estimator.coef_.T), estimator.intercept_,
            to_proba)


@dataclass
class TrainResult:
    """A trained model, its figures on the held-out rows, and those rows (to compare other
    models on exactly the same messages)."""

    model: Model
    holdout: dict[str, Any]
    seconds: float
    holdout_texts: list[str] = field(default_factory=list)
    holdout_labels: list[str] = field(default_factory=list)
    holdout_predicted: list[str] = field(default_factory=list)


def text_key(text: str) -> str:
    """A short fingerprint of a message (case and spacing ignored)."""
    return hashlib.blake2b(" ".join(str(text).lower().split()).encode(),
                           digest_size=8).hexdigest()


def data_hash(texts: Sequence[str], labels: Sequence[str]) -> str:
    """A stable fingerprint of the training rows (order-independent)."""
    h = hashlib.sha256()
    for text, label in sorted(zip(texts, labels, strict=True)):
        h.update(label.encode() + b"\x1f" + text.encode() + b"\x1e")
    return h.hexdigest()


def choose_thresholds(proba: np.ndarray, truth: np.ndarray, labels: Sequence[str],
                      max_wrong: float = MAX_CONFIDENT_ERRORS,
                      min_precision: float = MIN_CONFIDENT_PRECISION
                      ) -> tuple[Thresholds, dict[str, float]]:
    """The loosest (confidence, margin) pair that leaves at most ``max_wrong`` of all the
    messages wrong and not flagged for review (an agent handed a confident wrong draft), and
    at least ``min_precision`` of the unflagged ones right.

    Chosen on held-out predictions (training uses noisy copies of its rows, see train).
    """
    top2 = np.sort(proba, axis=1)[:, -2:]
    conf, margin = top2[:, 1], top2[:, 1] - top2[:, 0]
    correct = np.asarray(labels)[proba.argmax(axis=1)] == truth
    best = None
    for t in np.round(np.arange(0.0, 0.995, 0.01), 3):
        for m in np.round(np.arange(0.0, 0.51, 0.025), 3):
            keep = (conf >= t) & (margin >= m)
            wrong = float((keep & ~correct).mean())
            precision = float(correct[keep].mean()) if keep.any() else None
            if (wrong <= max_wrong and precision is not None and precision >= min_precision
                    and (best is None or keep.mean() > best[1]["coverage"])):
                best = (Thresholds(float(t), float(m)), {
                    "coverage": float(keep.mean()), "wrong_not_flagged": wrong,
                    "precision": precision})
    # No pair meets both limits (a model too weak for its data): every message is flagged, and
    # the card says so ("met": False) instead of pretending a threshold was found.
    chosen = best or (Thresholds(FLAG_ALL, 0.5), {"coverage": 0.0, "wrong_not_flagged": 0.0,
                                                  "precision": None})
    return chosen[0], {**chosen[1], "max_wrong_not_flagged": max_wrong,
                       "min_precision": min_precision, "met": best is not None}


def train(texts: Sequence[str], labels: Sequence[str], *, name: str = "default",
          max_wrong: float = MAX_CONFIDENT_ERRORS, sources: Sequence[str] = (),
          languages: Sequence[str] | None = None, progress=None) -> TrainResult:
    """Train on all rows in one pass whose fold models also give every row a cross-validated
    prediction: the figures reported and the needs-review thresholds come from those.

    ``progress``, if given, is called with (fraction, message) as training advances.
    """
    step = progress or (lambda fraction, message: None)
    texts, labels = [str(t) for t in texts], [str(label) for label in labels]
    y = np.asarray(labels, dtype=object)
    classes, counts = _label_counts(y)
    start = time.perf_counter()
    folds = int(min(FOLDS, min(counts)))
    pipeline = build_pipeline(folds=folds)
    normaliser, features, clf = (pipeline.named_steps[k] for k in ("normalise", "features",
                                                                    "clf"))
    step(0.05, f"reading the words and letters of {len(texts):,} messages")
    x = features.fit_transform(normaliser.transform(texts))
    # Noisier copies of (a sample of) the rows, scored out of fold too: buyers write less
    # tidily than any training file, and thresholds chosen on clean rows trust the model
    # too much. Made while the final model fits.
    sample = np.random.default_rng(SEED).permutation(len(texts))[:NOISY_SAMPLE]

    def rough():
        return sample, features.transform(normaliser.transform(noisy(
            [texts[i] for i in sample], [labels[i] for i in sample], seed=SEED,
            out_of_scope=OUT_OF_SCOPE)))

    step(0.25, f"fitting the final model and {clf.folds} fold models")
    clf.fit(x, y, extra=rough)
    step(0.9, "choosing the needs-review thresholds")
    thresholds, threshold_stats = choose_thresholds(clf.extra_proba_, y[sample], clf.classes_,
                                                    max_wrong)
    threshold_stats["measured_on"] = ("noisy copies of the training rows, scored out of fold "
                                      "(assistant.noise)")
    order, _, reasons = thresholds.decide(clf.classes_, texts, clf.oof_proba_, alternatives=1)
    predicted = [str(label) for label in clf.classes_[order[:, 0]]]
    held = {"method": f"{clf.folds}-fold cross-validation",
            **metrics(labels, predicted, [reason is not None for reason in reasons])}
    clf.forget_training()
    head = None
    if languages is not None and len(set(languages)) > 1:
        step(0.95, "learning the languages from the same features")
        head = LanguageHead().fit(x, [str(lang) for lang in languages])
    seconds = time.perf_counter() - start
    card = {
        "name": name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "labels": classes,
        "counts": dict(zip(classes, counts, strict=True)),
        "rows": len(texts),
        "sources": [str(s) for s in sources],
        "data_sha256": data_hash(texts, labels),
        "pipeline_version": PIPELINE_VERSION,
        "thresholds": asdict(thresholds), "threshold_selection": threshold_stats,
        "holdout": held, "train_seconds": round(seconds, 2), "versions": library_versions(),
    }
    step(1.0, "done")
    seen = frozenset(text_key(t) for t in texts)
    return TrainResult(Model(pipeline, card, seen, head), held, seconds, texts, labels,
                       predicted)


def _label_counts(y: np.ndarray) -> tuple[list[str], list[int]]:
    """The labels and their counts, if there are enough to train and measure."""
    classes, counts = np.unique(y, return_counts=True)
    classes, counts = [str(c) for c in classes], [int(n) for n in counts]
    if len(classes) < 2:
        raise ModelError("training needs at least two labels; found "
                         f"{len(classes)} ({', '.join(classes) or 'none'})")
    if min(counts) < 3:
        smallest = classes[counts.index(min(counts))]
        raise ModelError(f"label {smallest!r} has {min(counts)} example(s); each label needs "
                         "at least 3 to train and measure")
    return classes, counts


def library_versions() -> dict[str, str]:
    import platform

    return {"scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "joblib": joblib.__version__, "python": platform.python_version()}

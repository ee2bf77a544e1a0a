from __future__ import annotations

import json
import pickle

import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant import model as m
from assistant import registry
from assistant.errors import ModelError, ModelVersionError

# A tiny label set that is not ours: the classifier must work for any labels.
CORPUS = {
    "card_lost": ["I lost my card", "my card is gone", "can't find my bank card anywhere",
                  "card missing from wallet", "I think I dropped my card", "where did my card go",
                  "lost card help", "my debit card was lost yesterday"],
    "balance": ["what is my balance", "how much money do I have", "show my account balance",
                "balance please", "check how much is left", "current balance?",
                "how much is in my account", "tell me my balance"],
    "transfer": ["send money to my sister", "transfer 50 to john", "make a transfer",
                 "move money to savings", "wire money abroad", "pay my friend back",
                 "send 20 euros to anna", "transfer funds please"],
}
TEXTS = [t for texts in CORPUS.values() for t in texts]
LABELS = [lab for lab, texts in CORPUS.items() for _ in texts]


@pytest.fixture(scope="module")
def tiny():
    return m.train(TEXTS, LABELS, name="tiny")


def test_predict_shape_and_alternatives(tiny):
    [p] = tiny.model.predict(["I have lost my card"])
    assert p.label == "card_lost"
    assert 0 < p.confidence <= 1
    assert [a.label for a in p.alternatives] == sorted(
        {"balance", "transfer"}, key=lambda lab: -dict(
            (a.label, a.confidence) for a in p.alternatives)[lab])
    assert all(a.confidence <= p.confidence for a in p.alternatives)
    assert set(p.to_dict()) == {"text", "label", "confidence", "alternatives", "needs_review",
                                "language", "language_confidence", "truncated", "also",
                                "review_reason"}
    assert p.language == "en"
    assert p.truncated is False


def test_long_messages_are_classified_on_their_start(tiny):
    long = "I have lost my card " + "x" * (m.MAX_CHARS * 4)
    [p] = tiny.model.predict([long])
    assert p.truncated is True and p.text == long
    [short] = tiny.model.predict([long[: m.MAX_CHARS]])
    assert p.label == short.label and p.confidence == short.confidence


def test_probabilities_sum_to_one(tiny):
    proba = tiny.model.predict_proba(["balance", "lost card", "nonsense words"])
    assert proba.sum(axis=1) == pytest.approx([1, 1, 1], abs=1e-6)


def test_card_records_what_was_done(tiny):
    card = tiny.model.card
    assert card["labels"] == ["balance", "card_lost", "transfer"]
    assert card["counts"] == {"balance": 8, "card_lost": 8, "transfer": 8}
    assert set(card["thresholds"]) == {"min_confidence", "min_margin", "also_confidence",
                                       "also_ratio"}
    assert card["threshold_selection"]["measured_on"].startswith("noisy copies")
    import sklearn

    assert card["versions"]["scikit-learn"] == sklearn.__version__
    assert card["data_sha256"] == m.data_hash(TEXTS, LABELS)
    assert card["holdout"]["method"] == "2-fold cross-validation"
    assert card["holdout"]["rows"] == len(TEXTS)
    # Eight rows a label, four seen by each fold model: nearly every row is still right.
    assert card["holdout"]["accuracy"] >= 0.9
    assert set(card["holdout"]["per_label"]) == {"balance", "card_lost", "transfer"}


def test_empty_text_needs_review(tiny):
    [p] = tiny.model.predict([""])
    assert p.needs_review


def test_low_confidence_needs_review(tiny):
    tiny.model.thresholds = m.Thresholds(min_confidence=1.01, min_margin=0.0)
    try:
        assert all(p.needs_review for p in tiny.model.predict(["balance", "lost card"]))
    finally:
        tiny.model.thresholds = m.Thresholds(**tiny.model.card["thresholds"])


def test_training_is_deterministic(tiny):
    again = m.train(TEXTS, LABELS, name="tiny")
    probe = ["lost my card", "send money", "balance?"]
    assert (again.model.predict_proba(probe) == tiny.model.predict_proba(probe)).all()


@pytest.mark.parametrize("labels,match", [
    (["a"] * 6, "at least two labels"),
    (["a"] * 5 + ["b"], "label 'b' has 1 example"),
])
def test_training_refuses_unusable_labels(labels, match):
    with pytest.raises(ModelError, match=match):
        m.train([f"text {i}" for i in range(len(labels))], labels)


def test_save_and_load_round_trip(tiny, models_dir):
    folder = registry.save(tiny.model, "tiny")
    assert folder == models_dir / "tiny"
    card = json.loads((folder / "model.json").read_text())
    assert card["name"] == "tiny"
    loaded = registry.load("tiny")
    assert loaded.predict(["lost card"])[0].label == "card_lost"
    assert not list(models_dir.glob("tiny/*.tmp"))


def test_failed_save_leaves_the_old_model(tiny, models_dir, monkeypatch):
    registry.save(tiny.model, "tiny")
    before = (models_dir / "tiny" / "model.joblib").read_bytes()

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(registry.pickle, "dump", explode)
    with pytest.raises(ModelError, match="cannot save the model .*disk full"):
        registry.save(tiny.model, "tiny")
    assert (models_dir / "tiny" / "model.joblib").read_bytes() == before
    assert not [p for p in (models_dir / "tiny").iterdir() if p.suffix == ".tmp"]
    assert registry.load("tiny").labels == ("balance", "card_lost", "transfer")


def test_other_sklearn_version_is_refused(tiny, models_dir):
    folder = registry.save(tiny.model, "tiny")
    card = json.loads((folder / "model.json").read_text())
    card["versions"]["scikit-learn"] = "0.24.2"
    (folder / "model.json").write_text(json.dumps(card))
    with pytest.raises(ModelVersionError, match="built with scikit-learn 0.24.2.*retrain it "
                                                "with `assistant train"):
        registry.load("tiny")


@pytest.mark.parametrize("damage,match", [
    ("no_model", "no model at"),
    ("bad_card", "model card .* is damaged"),
    ("bad_joblib", "cannot be loaded"),
])
def test_damaged_models_are_reported(tiny, models_dir, damage, match):
    folder = registry.save(tiny.model, "tiny")
    if damage == "no_model":
        folder = models_dir / "nothing"
    elif damage == "bad_card":
        (folder / "model.json").write_text("{not json")
    else:
        (folder / "model.joblib").write_bytes(b"truncated")
    with pytest.raises(ModelError, match=match):
        registry.load(folder.name)


@pytest.mark.parametrize("card", ["[1, 2, 3]", '{"versions": "1.5"}', "null", '"text"'])
def test_a_card_that_is_not_a_card_is_damaged(tiny, models_dir, card):
    folder = registry.save(tiny.model, "tiny")
    (folder / "model.json").write_text(card)
    with pytest.raises(ModelError, match="model card .* is damaged"):
        registry.load("tiny")


def test_a_card_that_is_not_utf8_is_damaged(tiny, models_dir):
    folder = registry.save(tiny.model, "tiny")
    (folder / "model.json").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ModelError, match="model card .* is damaged"):
        registry.load("tiny")


def test_one_damaged_folder_does_not_break_the_list(tiny, models_dir):
    registry.save(tiny.model, "good")
    bad = registry.save(tiny.model, "bad")
    (bad / "model.json").write_text("[1, 2, 3]")
    listed = {card["name"]: card for card in registry.list_models()}
    assert set(listed) == {"good", "bad"}
    assert "damaged" in listed["bad"] and "damaged" not in listed["good"]


@pytest.mark.parametrize("name", ["../../evil", "/tmp/abs", ".", "..", ".hidden", "", "a/b",
                                  "x" * 65, "white space"])
def test_model_names_cannot_leave_the_models_folder(tiny, models_dir, name, tmp_path):
    with pytest.raises(ModelError, match="is not a model name"):
        registry.save(tiny.model, name)
    with pytest.raises(ModelError, match="is not a model name"):
        registry.load(name)
    with pytest.raises(ModelError, match="is not a model name"):
        registry.activate(name)
    assert not (tmp_path / "model.joblib").exists()
    assert not list(models_dir.parent.parent.glob("evil*"))


def test_a_folder_outside_models_loads_only_when_trusted(tiny, models_dir, tmp_path):
    folder = registry.save(tiny.model, "tiny")
    elsewhere = tmp_path / "elsewhere"
    folder.rename(elsewhere)
    with pytest.raises(ModelError, match="is not a model name"):
        registry.get_model(str(elsewhere))
    assert registry.get_model(trusted_path=elsewhere).labels == tiny.model.labels


def test_saved_files_get_normal_permissions(tiny, models_dir):
    import os

    old = os.umask(0o022)
    try:
        folder = registry.save(tiny.model, "tiny")
    finally:
        os.umask(old)
    assert (folder / "model.joblib").stat().st_mode & 0o777 == 0o644
    assert (folder / "model.json").stat().st_mode & 0o777 == 0o644


def test_choose_thresholds_caps_the_confident_errors():
    # Confident rows are right, unsure rows are half wrong: the threshold must cut between.
    proba = np.array([[0.9, 0.1]] * 8 + [[0.55, 0.45]] * 4)
    truth = np.array(["a"] * 8 + ["a", "b", "a", "b"])
    thresholds, stats = m.choose_thresholds(proba, truth, ["a", "b"], max_wrong=0.05)
    assert stats["wrong_not_flagged"] == 0.0 and stats["precision"] == 1.0
    assert stats["coverage"] == pytest.approx(8 / 12)
    assert 0.55 < thresholds.min_confidence <= 0.9 or 0.1 < thresholds.min_margin <= 0.8
    # Allowing two confident errors in twelve (and 10 right in 12) accepts every row.
    loose, stats = m.choose_thresholds(proba, truth, ["a", "b"], max_wrong=2 / 12,
                                       min_precision=0.8)
    assert stats["coverage"] == 1.0 and loose.min_confidence <= 0.55
    # The same errors allowed, but confident answers must be 90% right: the unsure rows go.
    strict, stats = m.choose_thresholds(proba, truth, ["a", "b"], max_wrong=2 / 12,
                                        min_precision=0.9)
    assert stats["coverage"] == pytest.approx(8 / 12) and stats["precision"] == 1.0
    assert stats["min_precision"] == 0.9
    assert strict.min_confidence > 0.55 or strict.min_margin > 0.1


def test_no_threshold_meeting_both_limits_flags_every_message(tiny):
    # Confident rows are as often wrong as right: no pair keeps them 90% right.
    proba = np.array([[0.95, 0.05]] * 6 + [[0.6, 0.4]] * 4)
    truth = np.array(["a", "b"] * 3 + ["a", "b"] * 2)
    thresholds, stats = m.choose_thresholds(proba, truth, ["a", "b"], max_wrong=0.5)
    assert stats["met"] is False and stats["coverage"] == 0.0
    assert thresholds.min_confidence > 1.0
    model = m.Model(tiny.model.pipeline, {"thresholds": {
        "min_confidence": thresholds.min_confidence, "min_margin": thresholds.min_margin}})
    certain = np.zeros((2, len(model.labels)))
    certain[:, 0] = 1.0
    assert all(p.needs_review and p.review_reason == "low confidence"
               for p in model.from_proba(["one", "two"], certain, languages=None))
    assert m.choose_thresholds(proba[:6], np.array(["a"] * 6), ["a", "b"])[1]["met"] is True


@pytest.mark.parametrize("classes", [2, 3])
def test_fast_probabilities_equal_the_pipeline(classes):
    keep = [lab for lab in CORPUS][:classes]
    texts = [t for lab in keep for t in CORPUS[lab]]
    labels = [lab for lab in keep for _ in CORPUS[lab]]
    model = m.train(texts, labels).model
    assert model._linear is not None
    probe = ["lost card", "balance now", "send money", "", "zzz unknown words"]
    assert model.predict_proba(probe) == pytest.approx(model.pipeline.predict_proba(probe),
                                                       abs=1e-12)


def _legacy_two_class_model() -> m.Model:
    """A model as the first version saved them (CalibratedClassifierCV), of two classes: its
    weights have one column."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    keep = list(CORPUS)[:2]
    texts = [t for lab in keep for t in CORPUS[lab]]
    labels = [lab for lab in keep for _ in CORPUS[lab]]
    steps = m.build_pipeline().steps[:2] + [("clf", CalibratedClassifierCV(
        LinearSVC(), method="sigmoid", cv=2, ensemble=False))]
    model = m.Model(Pipeline(steps).fit(texts, labels), {})
    assert model._linear is not None and model._linear[2].shape[1] == 1
    return model


@pytest.mark.parametrize("kind", ["three classes", "two classes", "two classes, first version"])
def test_one_message_gets_the_numbers_of_a_batch_to_the_last_bit(kind, tiny, monkeypatch):
    """A single message is scored from its features' rows, without sparse matrices (the
    app's path); a batch through the matrices (the counting of ten messages or more, and of
    fewer): the same probabilities and language, exactly."""
    if kind == "three classes":
        model = tiny.model
    elif kind == "two classes":
        keep = list(CORPUS)[:2]
        model = m.train([t for lab in keep for t in CORPUS[lab]],
                        [lab for lab in keep for _ in CORPUS[lab]]).model
    else:
        model = _legacy_two_class_model()
    probe = ["lost card", "I lost my card and the transfer never came, send money back",
             "", "zzz unknown words", "card " * 300, "Ünïcödé wörds 😡 https://t.co/x",
             *TEXTS[:8]]
    assert len(probe) >= 10
    batches = [model.predict_proba(probe), model.predict_proba(probe[:3])]
    languages = [(p.language, p.language_confidence) for p in model.predict(probe)]
    calls = []
    real = m.sparse.hstack
    monkeypatch.setattr(m.sparse, "hstack", lambda *a, **k: calls.append(1) or real(*a, **k))
    for i, text in enumerate(probe):
        one = model.predict_proba([text])[0]
        assert all(np.array_equal(one, batch[i]) for batch in batches if i < len(batch))
        [prediction] = model.predict([text])
        assert (prediction.language, prediction.language_confidence) == languages[i]
    assert calls == []  # no message of the loop went through the matrices
    model.predict_proba(probe[:2])
    assert calls == [1]


def test_prediction_row_round_trip():
    p = m.Prediction("two things", "item_defective", 0.5, (m.Alternative("missing_item", 0.4),),
                     True, "en", 0.9, also="missing_item", review_reason="two problems")
    row = p.to_row()
    assert len(row) == len(m.Prediction.ROW_COLUMNS)
    assert m.Prediction.from_row("two things", row) == p


def test_two_strong_scenarios_give_a_second_label(tiny):
    model = m.Model(tiny.model.pipeline, {**tiny.model.card, "thresholds": {
        "min_confidence": 0.5, "min_margin": 0.05}})
    proba = np.zeros((2, len(model.labels)))
    first, second = model.labels.index("card_lost"), model.labels.index("transfer")
    proba[0, [first, second]] = [0.55, 0.45]   # both strong: a second problem
    proba[1, [first, second]] = [0.95, 0.05]   # one clear problem
    two, one = model.from_proba(["a", "b"], proba, languages=None)
    assert two.also == "transfer" and two.needs_review
    assert two.review_reason == "two problems"
    assert one.also is None


def test_normalising_is_part_of_the_pipeline(tiny):
    [a] = tiny.model.predict(["@bank_help I have lost my card https://t.co/xyz 😡"],
                             languages=None)
    [b] = tiny.model.predict(["I have lost my card"], languages=None)
    assert a.label == b.label and abs(a.confidence - b.confidence) < 1e-9


def test_word_by_word_char_features_equal_scikit_learns():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from assistant.features import CharWordNgrams

    corpus = [t for texts in CORPUS.values() for t in texts] + [
        "Ünïcödé\u00a0spaces\u3000and ﬁ ligatures", "a", "", "ab  cd", "x" * 40]
    ref = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                          strip_accents="unicode", min_df=1, dtype=np.float32).fit(corpus)
    ours = CharWordNgrams(ngram_range=(2, 5), min_df=1).fit(corpus)
    probe = [*corpus, "unseen wörds here", "lost card lost card"]
    assert ours.vocabulary_ == ref.vocabulary_
    assert abs(ours.transform(probe) - ref.transform(probe)).max() == 0
    assert abs(ours.transform(probe) - ref.transform(probe)).max() == 0  # warm cache too
    pruned = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                             strip_accents="unicode", min_df=2, dtype=np.float32)
    fitted = CharWordNgrams(ngram_range=(2, 5), min_df=2)
    expected, got = pruned.fit_transform(corpus), fitted.fit_transform(corpus)
    assert fitted.vocabulary_ == pruned.vocabulary_
    assert np.array_equal(fitted.idf_, pruned.idf_)
    assert _identical(got, expected)  # n-grams numbered as scikit-learn numbers them
    assert _identical(fitted.transform(probe), pruned.transform(probe))
    assert _identical(fitted.transform(probe[:1]), pruned.transform(probe[:1]))
    few = probe[:CharWordNgrams.PRODUCT_FROM - 1]  # word by word, below the matrix product
    assert len(probe) >= CharWordNgrams.PRODUCT_FROM
    assert _identical(fitted.transform(few), pruned.transform(few))
    assert fitted.transform([]).shape == (0, len(fitted.vocabulary_))  # (scikit-learn refuses)
    _same_rows(fitted, pruned, probe)
    _same_rows(CharWordNgrams(ngram_range=(2, 5), min_df=2).fit(corpus), pruned, probe)  # cold


@settings(deadline=None, database=None, max_examples=40)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab c\n\t\u00a0é.")), max_size=14),
                min_size=1, max_size=30), st.integers(1, 2))
def test_char_features_equal_scikit_learns_on_random_text(texts, min_df):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from assistant.features import CharWordNgrams

    options = dict(ngram_range=(2, 4), min_df=min_df, strip_accents="unicode")
    ref = TfidfVectorizer(analyzer="char_wb", sublinear_tf=True, dtype=np.float32, **options)
    try:
        expected = ref.fit_transform(texts)
    except ValueError as error:  # nothing to count (or all pruned): both refuse alike
        with pytest.raises(ValueError, match=str(error)[:40]):
            CharWordNgrams(**options).fit_transform(texts)
        return
    ours = CharWordNgrams(**options)
    assert _identical(ours.fit_transform(texts), expected) and ours.vocabulary_ == ref.vocabulary_
    probe = [*texts[::-1], "abc ab", "é é"]
    assert _identical(ours.transform(probe), ref.transform(probe))
    assert _identical(ours.transform(probe), ref.transform(probe))  # from the cache of words
    _same_rows(ours, ref, probe)


def test_saved_models_are_pickles_and_older_joblib_files_still_load(tiny, models_dir):
    folder = registry.save(tiny.model, "tiny")
    assert (folder / "model.joblib").read_bytes()[:2] == b"\x80\x05"  # pickle protocol 5
    payload = joblib.load(folder / "model.joblib")  # joblib reads it too
    joblib.dump(payload, folder / "model.joblib", compress=3)  # as models were saved before
    again = registry.load("tiny")
    assert again.predict(["where is my parcel"])[0].label == \
        tiny.model.predict(["where is my parcel"])[0].label


def test_the_lean_word_transform_equals_scikit_learns():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from assistant.features import WordNgrams

    corpus = [t for texts in CORPUS.values() for t in texts] + ["", "a a a", "!!!"]
    options = dict(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b",
                   dtype=np.float32)
    ref, ours = TfidfVectorizer(**options).fit(corpus), WordNgrams(**options).fit(corpus)
    probe = [*corpus, "unseen words here", "lost card lost card", "   "]
    expected, got = ref.transform(probe), ours.transform(probe)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert abs(got - expected).max() == 0


WORD_OPTIONS = dict(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b",
                    dtype=np.float32)
WORD_CORPUS = [t for texts in CORPUS.values() for t in texts] + [
    "", "a a a", "!!!", "lost card lost card", "Ünïcödé\u00a0spaces\u3000and ﬁ ligatures",
    "line\nbreaks\r\nand\ttabs", "x", "ab  cd", "where is my parcel? where is it"]


def _identical(got, expected) -> bool:
    """The same sparse matrix, of the same type, to the order of each row's entries (which a
    product's last bits depend on)."""
    return (type(got) is type(expected) and got.dtype == expected.dtype
            and got.shape == expected.shape
            and all(np.array_equal(getattr(got, k), getattr(expected, k))
                    and getattr(got, k).dtype == getattr(expected, k).dtype
                    for k in ("indptr", "indices", "data")))


def _same_rows(ours, ref, documents) -> None:
    """``ours.row`` of each document is the row of ``ref.transform``: the same columns in the
    same order, the same values and types."""
    for document in documents:
        expected = ref.transform([document])
        columns, values = ours.row(document)
        assert np.array_equal(columns, expected.indices) and columns.dtype == np.int64
        assert np.array_equal(values, expected.data) and values.dtype == expected.dtype


def _same_words(ours, ref, probes) -> None:
    assert list(ours.vocabulary_.items()) == list(ref.vocabulary_.items())  # order included
    assert np.array_equal(ours.idf_, ref.idf_)
    for probe in probes:  # a list, or a function giving a new iterator for each
        expected = ref.transform(probe() if callable(probe) else probe)
        assert _identical(ours.transform(probe() if callable(probe) else probe), expected)
        if not callable(probe) and ours.input == "content":
            _same_rows(ours, ref, probe)


@pytest.mark.parametrize("pruning", [{}, dict(min_df=2), dict(max_df=0.1), dict(min_df=2,
                                                                              max_df=0.5)])
def test_word_counts_by_token_numbers_equal_scikit_learns(pruning):
    """Fitted and transformed on token numbers (ARRAYS_FROM messages or more), and through
    scikit-learn's own counting below that: the same vocabulary and matrix either way."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from assistant.features import WordNgrams

    options = {**WORD_OPTIONS, **pruning}
    assert len(WORD_CORPUS) >= WordNgrams.ARRAYS_FROM
    ref = TfidfVectorizer(**options)
    ours = WordNgrams(**options)
    assert _identical(ours.fit_transform(WORD_CORPUS), ref.fit_transform(WORD_CORPUS))
    unseen = ["unseen words here", "lost card card lost", "   ", "parcel where is"]
    _same_words(ours, ref, [WORD_CORPUS + unseen, unseen, lambda: (t for t in WORD_CORPUS)])
    copy = pickle.loads(pickle.dumps(ours))  # the numbered vocabulary is not saved, but remade
    assert "_numbers" in ours.__dict__ and "_numbers" not in copy.__dict__
    _same_words(copy, ref, [WORD_CORPUS + unseen])


WORD_TEXT = st.lists(st.sampled_from(list("ab AB\n.é1\u00a0") + ["ab", "ba", "a b"]),
                    max_size=15).map("".join)
WORD_TERM = st.lists(st.sampled_from(["a", "b", "ab", "é", "1", " ", "\n", "A"]), min_size=1,
                     max_size=4).map("".join)


@pytest.mark.filterwarnings("ignore::UserWarning")  # scikit-learn's on odd vocabularies
@settings(deadline=None, database=None, max_examples=150)
@given(st.lists(WORD_TEXT, min_size=10, max_size=25), st.lists(WORD_TEXT, min_size=1,
                                                                 max_size=20),
       st.fixed_dictionaries({}, optional=dict(
           lowercase=st.booleans(), binary=st.booleans(), sublinear_tf=st.booleans(),
           min_df=st.sampled_from([1, 2]), ngram_range=st.sampled_from([(1, 1), (2, 2)]),
           stop_words=st.just(["a"]),
           token_pattern=st.sampled_from([r"\S+", r"\w*", r"[^ ]+", r"[^\n]+"]),
           vocabulary=st.lists(WORD_TERM, min_size=1, max_size=10, unique=True))))
def test_word_features_equal_scikit_learns_with_any_settings(texts, probe, options):
    """Whatever the settings (those numbers cannot count go to scikit-learn's counting): the
    same vocabulary in the same order, the same matrices or the same error."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from assistant.features import WordNgrams

    chosen = {**WORD_OPTIONS, **options}
    outcomes = []
    for kind in (TfidfVectorizer, WordNgrams):
        try:
            vectorizer = kind(**chosen)
            fitted = vectorizer.fit_transform(texts)
            outcomes.append((vectorizer, fitted))
        except ValueError as error:
            outcomes.append(str(error))
    if isinstance(outcomes[0], str):
        assert outcomes[1] == outcomes[0]
        return
    (ref, expected), (ours, got) = outcomes
    assert _identical(got, expected)
    _same_words(ours, ref, [probe, texts + probe, probe[:3]])


def test_word_files_and_bytes_as_input_are_read_once():
    """Open files (input="file") are counted by scikit-learn's own code: a fallback after they
    were read for numbers would find them read already. Bytes are decoded as it decodes them."""
    import io

    from sklearn.feature_extraction.text import TfidfVectorizer

    from assistant.features import WordNgrams

    def files():
        return [io.StringIO(text) for text in WORD_CORPUS]

    for chosen in ({**WORD_OPTIONS, "input": "file"},
                   {**WORD_OPTIONS, "input": "file", "token_pattern": r"[a-z]+ ?[a-z]*"}):
        ref, ours = TfidfVectorizer(**chosen), WordNgrams(**chosen)
        assert _identical(ours.fit_transform(files()), ref.fit_transform(files()))
        _same_words(ours, ref, [files])
    encoded = [text.encode("utf-8") for text in WORD_CORPUS]
    ref, ours = TfidfVectorizer(**WORD_OPTIONS), WordNgrams(**WORD_OPTIONS)
    assert _identical(ours.fit_transform(encoded), ref.fit_transform(encoded))
    _same_words(ours, ref, [encoded])


def test_word_and_char_features_follow_scikit_learns_sparse_interface():
    import sklearn
    from sklearn.feature_extraction.text import TfidfVectorizer

    from assistant.features import CharWordNgrams, WordNgrams

    if "sparse_interface" not in sklearn.get_config():
        pytest.skip("this scikit-learn has no sparse_interface setting")
    with sklearn.config_context(sparse_interface="sparray"):
        ref = TfidfVectorizer(**WORD_OPTIONS).fit(WORD_CORPUS)
        ours = WordNgrams(**WORD_OPTIONS).fit(WORD_CORPUS)
        _same_words(ours, ref, [WORD_CORPUS, WORD_CORPUS[:2]])
        char = CharWordNgrams(ngram_range=(2, 3), min_df=1).fit(WORD_CORPUS)
        assert type(char.transform(WORD_CORPUS)) is type(ref.transform(WORD_CORPUS))


def test_word_numbers_are_made_once_readied_refitted_and_across_threads(monkeypatch):
    import threading

    from assistant.features import WordNgrams

    ours = WordNgrams(**WORD_OPTIONS).fit(WORD_CORPUS)
    real, made = WordNgrams._number_vocabulary, []

    def counted(self):
        made.append(threading.get_ident())
        return real(self)

    monkeypatch.setattr(WordNgrams, "_number_vocabulary", counted)
    start = threading.Barrier(8)

    def first_transform():
        start.wait()
        ours.transform(WORD_CORPUS)

    threads = [threading.Thread(target=first_transform) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1  # one thread numbered the vocabulary; the others waited for it
    ours.fit(WORD_CORPUS[:12])
    assert "_numbers" not in ours.__dict__  # a refit drops the old vocabulary's numbers
    ours.ready()
    assert len(made) == 2 and ours.__dict__["_numbers"][0] is ours.vocabulary_
    ours.transform(WORD_CORPUS)
    assert len(made) == 2


def test_an_unknown_word_beside_a_known_one_makes_no_bigram():
    """Tokens are numbered a=0, b=1, c=2 (as first seen), a bigram coded first * 3 + second:
    "b" then an unknown token (-1) would be coded 2, which is "a c"'s code."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from assistant.features import WordNgrams

    corpus = ["a b c", "a c"] * 10
    ours = WordNgrams(**WORD_OPTIONS).fit(corpus)
    _same_words(ours, TfidfVectorizer(**WORD_OPTIONS).fit(corpus), [["b zzz", "zzz c"] * 10])


def test_word_counting_by_numbers_is_what_runs(monkeypatch):
    """scikit-learn's counting only for fewer than ARRAYS_FROM messages and for what numbers
    cannot count (so the equality tests above test the counting by numbers)."""
    from sklearn.feature_extraction.text import CountVectorizer

    from assistant.features import WordNgrams

    real, calls = CountVectorizer._count_vocab, []

    def counted(self, documents, fixed_vocab):
        calls.append(len(documents))
        return real(self, documents, fixed_vocab)

    monkeypatch.setattr(CountVectorizer, "_count_vocab", counted)
    ours = WordNgrams(**WORD_OPTIONS).fit(WORD_CORPUS)
    ours.transform(WORD_CORPUS)
    assert calls == []
    ours.transform(WORD_CORPUS[:3])
    WordNgrams(**{**WORD_OPTIONS, "token_pattern": r"[a-z]+ ?[a-z]*"}).fit(WORD_CORPUS)
    assert calls == [3, len(WORD_CORPUS)]


def test_a_refitted_word_vectorizer_numbers_its_new_vocabulary():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from assistant.features import WordNgrams

    ours = WordNgrams(**WORD_OPTIONS).fit(WORD_CORPUS)
    ours.transform(WORD_CORPUS)  # numbers the first vocabulary
    second = [f"parcel {i} late again" for i in range(25)]
    ours.fit(second)
    _same_words(ours, TfidfVectorizer(**WORD_OPTIONS).fit(second), [WORD_CORPUS + second])


@pytest.mark.parametrize("options", [dict(token_pattern=r"[a-z]+ ?[a-z]*"),
                                     dict(vocabulary=["lost card", "lost my card", "card"])])
def test_word_terms_that_numbers_cannot_tell_apart_are_counted_by_scikit_learn(options):
    """A token with a space in it, or a term of three words given by hand: the counting falls
    back to scikit-learn's, with its results."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from assistant.features import WordNgrams

    chosen = {**WORD_OPTIONS, **options}
    ref = TfidfVectorizer(**chosen).fit(WORD_CORPUS)
    ours = WordNgrams(**chosen).fit(WORD_CORPUS)
    _same_words(ours, ref, [WORD_CORPUS])


@settings(deadline=None, database=None, max_examples=40)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab cd\n.é1")), max_size=12),
                min_size=20, max_size=40))
def test_word_counts_equal_scikit_learns_on_random_text(texts):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from assistant.features import WordNgrams

    try:
        ref = TfidfVectorizer(**WORD_OPTIONS).fit(texts)
    except ValueError as error:  # no word at all: both refuse, with the same words
        with pytest.raises(ValueError, match=str(error)):
            WordNgrams(**WORD_OPTIONS).fit(texts)
        return
    ours = WordNgrams(**WORD_OPTIONS)
    assert _identical(ours.fit_transform(texts), TfidfVectorizer(**WORD_OPTIONS).fit_transform(
        texts))
    _same_words(ours, ref, [texts, texts[::-1] + ["a b a"]])


@pytest.mark.parametrize("options", [dict(norm=None), dict(norm="l1"), dict(binary=True),
                                     dict(use_idf=False), dict(dtype=np.float64)])
def test_other_tfidf_settings_are_scikit_learns(options):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from assistant.features import CharWordNgrams, WordNgrams

    corpus = [t for texts in CORPUS.values() for t in texts]
    base = dict(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32)
    settings = {**base, **options}
    ref = TfidfVectorizer(**settings).fit(corpus)
    ours = WordNgrams(**settings).fit(corpus)
    assert abs(ours.transform(corpus) - ref.transform(corpus)).max() == 0
    _same_rows(ours, ref, corpus[:5] + ["lost card lost card", ""])
    # The character features with the same settings (set as attributes: its constructor takes
    # only those the model uses).
    char = {**settings, **dict(ngram_range=(2, 4), strip_accents="unicode", min_df=1)}
    ref = TfidfVectorizer(analyzer="char_wb", **char).fit(corpus)
    ours = CharWordNgrams()
    for key, value in char.items():
        setattr(ours, key, value)
    ours.fit(corpus)
    assert abs(ours.transform(corpus) - ref.transform(corpus)).max() == 0
    _same_rows(ours, ref, corpus[:5] + ["lost card lost card", ""])


def test_a_refitted_char_vectorizer_forgets_the_old_words():
    from assistant.features import CharWordNgrams

    first, second = ["lost card", "card gone"], ["parcel late", "where is my parcel"]
    refitted = CharWordNgrams(ngram_range=(2, 3), min_df=1).fit(first)
    refitted.transform(["parcel card"])  # fills the cache of words
    refitted.fit(second)
    fresh = CharWordNgrams(ngram_range=(2, 3), min_df=1).fit(second)
    assert abs(refitted.transform(["parcel card"]) - fresh.transform(["parcel card"])).max() == 0


def test_an_uncompressed_joblib_model_still_loads(tiny, models_dir):
    folder = registry.save(tiny.model, "tiny")
    joblib.dump(joblib.load(folder / "model.joblib"), folder / "model.joblib")  # no compression
    assert registry.load("tiny").labels == tiny.model.labels


def _random_problem(classes: int = 9, rows: int = 400, seed: int = 3):
    from scipy import sparse

    rng = np.random.default_rng(seed)
    y = np.array([f"c{i}" for i in rng.integers(0, classes, rows)], dtype=object)
    centres = rng.normal(size=(classes, 60))
    x = np.abs(centres[[int(label[1:]) for label in y]] + rng.normal(scale=1.5, size=(rows, 60)))
    x[x < 1.0] = 0.0
    return sparse.csr_matrix(x), y


def test_a_capped_fit_is_not_reported_as_a_failure():
    import warnings

    from assistant.linear import CalibratedLinearSVC

    x, y = _random_problem(rows=600)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ConvergenceWarning would fail the fit here
        clf = CalibratedLinearSVC(C=50.0, folds=2).fit(x, y)
    assert (clf.predict(x) == y).mean() > 0.7


def _topic_problem():
    """6,000 rows of 30 labels: enough work (rows times labels) for the fold models to fit in
    a second process."""
    from scipy import sparse

    rng = np.random.default_rng(0)
    rows, width, classes = 6000, 8000, 30
    y = np.array([f"c{i}" for i in rng.integers(0, classes, rows)], dtype=object)
    topics = rng.integers(0, width, size=(classes, 40))
    cols = np.concatenate([np.concatenate([topics[int(label[1:])][rng.integers(0, 40, 25)],
                                           rng.integers(0, width, 35)]) for label in y])
    x = sparse.csr_matrix((np.ones(len(cols)), (np.repeat(np.arange(rows), 60), cols)),
                          shape=(rows, width))
    return x, y


def _fit_topics():
    from assistant.linear import CalibratedLinearSVC

    x, y = _topic_problem()
    return CalibratedLinearSVC(C=0.5, folds=2).fit(x, y, extra=(np.arange(500), x[:500]))


@pytest.fixture
def forks(monkeypatch):
    """The pids of the processes forked meanwhile, with forking allowed as if this were the
    process's only thread (threads other tests left behind would forbid it; a liblinear worker
    they left is waited for first)."""
    import os
    import signal

    from assistant import linear

    _join_liblinear_worker()
    monkeypatch.setattr(linear, "_fork_allowed", lambda: True)
    real, pids = os.fork, []

    def fork():
        pid = real()
        if pid:
            pids.append(pid)
        return pid

    def too_long(number, frame):
        raise TimeoutError("a fork test hung: the copy or the wait for it never ended")

    monkeypatch.setattr(os, "fork", fork)
    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(120)
    yield pids
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def fits_here(monkeypatch):
    """How many liblinear fits the test's own process made (the copy's are not counted)."""
    import os

    from assistant import linear

    parent, real, count = os.getpid(), linear._svm, []

    def counted(*args):
        if os.getpid() == parent:
            count.append(1)
        return real(*args)

    monkeypatch.setattr(linear, "_svm", counted)
    return count


def _same(a, b) -> bool:
    return all(np.array_equal(getattr(a, k), getattr(b, k))
               for k in ("coef_", "intercept_", "a_", "b_", "oof_proba_", "extra_proba_"))


def _ended(pid: int) -> bool:
    """Whether the process ``pid`` has ended and was waited for."""
    import os

    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_training_twice_gives_the_same_model():
    """liblinear's random order comes from one generator per process: fits that ran side by
    side in threads made a different model each time once they were capped (MAX_ITER)."""
    assert _same(_fit_topics(), _fit_topics())


def test_fold_models_fitted_in_a_second_process_give_the_model_of_one_process(monkeypatch,
                                                                             forks, fits_here):
    import signal

    from assistant import linear

    handler = signal.getsignal(signal.SIGINT)
    forked = _fit_topics()
    assert len(forks) == 1 and _ended(forks[0])
    assert len(fits_here) == 1  # only the final model here: the copy's fold models were used
    assert signal.getsignal(signal.SIGINT) is handler  # Ctrl-C handled as before again
    monkeypatch.setattr(linear, "FORK_WORK", 10**12)
    alone = _fit_topics()
    assert len(forks) == 1 and len(fits_here) == 4 and _same(forked, alone)


def test_two_labels_through_the_second_process(monkeypatch, forks, fits_here):
    """liblinear keeps one weight vector for two classes: the copy's slots hold both columns."""
    from assistant import linear
    from assistant.linear import CalibratedLinearSVC

    x, y = _topic_problem()
    y = np.where(np.isin(y, ["c0", "c1", "c2"]), "near", "far").astype(object)
    monkeypatch.setattr(linear, "FORK_WORK", 0)  # two labels are too little work to fork
    forked = CalibratedLinearSVC(C=0.5, folds=2).fit(x, y)
    monkeypatch.setattr(linear, "FORK_WORK", 10**12)
    alone = CalibratedLinearSVC(C=0.5, folds=2).fit(x, y)
    assert len(forks) == 1 and len(fits_here) == 4 and forked.coef_.shape == (8000, 2)
    assert np.array_equal(forked.coef_, alone.coef_)
    assert np.array_equal(forked.oof_proba_, alone.oof_proba_)


def test_a_fresh_process_forks_for_the_fold_models(tmp_path):
    """What the CLI does: a process with no other thread forks (every other fork test allows
    it by hand)."""
    import os
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    if sys.platform != "linux" or len(os.sched_getaffinity(0)) < 2:
        pytest.skip("forks only on Linux with two usable cores")
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(f"""
        import os, sys
        sys.path[:0] = [{str(Path(__file__).parent)!r}, {str(Path(__file__).parent.parent)!r}]
        from assistant import linear
        from test_model import _fit_topics

        parent, real_fork, real_svm, forks, fits_here = os.getpid(), os.fork, linear._svm, [], []

        def fork():
            pid = real_fork()
            forks.append(pid)
            return pid

        def counted(*args):
            if os.getpid() == parent:
                fits_here.append(1)
            return real_svm(*args)

        os.fork, linear._svm = fork, counted
        _fit_topics()
        print(len(forks), len(fits_here))
        """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1"]  # forked once; only the final model fitted here


def test_no_fork_while_another_thread_runs(monkeypatch):
    import os
    import threading

    monkeypatch.setattr(os, "fork", lambda: pytest.fail("forked beside another thread"))
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        clf = _fit_topics()
    finally:
        release.set()
        other.join()
    assert clf.coef_.shape == (8000, 30)


@pytest.mark.parametrize("refusal", [OSError(12, "Cannot allocate memory"),
                                     RuntimeError("fork not supported")])
def test_a_fork_the_system_refuses_leaves_every_fit_to_this_process(monkeypatch, forks,
                                                                    refusal):
    import os

    def refuse():
        raise refusal

    expected = _fit_topics()
    assert len(forks) == 1  # that one forked
    monkeypatch.setattr(os, "fork", refuse)
    assert _same(_fit_topics(), expected)


@pytest.mark.parametrize("how", ["raises", "dies", "killed"])
def test_a_copy_that_fails_leaves_its_fits_to_this_process(monkeypatch, forks, how):
    """Whatever becomes of the copy (an error, an exit, a kill for memory), the fold models
    are fitted here instead: the same model, and the copy waited for."""
    import os
    import signal

    from assistant import linear

    expected = _fit_topics()
    parent, real = os.getpid(), linear._svm

    def fit(*args):
        if os.getpid() != parent:
            if how == "dies":
                os._exit(3)
            if how == "killed":
                os.kill(os.getpid(), signal.SIGKILL)
            raise MemoryError("no room for the fold model")
        return real(*args)

    monkeypatch.setattr(linear, "_svm", fit)
    assert _same(_fit_topics(), expected)
    assert len(forks) == 2 and _ended(forks[1])


def test_ctrl_c_while_the_copy_fits_kills_it(monkeypatch, forks):
    import os
    import signal
    import time

    from assistant import linear

    parent, real_svm, real_wait, statuses = os.getpid(), linear._svm, os.waitpid, []

    def slow_in_the_copy(*args):
        if os.getpid() != parent:
            time.sleep(100)  # far longer than the test may take: only a kill ends it
        return real_svm(*args)

    def wait(pid, options):
        if options == 0 and not statuses:
            statuses.append(None)
            raise KeyboardInterrupt  # Ctrl-C while waiting for the copy
        done = real_wait(pid, options)
        statuses.append(done[1])
        return done

    monkeypatch.setattr(linear, "_svm", slow_in_the_copy)
    monkeypatch.setattr(linear.os, "waitpid", wait)
    with pytest.raises(KeyboardInterrupt):
        _fit_topics()
    monkeypatch.setattr(linear.os, "waitpid", real_wait)
    _join_liblinear_worker()
    assert len(statuses) == 2 and os.WIFSIGNALED(statuses[1])
    assert os.WTERMSIG(statuses[1]) == signal.SIGKILL and _ended(forks[0])


def test_ctrl_c_during_the_fork_is_raised_after_it_and_ends_the_copy(monkeypatch, forks):
    import os
    import signal

    real = os.fork  # the fixture's, which records the pid

    def fork_then_ctrl_c():
        pid = real()
        if pid:
            signal.raise_signal(signal.SIGINT)  # arrives just as the fork returns
        return pid

    monkeypatch.setattr(os, "fork", fork_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        _fit_topics()
    _join_liblinear_worker()
    assert len(forks) == 1 and _ended(forks[0])


def _join_liblinear_worker():
    """Let a worker left fitting after an error finish (so the next test may fork)."""
    import threading

    for thread in threading.enumerate():
        if thread.name.startswith("liblinear"):
            thread.join()


@pytest.mark.parametrize("failing", [1, 2])
def test_a_failing_fit_drops_the_fits_not_yet_started(monkeypatch, failing):
    from assistant import linear

    x, y = _random_problem()
    real, started = linear._svm, []

    def fit(x, y, *args):
        started.append(len(y))
        if len(started) == failing:
            raise RuntimeError("liblinear broke")
        return real(x, y, *args)

    monkeypatch.setattr(linear, "_svm", fit)
    with pytest.raises(RuntimeError, match="liblinear broke"):
        linear.CalibratedLinearSVC(folds=2).fit(x, y)
    _join_liblinear_worker()
    assert len(started) == failing  # nothing after the failing fit started

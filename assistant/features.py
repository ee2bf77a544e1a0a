"""Character n-gram TF-IDF features computed word by word, with a cache of words.

scikit-learn's ``analyzer="char_wb"`` takes the character n-grams of each word (padded with a
space) separately, so a message's n-gram counts are the sum of its words' counts. Words repeat
across messages far more than messages do, so :class:`CharWordNgrams` keeps each word's
n-gram columns once and builds a message's row from its words: the same vocabulary and
matrix as ``TfidfVectorizer(analyzer="char_wb")`` (a test checks it), several times faster to
fit and to transform.

>>> v = CharWordNgrams(ngram_range=(2, 3)).fit(["my parcel", "parcel lost"])
>>> v.transform(["parcel"]).nnz == v.transform(["parcel parcel"]).nnz
True
"""

from __future__ import annotations

import re

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

_SPACES = re.compile(r"\s\s+")
CACHE_WORDS = 200_000


def _lean(vectorizer: TfidfVectorizer) -> bool:
    """Whether :func:`_weigh` computes what scikit-learn does for this vectorizer's settings
    (idf, unit rows, counts, float32: the ones the model uses)."""
    return (vectorizer.use_idf and vectorizer.norm == "l2" and not vectorizer.binary
            and vectorizer.dtype == np.float32)


def _weigh(vectorizer: TfidfVectorizer, counts: sparse.csr_matrix) -> sparse.csr_matrix:
    """What ``TfidfTransformer.transform`` does to counts (sublinear tf, idf, rows to unit
    length), in place and without its input checks, which cost more than the arithmetic on a
    single message (0.2-0.3 ms of 0.45). Only for settings :func:`_lean` accepts; the same
    matrix as scikit-learn's, bit for bit."""
    data = counts.data
    if vectorizer.sublinear_tf:
        np.log(data, out=data)
        data += 1.0
    data *= vectorizer.idf_[counts.indices]
    lengths = np.diff(counts.indptr)
    filled = lengths > 0
    if data.size:
        squares = (data * data).astype(np.float64)  # summed in double, as scikit-learn does
        norms = np.sqrt(np.add.reduceat(squares, counts.indptr[:-1][filled]))
        norms[norms == 0] = 1.0
        data /= np.repeat(norms, lengths[filled])
    return counts


class WordNgrams(TfidfVectorizer):
    """``TfidfVectorizer`` (words) with a leaner ``transform``: the same matrix."""

    def transform(self, raw_documents):
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object "
                             "received.")
        if not _lean(self):
            return super().transform(raw_documents)
        self._check_vocabulary()
        return _weigh(self, self._count_vocab(raw_documents, fixed_vocab=True)[1])


class CharWordNgrams(TfidfVectorizer):
    """``TfidfVectorizer(analyzer="char_wb")`` with a faster fit and a cached ``transform``."""

    def __init__(self, *, ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                 strip_accents="unicode", dtype=np.float32):
        super().__init__(analyzer="char_wb", ngram_range=ngram_range, min_df=min_df,
                         sublinear_tf=sublinear_tf, strip_accents=strip_accents, dtype=dtype)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_words", None)  # a cache, rebuilt on use
        return state

    def _grams(self, word: str):
        """One word's n-grams (with repeats), as char_wb takes them."""
        padded = f" {word} "
        low, high = self.ngram_range
        for n in range(low, high + 1):
            last = max(len(padded) - n, 0)
            for start in range(last + 1):
                yield padded[start:start + n]
            if last == 0:  # a word shorter than n is counted once
                break

    def _word_columns(self, word: str) -> np.ndarray:
        """The vocabulary columns of one word's n-grams (with repeats)."""
        vocabulary = self.vocabulary_
        return np.asarray([c for c in map(vocabulary.get, self._grams(word)) if c is not None],
                          dtype=np.int64)

    def _count_vocab(self, raw_documents, fixed_vocab):
        """scikit-learn's counting step of ``fit``, word by word: each distinct word's
        n-grams are read once. scikit-learn then prunes (min_df) and sorts the vocabulary as
        it does for its own counts."""
        if fixed_vocab:
            return super()._count_vocab(raw_documents, fixed_vocab)
        self.__dict__.pop("_words", None)  # a new vocabulary: the cached columns are stale
        vocabulary: dict[str, int] = {}
        seen: dict[str, np.ndarray] = {}

        def columns(word: str) -> np.ndarray:
            return np.asarray([vocabulary.setdefault(g, len(vocabulary))
                               for g in self._grams(word)], dtype=np.int64)

        counts = self._matrix(raw_documents, seen, columns, lambda: len(vocabulary))
        if not vocabulary:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        counts.indices = counts.indices.astype(np.int32, copy=False)
        counts.indptr = counts.indptr.astype(np.int32, copy=False)
        return vocabulary, counts

    def _counts(self, documents) -> sparse.csr_matrix:
        words = self.__dict__.setdefault("_words", {})
        if len(words) > CACHE_WORDS:
            words.clear()
        return self._matrix(documents, words, self._word_columns, lambda: len(self.vocabulary_))

    def _matrix(self, documents, words: dict, columns_of, width) -> sparse.csr_matrix:
        """The n-gram counts of ``documents``, a row each: the sum of their words' columns
        (``columns_of(word)``, remembered in ``words``)."""
        preprocess = self.build_preprocessor()
        parts, lengths = [], []
        for document in documents:
            total = 0
            for word in _SPACES.sub(" ", preprocess(document)).split():
                columns = words.get(word)
                if columns is None:
                    columns = words[word] = columns_of(word)
                parts.append(columns)
                total += len(columns)
            lengths.append(total)
        columns = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        rows = np.repeat(np.arange(len(lengths)), lengths)
        counts = sparse.csr_matrix((np.ones(len(columns), dtype=self.dtype), (rows, columns)),
                                   shape=(len(lengths), width()))
        counts.sum_duplicates()
        return counts

    def transform(self, raw_documents):
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object "
                             "received.")
        self._check_vocabulary()
        counts = self._counts(raw_documents)
        if not _lean(self):
            return self._tfidf.transform(counts, copy=False)
        return _weigh(self, counts)

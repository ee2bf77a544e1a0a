"""Character n-gram TF-IDF features computed word by word, with a cache of words.

scikit-learn's ``analyzer="char_wb"`` takes the character n-grams of each word (padded with a
space) separately, so a message's n-gram counts are the sum of its words' counts. Words repeat
across messages far more than messages do, so :class:`CharWordNgrams` keeps each word's
n-gram columns once and builds a message's row from its words: the same matrix as
``TfidfVectorizer(analyzer="char_wb")`` (a test checks it), several times faster to transform.

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


class CharWordNgrams(TfidfVectorizer):
    """``TfidfVectorizer(analyzer="char_wb")`` with a faster, cached ``transform``."""

    def __init__(self, *, ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                 strip_accents="unicode", dtype=np.float32):
        super().__init__(analyzer="char_wb", ngram_range=ngram_range, min_df=min_df,
                         sublinear_tf=sublinear_tf, strip_accents=strip_accents, dtype=dtype)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_words", None)  # a cache, rebuilt on use
        return state

    def _word_columns(self, word: str) -> np.ndarray:
        """The vocabulary columns of one word's n-grams (with repeats), as char_wb takes them."""
        padded = f" {word} "
        low, high = self.ngram_range
        vocabulary = self.vocabulary_
        found = []
        for n in range(low, high + 1):
            last = max(len(padded) - n, 0)
            for start in range(last + 1):
                column = vocabulary.get(padded[start:start + n])
                if column is not None:
                    found.append(column)
            if last == 0:  # a word shorter than n is counted once
                break
        return np.asarray(found, dtype=np.int64)

    def _counts(self, documents) -> sparse.csr_matrix:
        preprocess = self.build_preprocessor()
        words = self.__dict__.setdefault("_words", {})
        if len(words) > CACHE_WORDS:
            words.clear()
        parts, lengths = [], []
        for document in documents:
            total = 0
            for word in _SPACES.sub(" ", preprocess(document)).split():
                columns = words.get(word)
                if columns is None:
                    columns = words[word] = self._word_columns(word)
                parts.append(columns)
                total += len(columns)
            lengths.append(total)
        columns = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        rows = np.repeat(np.arange(len(lengths)), lengths)
        counts = sparse.csr_matrix((np.ones(len(columns), dtype=self.dtype), (rows, columns)),
                                   shape=(len(lengths), len(self.vocabulary_)))
        counts.sum_duplicates()
        return counts

    def transform(self, raw_documents):
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object "
                             "received.")
        self._check_vocabulary()
        return self._tfidf.transform(self._counts(raw_documents), copy=False)

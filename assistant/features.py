"""The TF-IDF features, as scikit-learn computes them, faster: character n-grams word by word
with a cache of words, word n-grams counted on token numbers.

scikit-learn's ``analyzer="char_wb"`` takes the character n-grams of each word (padded with a
space) separately, so a message's n-gram counts are the sum of its words' counts. Words repeat
across messages far more than messages do, so :class:`CharWordNgrams` keeps each word's
n-gram columns once and builds a message's row from its words: the same vocabulary and
matrix as ``TfidfVectorizer(analyzer="char_wb")`` (a test checks it), several times faster to
fit and to transform. :class:`WordNgrams` numbers the tokens and counts bigrams as pairs of
numbers with numpy. Both give one document's row as arrays (``row``), for a single message,
whose sparse matrices would cost more than its counting.

>>> v = CharWordNgrams(ngram_range=(2, 3)).fit(["my parcel", "parcel lost"])
>>> v.transform(["parcel"]).nnz == v.transform(["parcel parcel"]).nnz
True
"""

from __future__ import annotations

import itertools
import re
import threading

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

_SPACES = re.compile(r"\s\s+")
CACHE_WORDS = 200_000
_NUMBERING = threading.Lock()  # see WordNgrams._vocabulary_numbers

try:  # scikit-learn 1.8+: sparse outputs follow its sparse_interface setting
    from sklearn.utils._sparse import _align_api_if_sparse as _aligned
except ImportError:  # before: scipy's sparse matrices throughout
    def _aligned(x):
        return x


def _joined(parts) -> tuple[list[str], np.ndarray]:
    """Lists of strings (a document's tokens, a word's n-grams), as one list and how many
    each had: one list of strings for the garbage collector, not one list per part."""
    joined: list[str] = []
    sizes = []
    for part in parts:
        joined.extend(part)
        sizes.append(len(part))
    return joined, np.asarray(sizes, dtype=np.int64)


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
    _weigh_entries(vectorizer, counts.data, counts.indices, counts.indptr)
    return counts


def _weigh_entries(vectorizer: TfidfVectorizer, data: np.ndarray, indices: np.ndarray,
                   indptr: np.ndarray) -> None:
    """:func:`_weigh` on a CSR matrix's arrays, in place."""
    if vectorizer.sublinear_tf:
        np.log(data, out=data)
        data += 1.0
    data *= vectorizer.idf_[indices]
    lengths = np.diff(indptr)
    filled = lengths > 0
    if data.size:
        squares = (data * data).astype(np.float64)  # summed in double, as scikit-learn does
        norms = np.sqrt(np.add.reduceat(squares, indptr[:-1][filled]))
        norms[norms == 0] = 1.0
        data /= np.repeat(norms, lengths[filled])


def _row(vectorizer: TfidfVectorizer, document, term_columns
         ) -> tuple[np.ndarray, np.ndarray]:
    """One document's row of the vectorizer's ``transform``, as its columns (in order) and
    values, from ``term_columns(document)`` (the columns of its terms, with repeats); through
    ``transform`` itself for settings :func:`_weigh` does not cover."""
    if not _lean(vectorizer):
        x = sparse.csr_matrix(vectorizer.transform([document]))
        x.sort_indices()
        return x.indices.astype(np.int64), x.data
    vectorizer._check_vocabulary()
    columns, counts = np.unique(term_columns(document), return_counts=True)
    data = counts.astype(vectorizer.dtype)
    _weigh_entries(vectorizer, data, columns, np.array([0, len(data)]))
    return columns, data


class WordNgrams(TfidfVectorizer):
    """``TfidfVectorizer`` (words) whose counting of word 1-2-grams is done on token numbers
    with numpy instead of term by term: the same vocabulary (in the same order) and matrix,
    to the order of each row's entries (tests check it). Fitting on Banking77's messages takes
    0.05 s instead of 0.15, on the shipped data 0.46 instead of 0.63 (scikit-learn's sorting of
    the vocabulary is the rest); transforming many messages takes half the time. Other
    settings, files as input, and fewer than ARRAYS_FROM messages are counted as scikit-learn
    counts them."""

    # Below this many messages the per-call cost of the array operations is more than that of
    # scikit-learn's counting (one message 0.11 ms against 0.07, ten 0.16 against 0.18, forty
    # 0.34 against 0.56, with the default model).
    ARRAYS_FROM = 10

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_numbers", None)  # derived from the vocabulary, rebuilt on use
        return state

    def ready(self) -> None:
        """Number the fitted vocabulary now (else the first transform of ARRAYS_FROM messages
        or more does it: 0.25-0.4 s for the default model's 246,000 terms)."""
        if self._countable_by_numbers():
            self._vocabulary_numbers()

    def _countable_by_numbers(self) -> bool:
        """Whether :meth:`_count_vocab` can count on token numbers: text (not files) in word
        unigrams and bigrams with scikit-learn's own preprocessing and tokenizing, no stop
        words."""
        return (self.input == "content" and self.analyzer == "word"
                and tuple(self.ngram_range) == (1, 2) and self.stop_words is None
                and self.tokenizer is None)

    def _tokens(self, documents: list) -> tuple[list[str], np.ndarray] | None:
        """Every document's tokens, one list, and how many each document has (scikit-learn's
        decoding, preprocessing and tokenizing); None if a token has a space in it (a token
        pattern that allows one), which scikit-learn's bigram terms could not be told from."""
        decode, preprocess = self.decode, self.build_preprocessor()
        tokenize = self.build_tokenizer()
        tokens, lengths = _joined(tokenize(preprocess(decode(d))) for d in documents)
        if tokens and " ".join(tokens).count(" ") != len(tokens) - 1:
            return None
        return tokens, lengths

    @staticmethod
    def _rows(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each token's document, and whether each token and the next are in one document."""
        rows = np.repeat(np.arange(len(lengths)), lengths)
        return rows, rows[:-1] == rows[1:]

    def _count_vocab(self, raw_documents, fixed_vocab):
        if not fixed_vocab:
            self.__dict__.pop("_numbers", None)  # a new vocabulary: the numbers are stale
        documents = raw_documents if isinstance(raw_documents, list) else list(raw_documents)
        if (not self._countable_by_numbers() or len(documents) < self.ARRAYS_FROM
                or (fixed_vocab and self._vocabulary_numbers() is None)):
            return super()._count_vocab(documents, fixed_vocab)
        found = self._tokens(documents)
        if found is None:
            return super()._count_vocab(documents, fixed_vocab)
        tokens, lengths = found
        if fixed_vocab:
            return self.vocabulary_, _aligned(self._known_counts(tokens, lengths))
        # Tokens numbered as they come; a bigram is the pair of its tokens' numbers.
        number = {token: i for i, token in enumerate(dict.fromkeys(tokens))}
        ids = np.fromiter(map(number.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        rows, joined = self._rows(lengths)
        width = len(number)
        pairs, pair_ids = np.unique(ids[:-1][joined] * width + ids[1:][joined],
                                    return_inverse=True)
        names = list(number)
        lefts, rights = np.divmod(pairs, width)
        terms = names + [f"{names[a]} {names[b]}" for a, b in
                         zip(lefts.tolist(), rights.tolist(), strict=True)]
        if not terms:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        # Each term's column is its rank of first appearance in scikit-learn's order of terms
        # (a message's unigrams, then its bigrams, message after message), and the vocabulary
        # is made in that order: scikit-learn then sorts it, which leaves a row's columns in
        # that order, so the matrix is the same to the order of each row's entries (and a
        # product with it to the last bit).
        starts = np.cumsum(lengths) - lengths
        spans = 2 * lengths - (lengths > 0)  # a message's unigrams and bigrams
        place = np.arange(len(ids)) - starts[rows] + (np.cumsum(spans) - spans)[rows]
        first_place = np.full(len(terms), 2 * len(ids), dtype=np.int64)
        np.minimum.at(first_place, ids, place)
        np.minimum.at(first_place, len(names) + pair_ids.reshape(-1),
                      place[:-1][joined] + lengths[rows[:-1][joined]])
        order = np.argsort(first_place)
        rank = np.empty(len(terms), dtype=np.int64)
        rank[order] = np.arange(len(terms))
        vocabulary = dict(zip(map(terms.__getitem__, order.tolist()), range(len(terms)),
                              strict=True))
        columns = rank[np.concatenate([ids, len(names) + pair_ids.reshape(-1)])]
        return vocabulary, _aligned(self._matrix(np.concatenate([rows, rows[:-1][joined]]),
                                                 columns, len(documents), len(vocabulary)))

    def _vocabulary_numbers(self) -> tuple | None:
        """The fitted vocabulary by token numbers (see _number_vocabulary), made once per
        vocabulary (one thread at a time: the app's sessions share a model)."""
        made = self.__dict__.get("_numbers")
        if made is None or made[0] is not self.vocabulary_:
            with _NUMBERING:
                made = self.__dict__.get("_numbers")
                if made is None or made[0] is not self.vocabulary_:
                    made = self.__dict__["_numbers"] = (self.vocabulary_,
                                                        self._number_vocabulary())
        return made[1]

    def _known_counts(self, tokens: list[str], lengths: np.ndarray) -> sparse.csr_matrix:
        """The counts of documents' tokens in the fitted vocabulary (unknown terms dropped)."""
        number, unigram, pair_codes, pair_columns = self._vocabulary_numbers()
        ids = np.fromiter(map(number.get, tokens, itertools.repeat(-1)), dtype=np.int64,
                          count=len(tokens))
        rows, joined = self._rows(lengths)
        single = np.where(ids >= 0, unigram[ids], -1)
        joined &= (ids[:-1] >= 0) & (ids[1:] >= 0)
        codes = ids[:-1][joined] * len(number) + ids[1:][joined]
        if len(pair_codes):
            at = np.minimum(np.searchsorted(pair_codes, codes), len(pair_codes) - 1)
            double = np.where(pair_codes[at] == codes, pair_columns[at], -1)
        else:
            double = np.full(len(codes), -1)
        rows = np.concatenate([rows, rows[:-1][joined]])
        columns = np.concatenate([single, double])
        known = columns >= 0
        return self._matrix(rows[known], columns[known], len(lengths), len(self.vocabulary_))

    def _number_vocabulary(self) -> tuple | None:
        """The fitted vocabulary by token numbers: a number for every token of its terms, the
        column of each token's unigram (-1 if it is not a term), and the bigrams' codes
        (sorted) with their columns; None if a term has more than two words or a line break."""
        vocabulary = self.vocabulary_
        singles = [term for term in vocabulary if " " not in term]
        doubles = [term for term in vocabulary if " " in term]
        text = "\n".join(doubles)
        if text.count(" ") != len(doubles) or text.count("\n") != max(len(doubles) - 1, 0):
            return None
        words = text.replace(" ", "\n").split("\n") if doubles else []
        lefts, rights = words[0::2], words[1::2]  # (no list per term: far less for the GC)
        number = {token: i for i, token in
                  enumerate(dict.fromkeys(itertools.chain(singles, lefts, rights)))}

        def numbers(tokens: list[str]) -> np.ndarray:
            return np.fromiter(map(number.__getitem__, tokens), dtype=np.int64,
                               count=len(tokens))

        def columns(terms: list[str]) -> np.ndarray:
            return np.fromiter(map(vocabulary.__getitem__, terms), dtype=np.int64,
                               count=len(terms))

        unigram = np.full(len(number), -1, dtype=np.int64)
        unigram[numbers(singles)] = columns(singles)
        keys = numbers(lefts) * len(number) + numbers(rights)
        order = np.argsort(keys)
        return number, unigram, keys[order], columns(doubles)[order]

    def _matrix(self, rows, columns, height: int, width: int) -> sparse.csr_matrix:
        """Counts from (row, column) pairs, repeats summed and each row's columns in order."""
        counts = sparse.csr_matrix((np.ones(len(columns), dtype=self.dtype), (rows, columns)),
                                   shape=(height, width))
        counts.sum_duplicates()  # (scipy's conversion sums them already; made sure of)
        return counts

    def transform(self, raw_documents):
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object "
                             "received.")
        if not _lean(self):
            return super().transform(raw_documents)
        self._check_vocabulary()
        return _weigh(self, self._count_vocab(raw_documents, fixed_vocab=True)[1])

    def row(self, document: str) -> tuple[np.ndarray, np.ndarray]:
        """One document's row of :meth:`transform`, as its columns (in order) and values: the
        same numbers without making sparse matrices, which cost more than the counting on a
        single message (see Model.predict)."""
        return _row(self, document, self._term_columns)

    def _term_columns(self, document: str) -> np.ndarray:
        """The columns of a document's known terms, with repeats."""
        terms = list(self.build_analyzer()(document))  # (an analyzer may give an iterator)
        found = np.fromiter(map(self.vocabulary_.get, terms, itertools.repeat(-1)),
                            dtype=np.int64, count=len(terms))
        return found[found >= 0]


class CharWordNgrams(TfidfVectorizer):
    """``TfidfVectorizer(analyzer="char_wb")`` with a faster fit and a cached ``transform``."""

    # From this many messages on, the counts are a product of sparse matrices (see _matrix);
    # fewer are counted word by word, with fewer array operations (a realistic message in the
    # app: 0.16 ms instead of 0.21 by the product).
    PRODUCT_FROM = 10

    def __init__(self, *, ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                 strip_accents="unicode", dtype=np.float32):
        super().__init__(analyzer="char_wb", ngram_range=ngram_range, min_df=min_df,
                         sublinear_tf=sublinear_tf, strip_accents=strip_accents, dtype=dtype)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_words", None)  # a cache, rebuilt on use
        return state

    def _grams(self, word: str) -> list[str]:
        """One word's n-grams (with repeats), as char_wb takes them."""
        padded = f" {word} "
        size = len(padded)
        low, high = self.ngram_range
        grams: list[str] = []
        for n in range(low, high + 1):
            if size <= n:  # a word no longer than n is counted once, whole
                grams.append(padded)
                break
            grams.extend([padded[start:start + n] for start in range(size - n + 1)])
        return grams

    def _words_of(self, documents) -> tuple[list[str], np.ndarray]:
        """Every document's words (as char_wb splits them), one list, and how many each has."""
        preprocess = self.build_preprocessor()
        return _joined(_SPACES.sub(" ", preprocess(d)).split() for d in documents)

    def _count_vocab(self, raw_documents, fixed_vocab):
        """scikit-learn's counting step of ``fit``, word by word: each distinct word's
        n-grams are read once, and numbered in order of first appearance, as scikit-learn
        numbers them (so its sorting of the vocabulary then leaves each row's entries in its
        order). scikit-learn then prunes (min_df) and sorts the vocabulary as it does for its
        own counts."""
        if fixed_vocab:
            return super()._count_vocab(raw_documents, fixed_vocab)
        self.__dict__.pop("_words", None)  # a new vocabulary: the cached columns are stale
        words, lengths = self._words_of(raw_documents)
        index = {word: i for i, word in enumerate(dict.fromkeys(words))}
        every, sizes = _joined(map(self._grams, index))
        vocabulary = {gram: i for i, gram in enumerate(dict.fromkeys(every))}
        if not vocabulary:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        columns = np.fromiter(map(vocabulary.__getitem__, every), dtype=np.int64,
                              count=len(every))
        counts = self._matrix(words, lengths, index, columns, sizes, len(vocabulary))
        if counts.nnz < 2**31:
            counts.indices = counts.indices.astype(np.int32, copy=False)
            counts.indptr = counts.indptr.astype(np.int32, copy=False)
        return vocabulary, _aligned(counts)

    def _cache(self) -> dict[str, np.ndarray]:
        """The columns of the words seen so far (emptied past CACHE_WORDS words)."""
        cache = self.__dict__.setdefault("_words", {})
        if len(cache) > CACHE_WORDS:
            cache.clear()
        return cache

    def _word_columns(self, word: str) -> np.ndarray:
        """The vocabulary columns of one word's n-grams (with repeats)."""
        vocabulary = self.vocabulary_
        return np.asarray([c for c in map(vocabulary.get, self._grams(word)) if c is not None],
                          dtype=np.int64)

    def _counts(self, documents) -> sparse.csr_matrix:
        """The n-gram counts of ``documents`` in the fitted vocabulary, from the columns of
        each word's n-grams (kept for the next call, up to CACHE_WORDS words)."""
        cache = self._cache()
        if not isinstance(documents, list):
            documents = list(documents)
        if len(documents) < self.PRODUCT_FROM:  # word by word: fewer array operations
            return _aligned(self._few_counts(documents, cache))
        words, lengths = self._words_of(documents)
        index = {word: i for i, word in enumerate(dict.fromkeys(words))}
        # Taken from the cache once (another thread may empty it meanwhile: the app's sessions
        # share a model).
        columns_of = {word: cache.get(word) for word in index}
        new = [word for word, columns in columns_of.items() if columns is None]
        if new:  # their n-grams looked up all at once
            every, sizes = _joined(map(self._grams, new))
            found = np.fromiter(map(self.vocabulary_.get, every, itertools.repeat(-1)),
                                dtype=np.int64, count=len(every))
            known = found >= 0
            kept = np.cumsum(known)[np.cumsum(sizes) - 1]  # known n-grams to each word's end
            fresh = dict(zip(new, np.split(found[known], kept[:-1]), strict=True))
            columns_of.update(fresh)
            cache.update(fresh)
        parts = list(columns_of.values())
        columns = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        return _aligned(self._matrix(words, lengths, index, columns, sizes,
                                     len(self.vocabulary_)))

    def _few_counts(self, documents: list, cache: dict) -> sparse.csr_matrix:
        """The counts of a few documents (a message in the app), word by word."""
        parts = [self._document_columns(document, cache) for document in documents]
        columns = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        rows = np.repeat(np.arange(len(parts)), [len(part) for part in parts])
        counts = sparse.csr_matrix((np.ones(len(columns), dtype=self.dtype), (rows, columns)),
                                   shape=(len(parts), len(self.vocabulary_)))
        counts.sum_duplicates()  # (scipy's conversion sums them already; made sure of)
        return counts

    def _document_columns(self, document: str, cache: dict) -> np.ndarray:
        """The columns of one document's n-grams (with repeats), from its words' (cached)."""
        parts = []
        for word in _SPACES.sub(" ", self.build_preprocessor()(document)).split():
            columns = cache.get(word)
            if columns is None:
                columns = cache[word] = self._word_columns(word)
            parts.append(columns)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def _matrix(self, words: list[str], lengths: np.ndarray, index: dict[str, int],
                columns: np.ndarray, sizes: np.ndarray, width: int) -> sparse.csr_matrix:
        """The n-gram counts of documents, a row each: the sum of their words' columns, as
        the product of a documents-by-words and a words-by-n-grams matrix. ``words``: every
        document's words in turn, ``lengths`` words each; ``index``: each distinct word's
        number; ``columns``: the distinct words' columns one after another, ``sizes`` each."""
        number = np.fromiter(map(index.__getitem__, words), dtype=np.int64, count=len(words))
        uses = sparse.csr_matrix((np.ones(len(number), dtype=self.dtype), number,
                                  np.concatenate([[0], np.cumsum(lengths)])),
                                 shape=(len(lengths), len(index)))
        grams = sparse.csr_matrix((np.ones(len(columns), dtype=self.dtype), columns,
                                   np.concatenate([[0], np.cumsum(sizes)])),
                                  shape=(len(index), width))
        counts = uses @ grams
        counts.sort_indices()  # each row's columns in order, as summing duplicates leaves them
        return counts

    def transform(self, raw_documents):
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object "
                             "received.")
        self._check_vocabulary()
        counts = self._counts(raw_documents)
        if not _lean(self):
            if self.binary:
                counts.data.fill(1)
            return self._tfidf.transform(counts, copy=False)
        return _weigh(self, counts)

    def row(self, document: str) -> tuple[np.ndarray, np.ndarray]:
        """One document's row of :meth:`transform`, as its columns (in order) and values (see
        WordNgrams.row)."""
        return _row(self, document, lambda text: self._document_columns(text, self._cache()))

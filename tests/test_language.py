from __future__ import annotations

import numpy as np
import pytest

from assistant.language import OTHER, SERVED, detect

MESSAGES = {
    "en": "my parcel arrived completely empty, what happened?",
    "es": "el paquete llegó vacío, no había nada dentro",
    "pt": "meu pedido chegou vazio, não tinha nada dentro da caixa",
    "fr": "le colis est arrivé vide, il n'y avait rien dedans",
    "de": "das Paket kam leer an, es war nichts drin",
    "ru": "посылка пришла пустая, внутри ничего не было",
}


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("lang", SERVED)
def test_served_languages(lang, fast):
    [(code, confidence)] = detect([MESSAGES[lang]], fast=fast)
    assert code == lang and 0 < confidence <= 1


@pytest.mark.parametrize("text", ["Dove è il mio pacco? Sono passate tre settimane ormai",
                                  "Gdzie jest moja paczka? Czekam już trzy tygodnie",
                                  "我的包裹在哪里？已经三个星期了"])
def test_other_languages_are_other(text):
    assert detect([text])[0][0] == OTHER


def test_empty_text():
    assert detect(["", "   "]) == [(OTHER, 0.0), (OTHER, 0.0)]


def test_prediction_carries_the_language(default_model):
    [p] = default_model.predict([MESSAGES["de"]])
    assert (p.language, p.label) == ("de", "empty_package")
    assert p.to_dict()["language"] == "de"


def test_the_language_head_fits_under_the_liblinear_lock(monkeypatch):
    """liblinear's random order is shared by the process: every fit goes through the lock."""
    from scipy import sparse

    from assistant import linear
    from assistant.language import LanguageHead

    calls = []
    real = linear.fit_liblinear

    def recording(estimator, x, y, **options):
        fitted = real(estimator, x, y, **options)
        calls.append(type(estimator).__name__)
        return fitted

    monkeypatch.setattr(linear, "fit_liblinear", recording)
    x = sparse.csr_matrix(np.eye(6, dtype=np.float32))
    LanguageHead().fit(x, ["en", "en", "en", "de", "de", "de"])
    assert calls == ["LinearSVC"]  # through fit_liblinear, which takes the lock

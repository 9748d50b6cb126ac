"""scikit-learn estimators backed by chainrule: ``MLPClassifier`` and ``MLPRegressor``.

    from chainrule.sklearn import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=(64,), random_state=0).fit(X, y)
    clf.predict_proba(X[:3]); clf.model_          # the chainrule network inside

Needs scikit-learn (``pip install 'chainrule[sklearn]'``). Same parameters and fitted
attributes as ``sklearn.neural_network``'s estimators, so they drop into pipelines and searches.
"""

from chainrule.errors import require

require("sklearn", "sklearn")

from chainrule.sklearn.classifier import MLPClassifier  # noqa: E402
from chainrule.sklearn.regressor import MLPRegressor  # noqa: E402

__all__ = ["MLPClassifier", "MLPRegressor"]

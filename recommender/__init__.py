"""recommender: tag complaint e-mails, grade anger, and suggest a prefilled reply.

>>> from recommender import Recommender
>>> rec = Recommender.load()
>>> rec.suggest("I was charged twice for order 88123!").template
'billing_error'
"""

from .errors import RecommenderError
from .recommender import Recommender
from .suggestion import Suggestion

__version__ = "0.1.0"
__all__ = ["Recommender", "RecommenderError", "Suggestion", "__version__"]

"""The quality app's models, by topic: complaints, safeguarding (concerns, enquiries, escalations,
pattern alerts), case audits and provider quality (QA visits, reviews, CQC imports)."""

from .audits import *  # noqa: F403
from .audits import __all__ as _audits
from .complaints import *  # noqa: F403
from .complaints import __all__ as _complaints
from .provider_quality import *  # noqa: F403
from .provider_quality import __all__ as _provider_quality
from .safeguarding import *  # noqa: F403
from .safeguarding import __all__ as _safeguarding

__all__ = [*_complaints, *_safeguarding, *_audits, *_provider_quality]

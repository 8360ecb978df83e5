"""What the helpers' forkserver loads before it forks any of them (pipelines.procs.PRELOAD).

Every helper (clean workers, the WARC and database writers) is forked from the forkserver,
so what it holds is shared by all of them, page for page, until one writes to it.  Besides
the modules the helpers run, that is the cleaner's character model and its OpenCC tables:
about 80 MB that each cleaning worker loaded for itself on its first page before.  Only the
forkserver imports this module, never the crawl process.  The cleaner and the clusters'
fingerprints are imported lazily by the item pipelines (to keep the crawl process lean), so
they are named here.
"""

import contextlib

from archive import service  # noqa: F401 - the WARC writer's calls
from pipelines import clean_pipeline, conversion_pipeline, store_pipeline  # noqa: F401
from pipelines.clean import attachments, cleaner  # noqa: F401 - the clean workers' calls
from pipelines.clean.repair import charmodel
from pipelines.store import record, writer  # noqa: F401 - the database writer's calls
from pipelines.store.copies import bandindex, fingerprint  # noqa: F401 - the clusters'

# A model that cannot load here must not take the forkserver, and every helper, down with it:
# each worker then tries on its first page, and records why on the pages it cleans.
with contextlib.suppress(Exception):
    charmodel.model()
    charmodel.is_hant("")  # builds both OpenCC tables, as the first traditional page would

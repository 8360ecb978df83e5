"""What the helpers' forkserver loads before it forks any of them (pipelines.procs.PRELOAD):
what every helper needs, and nothing one role alone needs.

A forked child's resident set counts every page it inherits, so a module preloaded here is
in the peak RSS of every helper, of the forkserver itself, and of each replacement.  With
the cleaner, its character model and OpenCC tables preloaded (about 130 MB, shared by the
two cleaning workers), the WARC writer, which uses none of it, peaked at 176 MB and the
database writer at 186 MB.  Each role now imports its own: a clean worker at its start
(pipelines.clean_pipeline.warm_up), the writers with the module of their set-up
(archive.writerproc, pipelines.store.writer).  Only the forkserver imports this module.
"""

from pipelines import page, procs  # noqa: F401 - the helpers' loop; the pages they are sent
from pipelines.clean import result  # noqa: F401 - what a cleaner answers and the writers get

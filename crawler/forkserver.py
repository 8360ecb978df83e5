"""What the helpers' forkserver loads before it forks any of them (pipelines.procs.PRELOAD):
what the cleaning workers run, the only helpers forked from it.

A forked child shares the forkserver's pages until it writes to them, so the cleaner, its
character model and OpenCC tables (about 130 MB) are in memory once for all the workers, not
once per worker; but every inherited page counts in each child's resident set.  So the
writers, which use none of it, are spawned instead (pipelines.procs.Helper, spawn=True):
forked from here, the WARC writer peaked at 176 MB and the database writer at 186 MB.
Only the forkserver imports this module, never the crawl process.
"""

import gc

from pipelines import clean_worker

# What every worker runs and the tables it cleans with, loaded as a worker's set-up loads them:
# a model that cannot load here does not take the forkserver, and every worker, down with it;
# each worker then tries as it starts and on its pages.
clean_worker.warm_up()

# Out of the cyclic collector's view before any worker is forked (crawler/gcfreeze.py): a
# collection in a worker writes to the header of every object it walks, and each page so
# written stops being shared with the forkserver and its other workers.
gc.collect()
gc.freeze()

"""The crawl database: schema, migrations, the writer process, URL state, merging and exports."""

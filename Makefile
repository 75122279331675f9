# meshpg: PGXS build.  `make`, `make install`, `make test` (every suite against a
# throwaway cluster), `make demo` (the sample mesh, start to finish).

EXTENSION = meshpg
MODULE_big = meshpg
# every C file in src/ is one module of the library
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The install script of each released version is assembled from its frozen
# parts in src/sql/<version>/ (every version is installable, so upgrades can be
# tested from the oldest); an upgrade is assembled the same way from
# src/sql/<A>--<B>/, or is a single file src/sql/meshpg--A--B.sql.  0.2.0 has no
# install script of its own: CREATE EXTENSION installs 0.1.0 and upgrades.
VERSIONS = $(patsubst src/sql/%/,%,$(sort $(dir $(wildcard src/sql/*/*.sql))))
DATA_built = $(foreach v,$(VERSIONS),meshpg--$(v).sql)
DATA = $(wildcard src/sql/meshpg--*--*.sql)

PG_CPPFLAGS = -I$(srcdir)/src/include -std=gnu11 -Wvla
SHLIB_LINK = -ljansson -lyaml

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --outputdir=.

EXTRA_CLEAN = results regression.diffs regression.out test/out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

.SECONDEXPANSION:
$(DATA_built): meshpg--%.sql: $$(sort $$(wildcard src/sql/$$*/*.sql))
	cat $^ > $@

$(OBJS): $(wildcard src/include/meshpg/*.h)

.PHONY: test demo
test:
	bash test/run.sh

demo:
	bash demo/run.sh

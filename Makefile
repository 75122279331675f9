# meshpg: PGXS build.  `make`, `make install`, `make test` (every suite against a
# throwaway cluster), `make demo` (the sample mesh, start to finish).

EXTENSION = meshpg
MODULE_big = meshpg
OBJS = \
	src/meshpg.o \
	src/status.o \
	src/api_dispatch.o \
	src/port.o \
	src/column_origin.o \
	src/descriptor.o \
	src/descriptor_sql.o

# The install script of each released version is assembled from its frozen
# parts in src/sql/<version>/ (every version is installable, so upgrades can be
# tested from the oldest); upgrades are src/sql/meshpg--A--B.sql.
VERSIONS = $(patsubst src/sql/%/,%,$(sort $(dir $(wildcard src/sql/*/*.sql))))
DATA_built = $(foreach v,$(VERSIONS),meshpg--$(v).sql)
DATA = $(wildcard src/sql/meshpg--*--*.sql)

PG_CPPFLAGS = -I$(srcdir)/src/include -std=gnu11 -Wvla
SHLIB_LINK = -ljansson

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

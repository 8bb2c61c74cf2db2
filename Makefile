# Builds and installs vigild and vigilctl.
#
#   make                                   release build (Swift runtime linked in statically)
#   sudo make install                      into /usr/local, the unit into /etc/systemd/system
#   make install DESTDIR=/tmp/stage PREFIX=/usr    staged, as scripts/package-deb does
#   sudo make uninstall                    removes what install added, never the config or the state
#   make test                              scripts/test, what CI runs
#
# install uses the binaries `make` built and builds them only if they are missing, so `sudo make install` after
# `make` does not write root-owned files into the build directory.

PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
# The Swift runtime and Foundation are linked into the binaries, so they run on a machine without a toolchain;
# libsystemd stays a shared library (Debian's libsystemd0).
SWIFT_BUILD_FLAGS ?= -c release --static-swift-stdlib
SCRATCH ?= .build
BUILD_DIR ?= $(SCRATCH)/release

BINDIR := $(PREFIX)/bin
# systemd does not look in /usr/local/lib/systemd/system on every distribution; /etc/systemd/system it always
# reads. A packaged install (PREFIX=/usr) uses the vendor directory, leaving /etc to the administrator.
ifeq ($(PREFIX),/usr/local)
UNITDIR ?= /etc/systemd/system
else
UNITDIR ?= $(PREFIX)/lib/systemd/system
endif
CATALOGDIR := $(PREFIX)/lib/systemd/catalog
DOCDIR := $(PREFIX)/share/doc/vigil
MAN1DIR := $(PREFIX)/share/man/man1
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR := $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR := $(PREFIX)/share/fish/vendor_completions.d
CONFDIR := /etc/vigil
STATEDIR := /var/lib/vigil

PROGRAMS := vigild vigild-cluster vigilctl
BINARIES := $(addprefix $(BUILD_DIR)/,$(PROGRAMS))
DOCS := README.md $(wildcard docs/*.md)
MANPAGE := $(wildcard docs/man/vigilctl.1)
COMPLETIONS := $(wildcard docs/completions/*)

INSTALL ?= install

.PHONY: all build install uninstall test clean

all: build

build:
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --scratch-path $(SCRATCH)

$(BINARIES) &:
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --scratch-path $(SCRATCH)

install: $(BINARIES)
	$(INSTALL) -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(CATALOGDIR) $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 0755 $(BINARIES) $(DESTDIR)$(BINDIR)/
	sed -e 's|/usr/local/|$(PREFIX)/|g' systemd/vigild.service > $(DESTDIR)$(UNITDIR)/vigild.service.tmp
	chmod 0644 $(DESTDIR)$(UNITDIR)/vigild.service.tmp
	mv -f $(DESTDIR)$(UNITDIR)/vigild.service.tmp $(DESTDIR)$(UNITDIR)/vigild.service
	$(INSTALL) -m 0644 systemd/vigil.catalog $(DESTDIR)$(CATALOGDIR)/vigil.catalog
	$(INSTALL) -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/
ifneq ($(MANPAGE),)
	$(INSTALL) -d -m 0755 $(DESTDIR)$(MAN1DIR)
	$(INSTALL) -m 0644 $(MANPAGE) $(DESTDIR)$(MAN1DIR)/vigilctl.1
endif
	@# Completions by their usual names: vigilctl.bash or vigilctl, _vigilctl or vigilctl.zsh, vigilctl.fish.
	@for file in $(COMPLETIONS); do \
		case "$$(basename $$file)" in \
		*.fish) dir=$(FISHCOMPDIR); name=vigilctl.fish ;; \
		_*|*.zsh) dir=$(ZSHCOMPDIR); name=_vigilctl ;; \
		*) dir=$(BASHCOMPDIR); name=vigilctl ;; \
		esac; \
		echo "$(INSTALL) -D -m 0644 $$file $(DESTDIR)$$dir/$$name"; \
		$(INSTALL) -D -m 0644 "$$file" "$(DESTDIR)$$dir/$$name" || exit 1; \
	done
	@# The configuration is the administrator's once installed: never overwritten.
	$(INSTALL) -d -m 0755 $(DESTDIR)$(CONFDIR)
	@if [ -e $(DESTDIR)$(CONFDIR)/vigil.toml ]; then \
		echo "keeping $(DESTDIR)$(CONFDIR)/vigil.toml"; \
	else \
		echo "$(INSTALL) -m 0644 config/vigil.toml $(DESTDIR)$(CONFDIR)/vigil.toml"; \
		$(INSTALL) -m 0644 config/vigil.toml $(DESTDIR)$(CONFDIR)/vigil.toml; \
	fi
	$(INSTALL) -d -m 0700 $(DESTDIR)$(CONFDIR)/keys
	$(INSTALL) -d -m 0750 $(DESTDIR)$(STATEDIR)
	@$(MAKE) --no-print-directory systemd-refresh

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(PROGRAMS))
	rm -f $(DESTDIR)$(UNITDIR)/vigild.service
	rm -f $(DESTDIR)$(CATALOGDIR)/vigil.catalog
	rm -rf $(DESTDIR)$(DOCDIR)
	rm -f $(DESTDIR)$(MAN1DIR)/vigilctl.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/vigilctl $(DESTDIR)$(ZSHCOMPDIR)/_vigilctl $(DESTDIR)$(FISHCOMPDIR)/vigilctl.fish
	@echo "kept $(DESTDIR)$(CONFDIR) and $(DESTDIR)$(STATEDIR) (configuration, keys and state)"
	@$(MAKE) --no-print-directory systemd-refresh

# Only on the live system (no DESTDIR) and only when systemd runs it: a staged tree or a container without
# systemd has no manager to tell.
.PHONY: systemd-refresh
systemd-refresh:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
		echo "systemctl daemon-reload && journalctl --update-catalog"; \
		systemctl daemon-reload; \
		journalctl --update-catalog; \
	fi

test:
	scripts/test

clean:
	$(SWIFT) package clean --scratch-path $(SCRATCH)

# Pinned versions of every tool the tests use. Changing one here makes
# install.sh rebuild just that tool on the next run.
VERSITYGW_VERSION=v1.8.0
KUBO_VERSION=v0.43.0
GETH_VERSION=v1.17.8
KAFKA_VERSION=3.9.1
KAFKA_SCALA=2.13
AZURITE_VERSION=3.35.0
SOLC_VERSION=0.8.37
PLAYWRIGHT_CORE_VERSION=1.56.1
SOCKETIO_CLIENT2_VERSION=2.4.0
SOCKETIO_CLIENT4_VERSION=4.8.1
NODE_FORGE_VERSION=1.3.1
# The client that drives Debian's stock firefox-esr over WebDriver BiDi
# (playwright-core drives only its own patched Firefox builds). 24.43.1 is
# the last release whose engines accept the Node 20 of the test machines;
# 25.x wants Node 22.12.
PUPPETEER_CORE_VERSION=24.43.1
# The accessibility checker the console's browser test runs on every view.
AXE_CORE_VERSION=4.10.3
# The HTTP client libraries existing Node client programs use.
AXIOS_VERSION=0.27.2
FORM_DATA_VERSION=2.5.6

# Where built tools live: outside the clone, because CI clones afresh each run.
CONSIGN_CACHE=${CONSIGN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/consign}
TOOLS_BIN=$CONSIGN_CACHE/bin
# Lint tools (make lint). staticcheck v0.8.2 is release 2026.2.2, which
# supports Go 1.26. The vulnerability database is the OSV data of the Go
# module golang.org/x/vulndb at this pseudo-version (its date is the data's
# date), indexed into the layout govulncheck -db reads; see docs/testenv.md.
STATICCHECK_VERSION=v0.8.2
GOVULNCHECK_VERSION=v1.9.0
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018

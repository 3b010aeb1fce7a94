// Package testenv gives tests the addresses of the real servers that
// `make testenv` starts (Kafka, S3, Azurite, Kubo, geth, Chromium,
// Firefox, Node client libraries). scripts/testenv/up.sh writes them to
// .testenv/env.sh as CONSIGN_TEST_* variables and `make test` exports them.
//
// A test that needs a server calls Get. Under `make test` (which sets
// CONSIGN_TEST_REQUIRE=1) a missing variable fails the test; under a plain
// `go test ./...` it skips with a message naming `make test`.
package testenv

import (
	"os"
	"testing"
)

// Names of the variables written by scripts/testenv/up.sh.
const (
	Kafka         = "CONSIGN_TEST_KAFKA"             // host:port of the Apache Kafka broker
	S3Endpoint    = "CONSIGN_TEST_S3_ENDPOINT"       // http://host:port of the S3 server
	S3AccessKey   = "CONSIGN_TEST_S3_ACCESS_KEY"     // its access key
	S3SecretKey   = "CONSIGN_TEST_S3_SECRET_KEY"     // its secret key
	S3Region      = "CONSIGN_TEST_S3_REGION"         // region to sign requests for
	AzureConnStr  = "CONSIGN_TEST_AZURE_CONNSTR"     // Azurite connection string
	IPFSAPI       = "CONSIGN_TEST_IPFS_API"          // http://host:port of Kubo's RPC API
	IPFSBin       = "CONSIGN_TEST_IPFS_BIN"          // path of the ipfs binary
	IPFSPath      = "CONSIGN_TEST_IPFS_PATH"         // IPFS_PATH of the running Kubo node
	EthRPC        = "CONSIGN_TEST_ETH_RPC"           // http://host:port of geth --dev
	EthKey        = "CONSIGN_TEST_ETH_KEY"           // hex private key funded on geth --dev
	Chromium      = "CONSIGN_TEST_CHROMIUM"          // path of the chromium binary
	Firefox       = "CONSIGN_TEST_FIREFOX"           // path of the firefox-esr binary
	NodeModules   = "CONSIGN_TEST_NODE_MODULES"      // node_modules with playwright-core, node-forge, solc
	SIO2Modules   = "CONSIGN_TEST_SIO2_MODULES"      // node_modules with socket.io-client 2.x
	SIO4Modules   = "CONSIGN_TEST_SIO4_MODULES"      // node_modules with socket.io-client 4.x
	AxeModules    = "CONSIGN_TEST_AXE_MODULES"       // node_modules with axe-core
	Puppeteer     = "CONSIGN_TEST_PUPPETEER_MODULES" // node_modules with puppeteer-core (drives Firefox)
	ToolsBin      = "CONSIGN_TEST_TOOLS_BIN"         // folder of built tools (geth, abigen, ipfs, versitygw)
	requireServer = "CONSIGN_TEST_REQUIRE"
)

// Required reports whether tests run under `make test`, where every
// server must be present.
func Required() bool { return os.Getenv(requireServer) == "1" }

// Get returns the value of the named CONSIGN_TEST_* variable. When it is
// unset, the test fails under `make test` and is skipped otherwise.
func Get(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	if Required() {
		t.Fatalf("%s is not set: the server this test needs is not running (make testenv)", name)
	}
	t.Skipf("%s is not set: run `make test` (or `make testenv` and source .testenv/env.sh) to start the real servers", name)
	return ""
}

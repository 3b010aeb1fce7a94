// Package contracts holds the Solidity sources of the registry and pin
// contracts, their compiled artifacts (build/, solc-js with the EVM
// target named in build/VERSION) and the Go bindings abigen --v2
// generates from them. Regenerate all of it with `make contracts`; never
// edit registry.go or pin.go by hand.
package contracts

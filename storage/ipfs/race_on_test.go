//go:build race

package ipfs

// raceEnabled trims the slowest redundant cases from the -race pass.
const raceEnabled = true

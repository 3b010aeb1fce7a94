//go:build !race

package ipfs

const raceEnabled = false

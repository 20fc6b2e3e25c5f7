//go:build race

package benchmark

// raceEnabled: the race detector makes more values escape, so allocation bounds differ.
const raceEnabled = true

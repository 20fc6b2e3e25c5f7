package server

// WaitFor is waitFor for the package's external tests.
var WaitFor = waitFor

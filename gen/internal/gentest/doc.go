// Package gentest runs generated code against real servers on loopback, to show what the
// generator's templates promise at run time: ConfigurationFromRaw and a configuration without
// a QuorumSpec, the handle types of asynchronous and correctable calls with Gorums v0.7's
// field names, a multicast declared with a client stream, and the errors NewConfiguration
// gives for wrong options. Its subpackage noquorum does the same for a service without
// quorum methods.
//
// The generated files are committed and regenerated with go run ./gen/internal/regen. The
// package has no state; its tests start servers and managers that the tests' cleanups stop.
package gentest

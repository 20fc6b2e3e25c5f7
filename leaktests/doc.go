// Package leaktests holds lifecycle tests of Gorums under goleak.VerifyTestMain: every
// goroutine a Manager, its node actors, the call engines or a Server start must be gone when
// the tests end, whatever state the calls were in (a Manager closed twice, before any call or
// during calls in flight; a configuration of no nodes; a Server stopped, gracefully or not,
// with client streams open; a server restarted many times under a connected manager).
//
// The tests use the service of internal/testservice on real loopback servers. The package has
// no non-test code.
package leaktests

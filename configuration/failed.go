package configuration

// FailedAsync returns the future of an asynchronous call that failed before it sent anything:
// it is done, and Get returns the zero Out and err.
func FailedAsync[Out any](err error) *Async[Out] {
	a := &Async[Out]{err: err, done: make(chan struct{})}
	close(a.done)
	return a
}

// FailedCorrectable returns the handle of a correctable call that failed before it sent
// anything: it is done at no level, and Get returns the zero Out, LevelNotSet and err.
func FailedCorrectable[Out any](err error) *Correctable[Out] {
	c := newCorrectable[Out]()
	var zero Out
	c.publish(zero, LevelNotSet, true, err)
	return c
}

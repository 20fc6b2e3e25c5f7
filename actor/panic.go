package actor

import "fmt"

// PanicError describes a panic recovered from a handler.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("actor: handler panicked: %v", e.Value) }

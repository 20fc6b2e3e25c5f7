package logfield

import "go.uber.org/zap"

// KeyStack is the field name of a goroutine's stack trace, logged with recovered panics.
const KeyStack = "stack"

// Stack is the stack field: a stack trace as runtime/debug.Stack returns it.
func Stack(trace []byte) zap.Field { return zap.ByteString(KeyStack, trace) }

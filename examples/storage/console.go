package main

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// console is where the program speaks: its narrative (command results, the demo's story) goes
// to out, and the lines its zap logger writes go to logOut, never in the middle of the
// narrative. Log lines are held until Flush, which the client calls between commands (before
// it reads the next one) and the demo before each command it runs, so on a terminal, where
// out and logOut meet, a command and its result are never split by a log line. Its methods
// are safe for concurrent use (zap writes from the runtime's goroutines).
type console struct {
	mu     sync.Mutex
	out    io.Writer
	logOut io.Writer
	held   bytes.Buffer
}

func newConsole(out, logOut io.Writer) *console { return &console{out: out, logOut: logOut} }

// Printf writes the formatted narrative.
func (c *console) Printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.out, format, args...)
}

// Flush writes the held log lines.
func (c *console) Flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held.Len() > 0 {
		_, _ = c.logOut.Write(c.held.Bytes())
		c.held.Reset()
	}
}

// Write holds one log entry (zap writes each entry, a whole line, in one call).
func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.held.Write(p)
}

// Sync is part of zapcore.WriteSyncer; held lines are written by the next Flush.
func (c *console) Sync() error { return nil }

// logLevel is what -quiet, -v and -debug select.
type logLevel int

const (
	logOff   logLevel = iota // -quiet
	logWarn                  // the default: warnings and errors
	logInfo                  // -v: also node and stream lifecycle
	logDebug                 // -debug: also each call's trace
)

// newLogger returns a zap logger in the development console format that writes to w at
// level, or a logger that logs nothing for logOff.
func newLogger(w zapcore.WriteSyncer, level logLevel) *zap.Logger {
	var min zapcore.Level
	switch level {
	case logOff:
		return zap.NewNop()
	case logWarn:
		min = zapcore.WarnLevel
	case logInfo:
		min = zapcore.InfoLevel
	default:
		min = zapcore.DebugLevel
	}
	enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	return zap.New(zapcore.NewCore(enc, w, min))
}

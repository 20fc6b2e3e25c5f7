package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.uber.org/zap"
)

// runClient is the -connect mode: it waits until a quorum of the servers at addrs is
// reachable, then runs the commands read from in until quit or the end of the input. An
// interrupt (Ctrl-C) ends the wait for a quorum, ends a command that waits, or, between
// commands, ends the client. It returns an error if the client could not start or if a
// command failed.
func runClient(con *console, log *zap.Logger, addrs []string, in io.Reader, prompt bool, interrupts <-chan os.Signal, timeout time.Duration) error {
	c, err := newClient(con, log, addrs, timeout)
	if err != nil {
		return err
	}
	defer c.close()
	ctx, stop := untilInterrupt(interrupts)
	err = c.waitForQuorum(ctx)
	stop()
	if err != nil {
		return err
	}
	failed, err := c.repl(in, prompt, interrupts)
	con.Flush()
	switch {
	case err != nil:
		return err
	case failed > 0:
		return fmt.Errorf("%s failed", plural(failed, "command"))
	}
	return nil
}

// untilInterrupt returns a context that ends, with cause errInterrupted, when an interrupt
// arrives, and the function that stops watching for one (it must be called).
func untilInterrupt(interrupts <-chan os.Signal) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-interrupts:
			cancel(errInterrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		close(done)
		<-watched
		cancel(nil)
	}
}

// repl reads command lines from in and runs them, printing a prompt before each if prompt
// is set. It returns the number of commands that failed, at quit, at the end of the input or
// at an interrupt between commands, or the error reading in.
func (c *client) repl(in io.Reader, prompt bool, interrupts <-chan os.Signal) (failed int, err error) {
	lines := make(chan string)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	defer close(done)
	go func() { // the reader: it ends at the end of the input, or once repl has returned
		defer close(lines)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-done:
				return
			}
		}
		readErr <- sc.Err()
	}()

	for {
		c.con.Flush()
		if prompt {
			c.con.Printf("> ")
		}
		var line string
		var ok bool
		select {
		case line, ok = <-lines:
		case <-interrupts:
			c.con.Printf("\ninterrupted\n")
			return failed, nil
		}
		if !ok {
			if prompt {
				c.con.Printf("\n")
			}
			select {
			case err := <-readErr:
				return failed, err
			default:
				return failed, nil
			}
		}
		ctx, stop := untilInterrupt(interrupts)
		err := c.run(ctx, line)
		stop()
		switch {
		case errors.Is(err, errQuit):
			return failed, nil
		case err != nil:
			failed++
		}
	}
}

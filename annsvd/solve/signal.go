package solve

import (
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// StopOnSignal makes SIGINT and SIGTERM request a stop instead of killing the process:
// stop (for Config.Stop, polled after each step) reports whether one arrived, which
// returns it, and release restores the default handling.
func StopOnSignal() (stop func() bool, which func() os.Signal, release func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	var got atomic.Pointer[os.Signal]
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			got.Store(&s)
		case <-done:
		}
	}()
	stop = func() bool { return got.Load() != nil }
	which = func() os.Signal {
		if s := got.Load(); s != nil {
			return *s
		}
		return nil
	}
	release = func() { signal.Stop(sigs); close(done) }
	return stop, which, release
}

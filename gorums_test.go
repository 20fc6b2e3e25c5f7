package gorums_test

import (
	"testing"

	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/quorumcall/gorums"
	ts "github.com/quorumcall/gorums/internal/testservice"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// One WithLogger serves managers and servers alike.
func TestWithLoggerOnManagerAndServer(t *testing.T) {
	serverCore, serverLogs := observer.New(zapcore.InfoLevel)
	clientCore, clientLogs := observer.New(zapcore.InfoLevel)
	srv := ts.Start(t, ts.Handlers{}, gorums.WithLogger(zap.New(serverCore)))
	mgr := ts.NewTestManager(t, gorums.WithLogger(zap.New(clientCore)))
	cfg := ts.NewConfig(t, mgr, 1, []string{srv.Addr})
	if _, err := cfg.Nodes()[0].Ordered(ts.Ctx(t, 0), &ts.Request{Seq: 1}); err != nil {
		t.Fatal(err)
	}
	mgr.Close()
	srv.Stop()
	if serverLogs.FilterMessage("stream opened").Len() == 0 {
		t.Errorf("the server's logger saw no stream opened: %v", serverLogs.All())
	}
	if clientLogs.FilterMessage("node connected").Len() == 0 {
		t.Errorf("the manager's logger saw no node connected: %v", clientLogs.All())
	}
}

package calltypes

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"

	"github.com/quorumcall/gorums"
)

// TestMetadata: metadata given to the manager (WithMetadata, WithPerNodeMetadata) and
// per-message metadata from the caller's outgoing context reach every handler of every call
// type through metadata.FromIncomingContext, each message with its own per-message metadata
// only; peer.FromContext gives the client's address, the same for every request of the
// stream.
func TestMetadata(t *testing.T) {
	forSizes(t, func(t *testing.T, n int) {
		c := newCluster(t, n, setup{insecure: true, mgrOpts: []gorums.ManagerOption{
			gorums.WithMetadata(metadata.Pairs("client", "calltypes-test")),
			gorums.WithPerNodeMetadata(func(id uint32) metadata.MD {
				return metadata.Pairs("node", strconv.Itoa(int(id)))
			}),
		}})
		ctx := testCtx(t)
		seq := uint64(0)
		names := map[uint64]string{}
		for _, k := range callKinds {
			if k.noSeq {
				continue
			}
			seq++
			names[seq] = k.name
			req := prepare(c, k, &Request{Value: "md", Seq: seq})
			msgCtx := metadata.AppendToOutgoingContext(ctx, "msg", k.name, "seq", strconv.Itoa(int(seq)))
			if got, want := k.start(msgCtx, c, req)(), k.want(c, req); got != want {
				t.Fatalf("%s = %+v, want %+v", k.name, got, want)
			}
		}
		// A call without per-message metadata.
		seq++
		if _, err := c.cfg.QuorumCall(ctx, &Request{Value: "plain", Seq: seq}); err != nil {
			t.Fatal(err)
		}
		c.barrier(t, ctx)

		for i, s := range c.srvs {
			arrivals := s.Arrivals()
			if len(arrivals) == 0 {
				t.Fatalf("server %d got nothing", i+1)
			}
			first := arrivals[0].Peer
			if first == nil || first.Addr == nil {
				t.Fatalf("server %d: no peer in the handler's context", i+1)
			}
			host, port, err := net.SplitHostPort(first.Addr.String())
			if err != nil || host != "127.0.0.1" || port == "0" {
				t.Errorf("server %d: peer address %q, want the client's 127.0.0.1:port", i+1, first.Addr)
			}
			for _, a := range arrivals {
				md := a.MD
				check := func(key string, want ...string) {
					t.Helper()
					if got := md.Get(key); !slices.Equal(got, want) {
						t.Errorf("server %d, %s seq %d: metadata %q = %q, want %q", i+1, a.Method, a.Seq, key, got, want)
					}
				}
				check("client", "calltypes-test")
				check("node", strconv.Itoa(i+1))
				if a.Value == "plain" {
					check("msg")
					check("seq")
				} else {
					check("seq", strconv.Itoa(int(a.Seq)))
					check("msg", names[a.Seq])
				}
				if a.Peer == nil || a.Peer.Addr.String() != first.Addr.String() {
					t.Errorf("server %d, %s seq %d: peer %v, want %v like every request of the stream", i+1, a.Method, a.Seq, a.Peer, first.Addr)
				}
			}
		}
	})
}

// selfSigned makes a self-signed ECDSA certificate for 127.0.0.1 and the pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "calltypes test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// TestTLS: servers with TLS credentials (gorums.WithGRPCServerOptions(grpc.Creds(...))) and a
// manager with matching transport credentials (gorums.WithGrpcDialOptions) make quorum calls,
// async calls and correctable calls, and the handlers see a TLS peer.
func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	serverCreds := credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	clientCreds := credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	const n = 3
	c := newCluster(t, n, setup{
		srvOpts: []gorums.ServerOption{gorums.WithGRPCServerOptions(grpc.Creds(serverCreds))},
		mgrOpts: []gorums.ManagerOption{gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(clientCreds))},
	})
	ctx := testCtx(t)
	want := summaryOf(ids(all(n)), same("tls"))
	resp, err := c.cfg.QuorumCall(ctx, &Request{Value: "tls", Seq: 1})
	if err != nil || resp.GetResult() != want {
		t.Fatalf("QuorumCall over TLS = %v, %v; want %q", resp, err, want)
	}
	resp, err = c.cfg.QuorumCallAsync(ctx, &Request{Value: "tls", Seq: 2}).Get()
	if err != nil || resp.GetResult() != want {
		t.Fatalf("QuorumCallAsync over TLS = %v, %v; want %q", resp, err, want)
	}
	corr := c.cfg.Correctable(ctx, &Request{Value: "tls", Seq: 3})
	waitClosed(t, corr.Done(), "Correctable Done")
	if resp, level, err := corr.Get(); err != nil || level != n || resp.GetResult() != want {
		t.Fatalf("Correctable over TLS = %v, %d, %v", resp, level, err)
	}
	for i, s := range c.srvs {
		for _, a := range s.Arrivals() {
			if a.Peer == nil {
				t.Fatalf("server %d: no peer", i+1)
			}
			info, ok := a.Peer.AuthInfo.(credentials.TLSInfo)
			if !ok || !info.State.HandshakeComplete {
				t.Errorf("server %d, %s: peer auth info %T %v, want a completed TLS handshake", i+1, a.Method, a.Peer.AuthInfo, a.Peer.AuthInfo)
			}
		}
	}
}

// TestMetadataKeysSendable: a literal metadata.MD may have upper-case keys, which gRPC refuses
// to send (the stream would never open); they are sent in lower case. The keys of the batching
// negotiation are Gorums' own: a user's value there is not sent, so the server's replies are
// framed as negotiated.
func TestMetadataKeysSendable(t *testing.T) {
	c := newCluster(t, 1, setup{insecure: true, mgrOpts: []gorums.ManagerOption{
		gorums.WithMetadata(metadata.MD{"Token": {"x"}, "gorums-batch-limit": {"10"}}),
		gorums.WithPerNodeMetadata(func(uint32) metadata.MD { return metadata.MD{"Node-Name": {"one"}, "gorums-batch": {"7"}} }),
	}})
	ctx := testCtx(t)
	if _, err := c.cfg.QuorumCall(ctx, &Request{Value: "md", Seq: 1}); err != nil {
		t.Fatal(err)
	}
	arrivals := c.srvs[0].Arrivals()
	if len(arrivals) != 1 {
		t.Fatalf("%d arrivals", len(arrivals))
	}
	md := arrivals[0].MD
	if got := md.Get("token"); len(got) != 1 || got[0] != "x" {
		t.Errorf("token = %q, want [x]", got)
	}
	if got := md.Get("node-name"); len(got) != 1 || got[0] != "one" {
		t.Errorf("node-name = %q, want [one]", got)
	}
	if got := md.Get("gorums-batch-limit"); slices.Contains(got, "10") {
		t.Errorf("gorums-batch-limit = %q: the user's value was sent", got)
	}
	if got := md.Get("gorums-batch"); slices.Contains(got, "7") {
		t.Errorf("gorums-batch = %q: the user's value was sent", got)
	}
}

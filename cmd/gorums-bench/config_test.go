package main

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quorumcall/gorums/benchmark"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, c config)
	}{
		{"defaults", nil, func(t *testing.T, c config) {
			if !slices.Equal(c.benches, benchmark.Benchmarks) || !slices.Equal(c.baselines, benchmark.Baselines) {
				t.Errorf("benches %v, baselines %v: want all", c.benches, c.baselines)
			}
			if !slices.Equal(c.servers, []int{3}) || !slices.Equal(c.callers, []int{1}) || c.quorumFor(3) != 2 {
				t.Errorf("servers %v, callers %v, quorum %d", c.servers, c.callers, c.quorumFor(3))
			}
			if c.payload != 100 || c.reps != 3 || c.duration != time.Second || c.format != formatTable || c.remote() || c.noBatching || c.dynWindow {
				t.Errorf("unexpected defaults %+v", c)
			}
		}},
		{"the README's matrix", []string{"-bench", "qc", "-servers", "3,5,9", "-callers", "1,16", "-payload", "100", "-reps", "3"}, func(t *testing.T, c config) {
			if !slices.Equal(c.servers, []int{3, 5, 9}) || !slices.Equal(c.callers, []int{1, 16}) || len(c.benches) != 1 {
				t.Errorf("servers %v, callers %v, benches %v", c.servers, c.callers, c.benches)
			}
			if c.quorumFor(3) != 2 || c.quorumFor(5) != 3 || c.quorumFor(9) != 5 {
				t.Error("quorum 0 must be a majority of each server count")
			}
		}},
		{"fixed quorum, spaces, duplicates of a benchmark", []string{"-quorum", "2", "-servers", "3, 4", "-bench", "qc, qc,slow", "-baselines", "none"}, func(t *testing.T, c config) {
			if c.quorumFor(3) != 2 || c.quorumFor(4) != 2 || len(c.benches) != 2 || len(c.baselines) != 0 {
				t.Errorf("%+v", c)
			}
		}},
		{"remotes default to every remote", []string{"-remotes", "a:1,b:2,c:3"}, func(t *testing.T, c config) {
			if !c.remote() || !slices.Equal(c.servers, []int{3}) {
				t.Errorf("remotes %v, servers %v", c.remotes, c.servers)
			}
		}},
		{"a prefix of the remotes", []string{"-remotes", "a:1,b:2,c:3", "-servers", "1,2"}, func(t *testing.T, c config) {
			if !slices.Equal(c.servers, []int{1, 2}) {
				t.Errorf("servers %v", c.servers)
			}
		}},
		{"Gorums' client options", []string{"-nobatch", "-dynwindow"}, func(t *testing.T, c config) {
			if !c.noBatching || !c.dynWindow {
				t.Errorf("%+v", c)
			}
		}},
		{"server mode", []string{"-server", ":0", "-q"}, func(t *testing.T, c config) {
			if c.serve != ":0" || !c.quiet {
				t.Errorf("%+v", c)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseConfigRejects(t *testing.T) {
	tests := []struct {
		args []string
		want string // in the error
	}{
		{[]string{"-servers", "0"}, "-servers: 0: want 1 to"},
		{[]string{"-servers", "3,x"}, `"x" is not a number`},
		{[]string{"-servers", "3,3"}, "3 given twice"},
		{[]string{"-servers", ""}, ""}, // empty means the default: accepted, see below
		{[]string{"-callers", ""}, "-callers: empty list"},
		{[]string{"-callers", "0"}, "-callers: 0"},
		{[]string{"-quorum", "4"}, "-quorum 4: want 0 (majority) or 1 to 3"},
		{[]string{"-quorum", "3", "-servers", "5,2"}, "1 to 2, the smallest"},
		{[]string{"-quorum", "-1"}, "-quorum -1"},
		{[]string{"-payload", "-1"}, "-payload -1"},
		{[]string{"-payload", "2000000"}, "-payload 2000000"},
		{[]string{"-window", "0"}, "-window 0"},
		{[]string{"-callers", "100,10000", "-window", "1000"}, "-callers 10000 with -window 1000: 10000000 calls in flight"},
		{[]string{"-callers", "10000", "-window", "1000", "-bench", "qc,slow"}, ""}, // no async: the window does not count
		{[]string{"-delay", "-1s"}, "-delay -1s"},
		{[]string{"-warmup", "-1s"}, "-warmup -1s"},
		{[]string{"-duration", "0s"}, "-duration 0s"},
		{[]string{"-reps", "0"}, "-reps 0"},
		{[]string{"-format", "xml"}, `-format "xml"`},
		{[]string{"-bench", "qc,paxos"}, `unknown benchmark "paxos"`},
		{[]string{"-bench", ""}, "-bench: no benchmark"},
		{[]string{"-baselines", "gorums"}, `unknown baseline "gorums"`},
		{[]string{"-baselines", ""}, `no baseline`},
		{[]string{"-baselines", "rest"}, `unknown baseline "rest"`},
		{[]string{"-remotes", "a:1,b"}, `-remotes: "b"`},
		{[]string{"-remotes", "a:1,a:1"}, `"a:1" given twice`},
		{[]string{"-remotes", "a:1,b:2", "-servers", "3"}, "there are 2 remotes"},
		{[]string{"-server", "localhost"}, `-server "localhost"`},
		{[]string{"-server", ":0", "-callers", "16"}, "it takes no -callers"},
		{[]string{"-server", ":0", "-remotes", "a:1"}, "it takes no -remotes"},
		{[]string{"extra"}, `unexpected arguments ["extra"]`},
		{[]string{"-nosuchflag"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := parseConfig(tt.args, io.Discard)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var out strings.Builder
	_, err := parseConfig([]string{"-h"}, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"-remotes", "-server host:port", "-servers 3,5,9 -callers 1,16", "-window"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, out.String())
		}
	}
}

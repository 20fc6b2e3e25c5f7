package gorums

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/quorumcall/gorums/configuration"
)

// Helpers that generated code calls to build configurations. They live here, not in the
// generated files, so that every service refuses a wrong option with the same clear error.

// ConfigOptions sorts the options given to a generated Manager.NewConfiguration of the named
// service: it returns the one node list option and, if QS (the service's QuorumSpec
// interface) has methods, the one QuorumSpec. It refuses, naming the option and the reason:
// a nil option; a second node list or QuorumSpec; a QuorumSpec that is a nil pointer (its
// quorum functions would panic at the first call); an option meant for NewManager, NewServer
// or a one-way call; and any other value, saying which methods of QS its type lacks or has
// with the wrong signature or a pointer receiver. A service without quorum methods has an
// empty QS: then any other value is taken as its QuorumSpec, and ignored, as in Gorums v0.7.
func ConfigOptions[QS any](service string, opts []ConfigOption) (NodeListOption, QS, error) {
	var (
		nodes    NodeListOption
		qspec    QS
		hasQSpec bool
		qsType   = reflect.TypeFor[QS]()
		needed   = qsType.NumMethod() > 0
	)
	fail := func(format string, args ...any) (NodeListOption, QS, error) {
		var zero QS
		return nil, zero, fmt.Errorf("gorums: NewConfiguration: "+format, args...)
	}
	for i, opt := range opts {
		switch v := opt.(type) {
		case nil:
			return fail("option %d is nil", i+1)
		case NodeListOption:
			if nodes != nil {
				return fail("more than one node list option")
			}
			nodes = v
		case ManagerOption:
			return fail("option %d is a manager option: pass it to NewManager", i+1)
		case ServerOption:
			return fail("option %d is a server option: pass it to NewServer", i+1)
		case CallOption:
			return fail("option %d is a call option: pass it to a unicast or multicast call", i+1)
		case QS:
			if hasQSpec {
				return fail("more than one QuorumSpec")
			}
			if needed && NilQuorumSpec(v) {
				return fail("option %d is a nil %T: a QuorumSpec must be a value whose quorum functions can run", i+1, opt)
			}
			qspec, hasQSpec = v, true
		default:
			return fail("%s", notImplemented(reflect.TypeOf(opt), qsType))
		}
	}
	if nodes == nil {
		return fail("no node list option (use gorums.WithNodeList, WithNodeMap, WithNodeIDs or a configuration's set algebra)")
	}
	if needed && !hasQSpec {
		return fail("missing QuorumSpec: the %s service has quorum methods", service)
	}
	return nodes, qspec, nil
}

// notImplemented says why a value of type t is neither a node list option nor a qs: the
// methods of qs that t lacks, has with another signature, or has only on *t.
func notImplemented(t, qs reflect.Type) string {
	var missing, pointer, wrong []string
	for i := range qs.NumMethod() {
		want := qs.Method(i)
		have, ok := t.MethodByName(want.Name)
		if !ok {
			if t.Kind() != reflect.Pointer {
				if _, ok := reflect.PointerTo(t).MethodByName(want.Name); ok {
					pointer = append(pointer, want.Name)
					continue
				}
			}
			missing = append(missing, want.Name)
			continue
		}
		if haveType := withoutReceiver(have.Type); haveType != want.Type {
			wrong = append(wrong, fmt.Sprintf("wrong type for method %s: have %s, want %s", want.Name, haveType, want.Type))
		}
	}
	if len(missing) == qs.NumMethod() {
		return fmt.Sprintf("%s is neither a node list option nor a %s", t, qs)
	}
	var why []string
	if len(missing) > 0 {
		why = append(why, "missing "+strings.Join(missing, ", "))
	}
	switch len(pointer) {
	case 0:
	case 1:
		why = append(why, fmt.Sprintf("method %s has a pointer receiver (pass a %s)", pointer[0], reflect.PointerTo(t)))
	default:
		why = append(why, fmt.Sprintf("methods %s have pointer receivers (pass a %s)", strings.Join(pointer, ", "), reflect.PointerTo(t)))
	}
	why = append(why, wrong...)
	return fmt.Sprintf("%s does not implement %s: %s", t, qs, strings.Join(why, "; "))
}

// withoutReceiver is the type of a method value: the method's function type without its
// receiver parameter.
func withoutReceiver(f reflect.Type) reflect.Type {
	in := make([]reflect.Type, 0, f.NumIn()-1)
	for i := 1; i < f.NumIn(); i++ {
		in = append(in, f.In(i))
	}
	out := make([]reflect.Type, 0, f.NumOut())
	for i := range f.NumOut() {
		out = append(out, f.Out(i))
	}
	return reflect.FuncOf(in, out, f.IsVariadic())
}

// NilQuorumSpec reports whether qspec is nil or holds a nil pointer, map, slice, channel or
// function, whose quorum functions could not run. Generated ConfigurationFromRaw calls it.
func NilQuorumSpec(qspec any) bool {
	if qspec == nil {
		return true
	}
	v := reflect.ValueOf(qspec)
	nillable := []reflect.Kind{reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface}
	return slices.Contains(nillable, v.Kind()) && v.IsNil()
}

// ErrNoQuorumSpec matches, with errors.Is, the error of a quorum call, asynchronous or
// correctable method of a configuration that has no QuorumSpec: one that a generated
// ConfigurationFromRaw made with a nil QuorumSpec.
var ErrNoQuorumSpec = errors.New("the configuration has no QuorumSpec (ConfigurationFromRaw was given nil)")

// NoQuorumSpec returns the error of the method (package.Service.Method) called on a
// configuration without a QuorumSpec. Generated code calls it; nothing is sent.
func NoQuorumSpec(method string) error {
	return fmt.Errorf("gorums: %s: %w", method, ErrNoQuorumSpec)
}

// FailedAsync returns a future that is done and whose Get returns err. Generated code calls it
// for an asynchronous call that fails before sending anything.
func FailedAsync[Out any](err error) *Async[Out] { return configuration.FailedAsync[Out](err) }

// FailedCorrectable returns a correctable handle that is done and whose Get returns err at
// level 0. Generated code calls it for a correctable call that fails before sending anything.
func FailedCorrectable[Out any](err error) *Correctable[Out] {
	return configuration.FailedCorrectable[Out](err)
}

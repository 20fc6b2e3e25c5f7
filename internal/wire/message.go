package wire

import (
	"errors"
	"fmt"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// Field numbers of the Metadata and MetadataEntry messages.
const (
	fieldMessageID = 1
	fieldMethod    = 2
	fieldStatus    = 3
	fieldEntry     = 4
	fieldKey       = 1
	fieldValue     = 2
)

// Entry is one key/value pair of per-message metadata.
type Entry struct {
	Key   string
	Value string
}

// Message is one NodeStream message: the envelope's metadata and the application payload,
// still encoded.
type Message struct {
	MessageID uint64
	Method    string
	Status    *spb.Status // set on replies to requests that failed
	Entries   []Entry
	Payload   []byte
	// DecodeErr is the error of the Decode that filled this message, kept so that a receive
	// loop can tell a malformed message from a broken stream after gRPC has wrapped the error.
	DecodeErr error
	// MethodOf, if set, turns the method name's bytes into Method. A receiver that knows the
	// names to expect returns its own copy, so that decoding allocates no string per message;
	// one that has no use for the name returns "". Decode keeps it.
	MethodOf func(name []byte) string

	// AcceptBatches lets Codec.Unmarshal take a batch of envelopes (batch.go): the message
	// then holds the first, and Next decodes the others. Set it on a receiver whose peer was
	// told that it may send batches.
	AcceptBatches bool
	// Batched reports that the envelope came in a batch: its sender had other messages in
	// flight, so a reply to it may wait to gather with theirs.
	Batched bool

	// held is the gRPC buffer Payload aliases, for a message filled by Codec.Unmarshal; it
	// goes back to gRPC's pool once the message's last envelope is released.
	held mem.Buffer
	rest []byte // the envelopes of the batch not yet decoded
}

// Release gives back the buffer that a message received through Codec.Unmarshal decodes from,
// so gRPC can reuse it: a receive loop calls it once it is done with Payload, which is nil
// afterwards. Every other field stays valid (they are copies). For a batch, the buffer goes
// back with the last envelope's Release. Releasing a message that holds no buffer does
// nothing; Codec.Unmarshal releases what the message held before.
func (m *Message) Release() {
	m.Payload = nil
	if m.held != nil && len(m.rest) == 0 {
		m.held.Free()
		m.held = nil
	}
}

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("wire: malformed message")

// Encode returns the framed encoding of an envelope around msg, allocating once. A nil msg
// is an empty payload.
func Encode(id uint64, method string, st *spb.Status, entries []Entry, msg proto.Message) ([]byte, error) {
	return AppendEncode(nil, id, method, st, entries, msg)
}

// AppendEncode is Encode into dst's spare capacity if it suffices (no allocation), else into a
// new buffer. It returns the frame, which starts at dst[len(dst)].
func AppendEncode(dst []byte, id uint64, method string, st *spb.Status, entries []Entry, msg proto.Message) ([]byte, error) {
	e, err := newEnvelope(id, method, st, entries, msg)
	if err != nil {
		return nil, err
	}
	buf := dst[len(dst):]
	if cap(buf) < e.size {
		buf = make([]byte, 0, e.size)
	}
	return e.append(buf)
}

// envelope is an envelope being encoded: its parts and their sizes, measured once.
type envelope struct {
	id          uint64
	method      string
	statusBytes []byte
	entries     []Entry
	msg         proto.Message
	metaLen     int
	payloadLen  int
	size        int // of the whole frame
}

func newEnvelope(id uint64, method string, st *spb.Status, entries []Entry, msg proto.Message) (envelope, error) {
	e := envelope{id: id, method: method, entries: entries, msg: msg}
	if st != nil {
		b, err := proto.Marshal(st)
		if err != nil {
			return envelope{}, fmt.Errorf("wire: encode status: %w", err)
		}
		e.statusBytes = nonNil(b)
	}
	e.metaLen = metadataSize(id, method, e.statusBytes, entries)
	if msg != nil {
		e.payloadLen = proto.Size(msg)
	}
	e.size = protowire.SizeVarint(uint64(e.metaLen)) + e.metaLen + protowire.SizeVarint(uint64(e.payloadLen)) + e.payloadLen
	return e, nil
}

// append appends the frame to buf, which has room for it.
func (e *envelope) append(buf []byte) ([]byte, error) {
	buf = protowire.AppendVarint(buf, uint64(e.metaLen))
	buf = appendMetadata(buf, e.id, e.method, e.statusBytes, e.entries)
	buf = protowire.AppendVarint(buf, uint64(e.payloadLen))
	if e.msg != nil {
		var err error
		// UseCachedSize: newEnvelope has just computed and cached the sizes.
		buf, err = proto.MarshalOptions{UseCachedSize: true}.MarshalAppend(buf, e.msg)
		if err != nil {
			return nil, fmt.Errorf("wire: encode payload: %w", err)
		}
	}
	return buf, nil
}

// AppendMessage appends the framed encoding of m (whose payload is already encoded).
func AppendMessage(buf []byte, m *Message) ([]byte, error) {
	var statusBytes []byte
	if m.Status != nil {
		var err error
		if statusBytes, err = proto.Marshal(m.Status); err != nil {
			return nil, fmt.Errorf("wire: encode status: %w", err)
		}
		statusBytes = nonNil(statusBytes)
	}
	metaLen := metadataSize(m.MessageID, m.Method, statusBytes, m.Entries)
	buf = protowire.AppendVarint(buf, uint64(metaLen))
	buf = appendMetadata(buf, m.MessageID, m.Method, statusBytes, m.Entries)
	buf = protowire.AppendVarint(buf, uint64(len(m.Payload)))
	return append(buf, m.Payload...), nil
}

// nonNil keeps an empty status distinct from no status: a nil slice means "no Status field".
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func metadataSize(id uint64, method string, statusBytes []byte, entries []Entry) int {
	n := 0
	if id != 0 {
		n += protowire.SizeTag(fieldMessageID) + protowire.SizeVarint(id)
	}
	if method != "" {
		n += protowire.SizeTag(fieldMethod) + protowire.SizeBytes(len(method))
	}
	if statusBytes != nil {
		n += protowire.SizeTag(fieldStatus) + protowire.SizeBytes(len(statusBytes))
	}
	for _, e := range entries {
		n += protowire.SizeTag(fieldEntry) + protowire.SizeBytes(entrySize(e))
	}
	return n
}

func entrySize(e Entry) int {
	n := 0
	if e.Key != "" {
		n += protowire.SizeTag(fieldKey) + protowire.SizeBytes(len(e.Key))
	}
	if e.Value != "" {
		n += protowire.SizeTag(fieldValue) + protowire.SizeBytes(len(e.Value))
	}
	return n
}

func appendMetadata(b []byte, id uint64, method string, statusBytes []byte, entries []Entry) []byte {
	if id != 0 {
		b = protowire.AppendTag(b, fieldMessageID, protowire.VarintType)
		b = protowire.AppendVarint(b, id)
	}
	if method != "" {
		b = protowire.AppendTag(b, fieldMethod, protowire.BytesType)
		b = protowire.AppendString(b, method)
	}
	if statusBytes != nil {
		b = protowire.AppendTag(b, fieldStatus, protowire.BytesType)
		b = protowire.AppendBytes(b, statusBytes)
	}
	for _, e := range entries {
		b = protowire.AppendTag(b, fieldEntry, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(entrySize(e)))
		if e.Key != "" {
			b = protowire.AppendTag(b, fieldKey, protowire.BytesType)
			b = protowire.AppendString(b, e.Key)
		}
		if e.Value != "" {
			b = protowire.AppendTag(b, fieldValue, protowire.BytesType)
			b = protowire.AppendString(b, e.Value)
		}
	}
	return b
}

// Decode parses a framed message into m, replacing its contents. m.Payload aliases b.
func (m *Message) Decode(b []byte) error {
	*m = Message{MethodOf: m.MethodOf, AcceptBatches: m.AcceptBatches}
	return m.decodeEnvelope(b)
}

// decodeEnvelope decodes one envelope into m's envelope fields, keeping the rest of m.
func (m *Message) decodeEnvelope(b []byte) error {
	m.MessageID, m.Method, m.Status, m.Entries, m.Payload = 0, "", nil, nil, nil
	err := m.decode(b)
	m.DecodeErr = err
	return err
}

// Drop releases m's buffer at once, with the envelopes of its batch not yet taken with Next.
func (m *Message) Drop() {
	m.rest = nil
	m.Release()
}

// Next decodes the next envelope of the batch m came in, if there is one left, and reports
// whether there was. A malformed rest of a batch is reported in DecodeErr.
func (m *Message) Next() bool {
	if len(m.rest) == 0 {
		return false
	}
	env, rest, err := SplitBatch(m.rest)
	if err != nil {
		m.rest = nil
		m.MessageID, m.Method, m.Status, m.Entries, m.Payload = 0, "", nil, nil, nil
		m.DecodeErr = err
		return true
	}
	m.rest = rest
	_ = m.decodeEnvelope(env)
	return true
}

// decodeReceived decodes a gRPC message of the NodeStream into m: a single envelope, or, if m
// accepts batches, the first envelope of a batch (Next gives the others).
func (m *Message) decodeReceived(b []byte) {
	*m = Message{MethodOf: m.MethodOf, AcceptBatches: m.AcceptBatches}
	if !m.AcceptBatches || !IsBatch(b) {
		_ = m.decodeEnvelope(b)
		return
	}
	m.rest, m.Batched = b[1:], true
	if !m.Next() {
		m.DecodeErr = fmt.Errorf("%w: empty batch", ErrMalformed)
	}
}

func (m *Message) decode(b []byte) error {
	meta, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return fmt.Errorf("%w: metadata length: %v", ErrMalformed, protowire.ParseError(n))
	}
	b = b[n:]
	payload, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return fmt.Errorf("%w: payload length: %v", ErrMalformed, protowire.ParseError(n))
	}
	if n != len(b) {
		return fmt.Errorf("%w: %d trailing bytes after the payload", ErrMalformed, len(b)-n)
	}
	m.Payload = payload
	return m.decodeMetadata(meta)
}

func (m *Message) decodeMetadata(b []byte) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: metadata tag: %v", ErrMalformed, protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case num == fieldMessageID && typ == protowire.VarintType:
			m.MessageID, n = protowire.ConsumeVarint(b)
		case num == fieldMethod && typ == protowire.BytesType:
			var v []byte
			v, n = protowire.ConsumeBytes(b)
			if m.MethodOf != nil {
				m.Method = m.MethodOf(v)
			} else {
				m.Method = string(v)
			}
		case num == fieldStatus && typ == protowire.BytesType:
			var v []byte
			if v, n = protowire.ConsumeBytes(b); n >= 0 {
				st := new(spb.Status)
				if err := proto.Unmarshal(v, st); err != nil {
					return fmt.Errorf("%w: status: %v", ErrMalformed, err)
				}
				m.Status = st
			}
		case num == fieldEntry && typ == protowire.BytesType:
			var v []byte
			if v, n = protowire.ConsumeBytes(b); n >= 0 {
				e, err := decodeEntry(v)
				if err != nil {
					return err
				}
				m.Entries = append(m.Entries, e)
			}
		case num == fieldMessageID || num == fieldMethod || num == fieldStatus || num == fieldEntry:
			return fmt.Errorf("%w: metadata field %d has wire type %d", ErrMalformed, num, typ)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b) // unknown fields are skipped, as protobuf does
		}
		if n < 0 {
			return fmt.Errorf("%w: metadata field %d: %v", ErrMalformed, num, protowire.ParseError(n))
		}
		b = b[n:]
	}
	return nil
}

func decodeEntry(b []byte) (Entry, error) {
	var e Entry
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return e, fmt.Errorf("%w: metadata entry tag: %v", ErrMalformed, protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case (num == fieldKey || num == fieldValue) && typ == protowire.BytesType:
			var v []byte
			v, n = protowire.ConsumeBytes(b)
			if num == fieldKey {
				e.Key = string(v)
			} else {
				e.Value = string(v)
			}
		case num == fieldKey || num == fieldValue:
			return e, fmt.Errorf("%w: metadata entry field %d has wire type %d", ErrMalformed, num, typ)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return e, fmt.Errorf("%w: metadata entry field %d: %v", ErrMalformed, num, protowire.ParseError(n))
		}
		b = b[n:]
	}
	return e, nil
}

// Package messaging is Consign's transport: the durable, ordered pipe that
// carries sealed document shards, manifests and app-to-app messages from one
// member node to another.
//
// # Contract
//
// A Transport moves Messages (topic, key, value, headers) through topics that
// are split into partitions. Every implementation honours the same contract,
// checked by the conformance suite in package messagingtest:
//
//   - Send returns nil only once every message has been durably accepted by
//     the broker (acks from all in-sync replicas, idempotent producer). A
//     message whose Send returned nil is never lost, even if the sending
//     process is killed immediately afterwards.
//   - Delivery is at least once. A consumer group's position in a partition
//     advances only after the Handler returned nil for a message; a message
//     whose handler failed, or whose handler was still running when the
//     consumer stopped or crashed, is delivered again: by the same consumer
//     after a backoff, or by the next consumer of the group.
//   - Order is kept per key. Messages with the same key land in the same
//     partition and are handed to the Handler one at a time, in the order
//     Send accepted them. A failing message blocks the ones behind it in its
//     partition until it succeeds; nothing is ever skipped silently.
//   - Several consumers in one group share a topic's partitions; each
//     partition is processed by one of them at a time.
//
// Duplicates are possible (a handler that succeeded just before a crash runs
// again), so handlers must be idempotent, which Consign's are: shards and
// messages carry identifiers and a second copy is recognised and dropped.
//
// # Holding a message uncommitted
//
// A Handler may block for as long as it needs, for example until a socket.io
// client that asked for manual commits sends its commit. While it blocks,
// later messages of the same partition wait behind it, which is exactly the
// "deliver, wait for commit, deliver the next" behaviour such clients expect.
// If the client disconnects, the handler returns an error (or its context
// is cancelled when the consumer stops), the message stays uncommitted, and
// the next consumer in the group (the reconnected client) receives it again.
// A handler must return promptly once its context is done: the context is
// cancelled when the consumer stops or when its partition moves to another
// group member.
//
// # Sizes
//
// Values are bounded: documents travel as shards of at most MaxShardSize
// bytes of content (see Shards), and a sealed shard plus its envelope must
// fit in MaxValueSize. Send refuses a larger value with ErrTooLarge before
// anything reaches the broker; there is no transparent splitting, because
// the document layer already shards and signs each piece.
//
// # Topics
//
// Topics are created explicitly with EnsureTopic; brokers used by Consign run
// with automatic topic creation disabled, and Send or Consume on a topic that
// does not exist fails with ErrUnknownTopic. See docs/messaging.md for how
// node inboxes map onto topics and keys.
package messaging

import (
	"context"
	"fmt"

	"github.com/consign/consign/internal/errkind"
)

// Size limits.
const (
	// MaxShardSize is the largest piece of document content that travels in
	// one message. Shards helps producers cut a stream to this size.
	MaxShardSize = 256 << 10
	// MaxValueSize is the largest value Send accepts: one shard plus room
	// for encryption and signature overhead.
	MaxValueSize = MaxShardSize + 32<<10
	// MaxHeadersSize bounds the total size of a message's header keys and
	// values.
	MaxHeadersSize = 16 << 10
	// MaxTopicLen is Kafka's limit on topic names.
	MaxTopicLen = 249
)

// Sentinel errors. Implementations wrap them with an operation prefix; test
// with errors.Is.
var (
	// ErrTooLarge is returned when a message's value or headers exceed the limits above.
	ErrTooLarge = errkind.New(errkind.TooLarge, "message too large")
	// ErrUnknownTopic means the topic does not exist; create it with EnsureTopic.
	ErrUnknownTopic = errkind.New(errkind.NotFound, "unknown topic")
	// ErrBadTopic is returned for a topic name that is empty, too long or has characters other
	// than ASCII letters, digits, '.', '_' and '-'.
	ErrBadTopic = errkind.New(errkind.Invalid, "invalid topic name")
	// ErrBadGroup is returned for an empty consumer group name.
	ErrBadGroup = errkind.New(errkind.Invalid, "invalid consumer group")
	// ErrClosed is returned once the transport is closed.
	ErrClosed = errkind.New(errkind.Unavailable, "transport closed")
)

// Header is one message header. Keys may repeat; order is preserved.
type Header struct {
	Key   string
	Value []byte
}

// Message is what Send accepts.
type Message struct {
	Topic   string
	Key     string // messages with equal keys keep their order
	Value   []byte // at most MaxValueSize bytes
	Headers []Header
}

// Header returns the value of the first header named key, and whether one
// was present.
func (m *Message) Header(key string) ([]byte, bool) {
	for _, h := range m.Headers {
		if h.Key == key {
			return h.Value, true
		}
	}
	return nil, false
}

// Validate checks the topic name and the size limits. It is what Send calls
// before anything reaches the broker.
func (m *Message) Validate() error {
	if err := ValidateTopic(m.Topic); err != nil {
		return err
	}
	if len(m.Value) > MaxValueSize {
		return fmt.Errorf("value of %d bytes exceeds %d: %w", len(m.Value), MaxValueSize, ErrTooLarge)
	}
	n := 0
	for _, h := range m.Headers {
		n += len(h.Key) + len(h.Value)
	}
	if n > MaxHeadersSize {
		return fmt.Errorf("headers of %d bytes exceed %d: %w", n, MaxHeadersSize, ErrTooLarge)
	}
	return nil
}

// ValidateTopic reports whether name is a legal topic name.
func ValidateTopic(name string) error {
	if name == "" || len(name) > MaxTopicLen || name == "." || name == ".." {
		return fmt.Errorf("%q: %w", name, ErrBadTopic)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return fmt.Errorf("%q: character %q not allowed: %w", name, c, ErrBadTopic)
		}
	}
	return nil
}

// Delivery is one received message.
type Delivery struct {
	Message
	Partition int32
	Offset    int64
	// Attempt counts deliveries of this message to this consumer, from 1.
	// It restarts at 1 in a new consumer.
	Attempt int
}

// Handler processes one delivery. Returning nil lets the consumer commit the
// message; returning an error makes the consumer deliver it again after a
// backoff. The context is cancelled when the consumer stops or the
// partition is taken away; the handler must then return promptly.
type Handler func(ctx context.Context, d Delivery) error

// Transport is the messaging backend. Implementations are safe for
// concurrent use.
type Transport interface {
	// EnsureTopic creates topic with the given number of partitions if it
	// does not exist yet, and waits until it can be used. An existing topic
	// is left as it is (its partition count is not changed).
	EnsureTopic(ctx context.Context, topic string, partitions int32) error

	// Send writes msgs and returns nil once all of them are durably
	// accepted. Invalid messages (see Message.Validate) fail the whole call
	// before anything is written. On any other error some of the messages
	// may have been written; sending them again is safe because delivery is
	// at least once anyway. A topic that does not exist gives an error
	// wrapping ErrUnknownTopic.
	Send(ctx context.Context, msgs ...Message) error

	// Consume joins consumer group and hands every message of topics to h,
	// following the contract in the package comment. It blocks until ctx is
	// done, then waits for running handlers to return, commits what they
	// finished, leaves the group and returns ctx.Err(). Other errors (a
	// topic that does not exist wraps ErrUnknownTopic) end it earlier.
	// A new group starts at the earliest retained message.
	Consume(ctx context.Context, group string, topics []string, h Handler) error

	// Close releases the transport's connections. Running Consume calls
	// should be stopped first through their contexts.
	Close() error
}

// ConsumeOptions tune one Consume call: how far its consumer reads ahead
// of the handler. The zero value (and any zero field) keeps the
// transport's defaults. Pass them with WithConsumeOptions on the context
// given to Consume; a transport without such knobs ignores them.
type ConsumeOptions struct {
	// ReadAhead is how many records per partition may wait for the
	// handler before fetching pauses (Kafka: MaxBuffered).
	ReadAhead int
	// BatchBytes caps what one fetch brings per partition, in bytes, and
	// the bytes that may wait per partition (a record larger than this
	// still comes, alone).
	BatchBytes int
}

type consumeOptionsKey struct{}

// WithConsumeOptions returns ctx carrying o for Consume.
func WithConsumeOptions(ctx context.Context, o ConsumeOptions) context.Context {
	return context.WithValue(ctx, consumeOptionsKey{}, o)
}

// ConsumeOptionsFrom returns the options ctx carries (zero if none).
func ConsumeOptionsFrom(ctx context.Context) ConsumeOptions {
	o, _ := ctx.Value(consumeOptionsKey{}).(ConsumeOptions)
	return o
}

// Package kafka implements messaging.Transport on Apache Kafka (or anything
// that speaks its protocol, such as the embedded kfake broker) with
// github.com/twmb/franz-go.
//
// Producing uses one shared client with the idempotent producer and acks from
// all in-sync replicas, so Send returning nil means the broker has the
// records durably and a retried batch is never written twice. Keys are
// hashed to partitions the way the Java client does, which keeps per-key
// order.
//
// Each Consume call runs its own consumer-group client. Records are handed
// to one worker goroutine per assigned partition, which calls the handler
// for one record at a time and retries a failing record with exponential
// backoff until it succeeds or the partition is taken away. Only then is
// the record marked, and only marked offsets are ever committed (franz-go's
// AutoCommitMarks, plus an explicit commit right after each success so that
// a consumer that stops soon after does not see the record again). Polling
// blocks rebalances (BlockRebalanceOnPoll) just long enough to queue the
// polled records, so a record is never queued for a partition the consumer
// no longer owns. When partitions are revoked, their workers are cancelled
// and waited for, and the marked offsets are committed before the partitions
// move. A partition whose queue grows past MaxBuffered records is paused
// until its worker catches up, which keeps memory bounded while a handler is
// slow or holding a message for a manual commit. A worker whose queue has
// stayed empty for WorkerIdle ends, so a consumer of many partitions keeps
// goroutines only for the partitions that are busy; the next record for
// that partition starts a new one. messaging.ConsumeOptions
// on a Consume call's context lower MaxBuffered and the fetch size (4 MiB)
// for that call.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/consign/consign/messaging"
)

// Config configures a Transport. Brokers is required; every other zero
// value picks the documented default.
type Config struct {
	// Brokers are the seed brokers, host:port.
	Brokers []string
	// ClientID names this client in broker logs. Default "consign".
	ClientID string
	// MinRetryBackoff and MaxRetryBackoff bound the wait before a failed
	// handler is called again with the same message; the wait doubles from
	// the minimum up to the maximum. Defaults 100ms and 10s.
	MinRetryBackoff, MaxRetryBackoff time.Duration
	// MaxBuffered is how many fetched records may wait per partition
	// before fetching of that partition pauses. Default 256.
	MaxBuffered int
	// MaxBufferedBytes is how many bytes of fetched values may wait per
	// partition before fetching of that partition pauses. Default 4 MiB.
	// Fetch requests are also capped (4 MiB per request, 1 MiB per
	// partition) so that a consumer's memory stays in the tens of MB.
	MaxBufferedBytes int
	// WorkerIdle is how long a partition's worker goroutine waits for a
	// new record before it ends. Default 30s.
	WorkerIdle time.Duration
	// Opts are extra franz-go options (TLS, SASL, logging...) applied to
	// every client after Consign's own, so they can override them.
	Opts []kgo.Opt
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	if len(c.Brokers) == 0 {
		return errors.New("messaging/kafka: config: Brokers is empty: give at least one host:port")
	}
	for _, b := range c.Brokers {
		if b == "" {
			return errors.New("messaging/kafka: config: Brokers contains an empty address")
		}
	}
	if c.MinRetryBackoff < 0 || c.MaxRetryBackoff < 0 {
		return errors.New("messaging/kafka: config: retry backoffs must not be negative")
	}
	if c.MinRetryBackoff > 0 && c.MaxRetryBackoff > 0 && c.MinRetryBackoff > c.MaxRetryBackoff {
		return errors.New("messaging/kafka: config: MinRetryBackoff exceeds MaxRetryBackoff")
	}
	if c.MaxBuffered < 0 || c.MaxBufferedBytes < 0 {
		return errors.New("messaging/kafka: config: MaxBuffered and MaxBufferedBytes must not be negative")
	}
	if c.WorkerIdle < 0 {
		return errors.New("messaging/kafka: config: WorkerIdle must not be negative")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.ClientID == "" {
		c.ClientID = "consign"
	}
	if c.MinRetryBackoff == 0 {
		c.MinRetryBackoff = 100 * time.Millisecond
	}
	if c.MaxRetryBackoff == 0 {
		c.MaxRetryBackoff = 10 * time.Second
	}
	if c.MaxRetryBackoff < c.MinRetryBackoff {
		c.MaxRetryBackoff = c.MinRetryBackoff
	}
	if c.MaxBuffered == 0 {
		c.MaxBuffered = 256
	}
	if c.MaxBufferedBytes == 0 {
		c.MaxBufferedBytes = 4 << 20
	}
	if c.WorkerIdle == 0 {
		c.WorkerIdle = 30 * time.Second
	}
	return c
}

// Transport is a messaging.Transport on Kafka.
type Transport struct {
	cfg    Config
	prod   *kgo.Client
	adm    *kadm.Client
	closed atomic.Bool
	// workers counts the partition workers running in every Consume call.
	workers atomic.Int64
}

var _ messaging.Transport = (*Transport)(nil)

// New connects lazily to the brokers in cfg; no request is made until the
// first call.
func New(cfg Config) (*Transport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	opts := append(baseOpts(cfg),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchMaxBytes(1<<20),
		// What Consign sends is sealed (ciphertext does not compress);
		// compressing batches would only spend CPU.
		kgo.ProducerBatchCompression(kgo.NoCompression()),
	)
	opts = append(opts, cfg.Opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("messaging/kafka: new client: %w", err)
	}
	return &Transport{cfg: cfg, prod: cl, adm: kadm.NewClient(cl)}, nil
}

func baseOpts(cfg Config) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ClientID(cfg.ClientID),
		// A consumer pauses a partition while its worker is behind; the
		// fetch already waiting at the broker does not include it again
		// until it returns, which with franz-go's 5 s default stalled a
		// burst of a few thousand messages on one key for tens of seconds.
		kgo.FetchMaxWait(fetchMaxWait),
		// A node killed without leaving its group holds its partitions
		// for the session timeout; franz-go's default is 45 s.
		kgo.SessionTimeout(sessionTimeout),
	}
}

// Defaults applied before Config.Opts, which may override them.
const (
	fetchMaxWait   = 50 * time.Millisecond
	sessionTimeout = 10 * time.Second
)

// Workers reports how many partition worker goroutines are running across
// this Transport's Consume calls: at most one per owned partition that has
// had a record within WorkerIdle.
func (t *Transport) Workers() int { return int(t.workers.Load()) }

// Close closes the producer and admin connections.
func (t *Transport) Close() error {
	if t.closed.Swap(true) {
		return nil
	}
	t.prod.Close()
	return nil
}

// EnsureTopic implements messaging.Transport.
func (t *Transport) EnsureTopic(ctx context.Context, topic string, partitions int32) error {
	if t.closed.Load() {
		return fmt.Errorf("messaging/kafka: ensure topic %q: %w", topic, messaging.ErrClosed)
	}
	if err := messaging.ValidateTopic(topic); err != nil {
		return fmt.Errorf("messaging/kafka: ensure topic: %w", err)
	}
	if partitions < 1 || partitions > 10000 {
		return fmt.Errorf("messaging/kafka: ensure topic %q: partitions must be between 1 and 10000, got %d", topic, partitions)
	}
	resp, err := t.adm.CreateTopic(ctx, partitions, -1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("messaging/kafka: ensure topic %q: %w", topic, err)
	}
	// Wait until every partition has a leader, so that the first Send and
	// Consume do not race the topic's creation.
	wait := 20 * time.Millisecond
	for {
		details, err := t.adm.ListTopics(ctx, topic)
		if err == nil {
			if d, ok := details[topic]; ok && d.Err == nil && len(d.Partitions) > 0 && ready(d) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("messaging/kafka: ensure topic %q: waiting for leaders: %w", topic, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

func ready(d kadm.TopicDetail) bool {
	for _, p := range d.Partitions {
		if p.Err != nil || p.Leader < 0 {
			return false
		}
	}
	return true
}

// Send implements messaging.Transport.
func (t *Transport) Send(ctx context.Context, msgs ...messaging.Message) error {
	if t.closed.Load() {
		return fmt.Errorf("messaging/kafka: send: %w", messaging.ErrClosed)
	}
	if len(msgs) == 0 {
		return nil
	}
	recs := make([]*kgo.Record, len(msgs))
	for i := range msgs {
		m := &msgs[i]
		if err := m.Validate(); err != nil {
			return fmt.Errorf("messaging/kafka: send to %q: %w", m.Topic, err)
		}
		r := &kgo.Record{Topic: m.Topic, Value: m.Value}
		if m.Key != "" {
			r.Key = []byte(m.Key)
		}
		if len(m.Headers) > 0 {
			r.Headers = make([]kgo.RecordHeader, len(m.Headers))
			for j, h := range m.Headers {
				r.Headers[j] = kgo.RecordHeader{Key: h.Key, Value: h.Value}
			}
		}
		recs[i] = r
	}
	for _, res := range t.prod.ProduceSync(ctx, recs...) {
		if res.Err != nil {
			return fmt.Errorf("messaging/kafka: send to %q: %w", res.Record.Topic, mapErr(res.Err))
		}
	}
	return nil
}

// mapErr adds the messaging sentinel matching a Kafka error, keeping the
// original in the chain.
func mapErr(err error) error {
	if errors.Is(err, kerr.UnknownTopicOrPartition) || errors.Is(err, kerr.UnknownTopicID) {
		return fmt.Errorf("%w: %w", messaging.ErrUnknownTopic, err)
	}
	if errors.Is(err, kerr.MessageTooLarge) || errors.Is(err, kerr.RecordListTooLarge) {
		return fmt.Errorf("%w: %w", messaging.ErrTooLarge, err)
	}
	return err
}

// checkTopics fails with ErrUnknownTopic if any topic does not exist.
func (t *Transport) checkTopics(ctx context.Context, topics []string) error {
	details, err := t.adm.ListTopics(ctx, topics...)
	if err != nil {
		return err
	}
	for _, name := range topics {
		d, ok := details[name]
		if !ok {
			return fmt.Errorf("%q: %w", name, messaging.ErrUnknownTopic)
		}
		if d.Err != nil {
			return fmt.Errorf("%q: %w", name, mapErr(d.Err))
		}
	}
	return nil
}

// Consume implements messaging.Transport.
func (t *Transport) Consume(ctx context.Context, group string, topics []string, h messaging.Handler) error {
	if t.closed.Load() {
		return fmt.Errorf("messaging/kafka: consume: %w", messaging.ErrClosed)
	}
	if group == "" {
		return fmt.Errorf("messaging/kafka: consume: %w", messaging.ErrBadGroup)
	}
	if len(topics) == 0 {
		return fmt.Errorf("messaging/kafka: consume group %q: no topics: %w", group, messaging.ErrBadTopic)
	}
	for _, tp := range topics {
		if err := messaging.ValidateTopic(tp); err != nil {
			return fmt.Errorf("messaging/kafka: consume group %q: %w", group, err)
		}
	}
	if h == nil {
		return fmt.Errorf("messaging/kafka: consume group %q: nil handler", group)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := t.checkTopics(ctx, topics); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("messaging/kafka: consume group %q: %w", group, err)
	}

	cfg, fetch := t.cfg, int32(4<<20)
	if o := messaging.ConsumeOptionsFrom(ctx); o.ReadAhead > 0 || o.BatchBytes > 0 {
		if o.ReadAhead > 0 {
			cfg.MaxBuffered = o.ReadAhead
		}
		if o.BatchBytes > 0 && o.BatchBytes < int(fetch) {
			fetch = int32(o.BatchBytes)
			cfg.MaxBufferedBytes = min(cfg.MaxBufferedBytes, o.BatchBytes)
		}
	}
	c := &consumer{
		cfg:     cfg,
		live:    &t.workers,
		h:       h,
		workers: make(map[tp]*worker),
		commit:  make(chan struct{}, 1),
	}
	opts := append(baseOpts(t.cfg),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.AutoCommitMarks(),
		kgo.AutoCommitInterval(time.Second),
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsRevoked(c.revoked),
		kgo.OnPartitionsLost(c.lost),
		kgo.FetchMaxBytes(fetch),
		kgo.FetchMaxPartitionBytes(fetch),
	)
	opts = append(opts, t.cfg.Opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("messaging/kafka: consume group %q: new client: %w", group, err)
	}
	c.cl = cl

	runCtx, stopRun := context.WithCancel(ctx)
	c.runCtx = runCtx
	committerDone := make(chan struct{})
	go func() {
		defer close(committerDone)
		c.committer(runCtx)
	}()

	for {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil || fetches.IsClientClosed() {
			cl.AllowRebalance()
			break
		}
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			if len(p.Records) > 0 {
				c.dispatch(p.Topic, p.Partition, p.Records)
			}
		})
		cl.AllowRebalance()
	}

	// Shut down: stop every worker (their handlers see ctx cancelled),
	// commit what they finished, then leave the group.
	stopRun()
	<-committerDone
	c.stopAll()
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	_ = cl.CommitMarkedOffsets(cctx) // best effort: what is not committed is redelivered
	cancel()
	cl.Close()
	return ctx.Err()
}

type tp struct {
	topic     string
	partition int32
}

type consumer struct {
	cfg    Config
	h      messaging.Handler
	cl     *kgo.Client
	runCtx context.Context

	live *atomic.Int64 // the Transport's count of running workers

	mu      sync.Mutex
	workers map[tp]*worker

	commit chan struct{}
}

type worker struct {
	key    tp
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	wake   chan struct{}

	mu     sync.Mutex
	queue  []*kgo.Record
	bytes  int // of values and keys in queue
	paused bool
}

// dispatch queues records for their partition's worker, starting one if
// needed. It runs while rebalancing is blocked, so the partition is owned.
// The records are queued before c.mu is released, so a worker that is
// about to end for idleness (which checks its queue under c.mu) either
// sees them or has already left the map and a new worker takes them.
func (c *consumer) dispatch(topic string, partition int32, recs []*kgo.Record) {
	key := tp{topic, partition}
	c.mu.Lock()
	w := c.workers[key]
	if w == nil {
		ctx, cancel := context.WithCancel(c.runCtx)
		w = &worker{key: key, ctx: ctx, cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1)}
		c.workers[key] = w
		c.live.Add(1)
		go c.run(w)
	}
	w.mu.Lock()
	c.mu.Unlock()
	w.queue = append(w.queue, recs...)
	for _, r := range recs {
		w.bytes += len(r.Key) + len(r.Value)
	}
	if (len(w.queue) >= c.cfg.MaxBuffered || w.bytes >= c.cfg.MaxBufferedBytes) && !w.paused {
		w.paused = true
		c.cl.PauseFetchPartitions(map[string][]int32{topic: {partition}})
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// take returns the queued records, waiting for some; nil once the worker
// is cancelled or has waited WorkerIdle for nothing and left the map.
func (c *consumer) take(w *worker) []*kgo.Record {
	idle := time.NewTimer(c.cfg.WorkerIdle)
	defer idle.Stop()
	for {
		w.mu.Lock()
		recs := w.queue
		w.queue = nil
		w.bytes = 0
		if w.paused {
			w.paused = false
			c.cl.ResumeFetchPartitions(map[string][]int32{w.key.topic: {w.key.partition}})
		}
		w.mu.Unlock()
		if len(recs) > 0 {
			return recs
		}
		select {
		case <-w.ctx.Done():
			return nil
		case <-w.wake:
		case <-idle.C:
			if c.retire(w) {
				return nil
			}
			idle.Reset(c.cfg.WorkerIdle)
		}
	}
}

// retire removes an idle worker from the map if its queue is still empty,
// reporting whether it did. Records reach a queue only through dispatch,
// which looks the worker up under c.mu, so once the worker has left the map
// nothing more is queued to it: the next records start a new worker.
func (c *consumer) retire(w *worker) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	w.mu.Lock()
	empty := len(w.queue) == 0
	w.mu.Unlock()
	if !empty {
		return false
	}
	if c.workers[w.key] == w {
		delete(c.workers, w.key)
	}
	return true
}

func (c *consumer) run(w *worker) {
	defer close(w.done)
	defer c.live.Add(-1)
	defer w.cancel() // releases the context of a worker that ended for idleness
	for {
		recs := c.take(w)
		if recs == nil {
			return
		}
		for _, r := range recs {
			if !c.handle(w.ctx, r) {
				return
			}
			c.cl.MarkCommitRecords(r)
			select {
			case c.commit <- struct{}{}:
			default:
			}
		}
	}
}

// handle calls the handler until it succeeds; false means ctx ended first.
func (c *consumer) handle(ctx context.Context, r *kgo.Record) bool {
	d := messaging.Delivery{
		Message: messaging.Message{
			Topic: r.Topic,
			Key:   string(r.Key),
			Value: r.Value,
		},
		Partition: r.Partition,
		Offset:    r.Offset,
	}
	if len(r.Headers) > 0 {
		d.Headers = make([]messaging.Header, len(r.Headers))
		for i, h := range r.Headers {
			d.Headers[i] = messaging.Header{Key: h.Key, Value: h.Value}
		}
	}
	backoff := c.cfg.MinRetryBackoff
	for attempt := 1; ; attempt++ {
		if ctx.Err() != nil {
			return false
		}
		d.Attempt = attempt
		if err := c.h(ctx, d); err == nil {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, c.cfg.MaxRetryBackoff)
	}
}

// committer commits marked offsets soon after handlers succeed.
func (c *consumer) committer(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.commit:
			_ = c.cl.CommitMarkedOffsets(ctx) // retried on the next success, at revoke and at shutdown
		}
	}
}

// stop cancels and waits for the workers of the given partitions.
func (c *consumer) stop(parts map[string][]int32) {
	var ws []*worker
	c.mu.Lock()
	for topic, ps := range parts {
		for _, p := range ps {
			if w := c.workers[tp{topic, p}]; w != nil {
				delete(c.workers, w.key)
				ws = append(ws, w)
			}
		}
	}
	c.mu.Unlock()
	c.wait(ws)
}

func (c *consumer) stopAll() {
	c.mu.Lock()
	ws := make([]*worker, 0, len(c.workers))
	for k, w := range c.workers {
		ws = append(ws, w)
		delete(c.workers, k)
	}
	c.mu.Unlock()
	c.wait(ws)
}

// wait cancels workers, waits for them, and resumes any partition they had
// paused so that a later owner (possibly this client again) fetches it.
func (c *consumer) wait(ws []*worker) {
	for _, w := range ws {
		w.cancel()
	}
	for _, w := range ws {
		<-w.done
		w.mu.Lock()
		if w.paused {
			w.paused = false
			c.cl.ResumeFetchPartitions(map[string][]int32{w.key.topic: {w.key.partition}})
		}
		w.mu.Unlock()
	}
}

func (c *consumer) revoked(ctx context.Context, cl *kgo.Client, parts map[string][]int32) {
	c.stop(parts)
	_ = cl.CommitMarkedOffsets(ctx) // what fails to commit is redelivered to the next owner
}

func (c *consumer) lost(_ context.Context, _ *kgo.Client, parts map[string][]int32) {
	c.stop(parts)
}

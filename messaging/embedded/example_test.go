package embedded_test

import (
	"context"
	"fmt"
	"os"

	"github.com/consign/consign/messaging"
	"github.com/consign/consign/messaging/embedded"
)

// Open the embedded broker, send a message to a node's inbox and receive
// it in a consumer group; the handler's nil return commits it.
func Example() {
	dir, _ := os.MkdirTemp("", "consign-example-")
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	b, err := embedded.Open(ctx, embedded.Config{Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()

	inbox, _ := messaging.InboxTopic("node1")
	if err := b.EnsureTopic(ctx, inbox, 4); err != nil {
		fmt.Println(err)
		return
	}
	err = b.Send(ctx, messaging.Message{
		Topic:   inbox,
		Key:     "app-a",
		Value:   []byte("hello"),
		Headers: []messaging.Header{{Key: messaging.HeaderTo, Value: []byte("app-a")}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = b.Consume(ctx, messaging.DestinationGroup("node1", "app-a"), []string{inbox}, func(_ context.Context, d messaging.Delivery) error {
		to, _ := d.Header(messaging.HeaderTo)
		fmt.Printf("%s for %s\n", d.Value, to)
		cancel() // stop after the first message
		return nil
	})
	fmt.Println(err)
	// Output:
	// hello for app-a
	// context canceled
}

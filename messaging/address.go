package messaging

import "fmt"

// Node inboxes. Every node receives on one topic, its inbox, named
// InboxTopic(node). Senders key each message by its destination (an app
// destination for app-to-app messages, the transfer id for document shards
// and their manifest), so everything for one destination keeps its order,
// and describe it in headers:
const (
	HeaderKind = "consign-kind" // "message", "shard", "manifest", "receipt"
	HeaderFrom = "consign-from" // sending node
	HeaderTo   = "consign-to"   // destination within the receiving node
	HeaderID   = "consign-id"   // unique id of the message, for dropping duplicates
)

// InboxTopic returns the inbox topic of node, or an error wrapping
// ErrBadTopic if node contains characters a topic name cannot hold.
func InboxTopic(node string) (string, error) {
	if node == "" {
		return "", fmt.Errorf("messaging: inbox of empty node name: %w", ErrBadTopic)
	}
	t := "consign-inbox-" + node
	if err := ValidateTopic(t); err != nil {
		return "", fmt.Errorf("messaging: inbox of node %q: %w", node, err)
	}
	return t, nil
}

// DestinationGroup returns the consumer group that delivers destination's
// messages from a node's inbox to its subscribers (the socket.io layer).
// Each destination has its own group, so a subscriber holding a message
// uncommitted delays only its own destination.
func DestinationGroup(node, destination string) string {
	return "consign-dest-" + node + "-" + destination
}

// NodeGroup returns the consumer group of node's receiving pipeline
// (documents and receipts).
func NodeGroup(node string) string { return "consign-node-" + node }

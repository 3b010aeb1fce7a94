package bufpool

import (
	"context"
	"testing"
	"time"
)

func TestPoolBoundsAndTrims(t *testing.T) {
	p := New(2, 1024)
	p.Begin()
	a, _ := p.Get(context.Background())
	b := p.TryGet()
	if len(a) != 1024 || len(b) != 1024 {
		t.Fatalf("buffer sizes %d, %d", len(a), len(b))
	}
	if p.TryGet() != nil {
		t.Fatal("a third buffer was handed out")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := p.Get(ctx); err == nil {
		t.Fatal("Get of a third buffer did not wait for ctx")
	}
	a[0] = 7
	p.Put(a)
	p.Put(b)
	if c := p.TryGet(); c[0] != 7 {
		t.Fatal("a free buffer was not reused while a transfer is active")
	} else {
		p.Put(c)
	}
	p.End()
	for range 2 {
		if c := <-p.free; c != nil {
			t.Fatal("End of the last transfer kept a buffer")
		}
		p.free <- nil
	}
}

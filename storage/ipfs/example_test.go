package ipfs_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/consign/consign/storage/ipfs"
)

// The CID of some bytes, as `ipfs add --cid-version=1` prints it.
func ExampleComputeCID() {
	c, size, err := ipfs.ComputeCID(context.Background(), strings.NewReader("hello consign\n"), ipfs.LayoutCIDv1)
	if err != nil {
		panic(err)
	}
	fmt.Println(c, size)
	fmt.Println(strings.Join(ipfs.Config{}.AddFlags(), " "))
	// Output:
	// bafkreicsiinvhpukza3g4h2bhlcdgt776qnzmzfw33pbrulv5dyibo4xae 14
	// --cid-version=1 --raw-leaves=true --chunker=size-262144 --trickle=false --hash=sha2-256
}

func ExampleNewEmbedded() {
	dir, _ := os.MkdirTemp("", "consign-ipfs-example")
	defer os.RemoveAll(dir)
	store, err := ipfs.NewEmbedded(ipfs.Config{Dir: dir})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	ctx := context.Background()
	obj, err := store.Put(ctx, "letters/hello.txt", strings.NewReader("hello consign\n"))
	if err != nil {
		panic(err)
	}
	fmt.Println(obj.Key, obj.Size, obj.Ref)
	rc, err := store.Get(ctx, "letters/hello.txt", 6, 7)
	if err != nil {
		panic(err)
	}
	defer rc.Close()
	part, _ := io.ReadAll(rc)
	fmt.Printf("%q\n", part)
	// Output:
	// letters/hello.txt 14 bafkreicsiinvhpukza3g4h2bhlcdgt776qnzmzfw33pbrulv5dyibo4xae
	// "consign"
}

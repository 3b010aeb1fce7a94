package docstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/consign/consign/docstore"
	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/storage/local"
)

// A member uploads a document, lists its folder and finds it by hash.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "docstore-example")
	defer os.RemoveAll(dir)
	backend, err := local.New(local.Config{Root: filepath.Join(dir, "docs"), CreateRoot: true})
	if err != nil {
		log.Fatal(err)
	}
	defer backend.Close()
	db, err := metadb.Open(ctx, metadb.Config{Path: filepath.Join(dir, "meta.db")})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, err := docstore.New(ctx, db, backend, docstore.Config{})
	if err != nil {
		log.Fatal(err)
	}

	space, _ := store.Space("org1")
	p, _ := docstore.ParsePath("/images/logo.txt")
	doc, err := space.Put(ctx, p, strings.NewReader("hello"), docstore.CreateOnly)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(doc.Path.Abs(), doc.Size, doc.Hash)

	folder, _ := docstore.ParsePath("/images")
	listing, _ := space.List(ctx, folder, 0, docstore.DefaultListLimit)
	for _, e := range listing.Entries {
		fmt.Println(e.Name, e.IsDir, e.Hash == doc.Hash)
	}
	found, _ := space.Search(ctx, doc.Hash, true)
	fmt.Println(len(found), found[0].Path)

	_, err = space.Put(ctx, p, strings.NewReader("again"), docstore.CreateOnly)
	fmt.Println(err)
	// Output:
	// /images/logo.txt 5 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824
	// logo.txt false true
	// 1 images/logo.txt
	// docstore: upload "images/logo.txt": already exists: a document is already stored at /images/logo.txt; use PUT to replace it
}

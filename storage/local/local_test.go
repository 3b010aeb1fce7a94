package local_test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing/iotest"
	"time"

	"testing"

	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/local"
	"github.com/consign/consign/storage/storagetest"
)

func newStore(t *testing.T) *local.Store {
	s, err := local.New(local.Config{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Backend { return newStore(t) })
}

func TestSymlinkOutsideRootRefused(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	s, err := local.New(local.Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if rc, err := s.Get(ctx, "link/secret", 0, -1); err == nil {
		rc.Close()
		t.Fatal("Get through a symlink leading outside the root succeeded")
	}
	if _, err := s.Put(ctx, "link/planted", strings.NewReader("x")); err == nil {
		t.Fatal("Put through a symlink leading outside the root succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "planted")); !os.IsNotExist(err) {
		t.Fatalf("a file appeared outside the root: %v", err)
	}
	page, err := s.List(ctx, storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Objects)+len(page.Prefixes) != 0 {
		t.Fatalf("List shows %+v", page)
	}
}

func TestReservedAndConflicts(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.Put(ctx, local.TempDir+"/x", strings.NewReader("x")); !errors.Is(err, storage.ErrInvalidKey) {
		t.Fatalf("Put into %s: %v, want ErrInvalidKey", local.TempDir, err)
	}
	if _, err := s.Put(ctx, "a/b", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "a", strings.NewReader("y")); err == nil {
		t.Fatal("Put over a folder succeeded")
	}
	if _, err := s.Put(ctx, "a/b/c", strings.NewReader("z")); err == nil {
		t.Fatal("Put below an object succeeded")
	}
	if _, err := s.Stat(ctx, "a/b/c"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Stat below an object: %v, want ErrNotFound", err)
	}
	rc, err := s.Get(ctx, "a/b", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "x" {
		t.Fatalf("a/b = %q after refused puts", got)
	}
}

func TestRefusedNamesListed(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "bad\\name"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "good"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := local.New(local.Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, err := s.List(context.Background(), storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Objects) != 1 || page.Objects[0].Key != "good" || len(page.Refused) != 1 || page.Refused[0] != "bad\\name" {
		t.Fatalf("List = %+v", page)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (local.Config{}).Validate(); err == nil {
		t.Fatal("empty config validated")
	}
	if _, err := local.New(local.Config{Root: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Fatal("New with a missing root succeeded")
	}
	if _, err := local.New(local.Config{Root: filepath.Join(t.TempDir(), "made"), CreateRoot: true}); err != nil {
		t.Fatalf("New with CreateRoot: %v", err)
	}
}

// TestFailedPutLeavesNoTempFile checks that failed and cancelled Puts
// remove their temporary files and the folders they created.
func TestFailedPutLeavesNoTempFile(t *testing.T) {
	root := t.TempDir()
	s, err := local.New(local.Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	r := io.MultiReader(strings.NewReader(strings.Repeat("x", 1<<20)), readerFunc(func([]byte) (int, error) {
		cancel()
		return 0, context.Canceled
	}))
	if _, err := s.Put(ctx, "deep/folder/doc", r); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Put: %v", err)
	}
	if _, err := s.Put(context.Background(), "x/y", iotest.ErrReader(errors.New("broken"))); err == nil {
		t.Fatal("Put from a broken reader succeeded")
	}
	tmp, err := os.ReadDir(filepath.Join(root, local.TempDir))
	if err != nil || len(tmp) != 0 {
		t.Fatalf("%s holds %v (%v)", local.TempDir, tmp, err)
	}
	all, _ := os.ReadDir(root)
	if len(all) != 1 {
		t.Fatalf("root holds %v, want only %s", all, local.TempDir)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestMove(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	put := func(key, content string) {
		t.Helper()
		if _, err := s.Put(ctx, key, strings.NewReader(content)); err != nil {
			t.Fatal(err)
		}
	}
	read := func(key string) string {
		t.Helper()
		rc, err := s.Get(ctx, key, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	put(".staging/a1", "first")
	put("docs/old.txt", "old")
	before, _ := s.Stat(ctx, ".staging/a1")

	// Into a new folder, and over an existing object.
	obj, err := s.Move(ctx, ".staging/a1", "in/box/doc.txt")
	if err != nil || obj.Key != "in/box/doc.txt" || obj.Size != 5 || !obj.ModTime.Equal(before.ModTime) {
		t.Fatalf("move: %+v, %v", obj, err)
	}
	if got := read("in/box/doc.txt"); got != "first" {
		t.Fatalf("moved content %q", got)
	}
	if _, err := s.Stat(ctx, ".staging/a1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("source after move: %v", err)
	}
	if page, err := s.List(ctx, storage.ListOptions{Prefix: ".staging/"}); err != nil || len(page.Objects)+len(page.Prefixes) != 0 {
		t.Fatalf("emptied source folder still listed: %+v, %v", page, err)
	}
	put(".staging/a2", "second")
	if _, err := s.Move(ctx, ".staging/a2", "docs/old.txt"); err != nil {
		t.Fatal(err)
	}
	if got := read("docs/old.txt"); got != "second" {
		t.Fatalf("replaced content %q", got)
	}

	// Refusals change nothing.
	for _, c := range []struct {
		from, to string
		want     error
	}{
		{".staging/none", "x.txt", storage.ErrNotFound},
		{"in", "x.txt", storage.ErrNotFound}, // a folder is not an object
		{"docs/old.txt", "../escape.txt", storage.ErrInvalidKey},
		{"../etc/passwd", "x.txt", storage.ErrInvalidKey},
		{"docs/old.txt", local.TempDir + "/x", storage.ErrInvalidKey},
	} {
		if _, err := s.Move(ctx, c.from, c.to); !errors.Is(err, c.want) {
			t.Errorf("move %q to %q: %v, want %v", c.from, c.to, err, c.want)
		}
	}
	if _, err := s.Move(ctx, "docs/old.txt", "in"); err == nil || !strings.Contains(err.Error(), "folder") {
		t.Errorf("move onto a folder holding objects: %v", err)
	}
	if got := read("docs/old.txt"); got != "second" {
		t.Fatalf("a refused move changed the source: %q", got)
	}
	if got := read("in/box/doc.txt"); got != "first" {
		t.Fatalf("a refused move changed the folder's object: %q", got)
	}
}

// crashChildEnv makes the test binary a child that starts a Put into the
// root it names, its content read from stdin, and never finishes it.
const crashChildEnv = "CONSIGN_LOCAL_CRASH_ROOT"

func TestMain(m *testing.M) {
	if root := os.Getenv(crashChildEnv); root != "" {
		s, err := local.New(local.Config{Root: root})
		if err != nil {
			os.Exit(3)
		}
		s.Put(context.Background(), "crashed/doc.bin", os.Stdin) // killed while reading
		os.Exit(4)
	}
	os.Exit(m.Run())
}

// tempNames lists the files of the root's temporary folder.
func tempNames(t *testing.T, root string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(root, local.TempDir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// TestCrashLeftoversSwept kills a process in the middle of a Put (kill
// -9: no deferred cleanup runs), which leaves its temporary file. Opening
// the store with the sweep off keeps it, as the store always did; opening
// it normally once the file is older than TempMaxAge removes it, while
// the temporary file of a Put still being written (recent) stays.
func TestCrashLeftoversSwept(t *testing.T) {
	root := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+root)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := stdin.Write([]byte("the first bytes of a document")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(tempNamesOrNone(root)) == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the child never started its Put")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	stdin.Close()
	left := tempNames(t, root)
	if len(left) != 1 {
		t.Fatalf("after the crash %d temporary files, want 1: %v", len(left), left)
	}

	reopen := func(maxAge time.Duration) *local.Store {
		s, err := local.New(local.Config{Root: root, TempMaxAge: maxAge})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		return s
	}
	// Before: nothing sweeps (TempMaxAge < 0 is the store as it was).
	old := time.Now().Add(-local.DefaultTempMaxAge - time.Minute)
	if err := os.Chtimes(filepath.Join(root, local.TempDir, left[0]), old, old); err != nil {
		t.Fatal(err)
	}
	if s := reopen(-1); s.Swept() != 0 || len(tempNames(t, root)) != 1 {
		t.Fatalf("with the sweep off: swept %d, %d files left; want 0, 1", s.Swept(), len(tempNames(t, root)))
	}
	t.Logf("crash leftover kept by a store that does not sweep: %d temporary file", len(tempNames(t, root)))

	// A recent file stands for another process's Put in progress.
	recent := filepath.Join(root, local.TempDir, "in-progress")
	if err := os.WriteFile(recent, []byte("still arriving"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := reopen(0)
	if got := tempNames(t, root); s.Swept() != 1 || len(got) != 1 || got[0] != "in-progress" {
		t.Fatalf("after the sweep: swept %d, left %v; want 1 swept, [in-progress] left", s.Swept(), got)
	}
	if _, err := os.Stat(filepath.Join(root, "crashed", "doc.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the crashed Put left a document: %v", err)
	}
	t.Logf("after the sweep: 1 leftover removed, the recent temporary file kept")
}

func tempNamesOrNone(root string) []os.DirEntry {
	ents, _ := os.ReadDir(filepath.Join(root, local.TempDir))
	return ents
}

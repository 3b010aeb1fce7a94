package web

import (
	"fmt"
	"strings"
)

// cleanPath collapses runs of '/' in an URL path into one, so that
// "/api/v1//search" routes like "/api/v1/search" (clients build URLs by
// string slicing). It does not resolve "." or ".." segments: a path that
// has one is refused, so collapsing slashes can never move a request to
// another place in the tree. A trailing slash is kept ("/documents/dir/"
// lists a folder). The path must start with '/'.
func cleanPath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%w: path %q must start with '/'", ErrBadRequest, p)
	}
	if strings.ContainsRune(p, 0) {
		return "", fmt.Errorf("%w: path contains a NUL byte", ErrBadRequest)
	}
	var b strings.Builder
	b.Grow(len(p))
	prevSlash := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '/' {
			if prevSlash {
				continue
			}
			prevSlash = true
		} else {
			prevSlash = false
		}
		b.WriteByte(c)
	}
	out := b.String()
	for _, seg := range strings.Split(out, "/") {
		if seg == "." || seg == ".." {
			return "", fmt.Errorf("%w: path %q has a %q segment; use a plain absolute path", ErrBadRequest, p, seg)
		}
	}
	return out, nil
}

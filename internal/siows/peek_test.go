package siows

import (
	"syscall"
)

type syscallConn interface {
	SyscallConn() (syscall.RawConn, error)
}

// peek reports whether fd has bytes to read (false: wait and try again).
func peek(fd uintptr) bool {
	b := make([]byte, 1)
	n, _, err := syscall.Recvfrom(int(fd), b, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return err == nil && n > 0
}

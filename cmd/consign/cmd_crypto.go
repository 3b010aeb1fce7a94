package main

// This file is owned by the crypto work (issue: sealed envelope); the
// placeholders below are replaced by the real commands.

import (
	"context"
	"errors"
)

var errNotYet = errors.New("not available in this build")

func cmdKeygen(context.Context, *cliEnv, []string) error  { return errNotYet }
func cmdSeal(context.Context, *cliEnv, []string) error    { return errNotYet }
func cmdOpen(context.Context, *cliEnv, []string) error    { return errNotYet }
func cmdIDProof(context.Context, *cliEnv, []string) error { return errNotYet }

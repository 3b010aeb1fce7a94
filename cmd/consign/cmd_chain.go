package main

// This file is owned by the chain work (issue: on-chain registry); the
// placeholder below is replaced by the real command.

import "context"

func cmdChain(context.Context, *cliEnv, []string) error { return errNotYet }
